//! 報告義務 (#21): anyone signed in reports an information-security incident or system trouble;
//! it reaches their office administrator and the city at once (e-mail, in the report's own
//! transaction, and 要対応). The city works it 受付 → 対応中 → 完了 with notes; from a leaked ID
//! or a lost PC it suspends that login or revokes that PC in one step, recorded on the report.
//! The reporter and their office administrator see their office's reports, the city all; anyone
//! else is told the report does not exist.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{devices, suspension};
use crate::context::Context;
use crate::domain::incident::{IncidentInput, NewIncident};
use crate::domain::status::{IncidentKind, IncidentState};
use crate::domain::text::optional_multiline;
use crate::domain::{Actor, FieldError, Role};
use crate::error::{AppError, AppResult};
use crate::outbox;
use crate::store::audit::{self, Event};
use crate::store::incidents::{self as rows, Incident, IncidentEvent, NewEvent, Scope};
use crate::store::Conn;

/// A report and its history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentView {
    pub incident: Incident,
    pub events: Vec<IncidentEvent>,
}

/// Whose reports `actor` sees.
pub fn scope(actor: &Actor) -> AppResult<Scope> {
    match (actor.role(), actor.user_id(), actor.office_id()) {
        (Some(Role::CityAdmin), _, _) => Ok(Scope::All),
        (Some(Role::OfficeAdmin), _, Some(o)) => Ok(Scope::Office(o)),
        (Some(_), Some(u), _) => Ok(Scope::Reporter(u)),
        _ => Err(AppError::Unauthorized),
    }
}

fn sees(scope: Scope, i: &Incident) -> bool {
    match scope {
        Scope::All => true,
        Scope::Office(o) => i.office_id == Some(o),
        Scope::Reporter(u) => i.reporter_id == u,
    }
}

/// Whether `actor` handles reports (the city): asked before anything is shown to confirm.
pub fn may_handle(actor: &Actor) -> AppResult<()> {
    city_user(actor).map(|_| ())
}

fn city_user(actor: &Actor) -> AppResult<i64> {
    match (actor.role(), actor.user_id()) {
        (Some(Role::CityAdmin), Some(id)) => Ok(id),
        _ => Err(AppError::Forbidden(
            "報告への対応は市の担当者が行います。".into(),
        )),
    }
}

/// Files a report. Returns its id.
#[tracing::instrument(skip_all)]
pub async fn report(app: &Context, actor: &Actor, input: &IncidentInput) -> AppResult<i64> {
    let reporter = actor.user_id().ok_or(AppError::Unauthorized)?;
    let mut tx = app.store.begin().await?;
    let n = NewIncident::parse(input, tx.conn().now)?;
    let id = rows::insert(tx.conn(), actor.office_id(), reporter, &n).await?;
    let first = NewEvent {
        actor_id: Some(reporter),
        to_state: Some(IncidentState::Received),
        ..NewEvent::default()
    };
    rows::add_event(tx.conn(), id, &first).await?;
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "incident.reported",
            ("incident", id),
            json!({ "kind": n.kind.as_str() }),
        ),
    )
    .await?;
    let incident = rows::get(tx.conn(), id).await?.ok_or(AppError::NotFound)?;
    let mails = outbox::incidents::reported(tx.conn(), app, &incident).await?;
    let ids = outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    outbox::kick(app, ids).await;
    metrics::counter!("incidents_reported_total", "kind" => n.kind.as_str()).increment(1);
    Ok(id)
}

/// The reports `actor` sees, newest first (`open`: not 完了 only).
pub async fn list(app: &Context, actor: &Actor, open: bool) -> AppResult<Vec<Incident>> {
    let scope = scope(actor)?;
    let mut c = app.store.acquire().await?;
    Ok(rows::list(c.conn(), scope, open, 500).await?)
}

/// One report with its history; not found for anyone who may not see it.
pub async fn get(app: &Context, actor: &Actor, id: i64) -> AppResult<IncidentView> {
    let scope = scope(actor)?;
    let mut c = app.store.acquire().await?;
    let incident = rows::get(c.conn(), id)
        .await?
        .filter(|i| sees(scope, i))
        .ok_or(AppError::NotFound)?;
    let events = rows::events(c.conn(), id).await?;
    Ok(IncidentView { incident, events })
}

/// The city's step on a report: a note, and a new state where it moves on.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Step {
    /// received, in_progress or done; absent or the same: a note only.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// Records the city's note and moves the report on (forward only).
#[tracing::instrument(skip(app, actor, step))]
pub async fn advance(app: &Context, actor: &Actor, id: i64, step: &Step) -> AppResult<()> {
    let user = city_user(actor)?;
    let note = optional_multiline("note", &step.note, 2000, "対応の記録")?;
    let mut tx = app.store.begin().await?;
    let i = rows::get(tx.conn(), id).await?.ok_or(AppError::NotFound)?;
    let to = match step.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let to = IncidentState::parse(s)
                .ok_or_else(|| FieldError::new("state", "状態の指定が正しくありません。"))?;
            (to != i.state).then_some(to)
        }
    };
    if to.is_none() && note.is_empty() {
        return Err(AppError::invalid("note", "対応の記録を入力してください。"));
    }
    if let Some(to) = to {
        if !i.state.may_become(to) {
            return Err(AppError::Conflict(format!(
                "「{}」の報告は「{}」にできません。",
                i.state.label_ja(),
                to.label_ja()
            )));
        }
        if !rows::set_state(tx.conn(), id, i.state, to).await? {
            return Err(AppError::Conflict(
                "ほかの人が先に更新しました。画面を更新してください。".into(),
            ));
        }
    }
    let e = NewEvent {
        actor_id: Some(user),
        from_state: to.map(|_| i.state),
        to_state: to,
        note: &note,
        ..NewEvent::default()
    };
    rows::add_event(tx.conn(), id, &e).await?;
    audit::append(
        tx.conn(),
        Event {
            actor,
            action: "incident.updated",
            target_kind: "incident",
            target_id: id,
            from_state: to.map(|_| i.state.as_str()),
            to_state: to.map(|t| t.as_str()),
            details: json!({ "note": !note.is_empty() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A step taken from a report on what it names.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// A leaked ID: that login is suspended (its sessions and tokens end).
    SuspendUser { user_id: i64 },
    /// A lost or stolen PC: its certificate is revoked.
    RevokeDevice { device_id: i64 },
}

impl Action {
    /// The actions a report of `kind` offers.
    pub fn offered(kind: IncidentKind) -> &'static [&'static str] {
        match kind {
            IncidentKind::CredentialLeak | IncidentKind::UnauthorizedAccess => &["suspend_user"],
            IncidentKind::LostOrStolen => &["revoke_device"],
            _ => &[],
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Action::SuspendUser { .. } => "suspend_user",
            Action::RevokeDevice { .. } => "revoke_device",
        }
    }
}

/// Takes `action` from report `id`, recorded on it, in one transaction with the step itself.
#[tracing::instrument(skip(app, actor))]
pub async fn act(app: &Context, actor: &Actor, id: i64, action: &Action) -> AppResult<()> {
    let user = city_user(actor)?;
    let mut tx = app.store.begin().await?;
    let i = rows::get(tx.conn(), id).await?.ok_or(AppError::NotFound)?;
    if !Action::offered(i.kind).contains(&action.name()) {
        return Err(AppError::Conflict(format!(
            "「{}」の報告からは、この操作はできません。",
            i.kind.label_ja()
        )));
    }
    let reason = format!("事故・不具合の報告（No.{id}：{}）による", i.kind.label_ja());
    let (note, target, mails) = taken(tx.conn(), app, actor, action, &reason).await?;
    let e = NewEvent {
        actor_id: Some(user),
        note: &note,
        action: Some(action.name()),
        target_id: Some(target),
        ..NewEvent::default()
    };
    rows::add_event(tx.conn(), id, &e).await?;
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "incident.action",
            ("incident", id),
            json!({ "action": action.name(), "target": target }),
        ),
    )
    .await?;
    tx.commit().await?;
    outbox::kick(app, mails).await;
    Ok(())
}

async fn taken(
    c: Conn<'_>,
    app: &Context,
    actor: &Actor,
    action: &Action,
    reason: &str,
) -> AppResult<(String, i64, Vec<i64>)> {
    Ok(match *action {
        Action::SuspendUser { user_id } => {
            let (_, mails) = suspension::suspend_in(c, app, actor, user_id, reason).await?;
            (
                format!("ID（利用者 No.{user_id}）を利用停止にしました。"),
                user_id,
                mails,
            )
        }
        Action::RevokeDevice { device_id } => {
            devices::revoke_in(c, actor, device_id).await?;
            (
                format!("パソコン（No.{device_id}）を無効にしました。"),
                device_id,
                Vec::new(),
            )
        }
    })
}

/// The city's CSV of every report (cells neutralised against spreadsheet formulas).
pub async fn csv(app: &Context, actor: &Actor) -> AppResult<String> {
    city_user(actor)?;
    let mut c = app.store.acquire().await?;
    let all = rows::list(c.conn(), Scope::All, false, 100_000).await?;
    // A BOM first, so Excel reads it as UTF-8 (as the training export does).
    let mut out = String::from("\u{feff}");
    out += &crate::domain::csv::row([
        "No",
        "報告日時",
        "種類",
        "状態",
        "事業所",
        "報告者",
        "発生日時",
        "内容",
        "これまでの対応",
        "関係する端末・ID",
    ]);
    for i in &all {
        let cells = [
            i.id.to_string(),
            crate::clock::local_time(&i.created_at),
            i.kind.full_label_ja(),
            i.state.label_ja().to_string(),
            i.office_name.clone().unwrap_or_default(),
            i.reporter_name.clone(),
            crate::clock::local_time(&i.occurred_at),
            i.what.clone(),
            i.done_so_far.clone(),
            i.involved.clone(),
        ];
        out.push_str(&crate::domain::csv::row(cells.iter().map(String::as_str)));
    }
    Ok(out)
}
