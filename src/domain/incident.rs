//! 報告義務 (#21): what a person reports when something goes wrong — its kind, when it
//! happened, what happened, what was done so far, and the devices or logins involved — checked
//! as typed, all refusals at once.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use unicode_normalization::UnicodeNormalization;

use super::status::IncidentKind;
use super::text::{bounded_multiline, optional_multiline, optional_text};
use super::{FieldError, FieldErrors};

/// The report's fields as typed. `occurred_at` is Japan time, as a browser's
/// `datetime-local` sends it (2026-12-01T14:30) or typed (2026/12/1 14:30).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct IncidentInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub occurred_at: String,
    #[serde(default)]
    pub what: String,
    #[serde(default)]
    pub done_so_far: String,
    #[serde(default)]
    pub involved: String,
}

/// A report that can be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIncident {
    pub kind: IncidentKind,
    pub occurred_at: DateTime<Utc>,
    pub what: String,
    pub done_so_far: String,
    pub involved: String,
}

/// A moment typed in Japan time: `2026-12-01T14:30`, `2026-12-01 14:30`, `2026/12/1 14:30`
/// (full-width digits too).
pub fn parse_japan_time(input: &str) -> Option<DateTime<Utc>> {
    let s: String = input.nfkc().collect::<String>().trim().replace('/', "-");
    let s = s.replace('T', " ");
    let naive = ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&s, f).ok())?;
    chrono_tz::Asia::Tokyo
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

impl NewIncident {
    /// Every field checked against `now`: a report cannot be of something that has not
    /// happened yet.
    pub fn parse(i: &IncidentInput, now: DateTime<Utc>) -> Result<NewIncident, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = e.take(
            IncidentKind::parse(i.kind.trim())
                .ok_or_else(|| FieldError::new("kind", "報告の種類を選んでください。")),
        );
        let occurred_at = e.take(match parse_japan_time(&i.occurred_at) {
            None if i.occurred_at.trim().is_empty() => Err(FieldError::new(
                "occurred_at",
                "発生日時を入力してください（わからなければ、気づいた日時）。",
            )),
            None => Err(FieldError::new(
                "occurred_at",
                "発生日時は 2026-12-01 14:30 のように入力してください。",
            )),
            Some(t) if t > now + chrono::Duration::minutes(5) => Err(FieldError::new(
                "occurred_at",
                "発生日時が未来になっています。",
            )),
            Some(t) => Ok(t),
        });
        let what = e.take(bounded_multiline("what", &i.what, 2000, "発生した内容"));
        let done_so_far = e.take(optional_multiline(
            "done_so_far",
            &i.done_so_far,
            2000,
            "これまでの対応",
        ));
        let involved = e.take(optional_text(
            "involved",
            &i.involved,
            500,
            "関係する端末・ID",
        ));
        e.finish(|| {
            Some(NewIncident {
                kind: kind?,
                occurred_at: occurred_at?,
                what: what?,
                done_so_far: done_so_far?,
                involved: involved?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 5, 0, 0).unwrap()
    }

    #[test]
    fn a_report_is_read_as_typed_and_refused_all_at_once() {
        let i = IncidentInput {
            kind: "lost_or_stolen".into(),
            occurred_at: "２０２６/１２/１ 18:30".into(),
            what: "訪問先でノートPCを紛失しました。\r\n警察に届けました。".into(),
            done_so_far: String::new(),
            involved: "事務PC（ログインID kango1）".into(),
        };
        let r = NewIncident::parse(&i, now()).unwrap();
        assert_eq!(r.kind, IncidentKind::LostOrStolen);
        assert_eq!(
            r.occurred_at,
            Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap()
        );
        assert_eq!(
            r.what,
            "訪問先でノートPCを紛失しました。\n警察に届けました。"
        );
        let bad = IncidentInput {
            kind: "fire".into(),
            occurred_at: "2026-12-03T10:00".into(),
            what: " ".into(),
            ..IncidentInput::default()
        };
        let e = NewIncident::parse(&bad, now()).unwrap_err();
        for f in ["kind", "occurred_at", "what"] {
            assert!(e.get(f).is_some(), "{f}: {e:?}");
        }
        assert!(e.get("occurred_at").unwrap().contains("未来"));
    }
}
