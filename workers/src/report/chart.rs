//! Charts as a list of shapes in millimetres from the top-left corner, laid out once and drawn
//! twice: as SVG on the screen and as vector paths in the PDF, so both show the same marks.
//! Bars or lines over categories (months), a y axis from zero with round ticks, a legend.

use crate::form::font::FormFont;

/// A colour as 0–255 RGB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    pub const GREY: Rgb = Rgb(0x88, 0x88, 0x88);
    pub const LIGHT: Rgb = Rgb(0xdd, 0xdd, 0xdd);

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Okabe–Ito colours, told apart by people with colour-blindness; lines also differ by marker.
const PALETTE: [Rgb; 4] = [
    Rgb(0x00, 0x72, 0xb2),
    Rgb(0xe6, 0x9f, 0x00),
    Rgb(0x00, 0x9e, 0x73),
    Rgb(0xcc, 0x79, 0xa7),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Bars,
    Line,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub style: Style,
    /// One value per category; None leaves a gap (no data that month).
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub title: String,
    /// The unit on the y axis (件, 日, %).
    pub unit: String,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    /// A fixed top for the y axis (100 for a share); otherwise the data's rounded up.
    pub y_max: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// What a chart is drawn with. Text sizes are in points; everything else in millimetres.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
    Line {
        points: Vec<(f32, f32)>,
        stroke: Rgb,
        width_pt: f32,
    },
    Text {
        x: f32,
        y: f32,
        size_pt: f32,
        anchor: Anchor,
        fill: Rgb,
        text: String,
    },
}

pub const TEXT_PT: f32 = 7.0;
const TITLE_PT: f32 = 9.0;

/// Millimetres per point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;

/// A round step for about five ticks up to `max`: 1, 2 or 5 times a power of ten.
pub fn nice_step(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let raw = max / 5.0;
    let pow = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * pow)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * pow);
    // Counts are whole: a step below one would print 0.2 件.
    step.max(if max >= 1.0 { 1.0 } else { step })
}

fn label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Lays `c` out in a `w` × `h` mm box, measuring text with `font`.
pub fn layout(c: &Chart, w: f32, h: f32, font: &FormFont) -> Vec<Shape> {
    let mut out = Vec::new();
    let text = |x, y, size_pt, anchor, s: String| Shape::Text {
        x,
        y,
        size_pt,
        anchor,
        fill: Rgb::BLACK,
        text: s,
    };
    out.push(text(
        0.0,
        TITLE_PT * MM_PER_PT,
        TITLE_PT,
        Anchor::Start,
        c.title.clone(),
    ));
    let data_max = c
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |m, v| m.max(*v));
    let step = nice_step(c.y_max.unwrap_or(data_max));
    let top = c
        .y_max
        .unwrap_or_else(|| ((data_max / step).ceil() * step).max(step));
    let ticks: Vec<f64> = (0..)
        .map(|i| i as f64 * step)
        .take_while(|v| *v <= top + step * 1e-6)
        .collect();
    let gutter = ticks
        .iter()
        .map(|t| font.text_width_mm(&label(*t), TEXT_PT))
        .fold(font.text_width_mm(&c.unit, TEXT_PT), f32::max)
        + 2.0;
    let (left, right) = (gutter, w - 2.0);
    let (plot_top, plot_bottom) = (TITLE_PT * MM_PER_PT + 8.0, h - 14.0);
    let y_of = |v: f64| plot_bottom - (v / top) as f32 * (plot_bottom - plot_top);
    out.push(text(
        left - 2.0,
        plot_top - 3.0,
        TEXT_PT,
        Anchor::End,
        c.unit.clone(),
    ));
    for t in &ticks {
        let y = y_of(*t);
        out.push(Shape::Line {
            points: vec![(left, y), (right, y)],
            stroke: if *t == 0.0 { Rgb::GREY } else { Rgb::LIGHT },
            width_pt: 0.5,
        });
        out.push(text(left - 1.5, y + 1.0, TEXT_PT, Anchor::End, label(*t)));
    }
    let n = c.categories.len().max(1);
    let band = (right - left) / n as f32;
    // Month labels thin out when they would collide.
    let widest = c
        .categories
        .iter()
        .map(|s| font.text_width_mm(s, TEXT_PT))
        .fold(0.0, f32::max);
    let every = ((widest + 1.5) / band).ceil().max(1.0) as usize;
    for (i, cat) in c.categories.iter().enumerate() {
        if i % every == 0 {
            let x = left + band * (i as f32 + 0.5);
            out.push(text(
                x,
                plot_bottom + 4.0,
                TEXT_PT,
                Anchor::Middle,
                cat.clone(),
            ));
        }
    }
    bars(c, &mut out, left, band, &y_of);
    lines(c, &mut out, left, band, &y_of);
    legend(c, &mut out, left, h - 2.0, font);
    out
}

fn colour(i: usize) -> Rgb {
    PALETTE[i % PALETTE.len()]
}

fn bars(c: &Chart, out: &mut Vec<Shape>, left: f32, band: f32, y_of: &dyn Fn(f64) -> f32) {
    let bar_series: Vec<(usize, &Series)> = c
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.style == Style::Bars)
        .collect();
    if bar_series.is_empty() {
        return;
    }
    let width = band * 0.7 / bar_series.len() as f32;
    for (k, (i, s)) in bar_series.iter().enumerate() {
        for (j, v) in s.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let x = left + band * j as f32 + band * 0.15 + width * k as f32;
            let (y0, y1) = (y_of(0.0), y_of(*v));
            out.push(Shape::Rect {
                x,
                y: y1,
                w: width,
                h: y0 - y1,
                fill: colour(*i),
            });
        }
    }
}

fn lines(c: &Chart, out: &mut Vec<Shape>, left: f32, band: f32, y_of: &dyn Fn(f64) -> f32) {
    for (i, s) in c.series.iter().enumerate() {
        if s.style != Style::Line {
            continue;
        }
        // A gap in the data breaks the line.
        let mut run: Vec<(f32, f32)> = Vec::new();
        let flush = |run: &mut Vec<(f32, f32)>, out: &mut Vec<Shape>| {
            if run.len() > 1 {
                out.push(Shape::Line {
                    points: std::mem::take(run),
                    stroke: colour(i),
                    width_pt: 1.5,
                });
            }
            run.clear();
        };
        for (j, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let p = (left + band * (j as f32 + 0.5), y_of(*v));
                    run.push(p);
                    out.push(marker(i, p));
                }
                None => flush(&mut run, out),
            }
        }
        flush(&mut run, out);
    }
}

/// A small square, larger for the second line, so lines differ without colour too.
fn marker(i: usize, (x, y): (f32, f32)) -> Shape {
    let r = if i.is_multiple_of(2) { 0.7 } else { 1.1 };
    Shape::Rect {
        x: x - r,
        y: y - r,
        w: 2.0 * r,
        h: 2.0 * r,
        fill: colour(i),
    }
}

fn legend(c: &Chart, out: &mut Vec<Shape>, mut x: f32, baseline: f32, font: &FormFont) {
    for (i, s) in c.series.iter().enumerate() {
        out.push(Shape::Rect {
            x,
            y: baseline - 2.6,
            w: 3.0,
            h: 3.0,
            fill: colour(i),
        });
        out.push(Shape::Text {
            x: x + 4.0,
            y: baseline,
            size_pt: TEXT_PT,
            anchor: Anchor::Start,
            fill: Rgb::BLACK,
            text: s.name.clone(),
        });
        x += 4.0 + font.text_width_mm(&s.name, TEXT_PT) + 5.0;
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The chart as an SVG element that scales to its container's width; the title is its
/// accessible name (the page shows the same numbers in a table).
pub fn to_svg(c: &Chart, w: f32, h: f32, font: &FormFont) -> String {
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" aria-label="{t}" class="chart"><title>{t}</title>"#,
        t = escape(&c.title)
    );
    for shape in layout(c, w, h, font) {
        match shape {
            Shape::Rect { x, y, w, h, fill } => s.push_str(&format!(
                r#"<rect x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{h:.2}" fill="{}"/>"#,
                fill.hex()
            )),
            Shape::Line {
                points,
                stroke,
                width_pt,
            } => {
                let pts: Vec<String> = points
                    .iter()
                    .map(|(x, y)| format!("{x:.2},{y:.2}"))
                    .collect();
                s.push_str(&format!(
                    r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{:.2}"/>"#,
                    pts.join(" "),
                    stroke.hex(),
                    width_pt * MM_PER_PT
                ));
            }
            Shape::Text {
                x,
                y,
                size_pt,
                anchor,
                fill,
                text,
            } => s.push_str(&format!(
                r#"<text x="{x:.2}" y="{y:.2}" font-size="{:.2}" text-anchor="{}" fill="{}">{}</text>"#,
                size_pt * MM_PER_PT,
                match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                },
                fill.hex(),
                escape(&text)
            )),
        }
    }
    s.push_str("</svg>");
    s
}
