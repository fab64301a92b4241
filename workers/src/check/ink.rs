//! Ink in a field: the field's box cut out of the page through the registration (rectified to
//! a fixed grid of pixels per millimetre), what the form itself printed there taken away (the
//! blank form's own ink, widened to forgive a little misregistration; and any long straight
//! rule), and what remains measured as strokes: connected dark pixels above a size, so that a
//! FAX speck or a stray dot is not a signature.

use super::register::Affine;
use super::shift::best_shift;
use crate::fax::Gray;
use crate::form::marks::BoxMm;

/// The grid the crops are cut to: 8 pixels a millimetre (about 200 dpi, FAX fine).
pub const PX_PER_MM: f64 = 8.0;

/// Darker than this is ink.
const DARK: u8 = 128;

/// The box cut from `page` through `to_page`, rectified to [`PX_PER_MM`] (bilinear; outside
/// the page is white). Fixed point along each row: the transform is stepped, not applied, and
/// each sample's weights are 8-bit.
pub fn rectify(page: &Gray, to_page: &Affine, b: &BoxMm) -> Gray {
    const ONE: f64 = 65536.0;
    let w = (f64::from(b.w) * PX_PER_MM).round().max(1.0) as u32;
    let h = (f64::from(b.h) * PX_PER_MM).round().max(1.0) as u32;
    let m = &to_page.0;
    // One output pixel to the right moves this far on the page.
    let (sx, sy) = (
        (m[1] / PX_PER_MM * ONE).round() as i64,
        (m[4] / PX_PER_MM * ONE).round() as i64,
    );
    let mut data = Vec::with_capacity(w as usize * h as usize);
    for j in 0..h {
        let mm = (
            f64::from(b.x) + 0.5 / PX_PER_MM,
            f64::from(b.y) + (f64::from(j) + 0.5) / PX_PER_MM,
        );
        let (x, y) = to_page.apply(mm);
        let (mut fx, mut fy) = (
            ((x - 0.5) * ONE).round() as i64,
            ((y - 0.5) * ONE).round() as i64,
        );
        for _ in 0..w {
            data.push(sample(page, fx, fy));
            fx += sx;
            fy += sy;
        }
    }
    Gray::new(w, h, data)
}

/// The page at (x, y) in 16.16 fixed point, bilinear.
#[inline]
fn sample(g: &Gray, fx: i64, fy: i64) -> u8 {
    let (w, h) = (i64::from(g.width), i64::from(g.height));
    let (x0, y0) = (fx >> 16, fy >> 16);
    let (ax, ay) = ((fx >> 8) & 0xff, (fy >> 8) & 0xff);
    let at = |xx: i64, yy: i64| -> i64 {
        if xx < 0 || yy < 0 || xx >= w || yy >= h {
            255
        } else {
            i64::from(g.data[(yy * w + xx) as usize])
        }
    };
    let top = at(x0, y0) * (256 - ax) + at(x0 + 1, y0) * ax;
    let bottom = at(x0, y0 + 1) * (256 - ax) + at(x0 + 1, y0 + 1) * ax;
    ((top * (256 - ay) + bottom * ay + (1 << 15)) >> 16).clamp(0, 255) as u8
}

/// What was measured in one box.
#[derive(Debug, Clone, PartialEq)]
pub struct Ink {
    /// Dark pixels left, as a share of the box.
    pub share: f64,
    /// Strokes left: connected pieces of ink at least [`MIN_STROKE_MM2`] large.
    pub strokes: usize,
    /// Their area, in square millimetres.
    pub area_mm2: f64,
    /// The extent (width or height, whichever is larger) of the largest, in millimetres.
    pub longest_mm: f64,
}

/// Smaller pieces are specks: FAX noise, a stray dot.
pub const MIN_STROKE_MM2: f64 = 0.35;

/// A run this long (share of the box's side) is a printed rule, not writing.
const RULE_SHARE: f64 = 0.6;

/// Measures the writing in `crop`, taking away `printed` (the blank form's crop of the same
/// box on the same grid) when it is known.
pub fn measure(crop: &Gray, printed: Option<&Gray>) -> Ink {
    // (`printed` is cut on the same grid by `Printed`, once per form version.)
    let (w, h) = (crop.width as usize, crop.height as usize);
    let mut ink: Vec<bool> = crop.data.iter().map(|&v| v < DARK).collect();
    // Where the form's own ink lies on this page: moved to cover most of what was received
    // (the registration is fitted over the whole page; a FAX machine's feed stretches it a
    // little), before the rules are cleared, while they still help to place it.
    let form = printed
        .filter(|p| p.width == crop.width && p.height == crop.height)
        .map(|p| {
            let form: Vec<bool> = p.data.iter().map(|&v| v < DARK).collect();
            widen(
                &best_shift(&ink, &form, w, h),
                w,
                h,
                (0.3 * PX_PER_MM).round() as i64,
            )
        });
    erase_rules(&mut ink, w, h);
    if let Some(form) = form {
        for (i, f) in ink.iter_mut().zip(form) {
            *i = *i && !f;
        }
    }
    let pieces = pieces(&ink, w, h);
    let min_px = (MIN_STROKE_MM2 * PX_PER_MM * PX_PER_MM).round() as usize;
    let kept: Vec<&Piece> = pieces.iter().filter(|p| p.area >= min_px).collect();
    let area: usize = kept.iter().map(|p| p.area).sum();
    let longest = kept.iter().map(|p| p.extent()).max().unwrap_or(0);
    Ink {
        share: area as f64 / (w * h).max(1) as f64,
        strokes: kept.len(),
        area_mm2: area as f64 / (PX_PER_MM * PX_PER_MM),
        longest_mm: longest as f64 / PX_PER_MM,
    }
}

/// Every pixel within `r` (a square) of a set one.
fn widen(mask: &[bool], w: usize, h: usize, r: i64) -> Vec<bool> {
    // Rows, then columns: a square of side 2r+1.
    let mut rows = vec![false; mask.len()];
    for y in 0..h {
        for x in 0..w {
            if mask[y * w + x] {
                let (a, b) = (
                    (x as i64 - r).max(0) as usize,
                    (x as i64 + r).min(w as i64 - 1) as usize,
                );
                rows[y * w + a..=y * w + b]
                    .iter_mut()
                    .for_each(|v| *v = true);
            }
        }
    }
    let mut out = vec![false; mask.len()];
    for y in 0..h {
        for x in 0..w {
            if rows[y * w + x] {
                let a = (y as i64 - r).max(0) as usize;
                let b = (y as i64 + r).min(h as i64 - 1) as usize;
                (a..=b).for_each(|yy| out[yy * w + x] = true);
            }
        }
    }
    out
}

/// Removes the printed rules (a signature line, a table border) that the blank form did not
/// take away. A FAX breaks a thin line into dashes and a slight turn spreads it over a few
/// rows, so a band of five rows is looked at: when ink covers more than [`RULE_SHARE`] of the
/// box's width somewhere in the band, the band is a rule and is cleared. Columns likewise.
fn erase_rules(ink: &mut [bool], w: usize, h: usize) {
    const BAND: usize = 2;
    let rows = |y0: usize, y1: usize, ink: &[bool]| {
        (0..w)
            .filter(|&x| (y0..=y1).any(|y| ink[y * w + x]))
            .count()
    };
    let cols = |x0: usize, x1: usize, ink: &[bool]| {
        (0..h)
            .filter(|&y| (x0..=x1).any(|x| ink[y * w + x]))
            .count()
    };
    let mut gone_rows = vec![false; h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(BAND), (y + BAND).min(h - 1));
        if rows(y0, y1, ink) as f64 >= w as f64 * RULE_SHARE {
            (y0..=y1).for_each(|r| gone_rows[r] = true);
        }
    }
    let mut gone_cols = vec![false; w];
    for x in 0..w {
        let (x0, x1) = (x.saturating_sub(BAND), (x + BAND).min(w - 1));
        if cols(x0, x1, ink) as f64 >= h as f64 * RULE_SHARE {
            (x0..=x1).for_each(|c| gone_cols[c] = true);
        }
    }
    for y in 0..h {
        for x in 0..w {
            if gone_rows[y] || gone_cols[x] {
                ink[y * w + x] = false;
            }
        }
    }
}

struct Piece {
    area: usize,
    min: (usize, usize),
    max: (usize, usize),
}

impl Piece {
    fn extent(&self) -> usize {
        (self.max.0 - self.min.0 + 1).max(self.max.1 - self.min.1 + 1)
    }
}

/// The 8-connected pieces of ink.
fn pieces(ink: &[bool], w: usize, h: usize) -> Vec<Piece> {
    let mut seen = vec![false; ink.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..ink.len() {
        if !ink[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut p = Piece {
            area: 0,
            min: (usize::MAX, usize::MAX),
            max: (0, 0),
        };
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            p.area += 1;
            p.min = (p.min.0.min(x), p.min.1.min(y));
            p.max = (p.max.0.max(x), p.max.1.max(y));
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if ink[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectifying_at_one_to_one_returns_the_page() {
        let g = Gray::new(40, 24, (0..40 * 24).map(|i| (i * 7 % 251) as u8).collect());
        let b = BoxMm {
            x: 0.0,
            y: 0.0,
            w: 5.0,
            h: 3.0,
        };
        let same = rectify(&g, &Affine::scale(PX_PER_MM), &b);
        assert_eq!((same.width, same.height), (40, 24));
        assert_eq!(same.data, g.data);
    }
}
