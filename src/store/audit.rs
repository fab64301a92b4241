//! The append-only audit log. The database refuses UPDATE and DELETE on it (triggers).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Conn;
use crate::db;
use crate::domain::Actor;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    /// The person who acted, by name (none for the system).
    pub actor_name: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: i64,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// JSON text with the action's details (reasons, dates). Never passwords or tokens.
    pub details: String,
}

pub struct Event<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: i64,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub details: serde_json::Value,
}

impl<'a> Event<'a> {
    /// An event that changes no enrollment state.
    pub fn about(
        actor: &'a Actor,
        action: &'a str,
        (target_kind, target_id): (&'a str, i64),
        details: serde_json::Value,
    ) -> Event<'a> {
        Event {
            actor,
            action,
            target_kind,
            target_id,
            from_state: None,
            to_state: None,
            details,
        }
    }
}

/// Appends an event; returns its id (unique, so it can key what the event causes).
pub async fn append(c: Conn<'_>, e: Event<'_>) -> Result<i64, sqlx::Error> {
    let now = c.now;
    let sql = "INSERT INTO audit_log
        (at, actor_user_id, actor_role, action, target_kind, target_id, from_state, to_state, details)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
    let details = e.details.to_string();
    db!(c, |c| sqlx::query_scalar::<_, i64>(sql)
        .bind(now)
        .bind(e.actor.user_id())
        .bind(e.actor.role_str())
        .bind(e.action)
        .bind(e.target_kind)
        .bind(e.target_id)
        .bind(e.from_state)
        .bind(e.to_state)
        .bind(&details)
        .fetch_one(&mut *c)
        .await)
}

pub async fn for_target(c: Conn<'_>, kind: &str, id: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let sql = "SELECT a.id, a.at, a.actor_user_id, u.name AS actor_name, a.actor_role, a.action,
               a.target_kind, a.target_id, a.from_state, a.to_state, a.details
               FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
               WHERE a.target_kind = $1 AND a.target_id = $2 ORDER BY a.id";
    db!(c, |c| sqlx::query_as::<_, AuditEntry>(sql)
        .bind(kind)
        .bind(id)
        .fetch_all(&mut *c)
        .await)
}
