//! Printing consent forms: the first print issues the form (draft → form_issued), later prints
//! return the stored PDF, and a newer template version reissues and supersedes the old one.

use consentflow_workers::form::{
    self, FormData, FormError, Member, Obtainer, Place, SigningKey, Subject,
};
use consentflow_workers::EnrollmentCode;
use serde_json::json;

use crate::context::Context;
use crate::domain::enrollment::{self, Command, Facts, State};
use crate::domain::person::Sex;
use crate::domain::{Actor, FieldError};
use crate::error::{internal, missing, AppError, AppResult, OnUnique};
use crate::service::enrollments::{may_see, may_see_row};
use crate::store::forms::{self as form_rows, IssuedForm, NewIssued};
use crate::store::{blobs, enrollments, Conn};

/// The message a care manager sees when a field cannot be printed.
pub(crate) fn form_error(e: FormError) -> AppError {
    match e {
        FormError::MissingGlyphs { field, chars } => {
            let list: String = chars.iter().collect();
            FieldError::new(
                field,
                format!("「{list}」は同意書に印刷できない文字です。通常の字体に置き換えるか、手書き用（空欄）の同意書を印刷してください。"),
            )
            .into()
        }
        FormError::TooLong { field, max } => FieldError::new(
            field,
            format!("同意書の欄に収まりません（{max}文字まで）。"),
        )
        .into(),
        FormError::TeamTooLarge(n) => {
            FieldError::new("team", format!("チームメンバーが多すぎます（{n}人）。")).into()
        }
        FormError::Template(t) => internal(t),
    }
}

pub(crate) async fn form_data(
    c: &mut crate::store::Pooled,
    state: &Context,
    row: &enrollments::EnrollmentRow,
    blank: bool,
) -> AppResult<FormData> {
    let code = EnrollmentCode::parse(&row.code).map_err(internal)?;
    let place = Place {
        city: state.config.city.clone(),
        centre_name: state.config.centre.name.clone(),
        centre_address: state.config.centre.address.clone(),
        centre_phone: state.config.centre.phone.clone(),
        centre_fax: state.config.centre.fax.clone(),
    };
    if blank {
        return Ok(FormData {
            code,
            subject: None,
            team: vec![],
            obtainer: None,
            place,
        });
    }
    let people = form_rows::people_printed(
        c.conn(),
        row.subject_id,
        row.obtainer_user_id,
        row.obtainer_office_id,
    )
    .await?;
    let s = people.subject;
    let sex = Sex::parse("sex", &s.sex).map(Sex::label_ja).unwrap_or("");
    let subject = Subject {
        name: s.name,
        kana: s.kana,
        birth_date: s.birth_date,
        sex: sex.into(),
        address: s.address,
        phone: s.phone,
    };
    let team = form_rows::team_printed(c.conn(), row.id)
        .await?
        .into_iter()
        .map(|(office, profession, name, phone)| Member {
            office,
            profession,
            name,
            phone,
        })
        .collect();
    let obtainer = Obtainer {
        office: people.obtainer_office,
        name: people.obtainer_name,
    };
    Ok(FormData {
        code,
        subject: Some(subject),
        team,
        obtainer: Some(obtainer),
        place,
    })
}

async fn stored(c: Conn<'_>, f: IssuedForm) -> AppResult<(IssuedForm, Vec<u8>)> {
    let (_, pdf) = blobs::get(c, &f.blob_sha256)
        .await?
        .ok_or_else(|| missing("blob"))?;
    Ok((f, pdf))
}

/// Prints the enrollment's consent form (or its blank variant) and returns the enrollment code,
/// the stored record and the PDF. Issues it on first print; a newer template version reissues
/// and supersedes.
/// `code` is as a URL names it: an unknown code and one the actor may not see are both 404.
#[tracing::instrument(skip(state, actor, code))]
pub async fn print(
    state: &Context,
    actor: &Actor,
    code: &str,
    blank: bool,
) -> AppResult<(String, IssuedForm, Vec<u8>)> {
    let code = super::enrollments::path_code(code)?;
    // A filled form shows the person's data: its read is logged before it goes out (with the
    // issue, in its transaction; on its own for a stored form).
    let read = (!blank).then_some(READ);
    let p = issue_or_fetch_logging(state, actor, Which::Code(&code), blank, read).await?;
    if read.is_some() && !p.read_logged {
        let target = ("enrollment", p.form.enrollment_id);
        super::reads::record(&state.store, actor, READ, target).await?;
    }
    Ok((p.code, p.form, p.pdf))
}

/// The enrollment whose form is printed: by its row (a batch, a page) or by its code (the API,
/// where the request's one read of the enrollment also resolves the code).
#[derive(Clone, Copy)]
enum Which<'a> {
    Id(i64),
    Code(&'a EnrollmentCode),
}

const READ: &str = "consent_form";

/// A form printed: the enrollment's code, the stored record and its PDF.
struct Printed {
    code: String,
    form: IssuedForm,
    pdf: Vec<u8>,
    /// Whether the read was logged with the issue.
    read_logged: bool,
}

/// [`print`] without the read log, for a print batch: its PDF logs a read per person when it
/// is downloaded.
pub async fn issue_or_fetch(
    state: &Context,
    actor: &Actor,
    id: i64,
    blank: bool,
) -> AppResult<(IssuedForm, Vec<u8>)> {
    let p = issue_or_fetch_logging(state, actor, Which::Id(id), blank, None).await?;
    Ok((p.form, p.pdf))
}

/// Issues or fetches the form; an issue also logs the read `read`, when given.
async fn issue_or_fetch_logging(
    state: &Context,
    actor: &Actor,
    which: Which<'_>,
    blank: bool,
    read: Option<&str>,
) -> AppResult<Printed> {
    let mut c = state.store.acquire().await?;
    let row = match which {
        Which::Id(id) => enrollments::get(c.conn(), id).await?,
        Which::Code(code) => enrollments::by_code(c.conn(), code.as_str()).await?,
    }
    .ok_or(AppError::NotFound)?;
    let id = row.id;
    if !may_see_row(c.conn(), actor, &row).await? {
        return Err(AppError::NotFound);
    }
    let st = row.state;
    let latest = state.forms.latest();
    let newest = form_rows::newest(c.conn(), id, blank).await?;
    let issuable = matches!(st, State::Draft | State::FormIssued);
    match newest {
        Some(f) if f.form_version == i64::from(latest) || !issuable => {
            let (form, pdf) = stored(c.conn(), f).await?;
            return Ok(Printed {
                code: row.code,
                form,
                pdf,
                read_logged: false,
            });
        }
        None if !issuable => {
            return Err(AppError::InvalidState(format!(
                "no form was issued before state {}",
                st.as_str()
            )));
        }
        _ => {}
    }
    // A first issue, or a reissue on a newer version: the state machine decides who may.
    let facts = Facts {
        state: st,
        obtainer_office_id: row.obtainer_office_id,
        issued_version: row.form_version,
    };
    let decision = enrollment::decide(
        &facts,
        actor,
        Command::IssueForm { version: latest },
        state.clock.today(),
    )?;
    let data = form_data(&mut c, state, &row, blank).await?;
    drop(c);
    let entry = state
        .forms
        .get(latest)
        .ok_or_else(|| missing(format!("form v{latest}")))?
        .clone();
    let key = SigningKey {
        id: state.keys.qr_key_id.0,
        key: state.keys.qr_key.expose().as_bytes().to_vec(),
    };
    let template = entry.template.clone();
    let rendered = tokio::task::spawn_blocking(move || form::render(&template, &data, &key))
        .await
        .map_err(internal)?
        .map_err(form_error)?;

    let mut tx = state.store.begin().await?;
    let sha = blobs::put(tx.conn(), "application/pdf", &rendered.pdf).await?;
    let payloads = serde_json::to_string(&rendered.payloads).map_err(internal)?;
    let new = NewIssued {
        enrollment_id: id,
        version: i64::from(latest),
        blank,
        template_sha256: &entry.sha256,
        blob_sha256: &sha,
        pages: rendered.payloads.len() as i64,
        payloads: &payloads,
        issued_by: actor.user_id(),
    };
    let issued = form_rows::insert(tx.conn(), &new).await.on_unique(|| {
        AppError::Conflict("同時に印刷されました。もう一度お試しください。".into())
    })?;
    form_rows::supersede_older(tx.conn(), id, i64::from(latest)).await?;
    let details = json!({ "version": latest, "blank": blank, "pages": issued.pages });
    crate::service::enrollments::record(tx.conn(), actor, id, row.revision, &decision, details)
        .await?;
    if let Some(what) = read {
        super::reads::record_in(tx.conn(), actor, what, ("enrollment", id)).await?;
    }
    tx.commit().await?;
    metrics::counter!("consentflow_forms_issued_total").increment(1);
    Ok(Printed {
        code: row.code,
        form: issued,
        pdf: rendered.pdf,
        read_logged: read.is_some(),
    })
}

/// The newest stored form (or blank variant) of an enrollment the actor may see, with the
/// enrollment code for the file name. Nothing is rendered or issued.
pub async fn stored_pdf(
    store: &crate::store::Store,
    actor: &Actor,
    id: i64,
    blank: bool,
) -> AppResult<(String, IssuedForm, Vec<u8>)> {
    let mut c = store.acquire().await?;
    let row = enrollments::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(c.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    let form = form_rows::newest(c.conn(), id, blank)
        .await?
        .ok_or(AppError::NotFound)?;
    let (form, pdf) = stored(c.conn(), form).await?;
    drop(c);
    if !blank {
        super::reads::record(store, actor, "consent_form", ("enrollment", id)).await?;
    }
    Ok((row.code, form, pdf))
}
