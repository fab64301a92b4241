//! Offices (利用事業所).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::office::NewOffice;
use crate::domain::office_info::{Coordinates, OfficeInfo};

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Office {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub phone: String,
    pub fax: String,
    pub address: String,
    pub admin_email: String,
    pub admin_name: String,
    pub created_at: DateTime<Utc>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// 座標の上書き禁止
    pub coords_locked: bool,
    pub hours: String,
    /// "" (none) or e.g. "sat,sun,hol"
    pub closed_days: String,
    pub co_located: String,
    pub other_info: String,
}

macro_rules! columns {
    () => {
        "id, kind, name, phone, fax, address, admin_email, admin_name, created_at, latitude,
         longitude, coords_locked, hours, closed_days, co_located, other_info"
    };
}

pub async fn insert(c: Conn<'_>, o: &NewOffice, admin_name: &str) -> Result<Office, sqlx::Error> {
    let now = c.now;
    let sql = concat!(
        "INSERT INTO offices (kind, name, phone, fax, address, admin_email, admin_name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
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
        .bind(admin_name)
        .bind(now)
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

impl Office {
    pub fn coordinates(&self) -> Option<Coordinates> {
        Some(Coordinates {
            latitude: self.latitude?,
            longitude: self.longitude?,
        })
    }
}

/// ④ Writes an office's information; `coordinates` as decided by `OfficeInfo::coordinates_after`.
pub async fn update_info(
    c: Conn<'_>,
    id: i64,
    i: &OfficeInfo,
    coordinates: Option<Coordinates>,
) -> Result<(), sqlx::Error> {
    let sql =
        "UPDATE offices SET address = $2, phone = $3, fax = $4, latitude = $5, longitude = $6,
        coords_locked = $7, hours = $8, closed_days = $9, co_located = $10, other_info = $11
        WHERE id = $1";
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(&i.address)
        .bind(i.phone.as_str())
        .bind(i.fax.as_str())
        .bind(coordinates.map(|p| p.latitude))
        .bind(coordinates.map(|p| p.longitude))
        .bind(i.coords_locked)
        .bind(&i.hours)
        .bind(i.closed_days.stored())
        .bind(&i.co_located)
        .bind(&i.other_info)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}
