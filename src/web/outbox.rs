//! 送信メール: every e-mail the service wrote, its state, and for a failed one the server's
//! reply. With the file transport (the embedded default) this is where the e-mails are read.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{render, PageError};
use crate::error::AppError;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::store::outbox::{self, OutboxRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mail", get(list))
        .route("/mail/{id}", get(one))
}

const TABS: [(&str, &str); 4] = [
    ("", "すべて"),
    ("pending", "送信待ち"),
    ("sent", "送信済み"),
    ("failed", "送信失敗"),
];

#[derive(Template)]
#[template(path = "mail_list.html")]
struct ListPage<'a> {
    user: Option<&'a CurrentUser>,
    tab: String,
    tabs: [(&'static str, &'static str); 4],
    mails: Vec<OutboxRow>,
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

/// Personal data goes out in these e-mails: the centre and the city only.
fn may_read(user: &CurrentUser) -> Result<(), PageError> {
    if user.sees_all() {
        Ok(())
    } else {
        Err(PageError(AppError::Forbidden(
            "送信メールはセンターと市の担当者だけが見られます。".into(),
        )))
    }
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    may_read(&user)?;
    let tab = q
        .status
        .filter(|s| TABS.iter().any(|(k, _)| k == s))
        .unwrap_or_default();
    let mut c = state.store.acquire().await?;
    let status = (!tab.is_empty()).then_some(tab.as_str());
    let mails = outbox::list(c.conn(), status, None, 200).await?;
    Ok(render(
        StatusCode::OK,
        &ListPage {
            user: Some(&user),
            tab,
            tabs: TABS,
            mails,
        },
    ))
}

#[derive(Template)]
#[template(path = "mail.html")]
struct OnePage<'a> {
    user: Option<&'a CurrentUser>,
    m: OutboxRow,
}

#[tracing::instrument(skip_all)]
async fn one(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    may_read(&user)?;
    let id = super::id_of(&id)?;
    let mut c = state.store.acquire().await?;
    let m = outbox::get(c.conn(), id).await?.ok_or(AppError::NotFound)?;
    Ok(render(
        StatusCode::OK,
        &OnePage {
            user: Some(&user),
            m,
        },
    ))
}
