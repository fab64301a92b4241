//! How long an enrollment may wait in a state before it is overdue. The list's badges, the
//! dashboard and #8's reminders all ask this one place.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::enrollment::State;

/// Days allowed per waiting state (configuration `[deadlines]`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Deadlines {
    /// Form issued or consent signed, and no copy received yet.
    pub copy_days: i64,
    /// A returned copy not yet sent again.
    pub resend_days: i64,
    /// A received copy the centre has not verified.
    pub verify_days: i64,
    /// A registered team the centre has not activated.
    pub activation_days: i64,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            copy_days: 14,
            resend_days: 14,
            verify_days: 7,
            activation_days: 7,
        }
    }
}

impl Deadlines {
    /// Days allowed in `state`; None where nobody is waited on.
    pub fn allowed(&self, state: State) -> Option<i64> {
        match state {
            State::FormIssued | State::ConsentSigned => Some(self.copy_days),
            State::Returned => Some(self.resend_days),
            State::CopyReceived => Some(self.verify_days),
            State::TeamRegistered => Some(self.activation_days),
            _ => None,
        }
    }

    /// Whole days past the deadline of `state` entered at `since`, when it is overdue.
    pub fn overdue_days(
        &self,
        state: State,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<i64> {
        let allowed = self.allowed(state)?;
        let waited = (now - since).num_days();
        (waited > allowed).then_some(waited - allowed)
    }

    /// The latest entry time that is overdue now, per waiting state, for queries.
    pub fn cutoffs(&self, now: DateTime<Utc>) -> Cutoffs {
        let before = |days: i64| now - chrono::Duration::days(days + 1);
        Cutoffs {
            copy: before(self.copy_days),
            resend: before(self.resend_days),
            verify: before(self.verify_days),
            activation: before(self.activation_days),
        }
    }
}

/// An enrollment that entered its state at or before its cutoff is overdue.
#[derive(Debug, Clone, Copy)]
pub struct Cutoffs {
    pub copy: DateTime<Utc>,
    pub resend: DateTime<Utc>,
    pub verify: DateTime<Utc>,
    pub activation: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overdue_after_the_allowed_days() {
        let d = Deadlines::default();
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-02T09:00:00+09:00")
            .unwrap()
            .to_utc();
        let days = |n| now - chrono::Duration::days(n);
        assert_eq!(d.overdue_days(State::FormIssued, days(14), now), None);
        assert_eq!(d.overdue_days(State::FormIssued, days(15), now), Some(1));
        assert_eq!(
            d.overdue_days(State::TeamRegistered, days(10), now),
            Some(3)
        );
        assert_eq!(d.overdue_days(State::Active, days(900), now), None);
        // The query's cutoff agrees with the badge.
        let c = d.cutoffs(now);
        assert!(d.overdue_days(State::FormIssued, c.copy, now).is_some());
        let just_after = c.copy + chrono::Duration::hours(1);
        assert!(d.overdue_days(State::FormIssued, just_after, now).is_none());
    }
}
