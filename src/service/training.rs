//! 2(2)① Security training: the office administrator records each one (date, topic, how many
//! attended, an optional attachment); the city sees every office's standing.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::office_admin::manages;
use crate::clock::japan_date;
use crate::context::Context;
use crate::domain::text::{bounded_text, whole_number};
use crate::domain::training::Status;
use crate::domain::{Actor, FieldError, FieldErrors};
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Event};
use crate::store::blobs;
use crate::store::trainings::{self, NewTraining};

/// Largest attachment (a scanned attendance sheet, slides as PDF).
pub const ATTACHMENT_LIMIT: usize = 10 * 1024 * 1024;

/// The form as typed.
#[derive(Debug, Clone, Default)]
pub struct TrainingInput {
    pub held_on: String,
    pub topic: String,
    pub attendees: String,
    /// File name and bytes.
    pub attachment: Option<(String, Vec<u8>)>,
}

fn media_type(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else {
        None
    }
}

/// A checked attachment: (file name, media type, bytes).
type Attachment<'a> = (String, &'static str, &'a Vec<u8>);

/// Every field of the form, all refusals at once.
fn parse<'a>(
    app: &Context,
    input: &'a TrainingInput,
) -> Result<(NaiveDate, String, i64, Option<Attachment<'a>>), FieldErrors> {
    let mut e = FieldErrors::default();
    let today = app.clock.today();
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
    let held_on = e.take(
        crate::domain::person::parse_date("held_on", &input.held_on, "実施日").and_then(|d| {
            if d > today || d < earliest {
                Err(FieldError::new(
                    "held_on",
                    "実施日は今日までの日付で入力してください。",
                ))
            } else {
                Ok(d)
            }
        }),
    );
    let topic = e.take(bounded_text("topic", &input.topic, 100, "研修の内容"));
    let attendees = e.take(whole_number(
        "attendees",
        &input.attendees,
        1,
        1000,
        "参加人数",
    ));
    let attachment = match &input.attachment {
        Some((name, data)) => e.take(check_attachment(name, data)).map(Some),
        None => Some(None),
    };
    e.finish(|| Some((held_on?, topic?, attendees?, attachment?)))
}

fn check_attachment<'a>(name: &str, data: &'a Vec<u8>) -> Result<Attachment<'a>, FieldError> {
    if data.len() > ATTACHMENT_LIMIT {
        return Err(FieldError::new(
            "attachment",
            "添付ファイルは10MBまでです。",
        ));
    }
    let kind = media_type(data).ok_or_else(|| {
        FieldError::new(
            "attachment",
            "添付ファイルはPDFか画像（PNG・JPEG）にしてください。",
        )
    })?;
    let name = bounded_text("attachment", name, 100, "ファイル名")?;
    Ok((name, kind, data))
}

/// Records a training of `office` (its administrator, or the city).
#[tracing::instrument(skip(app, actor, input))]
pub async fn record(
    app: &Context,
    actor: &Actor,
    office: i64,
    input: &TrainingInput,
) -> AppResult<i64> {
    manages(actor, office)?;
    let (held_on, topic, attendees, attachment) = parse(app, input)?;
    let mut tx = app.store.begin().await?;
    let sha = match &attachment {
        Some((_, kind, data)) => Some(blobs::put(tx.conn(), kind, data).await?),
        None => None,
    };
    let new = NewTraining {
        office_id: office,
        held_on,
        topic: &topic,
        attendees,
        attachment: attachment
            .as_ref()
            .zip(sha.as_deref())
            .map(|((n, _, _), s)| (n.as_str(), s)),
        recorded_by: actor.user_id(),
    };
    let id = trainings::insert(tx.conn(), &new).await?;
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "training.recorded",
            ("office", office),
            json!({ "training": id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One office's standing on the compliance page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Standing {
    pub office_id: i64,
    pub name: String,
    pub kind: String,
    pub last: Option<NaiveDate>,
    pub due: NaiveDate,
    /// green, untrained, amber or red
    pub status: String,
    #[serde(skip)]
    pub label: &'static str,
}

/// Every office, reddest first, by the clock's today.
pub async fn compliance(app: &Context) -> AppResult<Vec<Standing>> {
    let rules = &app.config.training;
    let today = app.clock.today();
    let mut c = app.store.acquire().await?;
    let mut rows: Vec<(Status, Standing)> = trainings::by_office(c.conn())
        .await?
        .into_iter()
        .map(|o| {
            let due = rules.due(o.last, japan_date(o.created_at));
            let status = rules.status(due, today, o.last.is_some());
            let kind = crate::domain::office::OfficeKind::label_of(&o.kind);
            let s = Standing {
                office_id: o.office_id,
                name: o.name,
                kind: kind.to_string(),
                last: o.last,
                due,
                status: status.as_str().into(),
                label: status.label_ja(),
            };
            (status, s)
        })
        .collect();
    let rank = |s: Status| Status::ALL.iter().position(|x| *x == s);
    rows.sort_by_key(|(s, o)| (rank(*s), o.due, o.office_id));
    Ok(rows.into_iter().map(|(_, o)| o).collect())
}

/// The compliance list as CSV for Excel: UTF-8 with a byte-order mark, CRLF.
pub fn csv(rows: &[Standing]) -> Vec<u8> {
    use crate::domain::csv::row;
    let mut out = String::from("\u{feff}");
    out.push_str(&row(["事業所名", "施設属性", "最終実施日", "期限", "状況"]));
    for r in rows {
        let last = r.last.map(|d| d.to_string()).unwrap_or_default();
        let due = r.due.to_string();
        out.push_str(&row([
            r.name.as_str(),
            r.kind.as_str(),
            last.as_str(),
            due.as_str(),
            r.label,
        ]));
    }
    out.into_bytes()
}

/// An attachment, for the office's people and the city.
pub async fn attachment(
    app: &Context,
    actor: &Actor,
    id: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    let mut c = app.store.acquire().await?;
    let t = trainings::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sees = matches!(actor.role(), Some(crate::domain::Role::CityAdmin))
        || actor.office_id() == Some(t.office_id);
    let (Some(name), Some(sha), true) = (t.attachment_name, t.attachment_sha, sees) else {
        return Err(AppError::NotFound);
    };
    let (kind, data) = blobs::get(c.conn(), &sha)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((name, kind, data))
}
