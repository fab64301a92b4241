//! Field checks on our own forms (#20): is there writing in 同意日, 本人署名, 代理人署名 and
//! 続柄 of a received front page? The page is registered to the form by its two codes, each
//! field's box is cut out and its printed matter taken away, and the ink that remains is
//! measured. The service pre-ticks the centre's checklist from this and flags a copy that
//! breaks a rule; a person still confirms.

pub mod ink;
pub mod register;
mod shift;

use crate::fax::Gray;
use crate::form::marks::{self, Field};
use crate::form::template::Template;

pub use ink::{Ink, PX_PER_MM};
pub use register::{Affine, Registration};

/// What was seen in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 記入あり.
    Filled,
    /// 空欄.
    Empty,
    /// 判定できません: the page could not be registered closely enough, or the field cannot be
    /// told apart from what the form printed there.
    Undecided,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Filled => "filled",
            Verdict::Empty => "empty",
            Verdict::Undecided => "undecided",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Verdict::Filled => "記入あり",
            Verdict::Empty => "空欄",
            Verdict::Undecided => "判定できません",
        }
    }
}

/// One field's check, with its crop (rectified, for the verify screen).
#[derive(Debug, Clone)]
pub struct FieldCheck {
    pub field: Field,
    pub verdict: Verdict,
    pub ink: Option<Ink>,
    pub crop: Option<Gray>,
}

/// A front page's checks.
#[derive(Debug, Clone)]
pub struct FrontCheck {
    /// None when the page could not be registered (a code missing, points that disagree).
    pub registration: Option<Registration>,
    pub fields: Vec<FieldCheck>,
}

/// The registration may be this far off (root mean square over the codes' points) and the
/// fields still be judged.
pub const MAX_RESIDUAL_MM: f64 = 1.0;

/// Writing covers at least this much of a field …
pub const FILLED_MM2: f64 = 1.0;
/// … and reaches at least this far.
pub const FILLED_EXTENT_MM: f64 = 2.0;

impl FrontCheck {
    pub fn verdict(&self, field: Field) -> Verdict {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map_or(Verdict::Undecided, |f| f.verdict)
    }

    /// The rules a copy breaks, in Japanese for the inbox and the enrollment: 本人署名 and 同意日
    /// are needed; a proxy's signature needs their 続柄. Undecided fields break nothing (a
    /// person looks).
    pub fn problems(&self) -> Vec<&'static str> {
        let v = |f| self.verdict(f);
        let mut out = Vec::new();
        if v(Field::Signature) == Verdict::Empty {
            out.push("本人署名欄が空です");
        }
        if v(Field::ConsentDate) == Verdict::Empty {
            out.push("同意日が空です");
        }
        if v(Field::ProxySignature) == Verdict::Filled && v(Field::Relationship) == Verdict::Empty {
            out.push("代理人署名がありますが、続柄が空です");
        }
        out
    }
}

/// What the form itself prints in each checked field, cut on the crops' grid, to be taken
/// away from a received page's crops. Nothing prefilled lies in those boxes (the signature
/// block is the same on every copy of a template version, whoever it is for; a test holds
/// this), so it is rendered once per version and kept.
#[derive(Debug, Clone)]
pub struct Printed {
    fields: Vec<(Field, Gray)>,
}

impl Printed {
    /// Rendered from template `t` for a made-up person (some 40 ms); `None` when the form
    /// cannot be drawn.
    pub fn of(t: &Template) -> Option<Printed> {
        let key = crate::form::SigningKey {
            id: 'A',
            key: b"printed-matter".to_vec(),
        };
        let r = crate::form::render(t, &crate::form::demo_data(1, 1), &key).ok()?;
        let (page, dpi) = crate::fax::rasterise_page(&r.pdf, 0, &crate::fax::Limits::default())?;
        Some(Printed::from_page(t, &page, dpi))
    }

    /// Cut from a front page of `t` rendered at `dpi`.
    pub fn from_page(t: &Template, page: &Gray, dpi: f32) -> Printed {
        let to_page = Affine::scale(f64::from(dpi) / 25.4);
        Printed {
            fields: marks::fields(t)
                .into_iter()
                .map(|(f, b)| (f, ink::rectify(page, &to_page, &b)))
                .collect(),
        }
    }

    fn get(&self, field: Field) -> Option<&Gray> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, g)| g)
    }
}

/// Checks a received front page of form `t`. `sightings` are the decoder's points for its
/// codes (`n` modules a side), in the page's pixels; `printed` is what the form prints in the
/// fields, taken away from each.
pub fn front(
    page: &Gray,
    sightings: &[Vec<(f32, f32)>],
    n: usize,
    t: &Template,
    printed: Option<&Printed>,
) -> FrontCheck {
    let m = marks::front(t, n);
    let registration = register::register(&m.codes, sightings);
    let usable = registration.filter(|r| r.residual_mm() <= MAX_RESIDUAL_MM);
    let fields = m
        .fields
        .iter()
        .map(|&(field, b)| {
            let Some(r) = usable else {
                return FieldCheck {
                    field,
                    verdict: Verdict::Undecided,
                    ink: None,
                    crop: None,
                };
            };
            let crop = ink::rectify(page, &r.to_page, &b);
            let printed = printed.and_then(|p| p.get(field));
            // The date's row prints 年・月・日 among its blanks: without the printed matter
            // they cannot be told from writing.
            if field == Field::ConsentDate && printed.is_none() {
                return FieldCheck {
                    field,
                    verdict: Verdict::Undecided,
                    ink: None,
                    crop: Some(crop),
                };
            }
            let measured = ink::measure(&crop, printed);
            let filled = measured.area_mm2 >= FILLED_MM2 && measured.longest_mm >= FILLED_EXTENT_MM;
            FieldCheck {
                field,
                verdict: if filled {
                    Verdict::Filled
                } else {
                    Verdict::Empty
                },
                ink: Some(measured),
                crop: Some(crop),
            }
        })
        .collect();
    FrontCheck {
        registration,
        fields,
    }
}

/// Checks a received front page as the service stores it: the page as PNG, the decoder's
/// points for its code `payload`, and the form's printed matter. Without it 同意日 is left
/// undecided and the other fields are judged alone; an unreadable page image is an error.
pub fn received_front(
    page_png: &[u8],
    sightings: &[Vec<(f32, f32)>],
    payload: &str,
    t: &Template,
    printed: Option<&Printed>,
) -> Result<FrontCheck, crate::fax::PageError> {
    let (page, _) = crate::fax::raster_png(page_png, &crate::fax::Limits::default())?;
    Ok(front(&page, sightings, marks::modules(payload), t, printed))
}

#[cfg(test)]
mod tests;
