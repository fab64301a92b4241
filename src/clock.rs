//! The one clock: every "now" and every "today in Japan" of the service comes from a [`Clock`]
//! held in the context, the system's or a hand-set one that a test (or a simulation of a year)
//! moves forward. Japan has no summer time, so Japan time is Asia/Tokyo throughout.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// Today in Japan.
    fn today(&self) -> NaiveDate {
        japan_date(self.now())
    }
}

/// The date in Japan at moment `t`.
pub fn japan_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::Asia::Tokyo).date_naive()
}

/// A moment as people here read it: Japan time, to the minute.
/// In the screens' one date style: 令和8年12月2日 14:05 (the era's date, as on the forms).
pub fn local_time(t: &DateTime<Utc>) -> String {
    let local = t.with_timezone(&chrono_tz::Asia::Tokyo);
    let date = consentflow_workers::form::wareki::format(local.date_naive())
        .unwrap_or_else(|| local.format("%Y年%-m月%-d日").to_string());
    format!("{date} {}", local.format("%H:%M"))
}

#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until set.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_reads_in_japan_time_and_the_era() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T15:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(local_time(&t), "令和8年12月2日 00:05");
        assert_eq!(japan_date(t), NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
    }
}
