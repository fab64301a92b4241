//! Fitting a value into its cell: the template's size when it fits; else a smaller size, down
//! to a floor that still prints and FAXes legibly; else two lines at the largest size (from
//! the floor up) whose two lines fit the cell's height. Only what fits in none of these ways is
//! refused. Long office names (「ひたちなか市在宅医療・介護連携推進センター」) print this way.

use super::wrap;

/// The smallest size a value is printed at, in points (about 2.5 mm per character).
pub const FLOOR_PT: f32 = 7.0;
/// Sizes are tried in these steps, so the same value always gets the same size.
const STEP_PT: f32 = 0.5;
/// A line's height as a multiple of its size, for two lines in one cell.
const LEADING: f32 = 1.12;
/// What one point is in millimetres.
pub const PT_MM: f32 = 25.4 / 72.0;

/// A value as it will be drawn: its size and its one or two lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub size: f32,
    pub lines: Vec<String>,
}

/// Fits `text` into a cell `width` × `height` mm, starting at `size` points. `width_of` gives
/// a character's width in mm at a size. `None`: it does not fit even on two lines at the floor.
pub fn fit(
    text: &str,
    width: f32,
    height: f32,
    size: f32,
    width_of: impl Fn(char, f32) -> f32,
) -> Option<Fitted> {
    let line_width = |s: &str, pt: f32| s.chars().map(|c| width_of(c, pt)).sum::<f32>();
    let sizes = || {
        let steps = ((size - FLOOR_PT) / STEP_PT).floor().max(0.0) as usize;
        (0..=steps).map(move |i| size - i as f32 * STEP_PT)
    };
    if let Some(pt) = sizes().find(|&pt| line_width(text, pt) <= width) {
        return Some(Fitted {
            size: pt,
            lines: vec![text.to_string()],
        });
    }
    sizes()
        .filter(|&pt| 2.0 * pt * LEADING * PT_MM <= height)
        .find_map(|pt| {
            let lines = wrap(text, width, |c| width_of(c, pt));
            (lines.len() == 2).then_some(Fitted { size: pt, lines })
        })
}

/// The baselines of a fitted value's lines in a cell whose top is `top`: one line where the
/// form always put it (`single`), two lines centred in the cell.
pub fn baselines(f: &Fitted, top: f32, height: f32, single: f32) -> Vec<f32> {
    if f.lines.len() < 2 {
        return vec![single];
    }
    let lead = f.size * LEADING * PT_MM;
    let first = top + (height - 2.0 * lead) / 2.0 + f.size * 0.88 * PT_MM;
    vec![first, first + lead]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A monospaced stand-in: every character 1 mm at 10 pt.
    fn w(_: char, pt: f32) -> f32 {
        pt / 10.0
    }

    #[test]
    fn what_fits_keeps_its_size() {
        let f = fit("あいう", 3.0, 7.0, 10.0, w).unwrap();
        assert_eq!((f.size, f.lines.len()), (10.0, 1));
    }

    #[test]
    fn a_long_value_shrinks_in_steps_before_it_wraps() {
        // 4 characters in 3.5 mm: 8.5 pt gives 3.4 mm.
        let f = fit("あいうえ", 3.5, 7.0, 10.5, w).unwrap();
        assert_eq!((f.size, f.lines.len()), (8.5, 1));
    }

    #[test]
    fn past_the_floor_it_takes_two_lines_that_fit_the_cell() {
        // 10 characters in 4 mm: at 7 pt a line holds 5, so two lines of 5.
        let f = fit("あいうえおかきくけこ", 4.0, 7.0, 10.5, w).unwrap();
        assert_eq!(
            f.size, 8.0,
            "the largest size whose two lines fit: 8 pt holds 5 a line"
        );
        assert_eq!(f.lines, vec!["あいうえお", "かきくけこ"]);
        assert!(2.0 * f.size * LEADING * PT_MM <= 7.0);
        let b = baselines(&f, 100.0, 7.0, 104.8);
        assert!(b[0] > 100.0 && b[1] < 107.0 && b[1] > b[0], "{b:?}");
    }

    #[test]
    fn only_what_fits_nowhere_is_refused() {
        assert!(fit(&"あ".repeat(12), 4.0, 7.0, 10.5, w).is_none());
        // A cell too low for two lines refuses what one line cannot hold.
        assert!(fit("あいうえおかきくけこ", 4.0, 3.0, 10.5, w).is_none());
    }
}
