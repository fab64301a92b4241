//! Signing in and out, and the one-time link that lets a new user choose a password.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Duration;
use serde::Deserialize;

use super::{render, PageError};
use crate::http::session::{self, CurrentUser, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::http::AppState;
use crate::service::accounts::{self, LoginRefused};
use crate::store::{auth, users};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route(
            "/login/once/{token}",
            get(once_page).post(once_set_password),
        )
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    user: Option<&'a CurrentUser>,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    login: String,
    csrf: String,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    reason: Option<String>,
}

fn notice_for(reason: Option<&str>) -> Option<&'static str> {
    match reason? {
        "expired" => Some("ログインの有効期限が切れました。もう一度ログインしてください。"),
        "required" => Some("この画面を見るにはログインしてください。"),
        "suspended" => Some("このアカウントは利用停止中です。市の担当者にお問い合わせください。"),
        "disabled" => Some(DISABLED),
        "device" => Some(UNKNOWN_DEVICE),
        "enrolled" => Some("このパソコンを登録しました。ログインしてください。"),
        "logout" => Some("ログアウトしました。"),
        "password_set" => Some("パスワードを設定しました。"),
        _ => None,
    }
}

const THROTTLED: &str =
    "ログインに続けて失敗したため、しばらくログインできません。15分ほどおいてからお試しください。";
const DISABLED: &str = "このアカウントは無効になっています。事業所の管理者にお問い合わせください。";
const UNKNOWN_DEVICE: &str = "このパソコンは登録されていません。証明書取得用No/パスワードで登録したパソコンからログインしてください。";

/// A fresh login form: a new nonce cookie and its signed token in the form.
fn login_form(
    state: &AppState,
    jar: CookieJar,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<&'static str>,
    login: String,
) -> Response {
    let (nonce, _) = auth::new_token();
    let csrf = session::login_csrf_for(state, &nonce);
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, nonce))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .build();
    let page = LoginPage {
        user: None,
        notice,
        error,
        login,
        csrf,
    };
    (jar.add(cookie), render(status, &page)).into_response()
}

async fn login_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Response {
    let status = StatusCode::OK;
    login_form(
        &state,
        jar,
        status,
        notice_for(q.reason.as_deref()),
        None,
        String::new(),
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    crate::http::client::ClientAddr(client): crate::http::client::ClientAddr,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    // Every refusal shows the form again, with what was typed as login id and its own message.
    let refuse = |jar, status, msg: &'static str| {
        Ok(login_form(
            &state,
            jar,
            status,
            None,
            Some(msg),
            f.login.clone(),
        ))
    };
    if !session::login_csrf_ok(&state, &jar, &f.csrf) {
        let msg = "画面の有効期限が切れたため送信できませんでした。もう一度ログインしてください。";
        return refuse(jar, StatusCode::FORBIDDEN, msg);
    }
    if f.login.trim().is_empty() || f.password.is_empty() {
        return refuse(
            jar,
            StatusCode::UNPROCESSABLE_ENTITY,
            "ログインIDとパスワードを入力してください。",
        );
    }
    let user = match accounts::authenticate(&state.store, &f.login, &f.password, &client).await? {
        Ok(u) => u,
        Err(LoginRefused::BadCredentials) => {
            metrics::counter!("consentflow_logins_total", "result" => "refused").increment(1);
            return refuse(
                jar,
                StatusCode::UNAUTHORIZED,
                "ログインIDまたはパスワードが正しくありません。",
            );
        }
        Err(LoginRefused::Suspended) => {
            let msg = "このアカウントは利用停止中です。市の担当者にお問い合わせください。";
            return refuse(jar, StatusCode::FORBIDDEN, msg);
        }
        Err(LoginRefused::Disabled) => return refuse(jar, StatusCode::FORBIDDEN, DISABLED),
        Err(LoginRefused::Throttled) => {
            metrics::counter!("consentflow_logins_total", "result" => "throttled").increment(1);
            return refuse(jar, StatusCode::TOO_MANY_REQUESTS, THROTTLED);
        }
    };
    let device = match super::device::for_login(&state, &jar, &user).await? {
        Ok(d) => d,
        Err(()) => return refuse(jar, StatusCode::FORBIDDEN, UNKNOWN_DEVICE),
    };
    metrics::counter!("consentflow_logins_total", "result" => "ok").increment(1);
    let jar = start_session(&state, jar, user.id, device).await?;
    let next = if user.must_change_password {
        "/password"
    } else {
        "/enrollments"
    };
    Ok((jar, Redirect::to(next)).into_response())
}

async fn start_session(
    state: &AppState,
    jar: CookieJar,
    user_id: i64,
    device: Option<i64>,
) -> Result<CookieJar, PageError> {
    let (sid, sid_hash) = auth::new_token();
    let (csrf, _) = auth::new_token();
    let mut tx = state.store.begin().await?;
    let expires = tx.conn().now + Duration::hours(state.config.session_hours);
    auth::create_session(tx.conn(), &sid_hash, user_id, &csrf, expires, device).await?;
    tx.commit().await?;
    Ok(jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(session::session_cookie(state, sid)))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    jar: CookieJar,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let mut tx = state.store.begin().await?;
    auth::delete_session(tx.conn(), &user.session_hash).await?;
    tx.commit().await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login?reason=logout")).into_response())
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage<'a> {
    user: Option<&'a CurrentUser>,
    name: String,
    login: String,
    error: Option<String>,
}

async fn once_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let mut c = state.store.acquire().await?;
    let Some(uid) = auth::login_link_user(c.conn(), &auth::hash_token(&token)).await? else {
        return Err(link_gone());
    };
    let u = users::get(c.conn(), uid).await?.ok_or_else(link_gone)?;
    let page = SetPasswordPage {
        user: None,
        name: u.name,
        login: u.login,
        error: None,
    };
    Ok(render(StatusCode::OK, &page))
}

fn link_gone() -> PageError {
    PageError(crate::error::AppError::Conflict(
        "このリンクは使用済みか、有効期限が切れています。市の担当者に新しいリンクを依頼してください。".into(),
    ))
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// The link's token itself is the proof (it is single-use and unguessable), so it stands in
/// for the CSRF token here.
async fn once_set_password(
    State(state): State<AppState>,
    Path(token): Path<String>,
    jar: CookieJar,
    Form(f): Form<SetPasswordForm>,
) -> Result<Response, PageError> {
    let hash = auth::hash_token(&token);
    let mut c = state.store.acquire().await?;
    let uid = auth::login_link_user(c.conn(), &hash)
        .await?
        .ok_or_else(link_gone)?;
    let u = users::get(c.conn(), uid).await?.ok_or_else(link_gone)?;
    drop(c);
    let problem = if f.password != f.confirm {
        Some("確認用のパスワードが一致しません。".to_string())
    } else {
        accounts::check_password_rules(&f.password)
            .err()
            .map(|e| e.message)
    };
    if let Some(error) = problem {
        let page = SetPasswordPage {
            user: None,
            name: u.name,
            login: u.login,
            error: Some(error),
        };
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    let pw_hash = accounts::hash_password(f.password).await?;
    let mut tx = state.store.begin().await?;
    if !auth::use_login_link(tx.conn(), &hash).await? {
        return Err(link_gone());
    }
    users::set_password(tx.conn(), uid, &pw_hash, false).await?;
    tx.commit().await?;
    let device = match super::device::for_login(&state, &jar, &u).await? {
        Ok(d) => d,
        Err(()) => return Ok(Redirect::to("/login?reason=device").into_response()),
    };
    let jar = start_session(&state, jar, uid, device).await?;
    Ok((jar, Redirect::to("/enrollments")).into_response())
}
