//! Team changes on the screens (#22): take a member off a team, with the reason typed (a
//! refused form shows the enrollment page again with the message beside the field).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use super::enrollment::{show, Kept};
use super::PageError;
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::{enrollments, team};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enrollments/{code}/team/{member}/removal", post(remove))
        .route(
            "/enrollments/{code}/team/{member}/replacement",
            post(replace),
        )
}

#[derive(Deserialize)]
struct RemovalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    confirmed: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((code, member)): Path<(String, String)>,
    axum::Form(f): axum::Form<RemovalForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let member = super::id_of(&member)?;
    let reason = crate::domain::text::bounded_multiline("reason", &f.reason, 200, "理由");
    if let (Ok(reason), false) = (&reason, confirm::confirmed(&f.confirmed)) {
        // Asked only when it may be done: a refusal or a member already off answers first.
        let who = match team::to_remove(&state, &actor, id, member).await {
            Ok(w) => w,
            Err(AppError::Conflict(m)) => return conflict(&state, &user, id, m).await,
            Err(e) => return Err(e.into()),
        };
        let m = &who.member;
        let c = Confirm {
            user: Some(&user),
            title: "チームメンバーを外す",
            message: format!(
                "{}の{} {}さんを、{}さんの支援チームから外します。",
                who.office, m.profession, m.name, who.subject_name
            ),
            consequence: "この方はすぐにこの登録の連絡帳を見られなくなります（同じ事業所のほかのメンバーがチームにいる場合を除く）。本人と同意取得者にメールで知らせます。もう一度加えるには、支援対象者の同意が必要です。",
            action: format!("/enrollments/{code}/team/{member}/removal"),
            fields: vec![("reason", reason.clone())],
            shown: vec![("理由", reason.clone())],
            button: "チームから外す",
            back: format!("/enrollments/{code}"),
        };
        return Ok(confirm::ask(&c));
    }
    match team::remove(&state, &actor, id, member, &f.reason).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{code}"),
            "メンバーをチームから外しました（本人と同意取得者にメールで知らせます）。",
        )),
        Err(AppError::Invalid(errors)) => {
            let kept = Kept {
                action: format!("remove:{member}"),
                reason: f.reason,
                errors,
                ..Kept::default()
            };
            show(&state, &user, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(m)) => conflict(&state, &user, id, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ReplacementForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: crate::domain::team::ReplacementInput,
}

/// Another person of the member's office takes their place (no confirmation: nothing is lost,
/// and it is undone the same way).
#[tracing::instrument(skip_all)]
async fn replace(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((code, member)): Path<(String, String)>,
    axum::Form(f): axum::Form<ReplacementForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let member = super::id_of(&member)?;
    match team::replace(&state, &actor, id, member, &f.input).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{code}"),
            "担当者の交代を登録しました（交代前と交代後の方にメールで知らせます）。",
        )),
        Err(AppError::Invalid(errors)) => {
            let i = f.input;
            let kept = Kept {
                action: format!("replace:{member}"),
                errors,
                typed: vec![
                    ("user", i.user),
                    ("name", i.name),
                    ("phone", i.phone),
                    ("reason", i.reason),
                ],
                ..Kept::default()
            };
            show(&state, &user, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(m)) => conflict(&state, &user, id, m).await,
        Err(e) => Err(e.into()),
    }
}

/// The enrollment page again, saying what changed since it was shown.
pub(super) async fn conflict(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    m: String,
) -> Result<Response, PageError> {
    let kept = Kept {
        problem: Some(m),
        ..Kept::default()
    };
    show(state, user, id, kept, StatusCode::CONFLICT).await
}
