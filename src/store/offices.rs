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
    /// The office chooses to appear on the public 地域資源マップ.
    pub map_published: bool,
    /// Why the city hides it from the map (absent: not hidden).
    pub map_hidden_reason: Option<String>,
    /// When the office stopped using the network (closed offices never appear).
    pub closed_at: Option<DateTime<Utc>>,
}

macro_rules! columns {
    () => {
        "id, kind, name, phone, fax, address, admin_email, admin_name, created_at, latitude,
         longitude, coords_locked, hours, closed_days, co_located, other_info, map_published,
         map_hidden_reason, closed_at"
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
        coords_locked = $7, hours = $8, closed_days = $9, co_located = $10, other_info = $11,
        map_published = $12
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
        .bind(i.map_published)
        .execute(&mut *c)
        .await
        .map(|_| ()))
}

/// What the public map shows of an office: never a person, never an e-mail address.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MapRow {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub hours: String,
    pub closed_days: String,
    pub co_located: String,
    pub other_info: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// The offices on the public map: their choice to appear, not hidden by the city, not
/// closed, with an address and a point.
pub async fn on_map(c: Conn<'_>) -> Result<Vec<MapRow>, sqlx::Error> {
    let sql = "SELECT id, kind, name, address, phone, fax, hours, closed_days, co_located,
            other_info, latitude, longitude
        FROM offices
        WHERE map_published AND map_hidden_reason IS NULL AND closed_at IS NULL
          AND address <> '' AND latitude IS NOT NULL AND longitude IS NOT NULL
        ORDER BY kind, name, id";
    db!(c, |c| sqlx::query_as::<_, MapRow>(sql)
        .fetch_all(&mut *c)
        .await)
}

/// Hides an office from the map with the city's reason, or shows it again (`None`).
pub async fn set_map_hidden(
    c: Conn<'_>,
    id: i64,
    reason: Option<&str>,
    by: i64,
) -> Result<bool, sqlx::Error> {
    let now = c.now;
    let sql = "UPDATE offices SET map_hidden_reason = $2, map_hidden_by = $3, map_hidden_at = $4
        WHERE id = $1";
    db!(c, |c| sqlx::query(sql)
        .bind(id)
        .bind(reason)
        .bind(reason.map(|_| by))
        .bind(reason.map(|_| now))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected() == 1))
}
