//! Drawing primitives in millimetres from the top-left corner of an A4 page, written straight
//! into the page's PDF content stream (whose origin is bottom-left, in points). Black unless a
//! colour is set.
//!
//! Text is written as the face's glyph ids, each recorded with its character for the PDF's
//! ToUnicode map. Building printpdf operations and having printpdf encode them (looking every
//! character up in the font's cmap, twice) was a third of a form's time.

use std::collections::BTreeMap;

use super::font::FormFont;
use qrcode::{Color, EcLevel, QrCode};
use serde::Serialize;

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;

/// The name every page's font has in its resources.
pub(crate) const FONT_NAME: &str = "F1";

const PT: f32 = 72.0 / 25.4;

/// What was drawn, in points from the bottom-left corner: for `benches/reportlab_compare.sh`,
/// which has ReportLab draw the very same marks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Line {
        points: [f32; 4],
        width: f32,
    },
    Rects {
        rects: Vec<[f32; 4]>,
    },
    Fill {
        rgb: [u8; 3],
    },
    Stroke {
        rgb: [u8; 3],
    },
}

/// A page under construction.
pub struct Canvas<'f> {
    content: Vec<u8>,
    face: &'f FormFont,
    /// Every glyph drawn, with the character it draws.
    glyphs: BTreeMap<u16, char>,
    line_width: Option<f32>,
    marks: Option<Vec<Mark>>,
}

/// A finished page: its content stream and the glyphs it draws.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub content: Vec<u8>,
    pub glyphs: BTreeMap<u16, char>,
    /// The marks, when the canvas kept them.
    pub marks: Vec<Mark>,
}

/// Writes `v` with at most three decimals: closer than any printer or viewer resolves.
fn num(out: &mut Vec<u8>, v: f32) {
    let m = (f64::from(v) * 1000.0).round() as i64;
    if m < 0 {
        out.push(b'-');
    }
    let m = m.unsigned_abs();
    int(out, m / 1000);
    let frac = m % 1000;
    if frac != 0 {
        let digits = [
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ];
        let keep = 3 - digits.iter().rev().take_while(|&&d| d == b'0').count();
        out.push(b'.');
        out.extend_from_slice(&digits[..keep]);
    }
}

fn int(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

fn hex4(out: &mut Vec<u8>, v: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((v >> shift) & 0xf)]);
    }
}

impl<'f> Canvas<'f> {
    /// A canvas whose text is drawn in `face`.
    pub fn new(face: &'f FormFont) -> Self {
        Canvas {
            content: Vec::with_capacity(16 * 1024),
            face,
            glyphs: BTreeMap::new(),
            line_width: None,
            marks: None,
        }
    }

    /// A canvas that also keeps what it draws as [`Mark`]s.
    pub fn keeping_marks(face: &'f FormFont) -> Self {
        Canvas {
            marks: Some(Vec::new()),
            ..Canvas::new(face)
        }
    }

    pub fn face(&self) -> &'f FormFont {
        self.face
    }

    pub fn finish(self) -> Page {
        Page {
            content: self.content,
            glyphs: self.glyphs,
            marks: self.marks.unwrap_or_default(),
        }
    }

    fn xy(&mut self, x: f32, y_from_top: f32) {
        num(&mut self.content, x * PT);
        self.content.push(b' ');
        num(&mut self.content, (PAGE_H - y_from_top) * PT);
        self.content.push(b' ');
    }

    /// Text with its baseline at `y`. A character the face lacks is drawn as its .notdef box
    /// (forms refuse such text before drawing it).
    pub fn text(&mut self, x: f32, y: f32, size_pt: f32, s: &str) {
        if s.is_empty() {
            return;
        }
        self.content.extend_from_slice(b"BT /");
        self.content.extend_from_slice(FONT_NAME.as_bytes());
        self.content.push(b' ');
        num(&mut self.content, size_pt);
        self.content.extend_from_slice(b" Tf ");
        self.xy(x, y);
        self.content.extend_from_slice(b"Td <");
        for c in s.chars() {
            let gid = self.face.glyph(c).map_or(0, |(g, _)| g);
            if gid != 0 {
                self.glyphs.entry(gid).or_insert(c);
            }
            hex4(&mut self.content, gid);
        }
        self.content.extend_from_slice(b"> Tj ET\n");
        if let Some(m) = &mut self.marks {
            m.push(Mark::Text {
                x: x * PT,
                y: (PAGE_H - y) * PT,
                size: size_pt,
                text: s.to_string(),
            });
        }
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width_pt: f32) {
        if self.line_width != Some(width_pt) {
            num(&mut self.content, width_pt);
            self.content.extend_from_slice(b" w\n");
            self.line_width = Some(width_pt);
        }
        self.xy(x1, y1);
        self.content.extend_from_slice(b"m ");
        self.xy(x2, y2);
        self.content.extend_from_slice(b"l S\n");
        if let Some(m) = &mut self.marks {
            let points = [x1 * PT, (PAGE_H - y1) * PT, x2 * PT, (PAGE_H - y2) * PT];
            m.push(Mark::Line {
                points,
                width: width_pt,
            });
        }
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width_pt: f32) {
        self.line(x, y, x + w, y, width_pt);
        self.line(x + w, y, x + w, y + h, width_pt);
        self.line(x + w, y + h, x, y + h, width_pt);
        self.line(x, y + h, x, y, width_pt);
    }

    /// Filled rectangles (x, y from the top, width, height) as one path with one fill.
    pub(crate) fn fill_rects(&mut self, rects: &[(f32, f32, f32, f32)]) {
        for &(x, y, w, h) in rects {
            self.xy(x, y + h);
            num(&mut self.content, w * PT);
            self.content.push(b' ');
            num(&mut self.content, h * PT);
            self.content.extend_from_slice(b" re\n");
        }
        self.content.extend_from_slice(b"f\n");
        if let Some(m) = &mut self.marks {
            let rects = rects
                .iter()
                .map(|&(x, y, w, h)| [x * PT, (PAGE_H - y - h) * PT, w * PT, h * PT])
                .collect();
            m.push(Mark::Rects { rects });
        }
    }

    fn colour(&mut self, rgb: [u8; 3], op: &[u8]) {
        for v in rgb {
            num(&mut self.content, f32::from(v) / 255.0);
            self.content.push(b' ');
        }
        self.content.extend_from_slice(op);
    }

    /// The colour of fills and text from here on.
    pub fn fill_rgb(&mut self, rgb: [u8; 3]) {
        self.colour(rgb, b"rg\n");
        if let Some(m) = &mut self.marks {
            m.push(Mark::Fill { rgb });
        }
    }

    /// The colour of lines from here on.
    pub fn stroke_rgb(&mut self, rgb: [u8; 3]) {
        self.colour(rgb, b"RG\n");
        if let Some(m) = &mut self.marks {
            m.push(Mark::Stroke { rgb });
        }
    }

    /// Draws a QR code (made by [`qr_code`]) whose quiet zone starts at (x, y). Returns the
    /// side of the whole block, quiet zone included, in millimetres.
    pub fn qr(&mut self, x: f32, y: f32, module_mm: f32, quiet: u32, code: &QrCode) -> f32 {
        let n = code.width();
        let colors = code.to_colors();
        let q = quiet as f32 * module_mm;
        let mut rects = Vec::new();
        // One rectangle per horizontal run of dark modules keeps the path small.
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == Color::Dark {
                        col += 1;
                    }
                    rects.push((
                        x + q + start as f32 * module_mm,
                        y + q + row as f32 * module_mm,
                        (col - start) as f32 * module_mm,
                        module_mm,
                    ));
                } else {
                    col += 1;
                }
            }
        }
        self.fill_rects(&rects);
        n as f32 * module_mm + 2.0 * q
    }
}

/// Encodes `data` at error correction H. Encoding picks the best of eight masks, so a page makes
/// its code once and draws it in both corners.
pub fn qr_code(data: &str) -> QrCode {
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::H)
        .expect("payloads are short enough for a QR code")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_short_and_exact_to_a_thousandth() {
        let mut out = Vec::new();
        for v in [0.0, 12.0, 0.5, -3.25, 595.2756, 0.0004, -0.0006, 841.89] {
            num(&mut out, v);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 12 0.5 -3.25 595.276 0 -0.001 841.89 "
        );
    }

    #[test]
    fn text_is_written_as_glyph_ids_and_remembered_for_tounicode() {
        let face = super::super::font::base().expect("base font");
        let mut c = Canvas::new(face);
        c.text(10.0, 20.0, 10.5, "山A");
        let page = c.finish();
        let text = String::from_utf8(page.content).unwrap();
        let (g1, _) = face.glyph('山').unwrap();
        let (g2, _) = face.glyph('A').unwrap();
        assert_eq!(
            text,
            format!("BT /F1 10.5 Tf 28.346 785.197 Td <{g1:04X}{g2:04X}> Tj ET\n")
        );
        assert_eq!(page.glyphs, BTreeMap::from([(g1, '山'), (g2, 'A')]));
    }
}
