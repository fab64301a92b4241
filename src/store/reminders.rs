//! What the daily reminder run reads, set-based (#23): overdue enrollments a page at a time by
//! id, each joined to its person's kana and its obtainer's address, and the FAX numbers whose
//! pages wait for the centre — one query for all, not one per enrollment.

use std::collections::HashSet;

use super::enrollments::EnrollmentRow;
use super::Conn;
use crate::db;
use crate::domain::deadline::Cutoffs;

/// An overdue enrollment with what its reminder needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverdueRow {
    #[sqlx(flatten)]
    pub e: EnrollmentRow,
    pub kana: String,
    /// The obtainer's own address and name, when they have one.
    pub user_email: Option<String>,
    pub user_name: Option<String>,
    /// Else the obtainer office's administrator.
    pub admin_email: String,
    pub office_name: String,
    pub office_fax: String,
}

impl OverdueRow {
    /// Where the obtainer is reached: their own address, else their office administrator's.
    pub fn obtainer(&self) -> (String, Option<String>) {
        match &self.user_email {
            Some(a) => (a.clone(), self.user_name.clone()),
            None => (self.admin_email.clone(), Some(self.office_name.clone())),
        }
    }

    /// The obtainer office's FAX number, digits only.
    pub fn fax_digits(&self) -> String {
        self.office_fax
            .chars()
            .filter(char::is_ascii_digit)
            .collect()
    }
}

/// Up to `limit` overdue enrollments after id `after`, by id.
pub async fn overdue_after(
    c: Conn<'_>,
    cut: &Cutoffs,
    after: i64,
    limit: i64,
) -> Result<Vec<OverdueRow>, sqlx::Error> {
    let sql = "SELECT e.id, e.code, e.subject_id, e.obtainer_user_id, e.obtainer_office_id,
            e.state, e.form_version, e.consent_date, e.signer, e.proxy_relationship, e.revision,
            e.copy_round, e.created_at, e.updated_at, e.erased_at, e.retention_hold,
            s.kana, u.email AS user_email, u.name AS user_name, o.admin_email,
            o.name AS office_name, o.fax AS office_fax
        FROM enrollments e JOIN subjects s ON s.id = e.subject_id
        JOIN offices o ON o.id = e.obtainer_office_id
        LEFT JOIN users u ON u.id = e.obtainer_user_id
        WHERE e.id > $4
          AND ((e.state IN ('form_issued', 'consent_signed') AND e.updated_at <= $1)
            OR (e.state = 'returned' AND e.updated_at <= $2)
            OR (e.state = 'team_registered' AND e.updated_at <= $3))
        ORDER BY e.id LIMIT $5";
    db!(c, |c| sqlx::query_as::<_, OverdueRow>(sql)
        .bind(cut.copy)
        .bind(cut.resend)
        .bind(cut.activation)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *c)
        .await)
}

/// The FAX numbers (digits only) that pages waiting for the centre came from: an overdue copy
/// from one of them may be sitting in the queue, and its reminder holds off.
pub async fn waiting_fax_numbers(c: Conn<'_>) -> Result<HashSet<String>, sqlx::Error> {
    let sql = "SELECT DISTINCT m.fax_number FROM fax_pages p
        JOIN fax_documents d ON d.id = p.document_id JOIN fax_messages m ON m.id = d.message_id
        WHERE p.outcome IN ('unreadable', 'invalid') AND m.fax_number IS NOT NULL";
    let numbers = db!(c, |c| sqlx::query_scalar::<_, String>(sql)
        .fetch_all(&mut *c)
        .await)?;
    Ok(numbers
        .into_iter()
        .map(|n| n.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| !d.is_empty())
        .collect())
}
