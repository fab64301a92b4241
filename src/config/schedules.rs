//! `[schedules]` and `[reminders]`.

use serde::Deserialize;

/// Cron expressions with seconds (`sec min hour day month weekday`), in Asia/Tokyo time.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Schedules {
    /// Off: nothing fires by itself (tests drive the schedules by hand).
    pub enabled: bool,
    /// Training cycle, overdue copies, unactivated teams, expiring certificate numbers.
    pub reminders: String,
    /// Copies that arrived with a page missing.
    pub missing_pages: String,
    /// Retiring old data: erases what passed `retention.years` (#22).
    pub retention: String,
    /// Folding the FAX inbox's tab counts (#23).
    pub tally: String,
}

impl Default for Schedules {
    fn default() -> Self {
        Schedules {
            enabled: true,
            reminders: "0 0 9 * * *".into(),
            missing_pages: "0 0 * * * *".into(),
            retention: "0 30 3 * * *".into(),
            tally: "0 5 * * * *".into(),
        }
    }
}

impl Schedules {
    /// Every schedule by name.
    pub fn all(&self) -> [(&'static str, &str); 4] {
        [
            ("reminders", self.reminders.as_str()),
            ("missing_pages", self.missing_pages.as_str()),
            ("retention", self.retention.as_str()),
            ("tally", self.tally.as_str()),
        ]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Reminders {
    /// An overdue enrollment is reminded at most this often (days).
    pub repeat_days: i64,
    /// Warn about an unused certificate retrieval No this many days before it expires.
    pub voucher_warn_days: i64,
    /// A copy still missing a page this many hours after its last page arrived is reported.
    pub missing_page_hours: i64,
    /// Overdue enrollments read, and their e-mails written, per transaction in the daily run.
    pub batch: i64,
}

impl Default for Reminders {
    fn default() -> Self {
        Reminders {
            repeat_days: 7,
            voucher_warn_days: 3,
            missing_page_hours: 2,
            batch: 2000,
        }
    }
}

/// `[retention]`: how long the personal data of an ended enrollment is kept (#22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Retention {
    /// Years after an enrollment was withdrawn or closed before its personal data is erased.
    pub years: u32,
    /// How far ahead the city's list of coming erasures looks, in days.
    pub preview_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            years: 5,
            preview_days: 30,
        }
    }
}
