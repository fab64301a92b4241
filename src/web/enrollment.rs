//! One enrollment's page: its state, the steps the person may take now (in the order of the
//! process, the irreversible ones apart), its copy, forms, e-mails, reads and timeline. A step
//! that is refused shows this page again, with the message beside the field and what was typed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

mod team;

use super::steps::Step;
use super::{render, PageError};
use crate::domain::status::CheckedField;
use crate::domain::FieldErrors;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::checks::FrontChecks;
use crate::service::enrollments::{self, EnrollmentView};
use crate::store::checks::CheckRow;
use crate::store::forms::IssuedForm;

/// A step form as it was sent, with why it was refused: shown again in place.
#[derive(Debug, Default, Clone)]
pub struct Kept {
    /// The step the values belong to (`withdraw`…); empty when nothing was sent.
    pub action: String,
    pub date: String,
    pub signer: String,
    pub relationship: String,
    pub reason: String,
    pub channel: String,
    pub errors: FieldErrors,
    /// A refusal that is not one field's (someone else took the step first).
    pub problem: Option<String>,
    /// Other forms' fields as typed (a replacement's name, a new obtainer office).
    pub typed: Vec<(&'static str, String)>,
}

impl Kept {
    /// The value typed into `field` of step `action`'s form ("" for another step's form).
    fn value(&self, action: &str, field: &str) -> &str {
        if self.action != action {
            return "";
        }
        match field {
            "date" => &self.date,
            "signer" => &self.signer,
            "relationship" => &self.relationship,
            "reason" => &self.reason,
            "channel" => &self.channel,
            other => self
                .typed
                .iter()
                .find(|(k, _)| *k == other)
                .map_or("", |(_, v)| v.as_str()),
        }
    }

    /// The message for `field` of step `action`'s form.
    fn error(&self, action: &str, field: &str) -> Option<&str> {
        (self.action == action)
            .then(|| self.errors.get(field))
            .flatten()
    }
}

#[derive(Template)]
#[template(path = "enrollment.html")]
struct DetailPage<'a> {
    user: Option<&'a CurrentUser>,
    v: EnrollmentView,
    forms: Vec<IssuedForm>,
    copy: crate::service::fax::CopyStatus,
    /// The steps in the order of the process.
    steps: Vec<Step>,
    /// 差し戻す, 撤回する, 終了する: apart, below, each asking for its reason.
    irreversible: Vec<Step>,
    kept: Kept,
    today: String,
    may_request_resend: bool,
    /// Whether the obtainer office may print the form now (not once closed or withdrawn).
    may_print: bool,
    /// The centre and the city: page images and e-mails.
    sees_all: bool,
    /// E-mails about this enrollment (the centre and the city).
    mails: Vec<crate::store::outbox::OutboxRow>,
    /// Who read it (the city).
    reads: Vec<crate::store::security::ReadRow>,
    /// The team's offices by id, for their names.
    offices: Vec<crate::store::offices::Office>,
    /// The field checks of the current copy's front page (the centre and the city).
    front: Option<FrontChecks>,
    /// 差し戻しの理由 as typed, or as the checks word it.
    return_reason: String,
    /// A new obtainer office asked and not answered yet.
    handover: Option<crate::store::handovers::ObtainerChange>,
    /// The logins of the obtainer office (another care manager) and of the viewer's own office
    /// (a replacement), as (id, name).
    obtainer_staff: Vec<(i64, String)>,
    own_staff: Vec<(i64, String)>,
}

impl DetailPage<'_> {
    fn read_label(&self, what: &str) -> &'static str {
        match what {
            "enrollment" => "登録内容",
            "consent_form" => "同意書（PDF）",
            "consent_form_batch" => "同意書（まとめて印刷）",
            _ => "その他",
        }
    }

    fn pages_text(pages: &[i64]) -> String {
        pages
            .iter()
            .map(|p| format!("{p}枚目"))
            .collect::<Vec<_>>()
            .join("・")
    }

    fn office_name(&self, id: &i64) -> &str {
        self.offices
            .iter()
            .find(|o| o.id == *id)
            .map_or("—", |o| o.name.as_str())
    }

    fn check(&self, field: &str) -> Option<&CheckRow> {
        let f = CheckedField::parse(field)?;
        self.front.as_ref()?.field(f)
    }

    /// The verify checklist's box `name`, ticked for what the checks saw; a person confirms.
    fn pre_ticked(&self, name: &str) -> bool {
        let Some(fc) = &self.front else { return false };
        match name {
            "signed" => fc.filled(CheckedField::Signature),
            "dated" => fc.filled(CheckedField::ConsentDate),
            "version" => self.copy.fax_pages.iter().any(|p| {
                p.id == fc.page_id
                    && p.form_version.is_some()
                    && p.form_version == self.v.enrollment.form_version
            }),
            _ => false,
        }
    }

    fn sex_label(&self) -> &'static str {
        use crate::domain::person::Sex;
        match Sex::parse("sex", &self.v.subject.sex) {
            Ok(Sex::Unspecified) | Err(_) => "記入なし",
            Ok(s) => s.label_ja(),
        }
    }

    /// A date as the service shows dates: 和暦 with 西暦.
    fn date(d: &chrono::NaiveDate) -> String {
        crate::domain::date::shown(*d)
    }

    /// ⑥ 情報の更新: the obtainer office, while the enrollment has not ended.
    fn may_edit_subject(&self) -> bool {
        let e = &self.v.enrollment;
        self.user.is_some_and(|u| {
            crate::domain::subject::may_edit(&u.actor(), e.obtainer_office_id, e.state).is_ok()
        })
    }

    /// The value typed into `field` of form `action`, and its message.
    fn typed(&self, action: &str, field: &str) -> (&str, Option<&str>) {
        (
            self.kept.value(action, field),
            self.kept.error(action, field),
        )
    }

    /// The reason typed for taking member `id` off, kept when refused, and why.
    fn removal(&self, id: &i64) -> (&str, Option<&str>) {
        let action = format!("remove:{id}");
        (
            self.kept.value(&action, "reason"),
            self.kept.error(&action, "reason"),
        )
    }

    /// A details change on the timeline: each field, before → after (from the journal the
    /// audit event points to; the audit itself names only the fields).
    fn subject_note(&self, details: &str) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(details).ok()?;
        let id = v.get("change")?.as_i64()?;
        let entry = self.v.subject_changes.iter().find(|c| c.id == id)?;
        let shown = |s: &str| {
            if s.is_empty() {
                "（未記入）".to_string()
            } else {
                s.to_string()
            }
        };
        let parts: Vec<String> = entry
            .fields()
            .iter()
            .map(|c| {
                format!(
                    "{}：{} → {}",
                    c.label_ja(),
                    shown(&c.before),
                    shown(&c.after)
                )
            })
            .collect();
        Some(parts.join("／"))
    }
}

#[derive(serde::Deserialize)]
pub struct DetailQuery {}

#[tracing::instrument(skip_all, fields(id))]
pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(_q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let id = enrollments::resolve(&state.store, &user.actor(), &id).await?;
    show(&state, &user, id, Kept::default(), StatusCode::OK).await
}

/// The page of enrollment `id` (already resolved for `user`), with a refused step's input.
pub async fn show(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    kept: Kept,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = user.actor();
    let v = enrollments::view(&state.store, &actor, id).await?;
    let mut c = state.store.acquire().await?;
    let forms = crate::store::forms::all_for(c.conn(), id).await?;
    let offices = crate::store::offices::list(c.conn()).await?;
    let handover = crate::store::handovers::obtainer_changes_of(c.conn(), id)
        .await?
        .into_iter()
        .find(|ch| ch.state == crate::domain::status::RequestState::Open);
    let staff = |us: Vec<crate::store::users::UserRow>| -> Vec<(i64, String)> {
        us.into_iter()
            .filter(|u| !u.disabled)
            .map(|u| (u.id, u.name))
            .collect()
    };
    let obtainer_staff =
        staff(crate::store::users::of_office(c.conn(), v.enrollment.obtainer_office_id).await?);
    let own_staff = match user.office_id {
        Some(o) => staff(crate::store::users::of_office(c.conn(), o).await?),
        None => vec![],
    };
    let mails = if user.sees_all() {
        crate::store::outbox::list(c.conn(), None, Some(("enrollment", id)), 50).await?
    } else {
        vec![]
    };
    drop(c);
    let copy = crate::service::fax::copy_status(&state.store, &actor, id).await?;
    let (steps, irreversible) = super::steps::offered(&v.enrollment, &actor, state.clock.today())
        .into_iter()
        .partition(|s| !s.irreversible());
    let reads = if user.role == crate::domain::Role::CityAdmin {
        crate::service::reads::of(&state.store, ("enrollment", id)).await?
    } else {
        vec![]
    };
    let front = if user.sees_all() {
        crate::service::checks::of_enrollment(&state.store, &actor, id).await?
    } else {
        None
    };
    let return_reason = if kept.action == "return_copy" {
        kept.reason.clone()
    } else {
        front
            .as_ref()
            .map(FrontChecks::return_reason)
            .unwrap_or_default()
    };
    let state_now = v.enrollment.state;
    let page = DetailPage {
        reads,
        user: Some(user),
        may_request_resend: state_now.awaits_copy() && user.role == crate::domain::Role::Centre,
        may_print: user.office_id == Some(v.enrollment.obtainer_office_id)
            && !state_now.is_terminal(),
        sees_all: user.sees_all(),
        mails,
        v,
        forms,
        copy,
        steps,
        irreversible,
        kept,
        offices,
        front,
        return_reason,
        handover,
        obtainer_staff,
        own_staff,
        today: state.clock.today().to_string(),
    };
    Ok(render(status, &page))
}
