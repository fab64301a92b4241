//! ログイン中の端末とAPIトークン: one's own open sessions and API tokens, each ended with a
//! button (someone who finds a sign-in they do not know ends it here).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{render, PageError};
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
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
}

#[tracing::instrument(skip_all)]
async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    let access = tokens::own(&state.store, &user.actor()).await?;
    let p = AccountPage {
        user: Some(&user),
        sessions: access.sessions,
        tokens: access.tokens,
        current: &user.session_hash,
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
    confirmed: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RevokeForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    // A token cannot be given back once revoked (a program using it stops): asked first.
    if f.what == "token" && !confirm::confirmed(&f.confirmed) {
        let access = tokens::own(&state.store, &actor).await?;
        let Some(t) = access
            .tokens
            .iter()
            .find(|t| t.id.to_string() == f.id.trim())
        else {
            return Ok(flash::redirect(&state, "/account", GONE));
        };
        let c = Confirm {
            user: Some(&user),
            title: "APIトークンの無効化",
            message: format!("APIトークン「{}」を無効にします。", t.label),
            consequence:
                "このトークンを使っている仕組み（連携システムなど）は、すぐに使えなくなります。",
            action: "/account/revoke".into(),
            fields: vec![("what", f.what.clone()), ("id", f.id.clone())],
            shown: vec![],
            button: "無効にする",
            back: "/account".into(),
        };
        return Ok(confirm::ask(&c));
    }
    let result = match f.what.as_str() {
        "session" => tokens::end_session(&state.store, &actor, f.id.trim()).await,
        "token" => match f.id.trim().parse() {
            Ok(id) => tokens::revoke(&state.store, &actor, id).await,
            Err(_) => Err(AppError::NotFound),
        },
        _ => Err(AppError::NotFound),
    };
    let notice = match result {
        Ok(()) if f.what == "session" => "ログインを終了しました。",
        Ok(()) => "APIトークンを無効にしました。",
        Err(AppError::NotFound) => GONE,
        Err(e) => return Err(e.into()),
    };
    Ok(flash::redirect(&state, "/account", notice))
}

const GONE: &str = "すでに終了しているか、見つかりませんでした。";
