//! Who may see an enrollment, and the enrollment a URL's code names.

use consentflow_workers::EnrollmentCode;

use crate::domain::{Actor, Role};
use crate::error::{AppError, AppResult};
use crate::store::enrollments::{self as enrollment_rows, EnrollmentRow};
use crate::store::{Conn, Store};

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

/// [`may_see`] with the enrollment's row in hand: the obtainer's office is on the row, so only
/// a team member's office is asked of the database.
pub(crate) async fn may_see_row(
    c: Conn<'_>,
    actor: &Actor,
    row: &EnrollmentRow,
) -> AppResult<bool> {
    match actor {
        Actor::User {
            role: Role::Staff | Role::OfficeAdmin,
            office_id: Some(o),
            ..
        } if *o == row.obtainer_office_id => Ok(true),
        _ => may_see(c, actor, row.id).await,
    }
}

/// The enrollment a URL names. URLs carry the random enrollment code, never the row id, so
/// nobody can walk through other teams' enrollments by counting; an unknown or malformed code
/// and an enrollment the actor may not see are the same 404.
pub async fn resolve(store: &Store, actor: &Actor, code: &str) -> AppResult<i64> {
    let code = path_code(code)?;
    let mut c = store.acquire().await?;
    let id = enrollment_rows::id_by_code(c.conn(), code.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(c.conn(), actor, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(id)
}

/// The code a URL names, or 404. A path names a code as printed: people may type spaces into a
/// search, but a code in a URL with a line break or a control character in it is nothing (404,
/// before any change).
pub fn path_code(code: &str) -> AppResult<EnrollmentCode> {
    if code.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AppError::NotFound);
    }
    EnrollmentCode::parse(code).map_err(|_| AppError::NotFound)
}
