//! Pages without a code of ours, matched by what is written on them (#20, part 2): the fields
//! OCR read, the people waiting for a copy ranked against them, and what the page view and the
//! API show of it. The reading job reads and stores the text; this ranks, at reading (to assign
//! a page whose best candidate is far ahead) and whenever the page is looked at (so people
//! registered since are ranked too).

use chrono::NaiveDate;
use consentflow_workers::ocr::{self, fields::squash, OcrFields, Person, Ranked};
use serde::Serialize;

use super::fax::may_read;
use crate::domain::status::OcrStatus;
use crate::domain::Actor;
use crate::error::AppResult;
use crate::store::fax_list::Candidate;
use crate::store::ocr::{self as store, Awaited, Narrow, WaitingPerson};
use crate::store::{Conn, Store};

/// What OCR read on a page, for the page view and the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OcrView {
    /// read, off, not_installed, timed_out or failed.
    pub status: OcrStatus,
    /// Why there is no text, in Japanese (absent when read).
    pub notice: Option<String>,
    /// The page's text as Tesseract gave it.
    pub text: Option<String>,
    /// The page is the city's 別紙1 (its title or its labels were read).
    pub is_consent_form: bool,
    /// The page is the 支援チームメンバー追加同意書 (its title was read): it is ranked against
    /// the people whose team waits on an addition.
    pub is_addition_form: bool,
    pub name: Option<String>,
    pub kana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// Digits only.
    pub phone: Option<String>,
    pub obtainer: Option<String>,
    pub ms: Option<i64>,
}

impl OcrView {
    /// Whether any field of the form was read.
    pub fn any_field(&self) -> bool {
        self.name.is_some()
            || self.kana.is_some()
            || self.birth_date.is_some()
            || self.phone.is_some()
    }

    fn fields(&self) -> OcrFields {
        OcrFields {
            is_consent_form: self.is_consent_form,
            is_addition_form: self.is_addition_form,
            name: self.name.clone(),
            kana: self.kana.clone(),
            birth_date: self.birth_date,
            phone: self.phone.clone(),
            obtainer: self.obtainer.clone(),
        }
    }
}

/// What OCR read on page `id`; `None` when the page was not read (it carried a code). The
/// text is the person's details, so its reading is logged like the page image's.
pub async fn of_page(store: &Store, actor: &Actor, id: i64) -> AppResult<Option<OcrView>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    let view = read_of(c.conn(), id).await?;
    drop(c);
    if view.as_ref().is_some_and(|v| v.text.is_some()) {
        super::reads::record(store, actor, "fax_page_ocr", ("fax_page", id)).await?;
    }
    Ok(view)
}

/// What OCR read on page `id` (no access check: the caller's).
pub(crate) async fn read_of(c: Conn<'_>, id: i64) -> AppResult<Option<OcrView>> {
    let Some(o) = store::of_page(c, id).await? else {
        return Ok(None);
    };
    let f = o.text.as_deref().map(ocr::read_fields).unwrap_or_default();
    Ok(Some(OcrView {
        status: o.status,
        notice: o.status.notice_ja().map(str::to_string),
        text: o.text,
        is_consent_form: f.is_consent_form,
        is_addition_form: f.is_addition_form,
        name: f.name,
        kana: f.kana,
        birth_date: f.birth_date,
        phone: f.phone,
        obtainer: f.obtainer,
        ms: o.ms,
    }))
}

/// LIKE's own characters taken literally would need escaping; OCR's kana and names have none,
/// but a misread `%` or `_` must not widen the search.
fn like_safe(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect()
}

/// The narrowing for a page's fields: any one agreeing lets a person in.
fn narrow(f: &OcrFields) -> Narrow {
    let chars = |s: &Option<String>| -> Vec<char> {
        s.as_deref()
            .map(|s| like_safe(s).chars().collect())
            .unwrap_or_default()
    };
    let kana = chars(&f.kana);
    let name = chars(&f.name);
    let two = |c: &[char]| (c.len() >= 2).then(|| c.iter().collect::<String>());
    Narrow {
        birth_date: f.birth_date,
        kana_head: two(&kana[..kana.len().min(2)]).map(|h| format!("{h}%")),
        kana_tail: two(&kana[kana.len().saturating_sub(2)..]).map(|t| format!("%{t}")),
        name_head: name.first().map(|c| format!("{c}%")),
        phone: f.phone.clone().filter(|p| p.len() >= 9),
    }
}

/// People waiting for a copy (for an addition's form, when the page is one), ranked against
/// `f`, best first (those who agree on nothing are left out).
pub async fn ranked(c: Conn<'_>, f: &OcrFields) -> AppResult<Vec<(WaitingPerson, Ranked)>> {
    if f.name.is_none() && f.kana.is_none() && f.birth_date.is_none() && f.phone.is_none() {
        return Ok(Vec::new());
    }
    let awaited = if f.is_addition_form {
        Awaited::Addition
    } else {
        Awaited::Copy
    };
    let mut people = store::waiting_people(c, &narrow(f), awaited).await?;
    let ranking = {
        let persons: Vec<Person> = people
            .iter()
            .map(|p| Person {
                name: &p.subject_name,
                kana: &p.subject_kana,
                birth_date: Some(p.birth_date),
                phone: Some(&p.phone),
            })
            .collect();
        ocr::rank(f, &persons)
    };
    let mut out = Vec::with_capacity(ranking.len());
    let mut taken: Vec<Option<WaitingPerson>> = people.drain(..).map(Some).collect();
    for r in ranking {
        if let Some(p) = taken[r.index].take() {
            out.push((p, r));
        }
    }
    Ok(out)
}

/// Candidates OCR offers a page at most.
pub const OFFERED: usize = 5;

/// The candidates by what OCR read, with their scores and the fields that agreed.
pub async fn candidates(c: Conn<'_>, view: &OcrView) -> AppResult<Vec<Candidate>> {
    if !view.any_field() {
        return Ok(Vec::new());
    }
    let ranked = ranked(c, &view.fields()).await?;
    Ok(ranked
        .into_iter()
        .take(OFFERED)
        .map(|(p, r)| Candidate {
            id: p.id,
            code: p.code,
            state: p.state,
            subject_name: p.subject_name,
            subject_kana: p.subject_kana,
            birth_date: p.birth_date,
            office_name: p.office_name,
            addition_id: p.addition_id,
            score: Some((r.score.total * 100.0).round() / 100.0),
            agreed: r.score.agreed.iter().map(|s| s.to_string()).collect(),
        })
        .collect())
}

/// The text squashed for the centre's search (the same squashing as the query's).
pub fn index_of(text: &str) -> String {
    squash(text)
}

/// The LIKE pattern that finds `q` in pages' OCR text, squashed as the text is (so 「さいとう
/// 花子」 finds 「サイトウ 花 子」); `None` for a query of nothing.
pub fn text_pattern(q: &str) -> Option<String> {
    let q = like_safe(&squash(q));
    (!q.is_empty()).then(|| format!("%{q}%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_narrows_by_each_field_alone() {
        let f = OcrFields {
            kana: Some("サイトウハナコ".into()),
            name: Some("斎藤華子".into()),
            phone: Some("0292701000".into()),
            ..OcrFields::default()
        };
        let n = narrow(&f);
        assert_eq!(n.kana_head.as_deref(), Some("サイ%"));
        assert_eq!(n.kana_tail.as_deref(), Some("%ナコ"));
        assert_eq!(n.name_head.as_deref(), Some("斎%"));
        assert_eq!(n.phone.as_deref(), Some("0292701000"));
        let misread = OcrFields {
            kana: Some("%ア".into()),
            phone: Some("12".into()),
            ..OcrFields::default()
        };
        let n = narrow(&misread);
        assert_eq!(n.kana_head, None, "one kana is too little to narrow by");
        assert_eq!(n.phone, None, "a phone number is at least 9 digits");
    }

    #[test]
    fn the_search_is_squashed_as_the_text_is() {
        let text = "氏 名 斎 藤 花 子\nフリガナ サイトウ ハナコ\n電話 ０２９-２７０";
        let index = index_of(text);
        for q in ["さいとう", "斎藤 花子", "029-270", "ｻｲﾄｳ"] {
            let p = text_pattern(q).unwrap();
            let inner = p.trim_matches('%');
            assert!(index.contains(inner), "{q} → {p} in {index}");
        }
        assert_eq!(text_pattern(" 　"), None);
        assert_eq!(
            text_pattern("%"),
            None,
            "LIKE's own characters are not searched"
        );
    }
}
