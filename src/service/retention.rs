//! Retiring old data (#22). An enrollment withdrawn or closed keeps its personal data, consent
//! copies, printed forms and FAX page images for `retention.years`; then the scheduled run
//! erases them (each enrollment in its own transaction, with its audit event), unless the city
//! holds it back with a reason. The city sees what comes due in the next `preview_days`.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use crate::context::Context;
use crate::domain::retention::{self, may_hold};
use crate::domain::text::bounded_multiline;
use crate::domain::Actor;
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Event};
use crate::store::enrollments as enrollment_rows;
use crate::store::retention::{self as rows, Ended};

/// One enrollment in the city's list: when it ended and when it is erased.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Coming {
    #[serde(flatten)]
    pub ended: Ended,
    pub erase_at: DateTime<Utc>,
}

fn city_only(actor: &Actor) -> AppResult<()> {
    if may_hold(actor) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// What will be erased within the next `preview_days` (and anything held back, or late).
pub async fn coming(app: &Context, actor: &Actor) -> AppResult<Vec<Coming>> {
    city_only(actor)?;
    let r = app.config.retention;
    let until = app.clock.now() + Duration::days(r.preview_days);
    let mut c = app.store.acquire().await?;
    let ended = rows::ended_by(c.conn(), retention::ended_by(until, r.years), true, 1000).await?;
    Ok(ended
        .into_iter()
        .map(|e| Coming {
            erase_at: retention::due(e.updated_at, r.years),
            ended: e,
        })
        .collect())
}

/// Holds enrollment `id` back from erasure (a dispute, a request from the police), or lets it
/// go (`reason` None). Not once erased.
#[tracing::instrument(skip_all, fields(enrollment = id))]
pub async fn hold(app: &Context, actor: &Actor, id: i64, reason: Option<&str>) -> AppResult<()> {
    city_only(actor)?;
    let reason = reason
        .map(|r| bounded_multiline("reason", r, 200, "保留の理由"))
        .transpose()?;
    let mut tx = app.store.begin().await?;
    let e = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if e.erased_at.is_some() {
        return Err(AppError::Conflict(
            "この登録の個人情報は既に消去されています。".into(),
        ));
    }
    rows::set_hold(tx.conn(), id, reason.as_deref(), actor.user_id()).await?;
    let (action, details) = match &reason {
        Some(r) => ("enrollment.retention_held", json!({ "reason": r })),
        None => ("enrollment.retention_released", json!({})),
    };
    audit::append(
        tx.conn(),
        Event::about(actor, action, ("enrollment", id), details),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

const BATCH: i64 = 200;

/// The scheduled run as of `now`: erases every enrollment due and not held. Returns how many.
#[tracing::instrument(skip(app))]
pub async fn run(app: &Context, now: DateTime<Utc>) -> AppResult<usize> {
    let years = app.config.retention.years;
    let mut erased = 0;
    loop {
        let due = {
            let mut c = app.store.acquire().await?;
            rows::ended_by(c.conn(), retention::ended_by(now, years), false, BATCH).await?
        };
        for e in &due {
            let mut tx = app.store.begin().await?;
            let what = rows::erase(tx.conn(), e.id).await?;
            let details = json!({ "erased": what, "ended_at": e.updated_at, "years": years });
            audit::append(
                tx.conn(),
                Event::about(
                    &Actor::System,
                    "enrollment.erased",
                    ("enrollment", e.id),
                    details,
                ),
            )
            .await?;
            tx.commit().await?;
            erased += 1;
            app.go_on()?;
        }
        if (due.len() as i64) < BATCH {
            break;
        }
    }
    tracing::info!(erased, "retention run");
    Ok(erased)
}
