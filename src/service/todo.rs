//! 要対応: what waits for the person signed in, by role, each with its count, since when the
//! oldest has waited, and where to act on it. Oldest first.
//! - care managers (and office administrators): forms to print, consents to take, copies to
//!   send, returned copies, teams to register;
//! - office administrators also: staff not yet signed in, PCs asked for, training due;
//! - the centre: pages to reconcile, copies to verify, teams to activate;
//! - the city: applications, 追加発行, overdue training, reports of incidents not 完了 (office
//!   administrators see their office's too).

use chrono::NaiveDate;

use crate::clock::japan_date;
use crate::context::Context;
use crate::domain::enrollment::State;
use crate::domain::training::Status;
use crate::domain::{Actor, Role};
use crate::error::AppResult;
use crate::store::todo::{self, Waiting};

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Todo {
    pub label: &'static str,
    pub count: i64,
    /// Since when the oldest has waited (in Japan).
    pub since: Option<NaiveDate>,
    /// Where to act on it.
    pub link: String,
}

fn entry(label: &'static str, w: &Waiting, link: impl Into<String>) -> Todo {
    Todo {
        label,
        count: w.count,
        since: w.oldest.map(japan_date),
        link: link.into(),
    }
}

/// What an enrollment in `state` waits for, for whom it waits.
fn enrollment_label(state: State) -> Option<&'static str> {
    Some(match state {
        State::Draft => "同意書を印刷する",
        State::FormIssued => "同意を得て写しを送る",
        State::ConsentSigned => "同意書の写しを送る",
        State::Returned => "差し戻された写しを送り直す",
        State::Verified => "支援チームを登録する",
        State::CopyReceived => "写しを確認する",
        State::TeamRegistered => "利用を開始する",
        _ => return None,
    })
}

fn enrollments(rows: Vec<Waiting>) -> Vec<Todo> {
    rows.iter()
        .filter_map(|w| {
            let state = State::parse(&w.what)?;
            let link = format!("/enrollments?state={}", state.as_str());
            Some(entry(enrollment_label(state)?, w, link))
        })
        .collect()
}

/// The 要対応 list of `actor`, oldest first; empty when nothing waits.
pub async fn for_actor(app: &Context, actor: &Actor) -> AppResult<Vec<Todo>> {
    let mut c = app.store.acquire().await?;
    let mut out = Vec::new();
    match (actor.role(), actor.office_id()) {
        (Some(Role::Staff | Role::OfficeAdmin), Some(office)) => {
            out.extend(enrollments(
                todo::office_enrollments(c.conn(), office).await?,
            ));
            let admin = actor.role() == Some(Role::OfficeAdmin);
            let w = todo::handovers(c.conn(), Some(office), admin).await?;
            let link = format!("/offices/{office}/handovers");
            out.push(entry("引き継ぎ・異動の依頼に回答する", &w, link));
            if actor.role() == Some(Role::OfficeAdmin) {
                let link = format!("/offices/{office}/staff");
                let w = todo::first_logins(c.conn(), office).await?;
                out.push(entry("初回ログイン前のスタッフ", &w, link));
                let w = todo::device_requests(c.conn(), Some(office)).await?;
                out.push(entry(
                    "市の確認待ちのパソコン追加",
                    &w,
                    format!("/offices/{office}"),
                ));
                let w = todo::incidents(c.conn(), Some(office)).await?;
                out.push(entry("事業所からの事故・不具合の報告", &w, "/incidents"));
                drop(c);
                out.extend(training_due(app, office).await?);
            }
        }
        (Some(Role::Centre), _) => {
            let w = todo::pages_to_reconcile(c.conn()).await?;
            out.push(entry("未照合のFAXページを照合する", &w, "/fax"));
            out.extend(enrollments(todo::centre_enrollments(c.conn()).await?));
        }
        (Some(Role::CityAdmin), _) => {
            let w = todo::applications(c.conn()).await?;
            out.push(entry(
                "事業所の登録申請を審査する",
                &w,
                "/offices/applications",
            ));
            let w = todo::device_requests(c.conn(), None).await?;
            out.push(entry(
                "証明書の追加発行を審査する",
                &w,
                "/offices/applications",
            ));
            let w = todo::incidents(c.conn(), None).await?;
            out.push(entry("事故・不具合の報告に対応する", &w, "/incidents"));
            let w = todo::handovers(c.conn(), None, false).await?;
            out.push(entry(
                "事業所の利用廃止の申し出を決定する",
                &w,
                "/offices/closures",
            ));
            drop(c);
            out.extend(training_overdue(app).await?);
        }
        _ => {}
    }
    out.retain(|t| t.count > 0);
    // Oldest first; an entry without a date last.
    out.sort_by_key(|t| (t.since.is_none(), t.since));
    Ok(out)
}

/// The office's own training, when it is due soon or overdue.
async fn training_due(app: &Context, office: i64) -> AppResult<Option<Todo>> {
    let all = super::training::compliance(app).await?;
    Ok(all
        .into_iter()
        .find(|s| s.office_id == office)
        .filter(|s| s.status == Status::Red.as_str() || s.status == Status::Amber.as_str())
        .map(|s| Todo {
            label: if s.status == Status::Red.as_str() {
                "セキュリティ研修の期限が過ぎています"
            } else {
                "セキュリティ研修の期限が近づいています"
            },
            count: 1,
            since: Some(s.due),
            link: format!("/offices/{office}/trainings"),
        }))
}

/// Offices past their training's due date, for the city.
async fn training_overdue(app: &Context) -> AppResult<Option<Todo>> {
    let red: Vec<_> = super::training::compliance(app)
        .await?
        .into_iter()
        .filter(|s| s.status == Status::Red.as_str())
        .collect();
    Ok((!red.is_empty()).then(|| Todo {
        label: "研修の期限を過ぎた事業所",
        count: red.len() as i64,
        since: red.iter().map(|s| s.due).min(),
        link: "/training?status=red".into(),
    }))
}
