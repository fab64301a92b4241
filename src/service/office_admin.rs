//! ④⑤ What an office administrator keeps: the office's information, and its staff's logins
//! (created with a first password the user must replace, edited on transfer, disabled on
//! leaving). The city may do the same for any office.

use serde::Deserialize;
use serde_json::json;

use super::accounts::{self, UserInput};
use crate::domain::office_info::{OfficeInfo, OfficeInfoInput};
use crate::domain::person::Email;
use crate::domain::text::bounded_text;
use crate::domain::{Actor, FieldError, FieldErrors, Role};
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Event};
use crate::store::offices::{self, Office};
use crate::store::users::{self, UserRow};
use crate::store::{auth, Store};

/// The office administrator of `office`, or the city.
pub fn manages(actor: &Actor, office: i64) -> AppResult<()> {
    match actor.role() {
        Some(Role::CityAdmin) => Ok(()),
        Some(Role::OfficeAdmin) if actor.office_id() == Some(office) => Ok(()),
        _ => Err(AppError::Forbidden(
            "not this office's administrator".into(),
        )),
    }
}

/// ④ Saves the office's information. Returns the office as saved, and whether the map point
/// was cleared because the address moved without 座標の上書き禁止.
#[tracing::instrument(skip(store, actor, input))]
pub async fn update_info(
    store: &Store,
    actor: &Actor,
    office_id: i64,
    input: &OfficeInfoInput,
) -> AppResult<(Office, bool)> {
    manages(actor, office_id)?;
    let info = OfficeInfo::parse(input)?;
    let mut tx = store.begin().await?;
    let old = offices::get(tx.conn(), office_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let coords = info.coordinates_after(&old.address, old.coordinates());
    let cleared = old.coordinates().is_some() && coords.is_none() && info.coordinates.is_some();
    offices::update_info(tx.conn(), office_id, &info, coords).await?;
    let changed: Vec<&str> = [
        ("address", old.address != info.address),
        ("phone", old.phone != info.phone.as_str()),
        ("fax", old.fax != info.fax.as_str()),
        (
            "coordinates",
            old.coordinates() != coords || old.coords_locked != info.coords_locked,
        ),
        ("hours", old.hours != info.hours),
        ("closed_days", old.closed_days != info.closed_days.stored()),
        ("co_located", old.co_located != info.co_located),
        ("other_info", old.other_info != info.other_info),
        ("map_published", old.map_published != info.map_published),
    ]
    .into_iter()
    .filter_map(|(k, c)| c.then_some(k))
    .collect();
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "office.updated",
            ("office", office_id),
            json!({ "changed": changed }),
        ),
    )
    .await?;
    let saved = offices::get(tx.conn(), office_id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((saved, cleared))
}

/// ⑤ A new login of the office, with a first password the user replaces at first sign-in.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StaffInput {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// staff or office_admin
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub password: String,
}

fn office_role(role: &str) -> Result<Role, FieldError> {
    match Role::parse(role) {
        Some(r) if r.needs_office() => Ok(r),
        _ => Err(FieldError::new("role", "権限を選んでください。")),
    }
}

pub async fn create_staff(
    store: &Store,
    actor: &Actor,
    office_id: i64,
    s: &StaffInput,
) -> AppResult<UserRow> {
    manages(actor, office_id)?;
    // The role and the first password are this form's own checks; the rest are every
    // login's. All refusals are answered together.
    let mut own = FieldErrors::default();
    if s.password.is_empty() {
        own.push(FieldError::new(
            "password",
            "初期パスワードを入力してください。",
        ));
    }
    let role = own.take(office_role(&s.role));
    let input = UserInput {
        login: s.login.clone(),
        name: s.name.clone(),
        email: Some(s.email.clone()),
        role: role.unwrap_or(Role::Staff),
        office_id: Some(office_id),
        password: Some(s.password.clone()),
    };
    if own.is_empty() {
        return accounts::create_user(store, actor, &input).await;
    }
    if let Err(AppError::Invalid(theirs)) = accounts::check_user(&input) {
        for e in theirs.iter() {
            own.push(e.clone());
        }
    }
    Err(own.into())
}

/// A login of an office the actor manages; another office's is simply not found.
async fn staff_member(store: &Store, actor: &Actor, user_id: i64) -> AppResult<UserRow> {
    let mut c = store.acquire().await?;
    let u = users::get(c.conn(), user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let office = u.office_id.ok_or(AppError::NotFound)?;
    manages(actor, office).map_err(|_| AppError::NotFound)?;
    Ok(u)
}

fn not_self(actor: &Actor, u: &UserRow, what: &str) -> AppResult<()> {
    if actor.user_id() == Some(u.id) {
        return Err(AppError::Conflict(format!(
            "ご自身の{what}は変更できません。別の事業所管理者か市にご依頼ください。"
        )));
    }
    Ok(())
}

/// ⑤ An edit on transfer (人事異動): name, e-mail, role.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StaffEdit {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
}

pub async fn edit_staff(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    e: &StaffEdit,
) -> AppResult<UserRow> {
    let u = staff_member(store, actor, user_id).await?;
    let mut errors = FieldErrors::default();
    let name = errors.take(bounded_text("name", &e.name, 40, "氏名"));
    let email = match e.email.trim() {
        "" => Some(None),
        a => errors.take(Email::parse("email", a)).map(Some),
    };
    let role = errors.take(office_role(&e.role));
    let (name, email, role) = errors.finish(|| Some((name?, email?, role?)))?;
    if role != u.role() {
        not_self(actor, &u, "権限")?;
    }
    let mut tx = store.begin().await?;
    users::update_profile(
        tx.conn(),
        u.id,
        &name,
        email.as_ref().map(|e| e.as_str()),
        role,
    )
    .await?;
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "user.updated",
            ("user", u.id),
            json!({ "role": role.as_str() }),
        ),
    )
    .await?;
    let saved = users::get(tx.conn(), u.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// ⑤ Disables a leaver's login (its sessions end now) or enables it again.
pub async fn set_disabled(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
) -> AppResult<()> {
    let u = staff_member(store, actor, user_id).await?;
    not_self(actor, &u, "利用状態")?;
    let mut tx = store.begin().await?;
    users::set_disabled(tx.conn(), u.id, disabled).await?;
    if disabled {
        auth::end_access(tx.conn(), u.id, None).await?;
    }
    let action = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    audit::append(
        tx.conn(),
        Event::about(actor, action, ("user", u.id), json!({})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// ⑤ A forgotten password: the administrator sets a new first one, replaced at next sign-in.
pub async fn reset_password(
    store: &Store,
    actor: &Actor,
    user_id: i64,
    password: &str,
) -> AppResult<()> {
    let u = staff_member(store, actor, user_id).await?;
    not_self(actor, &u, "初期パスワード")?;
    accounts::check_password_rules(password)?;
    let hash = accounts::hash_password(password.to_string()).await?;
    let mut tx = store.begin().await?;
    users::set_password(tx.conn(), u.id, &hash, true).await?;
    auth::end_access(tx.conn(), u.id, None).await?;
    audit::append(
        tx.conn(),
        Event::about(actor, "user.password_reset", ("user", u.id), json!({})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
