//! 利用者一覧 for the city: every login, and suspending (asked first, with a reason) or
//! reinstating one. A suspension shows its reason, when and by whom.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::suspension::{self, Suspension};
use crate::store::audit;
use crate::store::users::{self, UserListRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/{id}/suspend", post(suspend))
        .route("/users/{id}/reinstate", post(reinstate))
}

/// Why, when and by whom a login was suspended.
struct Suspended {
    user_id: i64,
    reason: String,
    at: String,
    by: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage<'a> {
    user: Option<&'a CurrentUser>,
    users: Vec<UserListRow>,
    suspensions: Vec<Suspended>,
    /// A refused suspension: whose, what was typed, why.
    kept: Option<(i64, String, FieldErrors)>,
    /// A refusal that is no one field's (already reinstated by someone else).
    problem: Option<String>,
}

impl UsersPage<'_> {
    fn suspension(&self, id: &i64) -> Option<&Suspended> {
        self.suspensions.iter().find(|s| s.user_id == *id)
    }

    fn kept_reason(&self, id: &i64) -> &str {
        match &self.kept {
            Some((k, r, _)) if k == id => r,
            _ => "",
        }
    }

    fn kept_error(&self, id: &i64) -> Option<&str> {
        match &self.kept {
            Some((k, _, e)) if k == id => e.get("reason"),
            _ => None,
        }
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    kept: Option<(i64, String, FieldErrors)>,
    problem: Option<String>,
) -> Result<Response, PageError> {
    user.city_only()?;
    let mut c = state.store.acquire().await?;
    let users = users::list_all(c.conn()).await?;
    let mut suspensions = Vec::new();
    for u in users.iter().filter(|u| u.suspended) {
        let events = audit::for_target(c.conn(), "user", u.id).await?;
        if let Some(e) = events.iter().rev().find(|e| e.action == "user.suspended") {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            suspensions.push(Suspended {
                user_id: u.id,
                reason: details["reason"].as_str().unwrap_or_default().to_string(),
                at: crate::clock::local_time(&e.at),
                by: e.actor_name.clone().unwrap_or_else(|| "—".into()),
            });
        }
    }
    let p = UsersPage {
        user: Some(user),
        users,
        suspensions,
        kept,
        problem,
    };
    Ok(render(status, &p))
}

#[tracing::instrument(skip_all)]
async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    show(&state, &user, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    confirmed: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn suspend(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ReasonForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    user.city_only()?;
    let id = id_of(&id)?;
    let mut c = state.store.acquire().await?;
    let target = users::get(c.conn(), id).await?.ok_or(AppError::NotFound)?;
    drop(c);
    let refused = |errors: FieldErrors| {
        show(
            &state,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some((id, f.reason.clone(), errors)),
            None,
        )
    };
    if let Err(e) = crate::domain::text::bounded_multiline("reason", &f.reason, 200, "理由") {
        return refused(e.into()).await;
    }
    if !confirm::confirmed(&f.confirmed) {
        let c = Confirm {
            user: Some(&user),
            title: "利用停止",
            message: format!("{}さん（{}）を利用停止にします。", target.name, target.login),
            consequence: "この方のログイン中の画面とAPIはすぐに使えなくなり、本人（または事業所管理者）に理由をメールで知らせます。",
            action: format!("/users/{id}/suspend"),
            fields: vec![("reason", f.reason.clone())],
            shown: vec![("理由", f.reason.clone())],
            button: "利用停止にする",
            back: "/users".into(),
        };
        return Ok(confirm::ask(&c));
    }
    let s = Suspension {
        reason: f.reason.clone(),
    };
    match suspension::suspend(&state, &user.actor(), id, &s).await {
        Ok(_) => {
            let notice = format!("{}さんを利用停止にしました。", target.name);
            Ok(flash::redirect(&state, "/users", &notice))
        }
        Err(AppError::Invalid(errors)) => refused(errors).await,
        Err(e @ AppError::Conflict(_)) => {
            refused(crate::domain::FieldError::new("reason", e.message_ja()).into()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all)]
async fn reinstate(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ReasonForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    match suspension::lift(&state, &user.actor(), id_of(&id)?).await {
        Ok(()) => Ok(flash::redirect(&state, "/users", "利用を再開しました。")),
        Err(e @ AppError::Conflict(_)) => {
            show(&state, &user, e.status(), None, Some(e.message_ja())).await
        }
        Err(e) => Err(e.into()),
    }
}
