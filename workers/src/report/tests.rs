use super::chart::{layout, nice_step, Shape};
use super::*;
use crate::form::font;

fn trend() -> Chart {
    Chart {
        title: "新規登録と利用中の推移".into(),
        unit: "件".into(),
        categories: vec!["4月".into(), "5月".into(), "6月".into()],
        series: vec![
            Series {
                name: "新規".into(),
                style: Style::Bars,
                values: vec![Some(4.0), None, Some(10.0)],
            },
            Series {
                name: "利用中（月末）".into(),
                style: Style::Line,
                values: vec![Some(2.0), Some(5.0), Some(7.0)],
            },
        ],
        y_max: None,
    }
}

fn doc(rows: usize) -> Document {
    Document {
        title: "運営状況の報告".into(),
        subtitle: vec!["集計期間：2026年4月1日〜2026年6月30日".into()],
        sections: vec![Section {
            heading: "1. 登録".into(),
            blocks: vec![
                Block::Table(Table {
                    header: vec!["区分".into(), "件数".into()],
                    rows: (0..rows)
                        .map(|i| vec![format!("行{i}"), i.to_string()])
                        .collect(),
                }),
                Block::Chart(trend()),
                Block::Note("数字は期間末の状態です。".into()),
            ],
        }],
    }
}

#[test]
fn steps_are_round() {
    assert_eq!(nice_step(10.0), 2.0);
    assert_eq!(nice_step(7.0), 2.0);
    assert_eq!(nice_step(100.0), 20.0);
    assert_eq!(nice_step(3.0), 1.0);
    assert_eq!(nice_step(0.0), 1.0);
    assert_eq!(nice_step(0.4), 0.1);
}

#[test]
fn bars_stand_in_proportion_and_a_missing_month_draws_nothing() {
    let shapes = layout(&trend(), CHART_W, CHART_H, font::font());
    let bars: Vec<f32> = shapes
        .iter()
        .filter_map(|s| match s {
            // Bars are wider than the 2.2 mm markers and the 3 mm legend keys.
            Shape::Rect { w, h, .. } if *w > 5.0 => Some(*h),
            _ => None,
        })
        .collect();
    assert_eq!(bars.len(), 2, "{shapes:?}");
    assert!((bars[1] / bars[0] - 2.5).abs() < 1e-3, "{bars:?}");
    let labels: Vec<&str> = shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    for t in ["0", "2", "10", "件", "4月", "6月", "新規", "利用中（月末）"] {
        assert!(labels.contains(&t), "{t} in {labels:?}");
    }
    assert!(
        !labels.contains(&"12"),
        "the axis ends at the data's round top"
    );
}

#[test]
fn svg_is_escaped_and_named() {
    let mut c = trend();
    c.title = "A<B & \"C\"".into();
    let svg = chart_svg(&c);
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("<title>A&lt;B &amp; &quot;C&quot;</title>"));
    assert!(!svg.contains("<B"));
    assert!(svg.matches("<polyline").count() >= 3);
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let a = to_pdf(&doc(3)).unwrap();
    let b = to_pdf(&doc(3)).unwrap();
    assert!(a.starts_with(b"%PDF"));
    assert_eq!(a, b);
    assert_ne!(a, to_pdf(&doc(4)).unwrap());
}

#[test]
fn a_long_table_goes_on_over_pages() {
    let pages = |d: &Document| {
        lopdf::Document::load_mem(&to_pdf(d).unwrap())
            .unwrap()
            .get_pages()
            .len()
    };
    assert_eq!(pages(&doc(3)), 1);
    assert!(pages(&doc(120)) >= 3);
}
