//! Registration: the transform from the form's millimetres to a received page's pixels, fitted
//! by least squares over the points the decoder reported for both codes. An affine transform
//! holds translation, scale (standard FAX's 2:1 included, once the reader has evened it out or
//! not), rotation and skew; its residual says how well the page agrees with the form.

use crate::form::marks::CodeMarks;

/// page = (m0 + m1·x + m2·y, m3 + m4·x + m5·y) for (x, y) in millimetres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine(pub [f64; 6]);

impl Affine {
    /// `k` pixels a millimetre, no turn.
    pub fn scale(k: f64) -> Affine {
        Affine([0.0, k, 0.0, 0.0, 0.0, k])
    }

    pub fn apply(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let m = &self.0;
        (m[0] + m[1] * x + m[2] * y, m[3] + m[4] * x + m[5] * y)
    }

    /// Pixels per millimetre (the mean of the two axes' scales).
    pub fn px_per_mm(&self) -> f64 {
        let m = &self.0;
        ((m[1] * m[1] + m[4] * m[4]).sqrt() + (m[2] * m[2] + m[5] * m[5]).sqrt()) / 2.0
    }
}

/// A fitted transform and how far, on average, the points lie from where it puts them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Registration {
    pub to_page: Affine,
    /// Root-mean-square distance in pixels between each point and the transform's image of
    /// its mark.
    pub residual_px: f64,
    pub points: usize,
}

impl Registration {
    /// The residual in millimetres (comparable across resolutions).
    pub fn residual_mm(&self) -> f64 {
        self.residual_px / self.to_page.px_per_mm().max(1e-9)
    }
}

/// Solves the 3×3 system `a·x = b` (Gaussian elimination with pivoting); None if singular.
fn solve3(mut a: [[f64; 3]; 3], mut b: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..3 {
            let f = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (v, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *v -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        let sum: f64 = (row + 1..3).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - sum) / a[row][row];
    }
    Some(x)
}

/// A mark on the form (mm) and where it was seen on the page (px).
pub type Pair = ((f64, f64), (f64, f64));

/// The least-squares affine transform taking each `(mark, point)` pair's mark to its point.
pub fn fit(pairs: &[Pair]) -> Option<Registration> {
    if pairs.len() < 3 {
        return None;
    }
    let mut ata = [[0.0; 3]; 3];
    let (mut atx, mut aty) = ([0.0; 3], [0.0; 3]);
    for &((x, y), (px, py)) in pairs {
        let row = [1.0, x, y];
        for i in 0..3 {
            for j in 0..3 {
                ata[i][j] += row[i] * row[j];
            }
            atx[i] += row[i] * px;
            aty[i] += row[i] * py;
        }
    }
    let a = solve3(ata, atx)?;
    let b = solve3(ata, aty)?;
    let to_page = Affine([a[0], a[1], a[2], b[0], b[1], b[2]]);
    let sq: f64 = pairs
        .iter()
        .map(|&(mark, (px, py))| {
            let (qx, qy) = to_page.apply(mark);
            (qx - px).powi(2) + (qy - py).powi(2)
        })
        .sum();
    Some(Registration {
        to_page,
        residual_px: (sq / pairs.len() as f64).sqrt(),
        points: pairs.len(),
    })
}

/// Registers a page from two sightings of its codes (the decoder's points, in pixels) against
/// the form's two codes. Which sighting is which code is not known (a page may lie upside
/// down): both ways are fitted and the closer kept.
pub fn register(marks: &[CodeMarks; 2], sightings: &[Vec<(f32, f32)>]) -> Option<Registration> {
    let [first, second] = sightings else {
        return None;
    };
    let pairs = |a: &CodeMarks, pa: &[(f32, f32)], b: &CodeMarks, pb: &[(f32, f32)]| {
        let one = a.iter().zip(pa);
        let other = b.iter().zip(pb);
        one.chain(other)
            .map(|(&(x, y), &(px, py))| ((x as f64, y as f64), (px as f64, py as f64)))
            .collect::<Vec<_>>()
    };
    let straight = fit(&pairs(&marks[0], first, &marks[1], second));
    let crossed = fit(&pairs(&marks[1], first, &marks[0], second));
    match (straight, crossed) {
        (Some(s), Some(c)) => Some(if s.residual_px <= c.residual_px { s } else { c }),
        (s, c) => s.or(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turned_scaled_page_is_recovered_with_no_residual() {
        // 8 px/mm, turned 2°, shifted: every mark lands exactly.
        let (s, c) = (2f64.to_radians().sin(), 2f64.to_radians().cos());
        let truth = Affine([40.0, 8.0 * c, -8.0 * s, 25.0, 8.0 * s, 8.0 * c]);
        let marks = [(10.0, 10.0), (100.0, 12.0), (15.0, 280.0), (190.0, 270.0)];
        let pairs: Vec<_> = marks.iter().map(|&m| (m, truth.apply(m))).collect();
        let r = fit(&pairs).unwrap();
        assert!(r.residual_px < 1e-6, "{r:?}");
        for (a, b) in r.to_page.0.iter().zip(truth.0) {
            assert!((a - b).abs() < 1e-6, "{:?}", r.to_page);
        }
        assert!((r.to_page.px_per_mm() - 8.0).abs() < 1e-9);
        // One point off by 6 px shows in the residual.
        let mut off = pairs.clone();
        off[0].1 .0 += 6.0;
        assert!(fit(&off).unwrap().residual_px > 1.0);
        assert!(
            fit(&pairs[..2]).is_none(),
            "two points fix no affine transform"
        );
    }
}
