//! Offices, users, passwords, API tokens and the first administrator.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Duration;
use serde::Deserialize;
use serde_json::json;

use crate::domain::office::NewOffice;
use crate::domain::person::Email;
use crate::domain::text::bounded_text;
use crate::domain::{Actor, FieldError, FieldErrors, Role};
use crate::error::{internal, AppError, AppResult, OnUnique};
use crate::store::audit::{self, Event};
use crate::store::offices::{self, Office};
use crate::store::users::{self, NewUser, UserRow};
use crate::store::{auth, Store};

/// Hashes with argon2id, off the async threads (it is deliberately slow).
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::from_b64(&random_salt()).map_err(|e| anyhow::anyhow!("{e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await
    .map_err(internal)?
    .map_err(AppError::Internal)
}

fn random_salt() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    // SaltString wants unpadded standard base64 without the '+' '/' pitfalls: hex is a subset.
    hex::encode(b)
}

pub async fn verify_password(password: String, hash: String) -> bool {
    // Counted, so a test can see every refusal pays for a full check (without timing it).
    metrics::counter!("consentflow_password_checks_total").increment(1);
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash nobody's password matches, made once with the same parameters as real ones: a
/// refusal for an unknown login or one without a password verifies against it, so every
/// refusal costs the same time and none tells an attacker the login exists.
async fn dummy_hash() -> String {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async {
            let random = crate::store::auth::new_token().0;
            hash_password(random).await.unwrap_or_default()
        })
        .await
        .clone()
}

pub fn check_password_rules(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if !(10..=128).contains(&n) {
        return Err(FieldError::new(
            "password",
            "パスワードは10文字以上128文字以内で設定してください。",
        ));
    }
    Ok(())
}

/// Why a sign-in was refused. Screens show each its own message.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginRefused {
    BadCredentials,
    Suspended,
    /// Left the office: the administrator disabled the login.
    Disabled,
    /// Too many failures for this login or from this address lately (`throttle`).
    Throttled,
}

/// Checks a login and password from `client` (an address), counting failures.
pub async fn authenticate(
    store: &Store,
    login: &str,
    password: &str,
    client: &str,
) -> AppResult<Result<UserRow, LoginRefused>> {
    let keys = super::throttle::counters(login, client);
    // The login hashed (it may be mistyped personal data), the address, the reason.
    let refused = |why: &LoginRefused| {
        tracing::warn!(login = %keys.login_hint(), client, reason = ?why, "sign-in refused");
        metrics::counter!("consentflow_sign_in_refusals_total", "reason" => format!("{why:?}"))
            .increment(1);
    };
    let Some(attempt) = super::throttle::begin(store, &keys).await? else {
        refused(&LoginRefused::Throttled);
        return Ok(Err(LoginRefused::Throttled));
    };
    // A wrong password leaves the attempt counted; anything else takes it back.
    let result = check(store, login, password).await?;
    if let Err(why) = &result {
        refused(why);
    }
    match &result {
        Err(LoginRefused::BadCredentials) => {}
        Ok(_) => super::throttle::succeeded(store, &keys, attempt).await?,
        Err(_) => super::throttle::not_a_guess(store, attempt).await?,
    }
    Ok(result)
}

async fn check(
    store: &Store,
    login: &str,
    password: &str,
) -> AppResult<Result<UserRow, LoginRefused>> {
    let mut c = store.acquire().await?;
    let user = users::by_login(c.conn(), login.trim()).await?;
    drop(c);
    // An unknown login and one without a password yet verify against a dummy hash: the same
    // time as a real check, so timing does not reveal which logins exist.
    let Some(user) = user else {
        let _ = verify_password(password.to_string(), dummy_hash().await).await;
        return Ok(Err(LoginRefused::BadCredentials));
    };
    let Some(hash) = user.password_hash.clone() else {
        let _ = verify_password(password.to_string(), dummy_hash().await).await;
        return Ok(Err(LoginRefused::BadCredentials));
    };
    if !verify_password(password.to_string(), hash).await {
        return Ok(Err(LoginRefused::BadCredentials));
    }
    if user.suspended {
        return Ok(Err(LoginRefused::Suspended));
    }
    if user.disabled {
        return Ok(Err(LoginRefused::Disabled));
    }
    Ok(Ok(user))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OfficeInput {
    pub kind: String,
    pub name: String,
    pub phone: String,
    pub fax: String,
    pub address: String,
    pub admin_email: String,
}

pub async fn create_office(store: &Store, actor: &Actor, input: &OfficeInput) -> AppResult<Office> {
    if *actor != Actor::System && actor.role() != Some(Role::CityAdmin) {
        return Err(AppError::Forbidden(
            "only the city registers offices".into(),
        ));
    }
    let o = NewOffice::parse(
        &input.kind,
        &input.name,
        &input.phone,
        &input.fax,
        &input.address,
        &input.admin_email,
    )?;
    let mut tx = store.begin().await?;
    let office = offices::insert(tx.conn(), &o, "").await.on_unique(|| {
        AppError::Conflict("同じ名称と電話番号の事業所が既に登録されています。".into())
    })?;
    audit::append(
        tx.conn(),
        Event {
            actor,
            action: "office.created",
            target_kind: "office",
            target_id: office.id,
            from_state: None,
            to_state: None,
            details: json!({ "kind": office.kind }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(office)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserInput {
    pub login: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub office_id: Option<i64>,
    /// Optional: without one, the user signs in through a one-time link.
    pub password: Option<String>,
}

fn check_login(login: &str) -> Result<String, FieldError> {
    let l = login.trim();
    let ok = (3..=40).contains(&l.len())
        && l.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok {
        return Err(FieldError::new(
            "login",
            "ログインIDは半角英数字と . _ - で3〜40文字にしてください。",
        ));
    }
    Ok(l.to_string())
}

/// The city creates any user; an office administrator creates users of their own office.
/// Every field of a new login checked, all refusals at once: (login, name, e-mail).
pub fn check_user(input: &UserInput) -> Result<(String, String, Option<Email>), AppError> {
    let mut e = FieldErrors::default();
    let login = e.take(check_login(&input.login));
    let name = e.take(bounded_text("name", &input.name, 40, "氏名"));
    let email = match input.email.as_deref().map(str::trim) {
        Some(m) if !m.is_empty() => e.take(Email::parse("email", m)).map(Some),
        _ => Some(None),
    };
    if input.role.needs_office() != input.office_id.is_some() {
        e.push(FieldError::new(
            "office_id",
            "事業所の利用者には事業所を、センター・市の利用者には事業所なしを指定してください。",
        ));
    }
    if let Some(p) = &input.password {
        e.take(check_password_rules(p));
    }
    Ok(e.finish(|| Some((login?, name?, email?)))?)
}

pub async fn create_user(store: &Store, actor: &Actor, input: &UserInput) -> AppResult<UserRow> {
    match actor.role() {
        _ if *actor == Actor::System => {}
        Some(Role::CityAdmin) => {}
        Some(Role::OfficeAdmin)
            if input.role.needs_office() && input.office_id == actor.office_id() => {}
        _ => return Err(AppError::Forbidden("may not create this user".into())),
    }
    let (login, name, email) = check_user(input)?;
    let hash = match &input.password {
        Some(p) => Some(hash_password(p.clone()).await?),
        None => None,
    };

    let mut tx = store.begin().await?;
    if let Some(office) = input.office_id {
        if offices::get(tx.conn(), office).await?.is_none() {
            return Err(FieldError::new("office_id", "指定された事業所がありません。").into());
        }
    }
    let new = NewUser {
        login: &login,
        name: &name,
        email: email.as_ref().map(|e| e.as_str()),
        role: input.role,
        office_id: input.office_id,
        password_hash: hash.as_deref(),
        // A password chosen by someone else is theirs to replace at the first sign-in.
        must_change_password: hash.is_some() && actor.user_id().is_some(),
    };
    let user = users::insert(tx.conn(), &new)
        .await
        .on_unique(|| FieldError::new("login", "このログインIDは既に使われています。").into())?;
    audit::append(
        tx.conn(),
        Event {
            actor,
            action: "user.created",
            target_kind: "user",
            target_id: user.id,
            from_state: None,
            to_state: None,
            details: json!({ "role": user.role, "office_id": user.office_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// A one-time sign-in link for a user without a password (valid 24 hours). Returns the path.
pub async fn create_login_link(store: &Store, user_id: i64) -> AppResult<String> {
    let (token, hash) = auth::new_token();
    let mut tx = store.begin().await?;
    let expires = tx.conn().now + Duration::hours(24);
    auth::create_login_link(tx.conn(), &hash, user_id, expires).await?;
    tx.commit().await?;
    Ok(format!("/login/once/{token}"))
}

/// On an empty database: creates the first city administrator (`admin`) and returns a one-time
/// sign-in path for them. Returns None when users exist already.
pub async fn bootstrap(store: &Store) -> AppResult<Option<String>> {
    let mut c = store.acquire().await?;
    if users::count(c.conn()).await? > 0 {
        return Ok(None);
    }
    drop(c);
    let input = UserInput {
        login: "admin".into(),
        name: "市管理者".into(),
        email: None,
        role: Role::CityAdmin,
        office_id: None,
        password: None,
    };
    let admin = match create_user(store, &Actor::System, &input).await {
        Ok(u) => u,
        // Another node created it in the meantime.
        Err(AppError::Invalid(f)) if f.get("login").is_some() => return Ok(None),
        Err(e) => return Err(e),
    };
    create_login_link(store, admin.id).await.map(Some)
}

/// A user replaces their password (the first one an administrator chose, or any time).
/// Replaces a user's password (checking the current one). Every other session of theirs ends
/// and every API token is revoked; `keep` is the session making the change, if any.
/// What is wrong with changing `user`'s password from `current` to `new`: every refusal at
/// once (the current password, the new one's rules). Nothing is changed.
pub async fn password_change_errors(user: &UserRow, current: &str, new: &str) -> FieldErrors {
    let mut e = FieldErrors::default();
    let hash = user.password_hash.clone().unwrap_or_default();
    if !verify_password(current.to_string(), hash).await {
        e.push(FieldError::new(
            "current",
            "現在のパスワードが正しくありません。",
        ));
    }
    if let Err(rule) = check_password_rules(new) {
        e.push(FieldError::new("new_password", rule.message));
    } else if new == current {
        e.push(FieldError::new(
            "new_password",
            "新しいパスワードは現在のものと違うものにしてください。",
        ));
    }
    e
}

pub async fn change_password(
    store: &Store,
    user: &UserRow,
    current: &str,
    new: &str,
    keep: Option<&str>,
) -> AppResult<()> {
    password_change_errors(user, current, new)
        .await
        .finish(|| Some(()))?;
    let new_hash = hash_password(new.to_string()).await?;
    let mut tx = store.begin().await?;
    users::set_password(tx.conn(), user.id, &new_hash, false).await?;
    let (sessions, tokens) = auth::end_access(tx.conn(), user.id, keep).await?;
    let actor = Actor::User {
        id: user.id,
        role: user.role(),
        office_id: user.office_id,
    };
    audit::append(
        tx.conn(),
        Event {
            actor: &actor,
            action: "user.password_changed",
            target_kind: "user",
            target_id: user.id,
            from_state: None,
            to_state: None,
            details: json!({
                "first": user.must_change_password,
                "sessions_ended": sessions,
                "tokens_revoked": tokens,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
