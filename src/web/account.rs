//! ログイン中の端末とAPIトークン: one's own open sessions and API tokens, each ended with a
//! button (someone who finds a sign-in they do not know ends it here).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{render, PageError};
use crate::error::AppError;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::tokens;
use crate::store::auth::{SessionRow, TokenRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/revoke", post(revoke))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    user: Option<&'a CurrentUser>,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    current: &'a str,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let access = tokens::own(&state.store, &user.actor()).await?;
    let notice = match q.done.as_deref() {
        Some("session") => Some("ログインを終了しました。"),
        Some("token") => Some("APIトークンを無効にしました。"),
        Some("gone") => Some("すでに終了しているか、見つかりませんでした。"),
        _ => None,
    };
    let p = AccountPage {
        user: Some(&user),
        sessions: access.sessions,
        tokens: access.tokens,
        current: &user.session_hash,
        notice,
    };
    Ok(render(StatusCode::OK, &p))
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    id: String,
}

#[tracing::instrument(skip_all)]
async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RevokeForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let result = match f.what.as_str() {
        "session" => tokens::end_session(&state.store, &actor, f.id.trim()).await,
        "token" => match f.id.trim().parse() {
            Ok(id) => tokens::revoke(&state.store, &actor, id).await,
            Err(_) => Err(AppError::NotFound),
        },
        _ => Err(AppError::NotFound),
    };
    let done = match result {
        Ok(()) => f.what.as_str(),
        Err(AppError::NotFound) => "gone",
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/account?done={done}")).into_response())
}
