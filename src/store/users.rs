//! Users: staff, office administrators, centre staff and city administrators.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::Role;

#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: Option<String>,
    pub role: String,
    pub office_id: Option<i64>,
    pub password_hash: Option<String>,
    pub suspended: bool,
    pub created_at: DateTime<Utc>,
    /// A first password set by the office administrator: changed at the next sign-in.
    pub must_change_password: bool,
    /// Left the office (退職・異動): kept for the record, may not sign in.
    pub disabled: bool,
}

// The password hash stays out of logs even when a row is printed.
impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("office_id", &self.office_id)
            .field("suspended", &self.suspended)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// What the API shows of a user.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub office_id: Option<i64>,
    pub suspended: bool,
    pub disabled: bool,
}

impl UserRow {
    pub fn role(&self) -> Role {
        // The CHECK constraint on the column keeps this total.
        Role::parse(&self.role).unwrap_or(Role::Staff)
    }

    pub fn public(&self) -> User {
        User {
            id: self.id,
            login: self.login.clone(),
            name: self.name.clone(),
            email: self.email.clone(),
            role: self.role(),
            office_id: self.office_id,
            suspended: self.suspended,
            disabled: self.disabled,
        }
    }
}

pub struct NewUser<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub role: Role,
    pub office_id: Option<i64>,
    pub password_hash: Option<&'a str>,
    pub must_change_password: bool,
}

macro_rules! columns {
    () => {
        "id, login, name, email, role, office_id, password_hash, suspended, created_at,
         must_change_password, disabled"
    };
}
pub(crate) use columns as user_columns;

pub async fn insert(c: Conn<'_>, u: &NewUser<'_>) -> Result<UserRow, sqlx::Error> {
    let now = c.now;
    let sql = concat!(
        "INSERT INTO users (login, name, email, role, office_id, password_hash, suspended,
            created_at, must_change_password, disabled)
         VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $8, FALSE) RETURNING ",
        columns!(),
        ""
    );
    db!(c, |c| sqlx::query_as::<_, UserRow>(sql)
        .bind(u.login)
        .bind(u.name)
        .bind(u.email)
        .bind(u.role.as_str())
        .bind(u.office_id)
        .bind(u.password_hash)
        .bind(now)
        .bind(u.must_change_password)
        .fetch_one(&mut *c)
        .await)
}

pub async fn by_login(c: Conn<'_>, login: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM users WHERE login = $1");
    db!(c, |c| sqlx::query_as::<_, UserRow>(sql)
        .bind(login)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM users WHERE id = $1");
    db!(c, |c| sqlx::query_as::<_, UserRow>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

/// A user as the city's list shows them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct UserListRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: String,
    pub office_name: Option<String>,
    pub suspended: bool,
}

/// Every user, by office then name.
pub async fn list_all(c: Conn<'_>) -> Result<Vec<UserListRow>, sqlx::Error> {
    let sql = "SELECT u.id, u.login, u.name, u.role, o.name AS office_name, u.suspended
        FROM users u LEFT JOIN offices o ON o.id = u.office_id
        ORDER BY o.name NULLS FIRST, u.name, u.id";
    db!(c, |c| sqlx::query_as::<_, UserListRow>(sql)
        .fetch_all(&mut *c)
        .await)
}

/// A member of an office's staff, for choosing people on forms.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    pub id: i64,
    pub name: String,
    pub office_id: i64,
    pub office_name: String,
}

/// Office users who may act (not suspended), by office then name; one office's with `office`.
pub async fn staff(c: Conn<'_>, office: Option<i64>) -> Result<Vec<StaffRow>, sqlx::Error> {
    let sql = "SELECT u.id, u.name, u.office_id, o.name AS office_name
        FROM users u JOIN offices o ON o.id = u.office_id
        WHERE NOT u.suspended AND NOT u.disabled AND u.role IN ('staff', 'office_admin')
          AND ($1 IS NULL OR u.office_id = $1)
        ORDER BY o.name, u.name, u.id";
    db!(c, |c| sqlx::query_as::<_, StaffRow>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

pub async fn count(c: Conn<'_>) -> Result<i64, sqlx::Error> {
    db!(c, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM users"
    )
    .fetch_one(&mut *c)
    .await)
}

/// Sets a password; `must_change` when someone else chose it (an office administrator).
pub async fn set_password(
    c: Conn<'_>,
    id: i64,
    hash: &str,
    must_change: bool,
) -> Result<(), sqlx::Error> {
    db!(c, |c| sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $3 WHERE id = $2"
    )
    .bind(hash)
    .bind(id)
    .bind(must_change)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_suspended(c: Conn<'_>, id: i64, suspended: bool) -> Result<(), sqlx::Error> {
    db!(c, |c| sqlx::query(
        "UPDATE users SET suspended = $1 WHERE id = $2"
    )
    .bind(suspended)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_disabled(c: Conn<'_>, id: i64, disabled: bool) -> Result<(), sqlx::Error> {
    db!(c, |c| sqlx::query(
        "UPDATE users SET disabled = $1 WHERE id = $2"
    )
    .bind(disabled)
    .bind(id)
    .execute(&mut *c)
    .await
    .map(|_| ()))
}

/// ⑤ An edit on transfer (人事異動): name, address and role within the office.
pub async fn update_profile(
    c: Conn<'_>,
    id: i64,
    name: &str,
    email: Option<&str>,
    role: Role,
) -> Result<(), sqlx::Error> {
    db!(c, |c| sqlx::query(
        "UPDATE users SET name = $2, email = $3, role = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(name)
    .bind(email)
    .bind(role.as_str())
    .execute(&mut *c)
    .await
    .map(|_| ()))
}

/// An office's users, administrators first, leavers last.
pub async fn of_office(c: Conn<'_>, office: i64) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM users WHERE office_id = $1
        ORDER BY disabled, CASE WHEN role = 'office_admin' THEN 0 ELSE 1 END, name, id"
    );
    db!(c, |c| sqlx::query_as::<_, UserRow>(sql)
        .bind(office)
        .fetch_all(&mut *c)
        .await)
}

/// The city administrators with an address (told of new applications).
pub async fn city_addresses(c: Conn<'_>) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = "SELECT email, name FROM users WHERE role = 'city_admin' AND email IS NOT NULL
        AND NOT suspended AND NOT disabled ORDER BY id";
    db!(c, |c| sqlx::query_as::<_, (String, String)>(sql)
        .fetch_all(&mut *c)
        .await)
}

/// Centre staff with an address (told of teams waiting for activation).
pub async fn centre_addresses(c: Conn<'_>) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = "SELECT email, name FROM users WHERE role = 'centre' AND email IS NOT NULL
        AND NOT suspended AND NOT disabled ORDER BY id";
    db!(c, |c| sqlx::query_as::<_, (String, String)>(sql)
        .fetch_all(&mut *c)
        .await)
}
