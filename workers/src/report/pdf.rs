//! A report as A4 pages: the title, then each section's tables, charts and notes from the top,
//! a new page where the next block would not fit (a long table goes on with its header again),
//! and 「n / N」 at the foot of every page.

use super::chart::{self, Anchor, Rgb, Shape};
use super::{Block, Document, Table, CHART_H, CHART_W};
use crate::form::draw::{Canvas, PAGE_H, PAGE_W};
use crate::form::font::{self, FormFont};

const LEFT: f32 = 20.0;
const WIDTH: f32 = 170.0;
const TOP: f32 = 20.0;
const BOTTOM: f32 = 280.0;
const ROW_H: f32 = 5.5;
const CELL_PT: f32 = 8.0;

#[derive(Debug, thiserror::Error)]
#[error("the report could not be written as a PDF: {0}")]
pub struct ReportError(String);

struct Pages<'f> {
    font: &'f FormFont,
    done: Vec<Canvas<'f>>,
    page: Canvas<'f>,
    y: f32,
}

impl<'f> Pages<'f> {
    /// Starts a new page unless `need` mm still fit on this one.
    fn room(&mut self, need: f32) {
        if self.y + need > BOTTOM {
            let full = std::mem::replace(&mut self.page, Canvas::new(self.font));
            self.done.push(full);
            self.y = TOP;
        }
    }

    fn text(&mut self, x: f32, y: f32, size_pt: f32, anchor: Anchor, s: &str) {
        let w = self.font.text_width_mm(s, size_pt);
        let x = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - w / 2.0,
            Anchor::End => x - w,
        };
        self.page.text(x, y, size_pt, s);
    }

    /// Text shrunk (to 5 pt at least) until it fits `max` mm.
    fn fitted(&mut self, x: f32, y: f32, max: f32, anchor: Anchor, s: &str) {
        let w = self.font.text_width_mm(s, CELL_PT);
        let size = if w > max {
            (CELL_PT * max / w).max(5.0)
        } else {
            CELL_PT
        };
        self.text(x, y, size, anchor, s);
    }

    fn fill(&mut self, c: Rgb) {
        self.page.fill_rgb([c.0, c.1, c.2]);
    }

    fn stroke(&mut self, c: Rgb) {
        self.page.stroke_rgb([c.0, c.1, c.2]);
    }
}

/// The report as PDF bytes.
pub fn to_pdf(doc: &Document) -> Result<Vec<u8>, ReportError> {
    let texts = doc.texts();
    let f = font::for_text(texts.iter().copied());
    let mut p = Pages {
        font: f,
        done: Vec::new(),
        page: Canvas::new(f),
        y: TOP,
    };
    p.text(LEFT, p.y + 6.0, 16.0, Anchor::Start, &doc.title);
    p.y += 12.0;
    for line in &doc.subtitle {
        p.text(LEFT, p.y + 4.0, 9.0, Anchor::Start, line);
        p.y += 5.0;
    }
    for s in &doc.sections {
        p.y += 5.0;
        p.room(10.0 + ROW_H * 3.0);
        p.text(LEFT, p.y + 5.0, 11.0, Anchor::Start, &s.heading);
        p.page.line(LEFT, p.y + 7.0, LEFT + WIDTH, p.y + 7.0, 0.8);
        p.y += 10.0;
        for b in &s.blocks {
            match b {
                Block::Table(t) => table(&mut p, t),
                Block::Chart(c) => chart(&mut p, c),
                Block::Note(n) => note(&mut p, n),
            }
        }
    }
    let mut pages = std::mem::take(&mut p.done);
    pages.push(p.page);
    let n = pages.len();
    let mut pdf_pages = Vec::with_capacity(n);
    for (i, mut canvas) in pages.into_iter().enumerate() {
        let foot = format!("{} / {}", i + 1, n);
        let w = f.text_width_mm(&foot, 8.0);
        canvas.text(PAGE_W / 2.0 - w / 2.0, PAGE_H - 10.0, 8.0, &foot);
        pdf_pages.push(canvas.finish());
    }
    crate::form::save(&doc.title, f, &pdf_pages).map_err(ReportError)
}

/// Column widths: the first as wide as its widest cell (within reason), the rest shared.
fn widths(p: &Pages, t: &Table) -> Vec<f32> {
    let cols = t.header.len().max(1);
    if cols == 1 {
        return vec![WIDTH];
    }
    let first = t
        .rows
        .iter()
        .map(|r| r.first().map(String::as_str).unwrap_or(""))
        .chain(t.header.first().map(String::as_str))
        .map(|s| p.font.text_width_mm(s, CELL_PT) + 3.0)
        .fold(20.0, f32::max)
        .min(WIDTH * 0.45);
    let rest = (WIDTH - first) / (cols - 1) as f32;
    std::iter::once(first)
        .chain(std::iter::repeat_n(rest, cols - 1))
        .collect()
}

fn row(p: &mut Pages, cells: &[String], widths: &[f32], header: bool) {
    let top = p.y;
    if header {
        p.fill(Rgb(0xee, 0xee, 0xee));
        p.page.fill_rects(&[(LEFT, top, WIDTH, ROW_H)]);
        p.fill(Rgb::BLACK);
    }
    let mut x = LEFT;
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        let base = top + ROW_H - 1.6;
        if i == 0 {
            p.fitted(x + 1.0, base, w - 2.0, Anchor::Start, cell);
        } else {
            p.fitted(x + w - 1.0, base, w - 2.0, Anchor::End, cell);
        }
        x += w;
    }
    p.page
        .line(LEFT, top + ROW_H, LEFT + WIDTH, top + ROW_H, 0.3);
    p.y += ROW_H;
}

fn table(p: &mut Pages, t: &Table) {
    let widths = widths(p, t);
    p.room(ROW_H * 2.0);
    row(p, &t.header, &widths, true);
    for r in &t.rows {
        if p.y + ROW_H > BOTTOM {
            p.room(ROW_H * 2.0);
            row(p, &t.header, &widths, true);
        }
        row(p, r, &widths, false);
    }
    p.y += 4.0;
}

fn chart(p: &mut Pages, c: &super::Chart) {
    p.room(CHART_H + 4.0);
    let (ox, oy) = (LEFT, p.y);
    for shape in chart::layout(c, CHART_W, CHART_H, p.font) {
        match shape {
            Shape::Rect { x, y, w, h, fill } => {
                p.fill(fill);
                p.page.fill_rects(&[(ox + x, oy + y, w, h)]);
                p.fill(Rgb::BLACK);
            }
            Shape::Line {
                points,
                stroke,
                width_pt,
            } => {
                p.stroke(stroke);
                for pair in points.windows(2) {
                    let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
                    p.page.line(ox + x1, oy + y1, ox + x2, oy + y2, width_pt);
                }
                p.stroke(Rgb::BLACK);
            }
            Shape::Text {
                x,
                y,
                size_pt,
                anchor,
                fill,
                text,
            } => {
                p.fill(fill);
                p.text(ox + x, oy + y, size_pt, anchor, &text);
                p.fill(Rgb::BLACK);
            }
        }
    }
    p.y += CHART_H + 4.0;
}

fn note(p: &mut Pages, n: &str) {
    let f = p.font;
    for line in crate::form::wrap(n, WIDTH, |c| f.width_mm(c, CELL_PT)) {
        p.room(ROW_H);
        p.text(LEFT, p.y + 4.0, CELL_PT, Anchor::Start, &line);
        p.y += 4.5;
    }
    p.y += 2.0;
}
