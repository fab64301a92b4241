//! The council report laid out once — headings, tables, charts, notes — for the screen, the PDF
//! and the CSV, so the three show the same words and numbers.

use consentflow_workers::report::{Block, Chart, Document, Section, Series, Style, Table};

use super::report::{LeadTimes, MonthFigures, OperationsReport};
use crate::clock::local_time;
use crate::domain::report::Spread;
use crate::domain::status::IncidentState;
use crate::error::{AppError, AppResult};

pub const TITLE: &str = "電子@連絡帳 運営状況の報告";

/// 1,234
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.1}%"))
}

fn table<const N: usize>(header: [&str; N], rows: Vec<Vec<String>>) -> Block {
    Block::Table(Table {
        header: header.iter().map(|s| s.to_string()).collect(),
        rows,
    })
}

fn month_label(m: &MonthFigures) -> String {
    if m.in_period {
        m.label.clone()
    } else {
        format!("{}＊", m.label)
    }
}

/// The report as a document.
pub fn document(r: &OperationsReport) -> Document {
    let mut subtitle = vec![format!("集計期間：{}", r.label)];
    if let Some(t) = r.as_of {
        subtitle.push(format!(
            "期間の途中のため {} 時点の数値です。",
            local_time(&t)
        ));
    }
    Document {
        title: TITLE.into(),
        subtitle,
        sections: vec![
            offices(r),
            enrollments(r),
            lead_times(r),
            fax(r),
            training(r),
            incidents(r),
        ],
    }
}

fn offices(r: &OperationsReport) -> Section {
    let mut rows: Vec<Vec<String>> = r
        .offices
        .iter()
        .map(|o| {
            vec![
                o.label.to_string(),
                count(o.registered),
                count(o.approved),
                count(o.closed),
                count(o.pcs),
                count(o.pcs_new),
            ]
        })
        .collect();
    let sum = |f: fn(&super::report::OfficeFigures) -> i64| count(r.offices.iter().map(f).sum());
    rows.push(vec![
        "合計".into(),
        sum(|o| o.registered),
        sum(|o| o.approved),
        sum(|o| o.closed),
        sum(|o| o.pcs),
        sum(|o| o.pcs_new),
    ]);
    let logins = r
        .logins
        .iter()
        .map(|l| vec![l.label.to_string(), count(l.count)])
        .collect();
    Section {
        heading: "1. 参加事業所・端末・ログインID".into(),
        blocks: vec![
            table(
                [
                    "施設属性",
                    "登録（期末）",
                    "新規承認",
                    "廃止",
                    "端末（期末）",
                    "端末（新規）",
                ],
                rows,
            ),
            table(["区分", "ログインID（期末）"], logins),
        ],
    }
}

fn enrollments(r: &OperationsReport) -> Section {
    let e = &r.enrollments;
    let summary = [
        ("新規登録", e.new),
        ("利用開始", e.activated),
        ("撤回", e.withdrawn),
        ("終了", e.closed),
        ("利用中（期末）", e.active_at_end),
    ]
    .iter()
    .map(|(k, v)| vec![k.to_string(), count(*v)])
    .collect();
    let funnel = r
        .funnel
        .iter()
        .map(|s| vec![s.label.to_string(), count(s.count)])
        .collect();
    let monthly = r
        .months
        .iter()
        .map(|m| vec![month_label(m), count(m.new), count(m.active_at_end)])
        .collect();
    let chart = Chart {
        title: "新規登録と利用中の推移".into(),
        unit: "件".into(),
        categories: categories(r),
        series: vec![
            series("新規登録", Style::Bars, r, |m| Some(m.new as f64)),
            series("利用中（月末）", Style::Line, r, |m| {
                Some(m.active_at_end as f64)
            }),
        ],
        y_max: None,
    };
    Section {
        heading: "2. 登録（同意）の状況".into(),
        blocks: vec![
            table(["項目", "件数"], summary),
            table(["状態（期末）", "件数"], funnel),
            Block::Chart(chart),
            table(["月", "新規登録", "利用中（月末）"], monthly),
            months_note(r),
        ],
    }
}

fn months_note(r: &OperationsReport) -> Block {
    let outside = r.months.iter().any(|m| !m.in_period);
    Block::Note(if outside {
        "＊は集計期間の前の月です（推移を見るための参考）。".into()
    } else {
        "月ごとの数値は、その月の末日時点です。".into()
    })
}

fn categories(r: &OperationsReport) -> Vec<String> {
    r.months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            // The year where it starts or turns; otherwise the month alone.
            if i == 0 || m.month.ends_with("-01") {
                m.label.clone()
            } else {
                m.label.split('年').nth(1).unwrap_or(&m.label).to_string()
            }
        })
        .collect()
}

fn series(
    name: &str,
    style: Style,
    r: &OperationsReport,
    f: impl Fn(&MonthFigures) -> Option<f64>,
) -> Series {
    Series {
        name: name.into(),
        style,
        values: r.months.iter().map(f).collect(),
    }
}

/// One lead time, read off the figures.
type Leg = fn(&LeadTimes) -> Option<Spread>;

const LEGS: [(&str, Leg); 3] = [
    ("同意→写し受領", |l| l.consent_to_copy),
    ("写し受領→確認", |l| l.copy_to_verified),
    ("確認→利用開始", |l| l.verified_to_active),
];

fn lead_times(r: &OperationsReport) -> Section {
    let overall = LEGS
        .iter()
        .map(|(name, f)| {
            let s = f(&r.lead);
            vec![
                name.to_string(),
                count(s.map_or(0, |s| s.count as i64)),
                num(s.and_then(|s| s.median)),
                num(s.and_then(|s| s.p90)),
            ]
        })
        .collect();
    let monthly = r
        .months
        .iter()
        .map(|m| {
            let mut row = vec![month_label(m)];
            for (_, f) in LEGS {
                let s = f(&m.lead);
                row.push(num(s.and_then(|s| s.median)));
                row.push(num(s.and_then(|s| s.p90)));
            }
            row
        })
        .collect();
    let chart = Chart {
        title: "所要日数（中央値）の推移".into(),
        unit: "日".into(),
        categories: categories(r),
        series: LEGS
            .iter()
            .map(|(name, f)| series(name, Style::Line, r, |m| f(&m.lead).and_then(|s| s.median)))
            .collect(),
        y_max: None,
    };
    Section {
        heading: "3. 所要日数".into(),
        blocks: vec![
            table(["区間", "件数", "中央値（日）", "90%点（日）"], overall),
            Block::Chart(chart),
            table(
                ["月", "同意→受領 中央値", "90%点", "受領→確認 中央値", "90%点", "確認→開始 中央値", "90%点"],
                monthly,
            ),
            Block::Note(
                "その月に後の段階へ進んだ登録について数えています。同意→写し受領は同意日から受領日までの日数です。".into(),
            ),
        ],
    }
}

fn fax(r: &OperationsReport) -> Section {
    let f = &r.fax;
    let share = |n: i64| pct(crate::domain::report::percent(n, f.pages));
    let rows = vec![
        vec!["受信（通）".into(), count(f.messages), String::new()],
        vec!["受信ページ".into(), count(f.pages), String::new()],
        vec!["自動で照合".into(), count(f.auto), pct(f.auto_share)],
        vec![
            "手作業で照合".into(),
            count(f.by_hand),
            pct(f.by_hand_share),
        ],
        vec![
            "対象外として処理".into(),
            count(f.discarded),
            pct(f.discarded_share),
        ],
        vec!["重複・旧版".into(), count(f.set_aside), share(f.set_aside)],
        vec!["未処理".into(), count(f.waiting), share(f.waiting)],
    ];
    let times = vec![
        vec!["自動で照合".into(), num(f.median_minutes_auto)],
        vec!["手作業で照合".into(), num(f.median_minutes_by_hand)],
        vec!["全体".into(), num(f.median_minutes)],
    ];
    let chart = Chart {
        title: "FAXの自動照合率".into(),
        unit: "%".into(),
        categories: categories(r),
        series: vec![series("自動照合率", Style::Line, r, |m| m.auto_share)],
        y_max: Some(100.0),
    };
    Section {
        heading: "4. FAXの受信と照合".into(),
        blocks: vec![
            table(["項目", "件数", "割合"], rows),
            table(["受信から照合まで", "中央値（分）"], times),
            Block::Chart(chart),
        ],
    }
}

fn training(r: &OperationsReport) -> Section {
    let rows = r
        .training
        .iter()
        .map(|t| vec![t.label.to_string(), count(t.count)])
        .collect();
    Section {
        heading: "5. セキュリティ研修".into(),
        blocks: vec![table(["状況（期末）", "事業所数"], rows)],
    }
}

fn incidents(r: &OperationsReport) -> Section {
    let mut header: Vec<String> = vec!["種類".into()];
    header.extend(IncidentState::ALL.iter().map(|s| s.label_ja().to_string()));
    header.push("計".into());
    let rows = r
        .incidents
        .iter()
        .map(|i| {
            let mut row = vec![i.label.clone()];
            row.extend(i.by_state.iter().map(|n| count(*n)));
            row.push(count(i.total));
            row
        })
        .collect();
    Section {
        heading: "6. 事故・障害の報告".into(),
        blocks: vec![
            Block::Table(Table { header, rows }),
            Block::Note("期間中に報告されたものを、期末時点の対応状況で数えています。".into()),
        ],
    }
}

/// The tables as CSV for Excel (UTF-8 with a byte-order mark, CRLF): each under its section's
/// heading, a blank line between.
pub fn csv(d: &Document) -> Vec<u8> {
    use crate::domain::csv::row;
    let mut out = String::from("\u{feff}");
    out.push_str(&row([d.title.as_str()]));
    for s in &d.subtitle {
        out.push_str(&row([s.as_str()]));
    }
    for s in &d.sections {
        for b in &s.blocks {
            if let Block::Table(t) = b {
                out.push_str("\r\n");
                out.push_str(&row([s.heading.as_str()]));
                out.push_str(&row(t.header.iter().map(String::as_str)));
                for r in &t.rows {
                    out.push_str(&row(r.iter().map(String::as_str)));
                }
            }
        }
    }
    out.into_bytes()
}

/// The report as a PDF, drawn off the async threads.
pub async fn pdf(d: Document) -> AppResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || consentflow_workers::report::to_pdf(&d))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))
}
