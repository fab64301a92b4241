//! One received FAX with all its pages, where centre staff split a FAX that holds several
//! forms: each unmatched page gets the enrollment code and form page it belongs to, and all are
//! assigned in one go.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{id_of, render, PageError};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::fax::{self, MessageView};
use crate::service::reconcile::{self, SplitPart};

pub fn router() -> Router<AppState> {
    Router::new().route("/fax/messages/{id}", get(view).post(split))
}

#[derive(Template)]
#[template(path = "fax_message.html")]
struct MessagePage<'a> {
    user: Option<&'a CurrentUser>,
    m: MessageView,
    error: Option<String>,
    /// What was typed, per page id, kept when a split is refused.
    typed: Vec<(i64, String, String)>,
}

impl MessagePage<'_> {
    fn can_reconcile(&self) -> bool {
        self.user.is_some_and(|u| u.role == Role::Centre)
    }

    fn open_pages(&self) -> usize {
        self.m.pages.iter().filter(|p| open(p)).count()
    }

    fn typed_code(&self, id: &i64) -> &str {
        self.typed
            .iter()
            .find(|(p, _, _)| p == id)
            .map_or("", |(_, c, _)| c.as_str())
    }

    fn typed_page(&self, id: &i64) -> &str {
        self.typed
            .iter()
            .find(|(p, _, _)| p == id)
            .map_or("", |(_, _, n)| n.as_str())
    }
}

/// A page still waiting for someone to assign or discard it.
pub fn open(p: &crate::store::fax_list::PageRow) -> bool {
    p.outcome.needs_a_person() && p.resolved_at.is_none()
}

#[tracing::instrument(skip_all, fields(id = %id))]
async fn view(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = fax::message(&state.store, &user.actor(), id_of(&id)?).await?;
    let page = MessagePage {
        user: Some(&user),
        m,
        error: None,
        typed: vec![],
    };
    Ok(render(StatusCode::OK, &page))
}

/// The form: `csrf`, and `code_<page id>` / `page_<page id>` for each page being assigned.
/// Pages left blank stay where they are.
#[tracing::instrument(skip_all, fields(id = %id))]
async fn split(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str());
    user.check_csrf(csrf)?;
    let id = id_of(&id)?;
    let mut typed: Vec<(i64, String, String)> = Vec::new();
    for (k, v) in &fields {
        let (kind, page) = match k.split_once('_') {
            Some((kind @ ("code" | "page"), n)) => match n.parse::<i64>() {
                Ok(n) => (kind, n),
                Err(_) => continue,
            },
            _ => continue,
        };
        let at = match typed.iter().position(|(p, _, _)| *p == page) {
            Some(i) => i,
            None => {
                typed.push((page, String::new(), String::new()));
                typed.len() - 1
            }
        };
        if kind == "code" {
            typed[at].1 = v.trim().to_string();
        } else {
            typed[at].2 = v.trim().to_string();
        }
    }
    let parts: Vec<SplitPart> = typed
        .iter()
        .filter(|(_, code, _)| !code.is_empty())
        .map(|(p, code, n)| SplitPart {
            page_id: *p,
            code: code.clone(),
            // A blank or unreadable page number is refused by the assignment (page 0).
            page: n.parse().unwrap_or(0),
        })
        .collect();
    match reconcile::split(&state, &user.actor(), id, &parts).await {
        Ok(_) => Ok(crate::http::flash::redirect(
            &state,
            &format!("/fax/messages/{id}"),
            "ページを割り当てました。",
        )),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = e.status();
            let m = fax::message(&state.store, &user.actor(), id).await?;
            let page = MessagePage {
                user: Some(&user),
                m,
                error: Some(e.message_ja()),
                typed,
            };
            Ok(render(status, &page))
        }
        Err(e) => Err(e.into()),
    }
}
