//! Enrollment use cases: create, read with access checks, and move through the state machine.

use chrono::NaiveDate;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::json;

use consentflow_workers::EnrollmentCode;

use crate::clock::japan_date;
use crate::context::Context;
use crate::domain::enrollment::{self, Command, Facts, State};
use crate::domain::person::{
    parse_birth_date, InsuranceNumber, Kana, NewSubject, PersonName, Phone, Sex,
};
use crate::domain::text::bounded_text;
use crate::domain::{Actor, FieldError, FieldErrors};
use crate::error::{is_unique_violation, AppError, AppResult};
use crate::outbox;
use crate::store::audit::{self, AuditEntry, Event};
use crate::store::enrollments::{
    self as enrollment_rows, EnrollmentRow, SubjectRow, TeamMemberRow,
};
use crate::store::{offices, users, Conn, Store};

mod access;
pub(crate) use access::{may_see, may_see_row};
pub use access::{path_code, resolve};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SubjectInput {
    pub name: String,
    pub kana: String,
    /// YYYY-MM-DD
    pub birth_date: String,
    /// male, female or unspecified
    pub sex: String,
    pub address: String,
    pub phone: String,
    pub insurance_number: Option<String>,
}

impl SubjectInput {
    /// The subject as typed, checked; `today` (in Japan) bounds the birth date.
    /// Every refusal is added to `e`, so the form shows them all at once.
    pub fn parse(&self, e: &mut FieldErrors, today: NaiveDate) -> Option<NewSubject> {
        let name = e.take(PersonName::parse("name", &self.name));
        let kana = e.take(Kana::parse("kana", &self.kana));
        let birth_date = e.take(parse_birth_date("birth_date", &self.birth_date, today));
        let sex = e.take(Sex::parse("sex", &self.sex));
        let address = e.take(bounded_text("address", &self.address, 200, "住所"));
        let phone = e.take(Phone::parse("phone", &self.phone));
        let insurance_number = e.take(InsuranceNumber::parse(
            "insurance_number",
            self.insurance_number.as_deref().unwrap_or(""),
        ));
        Some(NewSubject {
            name: name?,
            kana: kana?,
            birth_date: birth_date?,
            sex: sex?,
            address: address?,
            phone: phone?,
            insurance_number: insurance_number?,
        })
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MemberInput {
    pub office_id: i64,
    pub user_id: Option<i64>,
    /// 職種, e.g. 医師, 訪問看護師, 薬剤師, ケアマネジャー
    pub profession: String,
    pub name: String,
    pub phone: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct EnrollmentInput {
    pub subject: SubjectInput,
    #[serde(default)]
    pub team: Vec<MemberInput>,
    /// The consent obtainer; defaults to the creating user. Must belong to the same office.
    pub obtainer_user_id: Option<i64>,
}

/// An enrollment with everything a page or API client shows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EnrollmentView {
    pub enrollment: EnrollmentRow,
    pub subject: SubjectRow,
    pub team: Vec<TeamMemberRow>,
    pub history: Vec<AuditEntry>,
    /// ⑥ 情報の更新: each change to the person's details, oldest first.
    pub subject_changes: Vec<crate::store::subject_changes::SubjectChange>,
    /// How the details now differ from the newest prefilled form printed.
    pub printed_differences: Vec<crate::domain::subject::FieldChange>,
    /// Members taken off the team, with why.
    pub team_changes: Vec<crate::store::team_changes::TeamChange>,
    /// Members asked to join (open: 追加待ち until the centre verifies their consent form).
    pub additions: Vec<crate::store::additions::Addition>,
}

/// Field names of each team row, as the form names its inputs' errors: `team.2.phone`.
macro_rules! team_fields {
    ($($i:literal),*) => {
        [$([
            concat!("team.", $i, ".profession"),
            concat!("team.", $i, ".name"),
            concat!("team.", $i, ".phone"),
            concat!("team.", $i, ".office"),
            concat!("team.", $i, ".user"),
        ]),*]
    };
}

/// Per row: profession, name, phone, office, user.
pub const TEAM_FIELDS: [[&str; 5]; 20] =
    team_fields!(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);

/// Each member's fields, refusals added to `e` by row (`team.2.phone`).
pub(crate) fn parse_members(
    e: &mut FieldErrors,
    team: &[MemberInput],
) -> Option<Vec<TeamMemberRow>> {
    if team.len() > TEAM_FIELDS.len() {
        e.push(FieldError::new("team", "チームメンバーは20人までです。"));
        return None;
    }
    let rows: Vec<Option<TeamMemberRow>> = team
        .iter()
        .zip(TEAM_FIELDS)
        .map(|(m, [profession, name, phone, _, _])| {
            let p = e.take(bounded_text(profession, &m.profession, 30, "職種"));
            let n = e.take(bounded_text(name, &m.name, 40, "氏名"));
            let ph = e.take(Phone::parse(phone, &m.phone));
            Some(TeamMemberRow {
                id: 0,
                office_id: m.office_id,
                user_id: m.user_id,
                profession: p?,
                name: n?,
                phone: ph?.as_str().to_string(),
            })
        })
        .collect();
    rows.into_iter().collect()
}

fn new_code() -> EnrollmentCode {
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    EnrollmentCode::from_random(b)
}

/// The obtainer is of the creating office; each member's office exists and a chosen person
/// belongs to it. Every refusal at once.
pub(crate) async fn check_people(
    mut c: Conn<'_>,
    office: i64,
    obtainer: i64,
    members: &[TeamMemberRow],
) -> AppResult<()> {
    let mut e = FieldErrors::default();
    let ob = users::get(c.reborrow(), obtainer).await?;
    if !ob.is_some_and(|u| u.office_id == Some(office) && !u.suspended) {
        e.push(FieldError::new(
            "obtainer_user_id",
            "同意取得者は同じ事業所の利用者から選んでください。",
        ));
    }
    for (m, [.., office_field, user_field]) in members.iter().zip(TEAM_FIELDS) {
        if offices::get(c.reborrow(), m.office_id).await?.is_none() {
            e.push(FieldError::new(office_field, "事業所を選んでください。"));
        }
        if let Some(u) = m.user_id {
            let ok = users::get(c.reborrow(), u)
                .await?
                .is_some_and(|u| u.office_id == Some(m.office_id) && !u.suspended);
            if !ok {
                e.push(FieldError::new(
                    user_field,
                    "チームの利用者は、その事業所の利用者から選んでください。",
                ));
            }
        }
    }
    Ok(e.finish(|| Some(()))?)
}

pub async fn create(
    app: &Context,
    actor: &Actor,
    input: &EnrollmentInput,
) -> AppResult<EnrollmentRow> {
    let store = &app.store;
    let (Some(role), Some(office)) = (actor.role(), actor.office_id()) else {
        return Err(AppError::Forbidden(
            "only office users create enrollments".into(),
        ));
    };
    if !role.needs_office() {
        return Err(AppError::Forbidden(
            "only office users create enrollments".into(),
        ));
    }
    let mut e = FieldErrors::default();
    let subject = input.subject.parse(&mut e, app.clock.today());
    let members = parse_members(&mut e, &input.team);
    let (subject, members) = e.finish(|| subject.zip(members))?;
    let obtainer = input
        .obtainer_user_id
        .or(actor.user_id())
        .ok_or(AppError::Unauthorized)?;

    let mut tx = store.begin().await?;
    check_people(tx.conn(), office, obtainer, &members).await?;
    let subject_id = enrollment_rows::insert_subject(tx.conn(), &subject).await?;
    // A code collision is astronomically rare, but a retry costs nothing.
    let mut attempt = 0;
    let row = loop {
        match enrollment_rows::insert(tx.conn(), new_code().as_str(), subject_id, obtainer, office)
            .await
        {
            Ok(r) => break r,
            Err(e) if is_unique_violation(&e) && attempt < 3 => attempt += 1,
            Err(e) => return Err(e.into()),
        }
    };
    for (i, m) in members.iter().enumerate() {
        enrollment_rows::insert_member(tx.conn(), row.id, i as i64, m).await?;
    }
    audit::append(
        tx.conn(),
        Event {
            actor,
            action: "enrollment.created",
            target_kind: "enrollment",
            target_id: row.id,
            from_state: None,
            to_state: Some(State::Draft.as_str()),
            details: json!({ "team_size": members.len() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn view(store: &Store, actor: &Actor, id: i64) -> AppResult<EnrollmentView> {
    let mut c = store.acquire().await?;
    let enrollment = enrollment_rows::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Someone who may not see it learns nothing, not even that it exists.
    if !may_see(c.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    let subject = enrollment_rows::subject(c.conn(), enrollment.subject_id).await?;
    let team = enrollment_rows::team(c.conn(), id).await?;
    let history = audit::for_target(c.conn(), "enrollment", id).await?;
    let (subject_changes, printed_differences) =
        super::subject::journal_and_differences(c.conn(), id, &subject).await?;
    let team_changes = crate::store::team_changes::of_enrollment(c.conn(), id).await?;
    let additions = crate::store::additions::of_enrollment(c.conn(), id).await?;
    drop(c);
    super::reads::record(store, actor, "enrollment", ("enrollment", id)).await?;
    Ok(EnrollmentView {
        enrollment,
        subject,
        team,
        history,
        subject_changes,
        printed_differences,
        team_changes,
        additions,
    })
}

fn details(cmd: &Command) -> serde_json::Value {
    // Reasons and dates go in the audit log; nothing else about the person does.
    serde_json::to_value(cmd).unwrap_or_else(|_| json!({}))
}

/// Applies `cmd` through the state machine: the change and its audit event in one transaction.
/// The e-mails the change causes (receipt, return, activation) are written in the same
/// transaction.
pub async fn transition(
    app: &Context,
    actor: &Actor,
    id: i64,
    cmd: Command,
) -> AppResult<EnrollmentRow> {
    let mut tx = app.store.begin().await?;
    let row = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(tx.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    // What the person said of the checked fields, before a return starts a new round.
    crate::service::checks::settle(tx.conn(), actor, id, &cmd).await?;
    apply_command(tx.conn(), actor, &row, cmd.clone()).await?;
    let updated = enrollment_rows::get(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut mails = Vec::new();
    for m in outbox::notify::after(tx.conn(), app, &updated, &cmd).await? {
        mails.extend(outbox::enqueue(tx.conn(), app, &m).await?);
    }
    tx.commit().await?;
    outbox::kick(app, mails).await;
    Ok(updated)
}

/// Decides `cmd` for the enrollment as read in `row` and records the decision, inside the
/// caller's transaction, on the transaction's date in Japan. The caller has checked that
/// `actor` may see the enrollment.
pub(crate) async fn apply_command(
    c: Conn<'_>,
    actor: &Actor,
    row: &EnrollmentRow,
    cmd: Command,
) -> AppResult<()> {
    let facts = Facts {
        state: row.state,
        obtainer_office_id: row.obtainer_office_id,
        issued_version: row.form_version,
    };
    let d = enrollment::decide(&facts, actor, cmd, japan_date(c.now))?;
    let details = details(d.command());
    record(c, actor, row.id, row.revision, &d, details).await
}

/// Writes a decision of the state machine and its audit event (`enrollment.<command>`), inside
/// the caller's transaction. A row changed since it was read is a conflict, not a lost update.
pub(crate) async fn record(
    mut c: Conn<'_>,
    actor: &Actor,
    id: i64,
    revision: i64,
    d: &enrollment::Decision,
    details: serde_json::Value,
) -> AppResult<()> {
    if !enrollment_rows::apply(c.reborrow(), id, revision, d).await? {
        return Err(AppError::Conflict(
            "他の操作と重なりました。画面を更新してやり直してください。".into(),
        ));
    }
    audit::append(
        c,
        Event {
            actor,
            action: &format!("enrollment.{}", d.command().name()),
            target_kind: "enrollment",
            target_id: id,
            from_state: Some(d.from().as_str()),
            to_state: Some(d.to().as_str()),
            details,
        },
    )
    .await?;
    Ok(())
}
