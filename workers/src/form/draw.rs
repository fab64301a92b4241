//! Drawing primitives in millimetres from the top-left corner of an A4 page, turned into
//! printpdf operations (whose origin is bottom-left, in points). Black only.

use printpdf::{
    Codepoint, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfFontHandle, Point, Polygon,
    PolygonRing, Pt, TextItem, WindingOrder,
};

use super::font::FormFont;
use qrcode::{Color, EcLevel, QrCode};

pub const PAGE_W: f32 = 210.0;
pub const PAGE_H: f32 = 297.0;

fn pt(x: f32, y_from_top: f32) -> Point {
    Point::new(Mm(x), Mm(PAGE_H - y_from_top))
}

/// A page under construction.
pub struct Canvas<'f> {
    pub ops: Vec<Op>,
    font: FontId,
    /// The font's glyphs, when known: text is then written as glyph ids. printpdf would
    /// otherwise look each character up in the font's cmap twice (a scan over thousands of
    /// ranges), which was a sixth of a form's time.
    face: Option<&'f FormFont>,
}

impl<'f> Canvas<'f> {
    pub fn new(font: FontId) -> Self {
        Canvas {
            ops: Vec::new(),
            font,
            face: None,
        }
    }

    /// A canvas whose text is drawn in `face` (as `font`), by glyph id.
    pub fn with_face(font: FontId, face: &'f FormFont) -> Self {
        Canvas {
            ops: Vec::new(),
            font,
            face: Some(face),
        }
    }

    /// `s` as the face's glyphs, each carrying its character for the PDF's ToUnicode map; None
    /// without a face or when a character has no glyph (printpdf then looks it up itself).
    fn glyphs(&self, s: &str) -> Option<Vec<Codepoint>> {
        let face = self.face?;
        s.chars()
            .map(|c| {
                face.glyph(c).map(|(gid, _)| Codepoint {
                    gid,
                    offset: 0.0,
                    cid: Some(c.to_string()),
                })
            })
            .collect()
    }

    /// Text with its baseline at `y`. Each string is its own text section, so its position is
    /// absolute (printpdf's cursor move is relative inside a section).
    pub fn text(&mut self, x: f32, y: f32, size_pt: f32, s: &str) {
        if s.is_empty() {
            return;
        }
        self.ops.extend([
            Op::StartTextSection,
            Op::SetTextCursor { pos: pt(x, y) },
            Op::SetFont {
                font: PdfFontHandle::External(self.font.clone()),
                size: Pt(size_pt),
            },
            Op::ShowText {
                items: vec![match self.glyphs(s) {
                    Some(g) => TextItem::GlyphIds(g),
                    None => TextItem::Text(s.to_string()),
                }],
            },
            Op::EndTextSection,
        ]);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width_pt: f32) {
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width_pt) });
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: pt(x1, y1),
                        bezier: false,
                    },
                    LinePoint {
                        p: pt(x2, y2),
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width_pt: f32) {
        self.line(x, y, x + w, y, width_pt);
        self.line(x + w, y, x + w, y + h, width_pt);
        self.line(x + w, y + h, x, y + h, width_pt);
        self.line(x, y + h, x, y, width_pt);
    }

    /// Filled rectangles as one path with one fill: compact, and crisp at any scale.
    pub(crate) fn fill_rects(&mut self, rects: &[(f32, f32, f32, f32)]) {
        let rings = rects
            .iter()
            .map(|&(x, y, w, h)| PolygonRing {
                points: [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
                    .iter()
                    .map(|&(a, b)| LinePoint {
                        p: pt(a, b),
                        bezier: false,
                    })
                    .collect(),
            })
            .collect();
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings,
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
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
