//! 2(2)① セキュリティ研修: when an office's next training is due, how that looks on the city's
//! compliance page, and which reminder a given day calls for.

use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

/// How the due date is counted (configuration `[training] cycle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cycle {
    /// Twelve months after the last training (or after registration).
    Rolling,
    /// Once in every fiscal year (April to March): due on 31 March.
    FiscalYear,
}

/// `[training]`: the cycle and the reminder steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TrainingRules {
    pub cycle: Cycle,
    /// First reminder this many days before the due date.
    pub warn_days: i64,
    /// After the due date, a reminder every this many days.
    pub repeat_days: i64,
    /// The city is told once the office is this many days overdue.
    pub city_after_days: i64,
}

impl Default for TrainingRules {
    fn default() -> Self {
        TrainingRules {
            cycle: Cycle::Rolling,
            warn_days: 30,
            repeat_days: 7,
            city_after_days: 30,
        }
    }
}

/// 31 March that ends the fiscal year `day` falls in.
fn fiscal_year_end(day: NaiveDate) -> NaiveDate {
    let year = if day.month() >= 4 {
        day.year() + 1
    } else {
        day.year()
    };
    NaiveDate::from_ymd_opt(year, 3, 31).expect("31 March exists")
}

/// An office's one standing on the city's compliance page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Trained, and the next one not due within the warning period.
    Green,
    /// Never trained since registration, and not yet due within the warning period: nothing
    /// wrong yet, but nothing done either (never 実施済).
    Untrained,
    /// Due within the warning period.
    Amber,
    /// Past its due date.
    Red,
}

impl Status {
    /// Reddest first, as the page and the CSV list them.
    pub const ALL: [Status; 4] = [Status::Red, Status::Amber, Status::Untrained, Status::Green];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Untrained => "untrained",
            Status::Amber => "amber",
            Status::Red => "red",
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            Status::Green => "実施済（期限内）",
            Status::Untrained => "未実施（期限内）",
            Status::Amber => "期限間近",
            Status::Red => "期限超過",
        }
    }
}

/// One reminder of a training cycle (the cycle is its due date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `warn_days` before.
    Before,
    /// On the due date.
    Due,
    /// The k-th `repeat_days` after the due date.
    Overdue(i64),
    /// The city hears of it.
    City,
}

impl Step {
    /// Part of the e-mail's idempotency key.
    pub fn key(self) -> String {
        match self {
            Step::Before => "before".into(),
            Step::Due => "due".into(),
            Step::Overdue(k) => format!("overdue-{k}"),
            Step::City => "city".into(),
        }
    }
}

impl TrainingRules {
    /// When the next training is due, from the last one (or the office's registration).
    pub fn due(&self, last: Option<NaiveDate>, registered: NaiveDate) -> NaiveDate {
        match (self.cycle, last) {
            (Cycle::Rolling, Some(d)) => d + Months::new(12),
            (Cycle::Rolling, None) => registered + Months::new(12),
            // Trained this fiscal year: the next one is due by the end of the next.
            (Cycle::FiscalYear, Some(d)) => fiscal_year_end(d + Months::new(12)),
            (Cycle::FiscalYear, None) => fiscal_year_end(registered),
        }
    }

    /// The office's standing `today` for a cycle due on `due`; `trained` when it has ever
    /// recorded a training.
    pub fn status(&self, due: NaiveDate, today: NaiveDate, trained: bool) -> Status {
        let days = (today - due).num_days();
        if days > 0 {
            Status::Red
        } else if days >= -self.warn_days {
            Status::Amber
        } else if trained {
            Status::Green
        } else {
            Status::Untrained
        }
    }

    /// The reminders `today` calls for. Each is sent once (its key), so a day the schedule did
    /// not run is made up by the next run sending the step then current.
    pub fn steps(&self, due: NaiveDate, today: NaiveDate) -> Vec<Step> {
        let days = (today - due).num_days();
        let repeat = self.repeat_days.max(1);
        let mut out = Vec::new();
        if (-self.warn_days..0).contains(&days) {
            out.push(Step::Before);
        } else if (0..repeat).contains(&days) {
            out.push(Step::Due);
        } else if days >= repeat {
            out.push(Step::Overdue(days / repeat));
            if days >= self.city_after_days {
                out.push(Step::City);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn due_dates_rolling_and_fiscal() {
        let rolling = TrainingRules::default();
        assert_eq!(
            rolling.due(Some(d(2026, 2, 28)), d(2020, 1, 1)),
            d(2027, 2, 28)
        );
        assert_eq!(rolling.due(None, d(2026, 5, 10)), d(2027, 5, 10));
        let fiscal = TrainingRules {
            cycle: Cycle::FiscalYear,
            ..Default::default()
        };
        // Trained in FY2026 (Apr 2026 – Mar 2027): next due by the end of FY2027.
        assert_eq!(
            fiscal.due(Some(d(2026, 4, 1)), d(2020, 1, 1)),
            d(2028, 3, 31)
        );
        assert_eq!(
            fiscal.due(Some(d(2027, 3, 31)), d(2020, 1, 1)),
            d(2028, 3, 31)
        );
        // Never trained: by the end of the fiscal year of registration.
        assert_eq!(fiscal.due(None, d(2026, 11, 26)), d(2027, 3, 31));
        assert_eq!(fiscal.due(None, d(2027, 2, 1)), d(2027, 3, 31));
    }

    #[test]
    fn steps_and_colours_over_a_cycle() {
        let r = TrainingRules::default();
        let due = d(2027, 6, 30);
        let on = |offset: i64| r.steps(due, due + chrono::Duration::days(offset));
        assert_eq!(on(-31), vec![]);
        assert_eq!(on(-30), vec![Step::Before]);
        assert_eq!(on(-1), vec![Step::Before]);
        assert_eq!(on(0), vec![Step::Due]);
        assert_eq!(on(6), vec![Step::Due]);
        assert_eq!(on(7), vec![Step::Overdue(1)]);
        assert_eq!(on(29), vec![Step::Overdue(4)]);
        assert_eq!(on(30), vec![Step::Overdue(4), Step::City]);
        assert_eq!(on(35), vec![Step::Overdue(5), Step::City]);
        let colour = |offset: i64| r.status(due, due + chrono::Duration::days(offset), true);
        assert_eq!(
            (colour(-31), colour(-30), colour(0), colour(1)),
            (Status::Green, Status::Amber, Status::Amber, Status::Red)
        );
    }

    /// #19: an office that never trained is never 実施済; each case has exactly one status.
    #[test]
    fn each_office_has_one_status_and_never_trained_is_not_done() {
        let r = TrainingRules::default();
        let due = d(2027, 6, 30);
        let at = |offset: i64, trained: bool| {
            r.status(due, due + chrono::Duration::days(offset), trained)
                .label_ja()
        };
        assert_eq!(at(-100, true), "実施済（期限内）");
        assert_eq!(at(-100, false), "未実施（期限内）");
        assert_eq!(at(-10, true), "期限間近");
        assert_eq!(at(-10, false), "期限間近");
        assert_eq!(at(5, true), "期限超過");
        assert_eq!(at(5, false), "期限超過");
    }
}
