//! Where, in millimetres from the page's top-left corner, the form puts what a received page is
//! registered by (the finder and alignment patterns of its two codes) and the fields the centre
//! checks by eye (同意日, 本人署名, 代理人署名, 続柄). The same numbers `page::draw` draws with.

use super::draw::{PAGE_H, PAGE_W};
use super::template::Template;

/// A rectangle on the page, in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxMm {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// A field checked for ink.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 同意日: the blanks of 「令和　年　月　日」.
    ConsentDate,
    /// 本人署名.
    Signature,
    /// 代理人署名.
    ProxySignature,
    /// 続柄.
    Relationship,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::ConsentDate,
        Field::Signature,
        Field::ProxySignature,
        Field::Relationship,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::ConsentDate => "consent_date",
            Field::Signature => "signature",
            Field::ProxySignature => "proxy_signature",
            Field::Relationship => "relationship",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Field::ConsentDate => "同意日",
            Field::Signature => "本人署名",
            Field::ProxySignature => "代理人署名",
            Field::Relationship => "続柄",
        }
    }
}

/// The points of one code, in the order the decoder reports them: the symbol's own corners
/// (quiet zone excluded) top-left, top-right, bottom-left, bottom-right — of the symbol, not of
/// the page, so a page upside down reports them in the same order.
pub type CodeMarks = [(f32, f32); 4];

/// What a received front page is registered and checked by.
#[derive(Debug, Clone, PartialEq)]
pub struct Marks {
    /// The top-right code's points, then the bottom-left code's.
    pub codes: [CodeMarks; 2],
    pub fields: Vec<(Field, BoxMm)>,
}

/// The side of a code's block, quiet zone included (version 3 for every payload we print).
pub(super) fn qr_block(t: &Template) -> f32 {
    (29 + 2 * t.layout.quiet_modules) as f32 * t.layout.qr_module_mm
}

/// A code drawn with its block's top-left at (x, y), `n` modules a side.
fn code_marks(t: &Template, x: f32, y: f32, n: usize) -> CodeMarks {
    let m = t.layout.qr_module_mm;
    let q = t.layout.quiet_modules as f32 * m;
    let at = |col: f32, row: f32| (x + q + col * m, y + q + row * m);
    let n = n as f32;
    [at(0.0, 0.0), at(n, 0.0), at(0.0, n), at(n, n)]
}

/// The marks of the front page of form `t` whose codes are `n` modules a side.
pub fn front(t: &Template, n: usize) -> Marks {
    let l = &t.layout;
    let block = qr_block(t);
    let qr_y = PAGE_H - l.edge_mm - block;
    let codes = [
        code_marks(t, PAGE_W - l.edge_mm - block, l.edge_mm, n),
        code_marks(t, l.edge_mm, qr_y, n),
    ];
    Marks {
        codes,
        fields: fields(t),
    }
}

/// The checked fields of a front page of form `t`: the signature block right of the bottom
/// code, as `page::front` draws it; each box runs from just below the row above to just below
/// its own line or baseline.
pub fn fields(t: &Template) -> Vec<(Field, BoxMm)> {
    let l = &t.layout;
    let block = qr_block(t);
    let qr_y = PAGE_H - l.edge_mm - block;
    let bx = l.edge_mm + block + 4.0;
    let right = PAGE_W - l.margin_mm;
    let b = |x0: f32, y0: f32, x1: f32, y1: f32| BoxMm {
        x: x0,
        y: y0,
        w: x1 - x0,
        h: y1 - y0,
    };
    vec![
        // 「同意日　　令和」 takes the first ~28 mm of the row; the date's blanks follow.
        (
            Field::ConsentDate,
            b(bx + 27.0, qr_y + 14.0, right, qr_y + 21.0),
        ),
        (
            Field::Signature,
            b(bx + 24.0, qr_y + 21.5, right, qr_y + 29.6),
        ),
        (
            Field::ProxySignature,
            b(bx + 24.0, qr_y + 30.0, right - 38.0, qr_y + 38.1),
        ),
        (
            Field::Relationship,
            b(right - 26.0, qr_y + 30.0, right, qr_y + 38.1),
        ),
    ]
}

/// How many modules a side the code of `payload` has, as the form draws it.
pub fn modules(payload: &str) -> usize {
    super::draw::qr_code(payload).width()
}
