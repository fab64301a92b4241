//! The 登録申込兼同意書 (別紙1): prefilled or blank, one A4 page (more when the team is long),
//! two QR codes per page in opposite corners away from the staple corner, the enrollment code
//! printed large beside each, nothing within 15 mm of an edge, black only.

pub mod batch;
mod cells;
pub(crate) mod draw;
mod fit;
pub mod font;
mod kinsoku;
pub mod marks;
mod page;
mod retext;
pub mod template;
pub mod wareki;

pub use kinsoku::{can_break, wrap, wrap_varying};
pub use template::{Template, TemplateError};

use chrono::NaiveDate;
use printpdf::{FontId, Mm, PdfDocument, PdfPage, PdfSaveOptions};
use sha2::{Digest, Sha256};

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

/// A form drawn but not yet written: each page's operations, and the payload on each page.
pub struct Drawn {
    pub pages: Vec<Vec<printpdf::Op>>,
    pub payloads: Vec<String>,
    font: &'static font::FormFont,
}

/// The font name every form's text is drawn in.
const FONT_ID: &str = "CFFORM";

/// Draws `data` on template `t`: what [`render`] writes (and what `benches/reportlab_compare.sh`
/// has ReportLab draw).
pub fn draw(t: &Template, data: &FormData, key: &SigningKey) -> Result<Drawn, FormError> {
    cells::check_fields(t, font::font(), data)?;
    let f = font::for_text(field_texts(data).chain(t.paragraphs.iter().map(String::as_str)));
    if data.team.len() > 60 {
        return Err(FormError::TeamTooLarge(data.team.len()));
    }
    // Six capitals and a '+' before the font name mark an embedded subset (PDF 9.6.4).
    let font_id = FontId(FONT_ID.into());
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
        drawn.push(page::draw(
            t,
            f,
            font_id.clone(),
            data,
            &content,
            &payload,
            i + 1,
            pages as usize,
        ));
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
    } = draw(t, data, key)?;
    let pdf_pages = pages
        .into_iter()
        .map(|ops| PdfPage::new(Mm(draw::PAGE_W), Mm(draw::PAGE_H), ops))
        .collect();
    let title = format!("{} {}", t.title, data.code);
    let pdf = save(&title, FontId(FONT_ID.into()), font, pdf_pages).map_err(|message| {
        TemplateError::Broken {
            version: t.version,
            message,
        }
    })?;
    Ok(Rendered {
        pdf,
        payloads,
        version: t.version,
    })
}

/// Writes `pages` drawn in `font` (as `font_id`) as a PDF: deflated, with a stable /ID, so the
/// same pages always give the same bytes.
pub(crate) fn save(
    title: &str,
    font_id: FontId,
    font: &font::FormFont,
    pages: Vec<PdfPage>,
) -> Result<Vec<u8>, String> {
    let mut doc = PdfDocument::new(title);
    doc.resources
        .fonts
        .map
        .insert(font_id, printpdf::PdfFont::new(font.parsed.clone()));
    // printpdf compresses at zlib's slowest level; taking its lopdf document uncompressed and
    // deflating here at the fastest level saves milliseconds for a file a few KB larger.
    let opts = PdfSaveOptions {
        optimize: false,
        ..PdfSaveOptions::default()
    };
    let mut lo = doc
        .with_pages(pages)
        .to_lopdf_document(&opts, &mut Vec::new());
    Ok(stable_id(compress(&mut lo)?))
}

/// Deflates every stream that has no filter yet, and writes the file.
fn compress(doc: &mut lopdf::Document) -> Result<Vec<u8>, String> {
    use std::io::Write;
    for object in doc.objects.values_mut() {
        if let lopdf::Object::Stream(stream) = object {
            if stream.dict.has(b"Filter") || stream.content.len() < 64 {
                continue;
            }
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(&stream.content).map_err(|e| e.to_string())?;
            let packed = z.finish().map_err(|e| e.to_string())?;
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(packed);
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

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

/// printpdf writes a pseudo-random file /ID. Replace it, in place and at the same length, with a
/// hash of the document, so identical inputs give identical bytes (and xref offsets stay valid).
fn stable_id(mut pdf: Vec<u8>) -> Vec<u8> {
    let Some(at) = find(&pdf, b"/ID") else {
        return pdf;
    };
    let mut spans = Vec::new();
    let mut i = at;
    while spans.len() < 2 && i < pdf.len() {
        match pdf[i] {
            b'(' | b'<' => {
                let close = if pdf[i] == b'(' { b')' } else { b'>' };
                let end = match pdf[i + 1..].iter().position(|&c| c == close) {
                    Some(e) => i + 1 + e,
                    None => return pdf,
                };
                spans.push((i + 1, end));
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    for &(s, e) in &spans {
        pdf[s..e].fill(b'0');
    }
    let digest = hex_upper(&Sha256::digest(&pdf));
    for &(s, e) in &spans {
        let k = (e - s).min(digest.len());
        pdf[s..s + k].copy_from_slice(&digest.as_bytes()[..k]);
    }
    pdf
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

#[cfg(test)]
pub(crate) mod tests;
