//! The enrollment page's team and obtainer parts: who may add, take off or hand over, and how
//! those changes read on the timeline.

use super::DetailPage;

impl DetailPage<'_> {
    /// Whether the signed-in person may take member `m` off the team now.
    pub(super) fn may_remove(&self, m: &crate::store::enrollments::TeamMemberRow) -> bool {
        let e = &self.v.enrollment;
        self.user.is_some_and(|u| {
            crate::domain::team::may_remove(
                &u.actor(),
                e.obtainer_office_id,
                Some(m.office_id),
                e.state,
            )
            .is_ok()
        })
    }

    /// Additions waiting for the centre's check (追加待ち).
    pub(super) fn waiting(&self) -> Vec<&crate::store::additions::Addition> {
        use crate::domain::status::RequestState;
        self.v
            .additions
            .iter()
            .filter(|a| a.state == RequestState::Open)
            .collect()
    }

    /// Whether the signed-in person may list members to add now (none waiting).
    pub(super) fn may_add(&self) -> bool {
        let e = &self.v.enrollment;
        self.waiting().is_empty()
            && self.user.is_some_and(|u| {
                crate::domain::team::may_add(&u.actor(), e.obtainer_office_id, e.state).is_ok()
            })
    }

    pub(super) fn may_verify_addition(&self) -> bool {
        self.user
            .is_some_and(|u| crate::domain::team::may_verify_addition(&u.actor()))
    }

    /// Whether the signed-in person is of `office` (a replacement offers its logins).
    pub(super) fn own_office(&self, office: &i64) -> bool {
        self.user.is_some_and(|u| u.office_id == Some(*office))
    }

    /// Whether the signed-in person may propose a new obtainer office or care manager.
    pub(super) fn may_hand_over(&self) -> bool {
        let e = &self.v.enrollment;
        let o = e.obtainer_office_id;
        self.user.is_some_and(|u| {
            crate::domain::handover::may_propose_obtainer(&u.actor(), o, o, false, e.state).is_ok()
        })
    }

    /// Whether the signed-in person may withdraw the open proposal.
    pub(super) fn may_withdraw(&self, ch: &crate::store::handovers::ObtainerChange) -> bool {
        use crate::domain::handover::{may_answer_obtainer, Answer};
        self.user.is_some_and(|u| {
            let (a, f, t) = (u.actor(), ch.from_office_id, ch.to_office_id);
            may_answer_obtainer(
                &a,
                Answer::Withdraw,
                f,
                t,
                ch.state,
                self.v.enrollment.state,
            )
            .is_ok()
        })
    }

    /// Offices that may take the enrollment on: open ones, the obtainer's first.
    pub(super) fn open_offices(&self) -> Vec<&crate::store::offices::Office> {
        let ob = self.v.enrollment.obtainer_office_id;
        let mut v: Vec<_> = self
            .offices
            .iter()
            .filter(|o| o.closed_at.is_none())
            .collect();
        v.sort_by_key(|o| o.id != ob);
        v
    }

    /// A team change on the timeline: who was taken off, from which office, and why.
    pub(super) fn team_note(&self, details: &str) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(details).ok()?;
        let id = v.get("change")?.as_i64()?;
        let t = self.v.team_changes.iter().find(|c| c.id == id)?;
        Some(format!(
            "{}（{}）理由：{}",
            t.who(),
            t.office_name,
            t.reason
        ))
    }

    /// A change of obtainer on the timeline: to which office.
    pub(super) fn handover_note(&self, details: &str) -> String {
        let v: serde_json::Value = serde_json::from_str(details).unwrap_or_default();
        match v.get("to_office").and_then(|o| o.as_i64()) {
            Some(o) => format!("→ {}", self.office_name(&o)),
            None => String::new(),
        }
    }
}
