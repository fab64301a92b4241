//! The 登録申込兼同意書 (別紙1): prefilled or blank, one A4 page (more when the team is long),
//! two QR codes per page in opposite corners away from the staple corner, the enrollment code
//! printed large beside each, nothing within 15 mm of an edge, black only.

pub mod batch;
mod cells;
pub(crate) mod draw;
mod emit;
mod fit;
pub mod font;
mod kinsoku;
pub mod marks;
mod page;
mod retext;
mod sfnt;
pub mod template;
mod tounicode;
pub mod wareki;

pub use kinsoku::{can_break, wrap, wrap_varying};
pub use template::{Template, TemplateError};

use chrono::NaiveDate;

use crate::payload::Payload;
use crate::EnrollmentCode;

/// The person the form is for. `None` in [`FormData::subject`] prints the blank variant.
#[derive(Debug, Clone)]
pub struct Subject {
    pub name: String,
    pub kana: String,
    pub birth_date: NaiveDate,
    /// As printed: 男, 女 or empty.
    pub sex: String,
    pub address: String,
    pub phone: String,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub office: String,
    pub profession: String,
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone)]
pub struct Obtainer {
    pub office: String,
    pub name: String,
}

/// Where copies go, from configuration.
#[derive(Debug, Clone)]
pub struct Place {
    pub city: String,
    pub centre_name: String,
    pub centre_address: String,
    pub centre_phone: String,
    pub centre_fax: String,
}

#[derive(Debug, Clone)]
pub struct FormData {
    pub code: EnrollmentCode,
    pub subject: Option<Subject>,
    pub team: Vec<Member>,
    pub obtainer: Option<Obtainer>,
    pub place: Place,
}

/// A made-up person with a team of `team`, for examples, benchmarks and the demo corpus.
pub fn demo_data(seed: u8, team: usize) -> FormData {
    FormData {
        code: EnrollmentCode::from_random([seed, team as u8, 3, 5, 7, 11]),
        subject: Some(Subject {
            name: "山田 花子".into(),
            kana: "ヤマダ　ハナコ".into(),
            birth_date: NaiveDate::from_ymd_opt(1930 + i32::from(seed % 40), 4, 1)
                .expect("valid date"),
            sex: "女".into(),
            address: format!("茨城県ひたちなか市東石川{}-1", seed % 9 + 1),
            phone: "029-270-1000".into(),
        }),
        team: (0..team)
            .map(|k| Member {
                office: format!("訪問看護ステーション{k}"),
                profession: "看護師".into(),
                name: "港 看護".into(),
                phone: "029-270-0002".into(),
            })
            .collect(),
        obtainer: Some(Obtainer {
            office: "柴田介護保険事務所".into(),
            name: "柴田 ケア".into(),
        }),
        place: Place {
            city: "ひたちなか市".into(),
            centre_name: "在宅医療・介護連携推進センター".into(),
            centre_address: "石川町20-32".into(),
            centre_phone: "029-212-3751".into(),
            centre_fax: "029-212-3752".into(),
        },
    }
}

/// The QR MAC key and its id.
#[derive(Clone)]
pub struct SigningKey {
    pub id: char,
    pub key: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, [redacted])", self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// 外字: characters the font cannot draw. Never printed as blank boxes.
    #[error("{field}: the font has no glyph for {chars:?}")]
    MissingGlyphs {
        field: &'static str,
        chars: Vec<char>,
    },
    #[error("{field}: too long for the form (at most {max} characters)")]
    TooLong { field: &'static str, max: usize },
    #[error("the team has {0} members; a form holds at most 60")]
    TeamTooLarge(usize),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// A rendered form: the PDF and the payload encoded on each page.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub payloads: Vec<String>,
    pub version: u16,
}

/// A form drawn but not yet written: each page's content, and the payload on each page.
pub struct Drawn {
    pub pages: Vec<draw::Page>,
    pub payloads: Vec<String>,
    font: &'static font::FormFont,
}

/// Draws `data` on template `t`: what [`render`] writes. With `marks`, each page also keeps
/// what it draws (for `benches/reportlab_compare.sh`, which has ReportLab draw the same).
pub fn draw(
    t: &Template,
    data: &FormData,
    key: &SigningKey,
    marks: bool,
) -> Result<Drawn, FormError> {
    cells::check_fields(t, font::font(), data)?;
    let f = font::for_text(field_texts(data).chain(t.paragraphs.iter().map(String::as_str)));
    if data.team.len() > 60 {
        return Err(FormError::TeamTooLarge(data.team.len()));
    }
    let plan = page::plan(t, f, data);
    let pages = plan.len() as u8;
    let mut payloads = Vec::new();
    let mut drawn = Vec::new();
    for (i, content) in plan.into_iter().enumerate() {
        let payload = Payload {
            kind: t.form_kind(),
            code: data.code.clone(),
            version: t.version,
            page: i as u8 + 1,
            pages,
            key_id: key.id,
        }
        .sign(&key.key);
        let mut c = if marks {
            draw::Canvas::keeping_marks(f)
        } else {
            draw::Canvas::new(f)
        };
        page::draw(t, &mut c, data, &content, &payload, i + 1, pages as usize);
        drawn.push(c.finish());
        payloads.push(payload);
    }
    Ok(Drawn {
        pages: drawn,
        payloads,
        font: f,
    })
}

/// Renders `data` on template `t`. The same inputs always give the same bytes.
pub fn render(t: &Template, data: &FormData, key: &SigningKey) -> Result<Rendered, FormError> {
    let Drawn {
        pages,
        payloads,
        font,
    } = draw(t, data, key, false)?;
    let title = format!("{} {}", t.title, data.code);
    let pdf = emit::save(&title, font, &pages).map_err(|message| TemplateError::Broken {
        version: t.version,
        message,
    })?;
    Ok(Rendered {
        pdf,
        payloads,
        version: t.version,
    })
}

pub(crate) use emit::save;

/// Every piece of text a form prints from its data.
fn field_texts(d: &FormData) -> impl Iterator<Item = &str> {
    let s = d
        .subject
        .iter()
        .flat_map(|s| [&s.name, &s.kana, &s.sex, &s.address, &s.phone]);
    let team = d
        .team
        .iter()
        .flat_map(|m| [&m.office, &m.profession, &m.name, &m.phone]);
    let ob = d.obtainer.iter().flat_map(|o| [&o.office, &o.name]);
    let p = &d.place;
    let place = [
        &p.city,
        &p.centre_name,
        &p.centre_address,
        &p.centre_phone,
        &p.centre_fax,
    ];
    s.chain(team).chain(ob).chain(place).map(String::as_str)
}

#[cfg(test)]
pub(crate) mod tests;
