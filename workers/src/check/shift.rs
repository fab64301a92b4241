//! Placing the form's printed matter over a received crop: the shift (up to 0.6 mm either
//! way) under which the form's ink covers most of the crop's, counted on bits (one AND and one
//! count per 64 pixels and shift), since a FAX machine's feed stretches a page a little more
//! than the registration over the whole page allows for.

use super::ink::PX_PER_MM;

/// A mask as bits, 64 pixels a word, each row starting a word.
struct Bits {
    words: usize,
    data: Vec<u64>,
}

impl Bits {
    fn of(mask: &[bool], w: usize, h: usize) -> Bits {
        let words = w.div_ceil(64);
        let mut data = vec![0u64; words * h];
        for y in 0..h {
            for (x, _) in mask[y * w..(y + 1) * w]
                .iter()
                .enumerate()
                .filter(|(_, &v)| v)
            {
                data[y * words + x / 64] |= 1 << (x % 64);
            }
        }
        Bits { words, data }
    }

    /// Every row moved `dx` pixels to the right (left when negative); what leaves is lost.
    fn shifted(&self, dx: i64) -> Bits {
        let (n, words) = (dx.unsigned_abs() as usize, self.words);
        let (whole, part) = (n / 64, (n % 64) as u32);
        let mut data = vec![0u64; self.data.len()];
        for (src, dst) in self.data.chunks(words).zip(data.chunks_mut(words)) {
            for (k, out) in dst.iter_mut().enumerate() {
                let get = |i: i64| -> u64 {
                    if i < 0 || i as usize >= words {
                        0
                    } else {
                        src[i as usize]
                    }
                };
                let k = k as i64;
                let (whole, part) = (whole as i64, part);
                *out = if dx >= 0 {
                    let lo = get(k - whole);
                    let carry = if part == 0 {
                        0
                    } else {
                        get(k - whole - 1) >> (64 - part)
                    };
                    (lo << part) | carry
                } else {
                    let hi = get(k + whole);
                    let carry = if part == 0 {
                        0
                    } else {
                        get(k + whole + 1) << (64 - part)
                    };
                    (hi >> part) | carry
                };
            }
        }
        Bits { words, data }
    }

    fn row(&self, y: usize) -> &[u64] {
        &self.data[y * self.words..(y + 1) * self.words]
    }
}

/// `form` shifted by up to 0.6 mm either way to cover most of `ink` (on bits: one AND and
/// one count per 64 pixels and shift).
pub(super) fn best_shift(ink: &[bool], form: &[bool], w: usize, h: usize) -> Vec<bool> {
    let reach = (0.6 * PX_PER_MM).round() as i64;
    let (ink_bits, form_bits) = (Bits::of(ink, w, h), Bits::of(form, w, h));
    let moved: Vec<Bits> = (-reach..=reach).map(|dx| form_bits.shifted(dx)).collect();
    let mut best = (0u32, 0i64, 0i64);
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let f = &moved[(dx + reach) as usize];
            let mut covered = 0u32;
            for y in 0..h as i64 {
                let sy = y - dy;
                if sy < 0 || sy >= h as i64 {
                    continue;
                }
                let (a, b) = (ink_bits.row(y as usize), f.row(sy as usize));
                covered += a
                    .iter()
                    .zip(b)
                    .map(|(a, b)| (a & b).count_ones())
                    .sum::<u32>();
            }
            // Ties go to the smaller move.
            if covered > best.0
                || (covered == best.0 && dx.abs() + dy.abs() < best.1.abs() + best.2.abs())
            {
                best = (covered, dx, dy);
            }
        }
    }
    let (_, dx, dy) = best;
    let at = |x: usize, y: usize| -> bool {
        let (sx, sy) = (x as i64 - dx, y as i64 - dy);
        sx >= 0 && sy >= 0 && sx < w as i64 && sy < h as i64 && form[sy as usize * w + sx as usize]
    };
    (0..w * h).map(|i| at(i % w, i / w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain way: every dark pixel looked up at every shift.
    fn covered_slowly(ink: &[bool], form: &[bool], w: usize, h: usize, dx: i64, dy: i64) -> usize {
        (0..w * h)
            .filter(|&i| ink[i])
            .filter(|&i| {
                let (sx, sy) = ((i % w) as i64 - dx, (i / w) as i64 - dy);
                sx >= 0
                    && sy >= 0
                    && sx < w as i64
                    && sy < h as i64
                    && form[sy as usize * w + sx as usize]
            })
            .count()
    }

    #[test]
    fn shifted_bits_cover_what_the_plain_lookup_covers() {
        // A width across word boundaries, marks near both edges.
        let (w, h) = (150, 9);
        let mut s = 0x9e37_79b9_u64;
        let mut mask = || {
            (0..w * h)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    s.is_multiple_of(3)
                })
                .collect::<Vec<bool>>()
        };
        let (ink, form) = (mask(), mask());
        let (a, b) = (Bits::of(&ink, w, h), Bits::of(&form, w, h));
        for dx in [-70, -64, -5, -1, 0, 1, 5, 63, 64, 65] {
            let f = b.shifted(dx);
            for dy in [-2i64, 0, 3] {
                let mut fast = 0usize;
                for y in 0..h as i64 {
                    let sy = y - dy;
                    if sy >= 0 && sy < h as i64 {
                        let (r, q) = (a.row(y as usize), f.row(sy as usize));
                        fast += r
                            .iter()
                            .zip(q)
                            .map(|(x, y)| (x & y).count_ones() as usize)
                            .sum::<usize>();
                    }
                }
                assert_eq!(
                    fast,
                    covered_slowly(&ink, &form, w, h, dx, dy),
                    "dx {dx} dy {dy}"
                );
            }
        }
    }
}
