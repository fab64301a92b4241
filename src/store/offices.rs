//! Offices (利用事業所).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::office::NewOffice;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Office {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub phone: String,
    pub fax: String,
    pub address: String,
    pub admin_email: String,
    pub created_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, kind, name, phone, fax, address, admin_email, created_at"
    };
}

pub async fn insert(c: Conn<'_>, o: &NewOffice) -> Result<Office, sqlx::Error> {
    let sql = concat!(
        "INSERT INTO offices (kind, name, phone, fax, address, admin_email, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
        columns!(),
        ""
    );
    db!(c, |c| sqlx::query_as::<_, Office>(sql)
        .bind(o.kind.as_str())
        .bind(&o.name)
        .bind(o.phone.as_str())
        .bind(o.fax.as_str())
        .bind(&o.address)
        .bind(o.admin_email.as_str())
        .bind(Utc::now())
        .fetch_one(&mut *c)
        .await)
}

pub async fn get(c: Conn<'_>, id: i64) -> Result<Option<Office>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM offices WHERE id = $1");
    db!(c, |c| sqlx::query_as::<_, Office>(sql)
        .bind(id)
        .fetch_optional(&mut *c)
        .await)
}

pub async fn list(c: Conn<'_>) -> Result<Vec<Office>, sqlx::Error> {
    let sql = concat!("SELECT ", columns!(), " FROM offices ORDER BY id");
    db!(c, |c| sqlx::query_as::<_, Office>(sql)
        .fetch_all(&mut *c)
        .await)
}
