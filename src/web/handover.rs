//! Handing over on the screens (#22): a new obtainer office asked from the enrollment page and
//! answered on the office's 異動・廃止 page, where an office's logins are moved to other
//! offices and the office asks to close (the city decides there, once nothing is left).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::enrollment::{show, Kept};
use super::handovers_page::{again, closures, page, Shown};
use super::{id_of, PageError};
use crate::domain::handover::Answer;
use crate::domain::status::RequestState;
use crate::domain::{FieldError, Role};
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::enrollments;
use crate::service::handover::{self, Proposal};
use crate::service::office_changes;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enrollments/{code}/obtainer", post(propose))
        .route("/handovers/{id}", post(answer_obtainer))
        .route("/offices/{id}/handovers", get(page))
        .route("/offices/closures", get(closures))
        .route("/offices/{id}/closure", post(ask_closure))
        .route("/closures/{id}", post(answer_closure))
        .route("/offices/{id}/transfers", post(transfer))
        .route("/transfers/{id}", post(answer_transfer))
}

#[derive(Deserialize)]
struct ProposalForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    p: Proposal,
}

#[tracing::instrument(skip_all)]
async fn propose(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    Form(f): Form<ProposalForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = enrollments::resolve(&state.store, &actor, &code).await?;
    match handover::propose(&state, &actor, id, &f.p).await {
        Ok((_, done)) => {
            let notice = if done {
                "担当者を変更しました（前後の担当者にメールで知らせます）。"
            } else {
                "引き継ぎを依頼しました。引き継ぎ先の事業所が承諾すると移ります。"
            };
            Ok(flash::redirect(
                &state,
                &format!("/enrollments/{code}"),
                notice,
            ))
        }
        Err(AppError::Invalid(errors)) => {
            let p = f.p;
            let kept = Kept {
                action: "obtainer".into(),
                errors,
                typed: vec![
                    ("to_office", p.to_office),
                    ("to_user", p.to_user),
                    ("reason", p.reason),
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

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    to_user: String,
    #[serde(default)]
    note: String,
    confirmed: Option<String>,
}

impl AnswerForm {
    fn answer(&self) -> Result<Answer, PageError> {
        Answer::parse(&self.answer)
            .ok_or_else(|| PageError(FieldError::new("answer", "回答を選んでください。").into()))
    }

    fn typed(&self) -> Vec<(&'static str, String)> {
        vec![
            ("to_user", self.to_user.clone()),
            ("note", self.note.clone()),
        ]
    }
}

/// Where an answer leaves the person: the enrollment when it is theirs (accepted, withdrawn),
/// else their office's page.
#[tracing::instrument(skip_all)]
async fn answer_obtainer(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = id_of(&id)?;
    let answer = f.answer()?;
    let ch = handover::get(&state, &actor, id).await?;
    match handover::answer(&state, &actor, id, answer, &f.to_user, &f.note).await {
        Ok(ch) => {
            let (to, notice) = match answer {
                Answer::Accept => (
                    format!("/enrollments/{}", ch.code),
                    "引き継ぎを承諾しました。この登録は貴事業所の担当になりました。",
                ),
                Answer::Withdraw => (
                    format!("/enrollments/{}", ch.code),
                    "引き継ぎの依頼を取り下げました。",
                ),
                Answer::Decline => (
                    format!("/offices/{}/handovers", ch.to_office_id),
                    "引き継ぎを辞退しました（依頼した事業所にメールで知らせます）。",
                ),
            };
            Ok(flash::redirect(&state, &to, notice))
        }
        Err(e) => {
            let office = user.office_id.unwrap_or(ch.to_office_id);
            let shown = Shown::refused(format!("answer:obtainer:{id}"), f.typed(), e)?;
            again(&state, &user, office, shown).await
        }
    }
}

#[derive(Deserialize)]
struct ClosureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all)]
async fn ask_closure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<ClosureForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let office = id_of(&id)?;
    match office_changes::ask_closure(&state, &user.actor(), office, &f.reason).await {
        Ok(_) => Ok(flash::redirect(
            &state,
            &format!("/offices/{office}/handovers"),
            "利用廃止を申し出ました。市が確認して決定します。",
        )),
        Err(e) => {
            let shown = Shown::refused("closure".into(), vec![("reason", f.reason)], e)?;
            again(&state, &user, office, shown).await
        }
    }
}

#[tracing::instrument(skip_all)]
async fn answer_closure(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = id_of(&id)?;
    let answer = f.answer()?;
    let k = {
        let mut c = state.store.acquire().await?;
        crate::store::handovers::closure(c.conn(), id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    if answer == Answer::Accept && !confirm::confirmed(&f.confirmed) && user.role == Role::CityAdmin
    {
        let c = Confirm {
            user: Some(&user),
            title: "事業所の利用廃止",
            message: format!("{}の利用を廃止します。", k.office),
            consequence: "この事業所の職員のログインIDはすべて利用停止になり、登録されたパソコンの証明書は無効になります。地図から外れ、研修・リマインドのメールは止まります。元に戻すことはできません。",
            action: format!("/closures/{id}"),
            fields: vec![("answer", "accept".into()), ("note", f.note.clone())],
            shown: vec![("コメント", f.note.clone())],
            button: "廃止する",
            back: format!("/offices/{}/handovers", k.office_id),
        };
        return Ok(confirm::ask(&c));
    }
    match office_changes::answer_closure(&state, &actor, id, answer, &f.note).await {
        Ok(_) => {
            let notice = match answer {
                Answer::Accept => "事業所の利用を廃止しました。",
                Answer::Decline => "廃止の申し出を却下しました。",
                Answer::Withdraw => "廃止の申し出を取り下げました。",
            };
            Ok(flash::redirect(
                &state,
                &format!("/offices/{}/handovers", k.office_id),
                notice,
            ))
        }
        Err(e) => {
            let shown = Shown::refused(format!("answer:closure:{id}"), f.typed(), e)?;
            again(&state, &user, k.office_id, shown).await
        }
    }
}

#[derive(Deserialize)]
struct TransferForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    to_office: String,
}

#[tracing::instrument(skip_all)]
async fn transfer(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<TransferForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let office = id_of(&id)?;
    let typed = vec![("user", f.user.clone()), ("to_office", f.to_office.clone())];
    let who = crate::service::handover::id_field("user", &f.user, "異動する職員");
    let result = match who {
        Ok(u) => office_changes::transfer(&state, &user.actor(), u, &f.to_office).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => {
            let notice = if t.state == RequestState::Accepted {
                "異動を反映しました。この職員は異動元の登録を見られなくなりました。"
            } else {
                "異動先の事業所の管理者に受け入れを依頼しました。"
            };
            Ok(flash::redirect(
                &state,
                &format!("/offices/{office}/handovers"),
                notice,
            ))
        }
        Err(e) => {
            let shown = Shown::refused("transfer".into(), typed, e)?;
            again(&state, &user, office, shown).await
        }
    }
}

#[tracing::instrument(skip_all)]
async fn answer_transfer(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = id_of(&id)?;
    let answer = f.answer()?;
    let t = {
        let mut c = state.store.acquire().await?;
        crate::store::handovers::transfer(c.conn(), id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    let office = user.office_id.unwrap_or(t.from_office_id);
    match office_changes::answer_transfer(&state, &actor, id, answer, &f.note).await {
        Ok(_) => {
            let notice = match answer {
                Answer::Accept => "異動を受け入れました。",
                Answer::Decline => "異動の受け入れを辞退しました。",
                Answer::Withdraw => "異動の依頼を取り下げました。",
            };
            Ok(flash::redirect(
                &state,
                &format!("/offices/{office}/handovers"),
                notice,
            ))
        }
        Err(e) => {
            let shown = Shown::refused(format!("answer:transfer:{id}"), f.typed(), e)?;
            again(&state, &user, office, shown).await
        }
    }
}
