//! The cells of the form's tables: what each value's cell is, whether a value fits it (see
//! [`fit`]), and drawing it fitted.

use super::draw::Canvas;
use super::fit::{self, fit};
use super::font::FormFont;
use super::page::{body_width, team_columns};
use super::template::Template;
use super::{FormData, FormError, Obtainer};

/// The width a labelled row's value has (the label column is 30 mm).
pub(super) fn value_width(t: &Template) -> f32 {
    body_width(t) - 30.0 - 4.0
}

/// A team cell's value width: the column less its padding.
pub(super) fn team_cell_width(column: (f32, f32)) -> f32 {
    column.1 - 2.0
}

/// The consent obtainer's row: office and person on one line.
pub(super) fn obtainer_text(o: &Obtainer) -> String {
    format!("{}　　{}", o.office, o.name)
}

/// Refuses what cannot be printed well: glyphs the font lacks, text that fits its cell neither
/// shrunk to the floor nor on two lines (see [`fit`]).
pub fn check_fields(t: &Template, f: &FormFont, d: &FormData) -> Result<(), FormError> {
    let size = t.layout.body_pt;
    let value_w = value_width(t);
    let cols = team_columns(t);
    let mut fields: Vec<(&'static str, String, f32)> = Vec::new();
    if let Some(s) = &d.subject {
        fields.extend([
            ("name", s.name.clone(), value_w),
            ("kana", s.kana.clone(), value_w),
            ("address", s.address.clone(), value_w),
            ("phone", s.phone.clone(), value_w),
        ]);
    }
    for m in &d.team {
        let cells = [&m.office, &m.profession, &m.name, &m.phone];
        let names = ["team.office", "team.profession", "team.name", "team.phone"];
        for ((name, value), col) in names.into_iter().zip(cells).zip(cols) {
            fields.push((name, value.clone(), team_cell_width(col)));
        }
    }
    if let Some(o) = &d.obtainer {
        // One row for both: blame whichever is longer when they do not fit together.
        let field = if o.office.chars().count() >= o.name.chars().count() {
            "obtainer.office"
        } else {
            "obtainer.name"
        };
        fields.push((field, obtainer_text(o), value_w));
    }
    let height = t.layout.row_mm;
    for (field, value, width) in fields {
        let chars = f.missing(&value);
        if !chars.is_empty() {
            return Err(FormError::MissingGlyphs { field, chars });
        }
        if fit(&value, width, height, size, |c, pt| f.width_mm(c, pt)).is_none() {
            let max = (2.0 * width / f.width_mm('あ', fit::FLOOR_PT)).floor() as usize;
            return Err(FormError::TooLong { field, max });
        }
    }
    Ok(())
}

/// Draws a value fitted into its cell (`top`, `height`); one line sits on `single`.
#[allow(clippy::too_many_arguments)]
pub(super) fn fitted_text(
    c: &mut Canvas,
    f: &FormFont,
    t: &Template,
    x: f32,
    top: f32,
    width: f32,
    single: f32,
    value: &str,
) {
    let (size, height) = (t.layout.body_pt, t.layout.row_mm);
    let Some(fitted) = fit(value, width, height, size, |c, pt| f.width_mm(c, pt)) else {
        // `check_fields` refused it before drawing; draw it plainly rather than lose it.
        c.text(x, single, size, value);
        return;
    };
    for (line, y) in fitted
        .lines
        .iter()
        .zip(fit::baselines(&fitted, top, height, single))
    {
        c.text(x, y, fitted.size, line);
    }
}
