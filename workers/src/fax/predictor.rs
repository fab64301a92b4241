//! Flate predictors (PDF 32000-1, 7.4.4.4): the PNG row filters (None, Sub, Up, Average, Paeth,
//! or a choice per row) and the TIFF horizontal predictor, at 1, 2, 4, 8 and 16 bits per
//! component with rows padded to whole bytes.
//!
//! Written here because the PDF reader's own undoes PNG filters only for whole-byte samples:
//! a 1-bit black-and-white scan (what img2pdf and many scanners write, `/Predictor 15`) came
//! out as "invalid PNG filter type". No maintained crate exposes row unfiltering on its own.

/// The `/DecodeParms` of a predicted stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Predictor {
    /// 1: none; 2: TIFF; 10–15: PNG.
    pub kind: i64,
    pub colors: usize,
    pub bits: usize,
    pub columns: usize,
}

impl Predictor {
    /// Bytes in one row of samples (without the PNG filter byte).
    pub fn row_bytes(&self) -> usize {
        (self.colors * self.bits * self.columns).div_ceil(8)
    }

    /// Bytes per whole pixel, at least one: how far back the Sub, Average and Paeth filters look.
    fn pixel_bytes(&self) -> usize {
        (self.colors * self.bits).div_ceil(8).max(1)
    }
}

/// Undoes the predictor: the rows of samples, padded to whole bytes. A short last row is
/// dropped (the image's own size then says the data is short).
pub fn undo(data: &[u8], p: &Predictor) -> Result<Vec<u8>, String> {
    if !matches!(p.bits, 1 | 2 | 4 | 8 | 16) {
        return Err(format!("{} bits per component", p.bits));
    }
    if p.colors == 0 || p.columns == 0 {
        return Err("a predictor without colours or columns".into());
    }
    match p.kind {
        0 | 1 => Ok(data.to_vec()),
        2 => Ok(tiff(data, p)),
        10..=15 => png(data, p),
        k => Err(format!("unknown predictor {k}")),
    }
}

fn png(data: &[u8], p: &Predictor) -> Result<Vec<u8>, String> {
    let stride = p.row_bytes();
    let bpp = p.pixel_bytes();
    let rows = data.len() / (stride + 1);
    let mut out = vec![0u8; rows * stride];
    let mut prior = vec![0u8; stride];
    for (y, row) in data.chunks_exact(stride + 1).enumerate() {
        let (filter, src) = (row[0], &row[1..]);
        let cur = &mut out[y * stride..(y + 1) * stride];
        cur.copy_from_slice(src);
        unfilter(filter, cur, &prior, bpp)
            .map_err(|_| format!("invalid PNG filter type ({filter}) in row {y}"))?;
        prior.copy_from_slice(cur);
    }
    Ok(out)
}

/// One row in place: `cur` holds the filtered bytes, `prior` the row above (zeros at the top).
fn unfilter(filter: u8, cur: &mut [u8], prior: &[u8], bpp: usize) -> Result<(), ()> {
    match filter {
        0 => {}
        1 => {
            for i in bpp..cur.len() {
                cur[i] = cur[i].wrapping_add(cur[i - bpp]);
            }
        }
        2 => {
            for (c, &b) in cur.iter_mut().zip(prior) {
                *c = c.wrapping_add(b);
            }
        }
        3 => {
            for i in 0..cur.len() {
                let left = if i >= bpp { cur[i - bpp] } else { 0 };
                let avg = ((u16::from(left) + u16::from(prior[i])) / 2) as u8;
                cur[i] = cur[i].wrapping_add(avg);
            }
        }
        4 => {
            for i in 0..cur.len() {
                let (a, c) = if i >= bpp {
                    (cur[i - bpp], prior[i - bpp])
                } else {
                    (0, 0)
                };
                cur[i] = cur[i].wrapping_add(paeth(a, prior[i], c));
            }
        }
        _ => return Err(()),
    }
    Ok(())
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (ia, ib, ic) = (i16::from(a), i16::from(b), i16::from(c));
    let p = ia + ib - ic;
    let (pa, pb, pc) = ((p - ia).abs(), (p - ib).abs(), (p - ic).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// TIFF predictor 2: each sample is stored as its difference from the same colour's sample one
/// pixel to the left, modulo its bit depth.
fn tiff(data: &[u8], p: &Predictor) -> Vec<u8> {
    let stride = p.row_bytes();
    let mut out = data[..data.len() - data.len() % stride.max(1)].to_vec();
    let per_row = p.colors * p.columns;
    for row in out.chunks_exact_mut(stride) {
        match p.bits {
            8 => {
                for i in p.colors..per_row {
                    row[i] = row[i].wrapping_add(row[i - p.colors]);
                }
            }
            16 => {
                for i in p.colors..per_row {
                    let at = |r: &[u8], k: usize| u16::from_be_bytes([r[2 * k], r[2 * k + 1]]);
                    let v = at(row, i).wrapping_add(at(row, i - p.colors));
                    row[2 * i..2 * i + 2].copy_from_slice(&v.to_be_bytes());
                }
            }
            bits => {
                let mask = (1u16 << bits) - 1;
                for i in p.colors..per_row {
                    let v = (sample(row, i, bits) + sample(row, i - p.colors, bits)) & mask;
                    set_sample(row, i, bits, v as u8);
                }
            }
        }
    }
    out
}

/// Sample `i` of a row packed at `bits` (1, 2 or 4) per sample, most significant first.
fn sample(row: &[u8], i: usize, bits: usize) -> u16 {
    let bit = i * bits;
    let shift = 8 - bits - bit % 8;
    u16::from((row[bit / 8] >> shift) & ((1u8 << bits) - 1))
}

fn set_sample(row: &mut [u8], i: usize, bits: usize, v: u8) {
    let bit = i * bits;
    let shift = 8 - bits - bit % 8;
    let mask = ((1u8 << bits) - 1) << shift;
    row[bit / 8] = (row[bit / 8] & !mask) | ((v << shift) & mask);
}

/// Rows of samples at `bits` per component (padded to whole bytes) as 8-bit samples, scaled so
/// the top of the range is 255 (16-bit samples keep their high byte).
pub fn to_8bit(raw: &[u8], bits: usize, per_row: usize, rows: usize) -> Result<Vec<u8>, String> {
    let stride = (per_row * bits).div_ceil(8);
    if raw.len() < stride * rows {
        return Err("image data is shorter than its size".into());
    }
    let mut out = Vec::with_capacity(per_row * rows);
    for row in raw.chunks_exact(stride.max(1)).take(rows) {
        match bits {
            8 => out.extend_from_slice(&row[..per_row]),
            16 => out.extend((0..per_row).map(|i| row[2 * i])),
            1 | 2 | 4 => {
                let scale = 255 / ((1u16 << bits) - 1);
                out.extend((0..per_row).map(|i| (sample(row, i, bits) * scale) as u8));
            }
            b => return Err(format!("{b} bits per component")),
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "predictor_tests.rs"]
mod tests;
