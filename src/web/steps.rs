//! The steps on an enrollment's page (record consent, copy brought in person, return, verify,
//! register the team, activate, withdraw, close). Which are offered is asked of the state
//! machine itself, so a button is shown exactly when the step would be allowed.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;
use chrono::NaiveDate;
use serde::Deserialize;

use super::PageError;
use crate::domain::enrollment::{self, Command, CopyChannel, Facts, Signer, TransitionError};
use crate::domain::{Actor, FieldError};
use crate::error::AppError;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::enrollments::{self as service};
use crate::store::enrollments::EnrollmentRow;

pub fn router() -> Router<AppState> {
    Router::new().route("/enrollments/{code}/steps", post(step))
}

/// The steps `actor` may take now (`today`, in Japan): (action, label in Japanese).
pub fn offered(
    row: &EnrollmentRow,
    actor: &Actor,
    today: chrono::NaiveDate,
) -> Vec<(&'static str, &'static str)> {
    let facts = Facts {
        state: row.state,
        obtainer_office_id: row.obtainer_office_id,
        issued_version: row.form_version,
    };
    let reason = || "-".to_string();
    let samples = [
        (
            "record_consent",
            "同意を記録する",
            Command::RecordConsent {
                date: today,
                signer: Signer::Subject,
            },
        ),
        (
            "receive_copy",
            "写しを受領した（持参）",
            Command::ReceiveCopy {
                channel: CopyChannel::InPerson,
            },
        ),
        ("verify", "写しを確認した", Command::Verify),
        (
            "return_copy",
            "差し戻す",
            Command::ReturnCopy { reason: reason() },
        ),
        ("register_team", "チームを登録する", Command::RegisterTeam),
        ("activate", "利用を開始する", Command::Activate),
        (
            "withdraw",
            "撤回する",
            Command::Withdraw { reason: reason() },
        ),
        ("close", "終了する", Command::Close { reason: reason() }),
    ];
    let mut steps: Vec<_> = samples
        .into_iter()
        .filter(|(_, _, cmd)| {
            matches!(
                enrollment::decide(&facts, actor, cmd.clone(), today),
                Ok(_) | Err(TransitionError::Invalid { .. })
            )
        })
        .map(|(a, l, _)| (a, l))
        .collect();
    // Not a state change, but the obtainer's next step while the centre waits for the copy.
    if crate::service::copies::may_mark_sent(row, actor) {
        steps.insert(0, ("mark_sent", "写しを送付した"));
    }
    steps
}

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    signer: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    reason: String,
    /// 写しを送付した: fax or in_person.
    #[serde(default)]
    channel: String,
    /// The verification checklist: signed, dated, the latest version.
    signed: Option<String>,
    dated: Option<String>,
    version: Option<String>,
}

fn command(f: &StepForm) -> Result<Command, AppError> {
    let invalid = |field, m: &str| AppError::Invalid(FieldError::new(field, m));
    Ok(match f.action.as_str() {
        "record_consent" => Command::RecordConsent {
            date: NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d")
                .map_err(|_| invalid("date", "同意日を正しく入力してください。"))?,
            signer: if f.signer == "proxy" {
                Signer::Proxy {
                    relationship: f.relationship.clone(),
                }
            } else {
                Signer::Subject
            },
        },
        "receive_copy" => Command::ReceiveCopy {
            channel: CopyChannel::InPerson,
        },
        "verify" => {
            // The form's checkboxes are required; a request without them was not checked.
            if f.signed.is_none() || f.dated.is_none() || f.version.is_none() {
                return Err(invalid(
                    "verify",
                    "署名・同意日・版をすべて確認してから「写しを確認した」を押してください。",
                ));
            }
            Command::Verify
        }
        "return_copy" => Command::ReturnCopy {
            reason: f.reason.clone(),
        },
        "register_team" => Command::RegisterTeam,
        "activate" => Command::Activate,
        "withdraw" => Command::Withdraw {
            reason: f.reason.clone(),
        },
        "close" => Command::Close {
            reason: f.reason.clone(),
        },
        _ => return Err(invalid("action", "操作が正しくありません。")),
    })
}

#[tracing::instrument(skip_all, fields(id = %id))]
async fn step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<StepForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let code = id;
    let id = service::resolve(&state.store, &user.actor(), &code).await?;
    if f.action == "mark_sent" {
        let channel = match f.channel.as_str() {
            "in_person" => CopyChannel::InPerson,
            _ => CopyChannel::Fax,
        };
        crate::service::copies::mark_sent(&state.store, &user.actor(), id, channel).await?;
        return Ok(Redirect::to(&format!("/enrollments/{code}")).into_response());
    }
    let row = service::transition(&state, &user.actor(), id, command(&f)?).await?;
    Ok(Redirect::to(&format!("/enrollments/{}", row.code)).into_response())
}
