//! The steps on an enrollment's page (record consent, copy sent or brought in, verify, register
//! the team, activate; and apart from them return, withdraw, close). Which are offered is asked
//! of the state machine itself, so a button is shown exactly when the step would be allowed.
//! A refused step shows the page again with the message beside its field and the input kept;
//! an irreversible one asks first; a step taken leaves a notice on the page it leads back to.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use super::enrollment::{show, Kept};
use super::PageError;
use crate::domain::enrollment::{self, Command, CopyChannel, Facts, Signer, TransitionError};
use crate::domain::{Actor, FieldError};
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::enrollments::{self as service};
use crate::store::enrollments::EnrollmentRow;

pub fn router() -> Router<AppState> {
    Router::new().route("/enrollments/{code}/steps", post(step))
}

/// A step offered on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub action: &'static str,
    pub label: &'static str,
}

impl Step {
    /// 差し戻す, 撤回する, 終了する: they stand apart, ask for a reason and for confirmation.
    pub fn irreversible(&self) -> bool {
        matches!(self.action, "return_copy" | "withdraw" | "close")
    }
}

/// The steps in the order of the process; `mark_sent` is not a state change.
fn samples(today: chrono::NaiveDate) -> Vec<(Step, Option<Command>)> {
    let reason = || "-".to_string();
    let s = |action, label| Step { action, label };
    vec![
        (
            s("record_consent", "同意を記録する"),
            Some(Command::RecordConsent {
                date: today,
                signer: Signer::Subject,
            }),
        ),
        (s("mark_sent", "写しを送付した"), None),
        (
            s("receive_copy", "写しを受領した（持参）"),
            Some(Command::ReceiveCopy {
                channel: CopyChannel::InPerson,
            }),
        ),
        (s("verify", "写しを確認した"), Some(Command::Verify)),
        (
            s("register_team", "チームを登録する"),
            Some(Command::RegisterTeam),
        ),
        (s("activate", "利用を開始する"), Some(Command::Activate)),
        (
            s("return_copy", "差し戻す"),
            Some(Command::ReturnCopy { reason: reason() }),
        ),
        (
            s("withdraw", "撤回する"),
            Some(Command::Withdraw { reason: reason() }),
        ),
        (
            s("close", "終了する"),
            Some(Command::Close { reason: reason() }),
        ),
    ]
}

/// The steps `actor` may take now (`today`, in Japan), in the order of the process.
pub fn offered(row: &EnrollmentRow, actor: &Actor, today: chrono::NaiveDate) -> Vec<Step> {
    let facts = Facts {
        state: row.state,
        obtainer_office_id: row.obtainer_office_id,
        issued_version: row.form_version,
    };
    samples(today)
        .into_iter()
        .filter(|(_, cmd)| match cmd {
            Some(cmd) => matches!(
                enrollment::decide(&facts, actor, cmd.clone(), today),
                Ok(_) | Err(TransitionError::Invalid { .. })
            ),
            // The obtainer's next step while the centre waits for the copy.
            None => crate::service::copies::may_mark_sent(row, actor),
        })
        .map(|(s, _)| s)
        .collect()
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
    /// Set by the confirmation page of an irreversible step.
    confirmed: Option<String>,
}

impl StepForm {
    fn kept(&self, errors: crate::domain::FieldErrors, problem: Option<String>) -> Kept {
        Kept {
            action: self.action.clone(),
            date: self.date.clone(),
            signer: self.signer.clone(),
            relationship: self.relationship.clone(),
            reason: self.reason.clone(),
            channel: self.channel.clone(),
            errors,
            problem,
            typed: vec![],
        }
    }
}

fn command(f: &StepForm) -> Result<Command, FieldError> {
    Ok(match f.action.as_str() {
        "record_consent" => Command::RecordConsent {
            date: crate::domain::person::parse_date("date", &f.date, "同意日")?,
            signer: match f.signer.as_str() {
                "proxy" => Signer::Proxy {
                    relationship: f.relationship.clone(),
                },
                "subject" => Signer::Subject,
                _ => return Err(FieldError::new("signer", "署名した人を選んでください。")),
            },
        },
        "receive_copy" => Command::ReceiveCopy {
            channel: CopyChannel::InPerson,
        },
        "verify" => {
            // The form's checkboxes are required; a request without them was not checked.
            if f.signed.is_none() || f.dated.is_none() || f.version.is_none() {
                return Err(FieldError::new(
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
        _ => return Err(FieldError::new("action", "操作が正しくありません。")),
    })
}

/// The notice left on the page after step `action` on `name`'s enrollment.
fn notice(action: &str, name: &str) -> String {
    match action {
        "record_consent" => "同意を記録しました。".into(),
        "mark_sent" => "写しの送付を記録しました。".into(),
        "receive_copy" => "写しの受領（持参）を記録しました。".into(),
        "verify" => "写しを確認しました。同意取得者にチーム登録をメールで依頼します。".into(),
        "register_team" => "チームを登録しました。センターに利用開始を依頼します。".into(),
        "activate" => "利用を開始しました。チームにメールで知らせます。".into(),
        "return_copy" => "写しを差し戻しました。同意取得者に理由をメールで知らせます。".into(),
        "withdraw" => format!("{name}さんの登録を撤回しました。"),
        "close" => format!("{name}さんの登録を終了しました。"),
        _ => "記録しました。".into(),
    }
}

/// The confirmation of an irreversible step: (title, message, consequence, button).
fn asking(action: &str, name: &str) -> (&'static str, String, &'static str, &'static str) {
    match action {
        "withdraw" => (
            "登録の撤回",
            format!("{name}さんの登録を撤回します。"),
            "チームでの共有は停止されます。撤回した登録は元に戻せません。",
            "撤回する",
        ),
        "close" => (
            "登録の終了",
            format!("{name}さんの登録を終了します。"),
            "チームでの共有は終了し、この登録にはこれ以上の操作ができなくなります。",
            "終了する",
        ),
        _ => (
            "写しの差し戻し",
            format!("{name}さんの同意書の写しを差し戻します。"),
            "受け付けた写しは無効になり、同意取得者に理由をメールで知らせて、写しの再送を求めます。",
            "差し戻す",
        ),
    }
}

/// The confirmation of an irreversible step, once the state machine says the step would be
/// allowed (else its refusal, for the page: a reason refused shows beside its box, not behind
/// a confirmation).
async fn ask_first(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    code: &str,
    f: &StepForm,
    cmd: Command,
) -> Result<Result<Response, AppError>, PageError> {
    let actor = user.actor();
    let v = service::view(&state.store, &actor, id).await?;
    let facts = Facts {
        state: v.enrollment.state,
        obtainer_office_id: v.enrollment.obtainer_office_id,
        issued_version: v.enrollment.form_version,
    };
    if let Err(e) = enrollment::decide(&facts, &actor, cmd, state.clock.today()) {
        return Ok(Err(e.into()));
    }
    let (title, message, consequence, button) = asking(&f.action, &v.subject.name);
    let c = Confirm {
        user: Some(user),
        title,
        message,
        consequence,
        action: format!("/enrollments/{code}/steps"),
        fields: vec![("action", f.action.clone()), ("reason", f.reason.clone())],
        shown: vec![("理由", f.reason.clone())],
        button,
        back: format!("/enrollments/{code}"),
    };
    Ok(Ok(confirm::ask(&c)))
}

#[tracing::instrument(skip_all, fields(code = %code))]
async fn step(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
    axum::Form(f): axum::Form<StepForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let actor = user.actor();
    let id = service::resolve(&state.store, &actor, &code).await?;
    let refused = |e: AppError| async {
        let status = e.status();
        let (errors, problem) = match e {
            // A field the page has no place for (a forged action): said at the top.
            AppError::Invalid(errors) if errors.get("action").is_some() => {
                (Default::default(), errors.get("action").map(str::to_string))
            }
            AppError::Invalid(errors) => (errors, None),
            AppError::InvalidState(_) | AppError::Forbidden(_) | AppError::Conflict(_) => {
                (Default::default(), Some(e.message_ja()))
            }
            other => return Err(PageError(other)),
        };
        show(&state, &user, id, f.kept(errors, problem), status).await
    };
    let back = format!("/enrollments/{code}");
    if f.action == "mark_sent" {
        let channel = match f.channel.as_str() {
            "in_person" => CopyChannel::InPerson,
            _ => CopyChannel::Fax,
        };
        return match crate::service::copies::mark_sent(&state.store, &actor, id, channel).await {
            Ok(_) => Ok(flash::redirect(&state, &back, &notice("mark_sent", ""))),
            Err(e) => refused(e).await,
        };
    }
    let cmd = match command(&f) {
        Ok(cmd) => cmd,
        Err(e) => return refused(e.into()).await,
    };
    let irreversible = matches!(
        cmd,
        Command::ReturnCopy { .. } | Command::Withdraw { .. } | Command::Close { .. }
    );
    let name = || async {
        service::view(&state.store, &actor, id)
            .await
            .map(|v| v.subject.name)
    };
    if irreversible && !confirm::confirmed(&f.confirmed) {
        return match ask_first(&state, &user, id, &code, &f, cmd).await? {
            Ok(page) => Ok(page),
            Err(e) => refused(e).await,
        };
    }
    match service::transition(&state, &actor, id, cmd).await {
        Ok(row) => {
            let to = format!("/enrollments/{}", row.code);
            let name = if irreversible {
                name().await?
            } else {
                String::new()
            };
            Ok(flash::redirect(&state, &to, &notice(&f.action, &name)))
        }
        Err(e) => refused(e).await,
    }
}
