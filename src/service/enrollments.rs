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
use crate::domain::{Actor, FieldError, Role};
use crate::error::{is_unique_violation, AppError, AppResult};
use crate::outbox;
use crate::store::audit::{self, AuditEntry, Event};
use crate::store::enrollments::{
    self as enrollment_rows, EnrollmentRow, SubjectRow, TeamMemberRow,
};
use crate::store::{offices, users, Conn, Store};

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
    pub fn parse(&self, today: NaiveDate) -> Result<NewSubject, FieldError> {
        Ok(NewSubject {
            name: PersonName::parse("name", &self.name)?,
            kana: Kana::parse("kana", &self.kana)?,
            birth_date: parse_birth_date("birth_date", &self.birth_date, today)?,
            sex: Sex::parse("sex", &self.sex)?,
            address: bounded_text("address", &self.address, 200, "住所")?,
            phone: Phone::parse("phone", &self.phone)?,
            insurance_number: InsuranceNumber::parse(
                "insurance_number",
                self.insurance_number.as_deref().unwrap_or(""),
            )?,
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
}

fn parse_members(team: &[MemberInput]) -> Result<Vec<TeamMemberRow>, FieldError> {
    if team.len() > 20 {
        return Err(FieldError::new("team", "チームメンバーは20人までです。"));
    }
    team.iter()
        .map(|m| {
            Ok(TeamMemberRow {
                office_id: m.office_id,
                user_id: m.user_id,
                profession: bounded_text("team.profession", &m.profession, 30, "職種")?,
                name: bounded_text("team.name", &m.name, 40, "氏名")?,
                phone: Phone::parse("team.phone", &m.phone)?.as_str().to_string(),
            })
        })
        .collect()
}

fn new_code() -> EnrollmentCode {
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    EnrollmentCode::from_random(b)
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
    let subject = input.subject.parse(app.clock.today())?;
    let members = parse_members(&input.team)?;
    let obtainer = input
        .obtainer_user_id
        .or(actor.user_id())
        .ok_or(AppError::Unauthorized)?;

    let mut tx = store.begin().await?;
    let ob = users::get(tx.conn(), obtainer).await?;
    if !ob.is_some_and(|u| u.office_id == Some(office) && !u.suspended) {
        return Err(FieldError::new(
            "obtainer_user_id",
            "同意取得者は同じ事業所の利用者から選んでください。",
        )
        .into());
    }
    for m in &members {
        if offices::get(tx.conn(), m.office_id).await?.is_none() {
            return Err(FieldError::new("team.office_id", "指定された事業所がありません。").into());
        }
        if let Some(u) = m.user_id {
            let ok = users::get(tx.conn(), u)
                .await?
                .is_some_and(|u| u.office_id == Some(m.office_id) && !u.suspended);
            if !ok {
                return Err(FieldError::new(
                    "team.user_id",
                    "チームの利用者は、その事業所の利用者から選んでください。",
                )
                .into());
            }
        }
    }
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

/// Whether the actor may see this enrollment: the centre and the city see all; office users
/// see those their office obtains consent for or belongs to the team of.
pub(crate) async fn may_see(c: Conn<'_>, actor: &Actor, id: i64) -> AppResult<bool> {
    Ok(match actor {
        Actor::System => true,
        Actor::User {
            role: Role::Centre | Role::CityAdmin,
            ..
        } => true,
        Actor::User {
            office_id: Some(o), ..
        } => enrollment_rows::office_involved(c, id, *o).await?,
        Actor::User { .. } => false,
    })
}

/// The enrollment a URL names. URLs carry the random enrollment code, never the row id, so
/// nobody can walk through other teams' enrollments by counting; an unknown or malformed code
/// and an enrollment the actor may not see are the same 404.
pub async fn resolve(store: &Store, actor: &Actor, code: &str) -> AppResult<i64> {
    // A path names a code as printed: people may type spaces into a search, but a code in a
    // URL with a line break or a control character in it is nothing (404, before any change).
    if code.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::NotFound);
    }
    let code = EnrollmentCode::parse(code).map_err(|_| AppError::NotFound)?;
    let mut c = store.acquire().await?;
    let id = enrollment_rows::id_by_code(c.conn(), code.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(c.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(id)
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
    drop(c);
    super::reads::record(store, actor, "enrollment", ("enrollment", id)).await?;
    Ok(EnrollmentView {
        enrollment,
        subject,
        team,
        history,
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
