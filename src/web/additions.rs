//! Adding members to an active team on the screens (#22): list one member on the enrollment
//! page, print their consent form, and (the centre) verify the signed copy once it came back.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::enrollment::{show, Kept};
use super::{id_of, PageError};
use crate::error::AppError;
use crate::http::flash;
use crate::http::inline_pdf;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::additions;
use crate::service::enrollments::{self, MemberInput};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enrollments/{code}/additions", post(propose))
        .route("/enrollments/{code}/additions/{id}/form.pdf", get(form))
        .route("/enrollments/{code}/additions/{id}/verify", post(verify))
        .route(
            "/enrollments/{code}/additions/{id}/withdraw",
            post(withdraw),
        )
}

#[derive(Deserialize)]
struct AdditionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    profession: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
}

#[tracing::instrument(skip_all)]
async fn propose(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<AdditionForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let office =
        crate::domain::text::whole_number("team.0.office", &f.office, 1, i64::MAX, "事業所");
    let result = match office {
        Ok(office_id) => {
            let m = MemberInput {
                office_id,
                user_id: None,
                profession: f.profession.clone(),
                name: f.name.clone(),
                phone: f.phone.clone(),
            };
            additions::propose(&state, &actor, id, &[m])
                .await
                .map(|_| ())
        }
        Err(e) => Err(AppError::Invalid(e.into())),
    };
    match result {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{code}"),
            "追加するメンバーを登録しました。支援チームメンバー追加同意書を印刷して署名をもらい、FAXしてください。",
        )),
        Err(AppError::Invalid(errors)) => {
            let kept = Kept {
                action: "add".into(),
                errors,
                typed: vec![
                    ("team.0.office", f.office),
                    ("team.0.profession", f.profession),
                    ("team.0.name", f.name),
                    ("team.0.phone", f.phone),
                ],
                ..Kept::default()
            };
            show(&state, &user, id, kept, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(m) | AppError::InvalidState(m)) => {
            super::team::conflict(&state, &user, id, m).await
        }
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all)]
async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((code, addition)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    let pdf = additions::pdf(&state, &actor, id, id_of(&addition)?).await?;
    Ok(inline_pdf(&format!("addition-{code}-{addition}.pdf"), pdf))
}

#[derive(Deserialize)]
struct Plain {
    #[serde(default)]
    csrf: String,
}

#[tracing::instrument(skip_all)]
async fn verify(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((code, addition)): Path<(String, String)>,
    Form(f): Form<Plain>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    match additions::verify(&state, &actor, id, id_of(&addition)?).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{code}"),
            "メンバー追加の同意書を確認しました。追加したメンバーが連絡帳を見られるようになりました。",
        )),
        Err(AppError::Conflict(m) | AppError::InvalidState(m)) => {
            super::team::conflict(&state, &user, id, m).await
        }
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all)]
async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((code, addition)): Path<(String, String)>,
    Form(f): Form<Plain>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    match additions::withdraw(&state, &actor, id, id_of(&addition)?).await {
        Ok(()) => Ok(flash::redirect(
            &state,
            &format!("/enrollments/{code}"),
            "メンバーの追加を取り下げました。",
        )),
        Err(AppError::Conflict(m) | AppError::InvalidState(m)) => {
            super::team::conflict(&state, &user, id, m).await
        }
        Err(e) => Err(e.into()),
    }
}
