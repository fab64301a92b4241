//! ①② Office registration: the public application, and the city's approval (which creates the
//! office, its administrator and the first certificate voucher) or rejection.

use chrono::Duration;
use serde::Deserialize;
use serde_json::json;

use super::devices::{self, VoucherFor};
use crate::context::Context;
use crate::domain::office::{self, NewApplication};
use crate::domain::{Actor, Role};
use crate::error::{AppError, AppResult, OnUnique};
use crate::outbox;
use crate::store::applications::{self, Application};
use crate::store::audit::{self, Event};
use crate::store::offices::{self, Office};
use crate::store::users::{self, NewUser};

/// The public form's fields.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub fax: String,
    #[serde(default)]
    pub admin_name: String,
    #[serde(default)]
    pub admin_email: String,
}

/// A keyed hash of where an application came from: enough to count, not to know who.
pub fn client_key(app: &Context, client: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(app.keys.session_key.expose().as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"application-client:");
    mac.update(client.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// ① Stores an application from the public page (validated, at most
/// `offices.applications_per_hour` from one address) and tells the city.
#[tracing::instrument(skip_all)]
pub async fn apply(
    app: &Context,
    input: &ApplicationInput,
    client: &str,
) -> AppResult<Application> {
    let a = NewApplication::parse(
        &input.kind,
        &input.name,
        &input.address,
        &input.phone,
        &input.fax,
        &input.admin_name,
        &input.admin_email,
    )?;
    let key = client_key(app, client);
    let mut tx = app.store.begin().await?;
    let since = tx.conn().now - Duration::hours(1);
    if applications::count_from(tx.conn(), &key, since).await?
        >= app.config.offices.applications_per_hour
    {
        return Err(AppError::RateLimited(
            "申請が続けて送信されました。1時間ほどおいてから、もう一度お試しください。".into(),
        ));
    }
    if applications::pending_for(tx.conn(), &a.office.name, a.office.phone.as_str()).await? {
        return Err(AppError::Conflict(
            "同じ事業所名と電話番号の申請を受け付け済みです。市の確認をお待ちください。".into(),
        ));
    }
    let row = applications::insert(tx.conn(), &a, &key).await?;
    audit::append(
        tx.conn(),
        Event::about(
            &Actor::System,
            "office_application.received",
            ("office_application", row.id),
            json!({ "kind": row.kind }),
        ),
    )
    .await?;
    let mails = outbox::offices::application_received(tx.conn(), app, &row).await?;
    let ids = outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    outbox::kick(app, ids).await;
    Ok(row)
}

fn city_only(actor: &Actor) -> AppResult<()> {
    if actor.role() == Some(Role::CityAdmin) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only the city decides applications".into(),
        ))
    }
}

fn decided_already() -> AppError {
    AppError::Conflict("この申請は既に処理されています。".into())
}

/// The administrator's login id for office `id`: short, and says whose it is.
pub fn admin_login(office: i64) -> String {
    format!("o{office:04}-admin")
}

/// ② Approves: the office, its administrator (no password yet: they set one when they enrol
/// the first PC) and the first voucher, e-mailed as two messages; all in one transaction.
#[tracing::instrument(skip(app, actor))]
pub async fn approve(app: &Context, actor: &Actor, id: i64) -> AppResult<Office> {
    city_only(actor)?;
    let secret = devices::new_secret().await?;
    let mut tx = app.store.begin().await?;
    let a = applications::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let new = office::NewOffice::parse(
        &a.kind,
        &a.name,
        &a.phone,
        &a.fax,
        &a.address,
        &a.admin_email,
    )?;
    let office = offices::insert(tx.conn(), &new, &a.admin_name)
        .await
        .on_unique(|| {
            AppError::Conflict(
                "同じ名称と電話番号の事業所が既に登録されています。申請を却下してください。".into(),
            )
        })?;
    if !applications::decide(
        tx.conn(),
        id,
        "approved",
        None,
        Some(office.id),
        actor.user_id(),
    )
    .await?
    {
        return Err(decided_already());
    }
    let login = admin_login(office.id);
    let new_admin = NewUser {
        login: &login,
        name: &a.admin_name,
        email: Some(&a.admin_email),
        role: Role::OfficeAdmin,
        office_id: Some(office.id),
        password_hash: None,
        must_change_password: false,
    };
    let admin = users::insert(tx.conn(), &new_admin).await.on_unique(|| {
        AppError::Conflict(format!(
            "ログインID「{login}」が既に使われています。先にその利用者のIDを変更してください。"
        ))
    })?;
    for (action, target) in [
        ("office_application.approved", ("office_application", id)),
        ("office.created", ("office", office.id)),
        ("user.created", ("user", admin.id)),
    ] {
        audit::append(tx.conn(), Event::about(actor, action, target, json!({}))).await?;
    }
    let mails = devices::issue(tx.conn(), app, &office, VoucherFor::First, secret).await?;
    let ids = outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    outbox::kick(app, ids).await;
    Ok(office)
}

/// ② Rejects with a reason, which the applicant is told.
#[tracing::instrument(skip(app, actor, reason))]
pub async fn reject(app: &Context, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    city_only(actor)?;
    let reason = office::reason(reason)?;
    let mut tx = app.store.begin().await?;
    let a = applications::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !applications::decide(
        tx.conn(),
        id,
        "rejected",
        Some(&reason),
        None,
        actor.user_id(),
    )
    .await?
    {
        return Err(decided_already());
    }
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "office_application.rejected",
            ("office_application", id),
            json!({ "reason": reason }),
        ),
    )
    .await?;
    let m = outbox::offices::application_rejected(app, &a, &reason);
    let ids: Vec<i64> = outbox::enqueue(tx.conn(), app, &m)
        .await?
        .into_iter()
        .collect();
    tx.commit().await?;
    outbox::kick(app, ids).await;
    Ok(())
}
