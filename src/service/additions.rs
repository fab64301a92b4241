//! Adding members to an active team (#22). The obtainer office (or the centre) lists the
//! members; the person signs a 支援チームメンバー追加同意書 printed with the enrollment's code (QR
//! kind TA); its copy comes back by FAX and is matched to the open addition; the centre
//! verifies it and only then do the members join the team (and see the enrollment). Until
//! then they are 追加待ち. One open addition per enrollment.

use consentflow_workers::form::{self, template, SigningKey};
use consentflow_workers::FormKind;
use serde_json::json;

use super::enrollments::{check_people, may_see, parse_members, MemberInput};
use super::team::refused;
use crate::context::Context;
use crate::domain::status::RequestState;
use crate::domain::team::{may_add, may_verify_addition};
use crate::domain::{Actor, FieldError, FieldErrors};
use crate::error::{internal, AppError, AppResult, OnUnique};
use crate::outbox;
use crate::store::additions::{self as rows, Addition};
use crate::store::audit::{self, Event};
use crate::store::enrollments::{self as enrollment_rows, EnrollmentRow};
use crate::store::offices;

fn already_open() -> AppError {
    AppError::Conflict(
        "この登録には確認待ちのメンバー追加があります。確認されるか取り下げてから追加してください。"
            .into(),
    )
}

/// Lists `team` to join enrollment `id`: checked as at registration (row by row, every refusal
/// at once). Returns the addition.
#[tracing::instrument(skip_all, fields(enrollment = id))]
pub async fn propose(
    app: &Context,
    actor: &Actor,
    id: i64,
    team: &[MemberInput],
) -> AppResult<Addition> {
    let mut tx = app.store.begin().await?;
    let e = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(tx.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    may_add(actor, e.obtainer_office_id, e.state).map_err(refused)?;
    let mut errors = FieldErrors::default();
    let members = parse_members(&mut errors, team);
    if team.is_empty() {
        errors.push(FieldError::new(
            "team",
            "追加するメンバーを1人以上入力してください。",
        ));
    }
    let members = match (members, errors.is_empty()) {
        (Some(m), true) => m,
        _ => return Err(errors.into()),
    };
    check_people(
        tx.conn(),
        e.obtainer_office_id,
        e.obtainer_user_id,
        &members,
    )
    .await?;
    let version = i64::from(template::latest_builtin_of(FormKind::MemberAddition));
    let addition = rows::insert(tx.conn(), id, &members, version, actor.user_id())
        .await
        .on_unique(already_open)?;
    let offices: Vec<i64> = members.iter().map(|m| m.office_id).collect();
    let details = json!({ "addition": addition, "offices": offices });
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "enrollment.members_asked",
            ("enrollment", id),
            details,
        ),
    )
    .await?;
    let a = rows::get(tx.conn(), addition)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(a)
}

/// Addition `addition` of enrollment `id`, for someone who sees the enrollment.
pub async fn get(
    app: &Context,
    actor: &Actor,
    id: i64,
    addition: i64,
) -> AppResult<(EnrollmentRow, Addition)> {
    let mut c = app.store.acquire().await?;
    if !may_see(c.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    let a = rows::get(c.conn(), addition)
        .await?
        .filter(|a| a.enrollment_id == id)
        .ok_or(AppError::NotFound)?;
    let e = enrollment_rows::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((e, a))
}

/// The addition's form, prefilled: the person, the members being added, the obtainer. The same
/// addition always gives the same bytes. Printing is the obtainer office's (and the centre's).
pub async fn pdf(app: &Context, actor: &Actor, id: i64, addition: i64) -> AppResult<Vec<u8>> {
    let (e, a) = get(app, actor, id, addition).await?;
    may_add(actor, e.obtainer_office_id, e.state).map_err(refused)?;
    if a.state != RequestState::Open {
        return Err(AppError::InvalidState(
            "確認済みまたは取り下げたメンバー追加の同意書は印刷できません。".into(),
        ));
    }
    let rendered = render(app, &e, &a).await?;
    super::reads::record(&app.store, actor, "consent_form", ("enrollment", id)).await?;
    Ok(rendered.pdf)
}

/// The addition's form drawn (off the async threads).
async fn render(app: &Context, e: &EnrollmentRow, a: &Addition) -> AppResult<form::Rendered> {
    let mut c = app.store.acquire().await?;
    let mut data = super::forms::form_data(&mut c, app, e, false).await?;
    let mut team = Vec::new();
    for m in a.members() {
        let office = offices::get(c.conn(), m.office_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        team.push(form::Member {
            office,
            profession: m.profession,
            name: m.name,
            phone: m.phone,
        });
    }
    drop(c);
    data.team = team;
    let version = u16::try_from(a.form_version).map_err(internal)?;
    let (t, _) = template::builtin_of(FormKind::MemberAddition, version).map_err(internal)?;
    let key = SigningKey {
        id: app.keys.qr_key_id.0,
        key: app.keys.qr_key.expose().as_bytes().to_vec(),
    };
    let rendered = tokio::task::spawn_blocking(move || form::render(&t, &data, &key))
        .await
        .map_err(internal)?
        .map_err(super::forms::form_error)?;
    Ok(rendered)
}

/// How many pages the addition's printed form has (a long list of members continues), for a
/// page the centre assigns by hand.
pub(crate) async fn form_pages(app: &Context, e: &EnrollmentRow, a: &Addition) -> AppResult<i64> {
    Ok(render(app, e, a).await?.payloads.len() as i64)
}

/// The centre verifies the signed copy (at least one page of it received): the members join
/// the team in this transaction, and they and the obtainer are e-mailed.
#[tracing::instrument(skip_all, fields(addition = addition))]
pub async fn verify(app: &Context, actor: &Actor, id: i64, addition: i64) -> AppResult<()> {
    if !may_verify_addition(actor) {
        return Err(AppError::Forbidden(
            "メンバー追加の同意書は連携推進センターが確認します。".into(),
        ));
    }
    let mut tx = app.store.begin().await?;
    let a = rows::get(tx.conn(), addition)
        .await?
        .filter(|a| a.enrollment_id == id)
        .ok_or(AppError::NotFound)?;
    let e = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.pages_received == 0 {
        return Err(AppError::InvalidState(
            "メンバー追加の同意書の写しがまだ届いていません。".into(),
        ));
    }
    may_add(actor, e.obtainer_office_id, e.state).map_err(refused)?;
    if !rows::answer(tx.conn(), addition, RequestState::Accepted, actor.user_id()).await? {
        return Err(AppError::Conflict(
            "このメンバー追加は既に確認または取り下げられています。".into(),
        ));
    }
    let mut position = rows::next_position(tx.conn(), id).await?;
    let members = a.members();
    for m in &members {
        enrollment_rows::insert_member(tx.conn(), id, position, m).await?;
        position += 1;
    }
    let details = json!({ "addition": addition, "members": members.len() });
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "enrollment.members_added",
            ("enrollment", id),
            details,
        ),
    )
    .await?;
    let mails = outbox::team::members_added(tx.conn(), app, &e, addition, &members).await?;
    outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    Ok(())
}

/// The obtainer office or the centre takes an addition back (the person changed their mind).
#[tracing::instrument(skip_all, fields(addition = addition))]
pub async fn withdraw(app: &Context, actor: &Actor, id: i64, addition: i64) -> AppResult<()> {
    let mut tx = app.store.begin().await?;
    let e = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let a = rows::get(tx.conn(), addition)
        .await?
        .filter(|a| a.enrollment_id == id)
        .ok_or(AppError::NotFound)?;
    // Withdrawing is allowed after the enrollment ended too: only who may ask is checked.
    match may_add(
        actor,
        e.obtainer_office_id,
        crate::domain::enrollment::State::Active,
    ) {
        Ok(()) => {}
        Err(r) => return Err(refused(r)),
    }
    if !rows::answer(tx.conn(), a.id, RequestState::Withdrawn, actor.user_id()).await? {
        return Err(AppError::Conflict(
            "このメンバー追加は既に確認または取り下げられています。".into(),
        ));
    }
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "enrollment.members_withdrawn",
            ("enrollment", id),
            json!({ "addition": addition }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
