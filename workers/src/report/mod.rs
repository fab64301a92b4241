//! Reports as documents: a title, sections of tables, charts and notes, written as an A4 PDF in
//! the form's font (IPAex Gothic). The service decides the words and the numbers; this module
//! only lays them out. The same document always gives the same bytes.

pub mod chart;
mod pdf;

pub use chart::{Chart, Series, Style};
pub use pdf::to_pdf;

/// Width and height of a chart, in millimetres, on paper and (scaled) on screen.
pub const CHART_W: f32 = 170.0;
pub const CHART_H: f32 = 62.0;

#[derive(Debug, Clone, Default)]
pub struct Document {
    pub title: String,
    /// Lines under the title: the period, what the figures count as of when.
    pub subtitle: Vec<String>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Table(Table),
    Chart(Chart),
    Note(String),
}

/// A table whose first column is text (left) and whose other columns are figures (right).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Document {
    /// Every piece of text the document prints (to choose the font that draws it all).
    fn texts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = vec![self.title.as_str()];
        out.extend(self.subtitle.iter().map(String::as_str));
        for s in &self.sections {
            out.push(&s.heading);
            for b in &s.blocks {
                match b {
                    Block::Table(t) => {
                        out.extend(t.header.iter().map(String::as_str));
                        out.extend(t.rows.iter().flatten().map(String::as_str));
                    }
                    Block::Chart(c) => {
                        out.extend([c.title.as_str(), c.unit.as_str()]);
                        out.extend(c.categories.iter().map(String::as_str));
                        out.extend(c.series.iter().map(|s| s.name.as_str()));
                    }
                    Block::Note(n) => out.push(n),
                }
            }
        }
        out
    }
}

/// A chart as inline SVG for a web page, laid out exactly as in the PDF.
pub fn chart_svg(c: &Chart) -> String {
    chart::to_svg(c, CHART_W, CHART_H, crate::form::font::font())
}

#[cfg(test)]
mod tests;
