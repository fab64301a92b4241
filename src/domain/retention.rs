//! Retiring old data (#22): an enrollment withdrawn or closed keeps its personal data for
//! `retention.years`, then it is erased unless the city holds it back with a reason.

use chrono::{DateTime, Months, Utc};

use super::enrollment::State;
use super::{Actor, Role};

/// When an enrollment that ended at `ended` is erased: `years` calendar years later.
pub fn due(ended: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    ended
        .checked_add_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The latest end that is due by `at`: enrollments that ended at or before it are erased.
pub fn ended_by(at: DateTime<Utc>, years: u32) -> DateTime<Utc> {
    at.checked_sub_months(Months::new(years.saturating_mul(12)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Whether an enrollment is erased at `now`: ended, due, not held, not erased already.
pub fn erasable(
    state: State,
    ended: DateTime<Utc>,
    held: bool,
    erased: bool,
    now: DateTime<Utc>,
    years: u32,
) -> bool {
    state.is_terminal() && !held && !erased && due(ended, years) <= now
}

/// Only the city holds an enrollment back from erasure, or lets it go.
pub fn may_hold(actor: &Actor) -> bool {
    actor.role() == Some(Role::CityAdmin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn five_calendar_years_after_the_end() {
        assert_eq!(due(at(2021, 3, 31), 5), at(2026, 3, 31));
        assert_eq!(
            due(at(2020, 2, 29), 5),
            at(2025, 2, 28),
            "a leap day ends a day early"
        );
        assert_eq!(ended_by(at(2026, 3, 31), 5), at(2021, 3, 31));
        assert_eq!(due(at(2021, 1, 1), 0), at(2021, 1, 1));
    }

    #[test]
    fn only_ended_due_unheld_enrollments_are_erased() {
        let now = at(2026, 12, 3);
        let old = at(2021, 12, 1);
        assert!(erasable(State::Withdrawn, old, false, false, now, 5));
        assert!(erasable(State::Closed, old, false, false, now, 5));
        assert!(
            !erasable(State::Active, old, false, false, now, 5),
            "still in use"
        );
        assert!(!erasable(State::Closed, old, true, false, now, 5), "held");
        assert!(
            !erasable(State::Closed, old, false, true, now, 5),
            "erased already"
        );
        assert!(
            !erasable(State::Closed, at(2021, 12, 4), false, false, now, 5),
            "not yet"
        );
    }

    #[test]
    fn the_city_holds() {
        let u = |role| Actor::User {
            id: 1,
            role,
            office_id: None,
        };
        assert!(may_hold(&u(Role::CityAdmin)));
        assert!(!may_hold(&u(Role::Centre)));
        assert!(!may_hold(&Actor::System));
    }
}
