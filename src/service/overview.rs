//! Overviews: the enrollment list (filtered, searched, paged, with overdue badges) and the
//! dashboard of the centre and the city.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::domain::deadline::Deadlines;
use crate::domain::enrollment::State;
use crate::domain::search::SearchTerm;
use crate::domain::{Actor, Role};
use crate::error::{AppError, AppResult};
use crate::store::enrollment_list::{self as list_rows, CityCounts, ListFilter, ListItem};
use crate::store::{fax_list, Store};

/// Rows per page of the list.
pub const PAGE_SIZE: i64 = 50;

/// What someone asked the list for (query string of the page and the API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only enrollments in this state.
    pub state: Option<String>,
    /// Name, カナ (hiragana is fine) or enrollment code.
    pub q: Option<String>,
    /// Only overdue enrollments.
    #[serde(default)]
    pub overdue: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
}

impl ListQuery {
    pub fn only_overdue(&self) -> bool {
        matches!(self.overdue.as_deref(), Some("1" | "true" | "on"))
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListPage {
    pub items: Vec<ListItem>,
    pub page: i64,
    pub has_more: bool,
}

/// The office an actor's lists are limited to: None for the centre and the city (everything).
fn scope(actor: &Actor) -> Result<Option<i64>, ()> {
    match actor {
        Actor::System => Ok(None),
        Actor::User {
            role: Role::Centre | Role::CityAdmin,
            ..
        } => Ok(None),
        Actor::User {
            office_id: Some(o), ..
        } => Ok(Some(*o)),
        Actor::User { .. } => Err(()),
    }
}

/// The enrollments the actor may see, newest change first. An unknown state is an error the
/// caller may ignore (a stale link shows everything on the page).
pub async fn list(
    store: &Store,
    actor: &Actor,
    deadlines: &Deadlines,
    q: &ListQuery,
    state: Option<State>,
) -> AppResult<ListPage> {
    let Ok(office) = scope(actor) else {
        return Ok(ListPage {
            items: vec![],
            page: 1,
            has_more: false,
        });
    };
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let mut c = store.acquire().await?;
    let now = c.conn().now;
    let filter = ListFilter {
        office,
        state: state.map(State::as_str),
        search: q.q.as_deref().and_then(SearchTerm::parse),
        overdue: q.only_overdue().then(|| deadlines.cutoffs(now)),
        // One more than shown tells whether there is a next page.
        limit: PAGE_SIZE + 1,
        offset: (page - 1) * PAGE_SIZE,
    };
    let items = list_rows::list(c.conn(), &filter).await?;
    Ok(page_of(items, page, deadlines, now))
}

/// A page of the list from its rows (one more than shown, which tells whether there is a next
/// page), each with its overdue badge as of `now`.
fn page_of(
    mut items: Vec<ListItem>,
    page: i64,
    deadlines: &Deadlines,
    now: DateTime<Utc>,
) -> ListPage {
    let has_more = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    for i in &mut items {
        i.overdue_days = deadlines.overdue_days(i.state, i.updated_at, now);
    }
    ListPage {
        items,
        page,
        has_more,
    }
}

/// One state's line in the funnel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FunnelStep {
    pub state: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub funnel: Vec<FunnelStep>,
    pub overdue_total: i64,
    /// FAX pages waiting for the centre: unreadable or invalid (counted now).
    pub pages_waiting: i64,
    /// When the funnel and the overdue figures were counted: at most a minute ago.
    pub counted_at: DateTime<Utc>,
}

fn may_see_dashboard(actor: &Actor) -> AppResult<()> {
    if !matches!(actor.role(), Some(Role::Centre | Role::CityAdmin)) && actor != &Actor::System {
        return Err(AppError::Forbidden(
            "dashboard is for the centre and the city".into(),
        ));
    }
    Ok(())
}

/// The city's figures, counted at most once a minute in this process (#23: counting 1,000,000
/// enrollments on every view cost 260 ms).
async fn city_counts(app: &Context) -> AppResult<(DateTime<Utc>, Arc<CityCounts>)> {
    let now = app.clock.now();
    app.city_counts
        .get(now, || async {
            let mut c = app.store.acquire().await?;
            let cutoffs = app.config.deadlines.cutoffs(now);
            let overdue_first = ListFilter {
                office: None,
                state: None,
                search: None,
                overdue: Some(cutoffs),
                limit: PAGE_SIZE + 1,
                offset: 0,
            };
            Ok::<_, AppError>(CityCounts {
                by_state: list_rows::by_state(c.conn()).await?,
                overdue: list_rows::overdue_by_state(c.conn(), &cutoffs).await?,
                overdue_rows: list_rows::list(c.conn(), &overdue_first).await?,
            })
        })
        .await
}

/// The centre's and the city's overview: every enrollment by state, what is overdue (both as
/// of `counted_at`), and the FAX pages waiting.
pub async fn dashboard(app: &Context, actor: &Actor) -> AppResult<Dashboard> {
    may_see_dashboard(actor)?;
    let (counted_at, counts) = city_counts(app).await?;
    let pages_waiting = {
        let mut c = app.store.acquire().await?;
        fax_list::waiting(c.conn()).await?
    };
    let get =
        |v: &[(String, i64)], s: &str| v.iter().find(|(k, _)| k == s).map(|(_, n)| *n).unwrap_or(0);
    let funnel: Vec<FunnelStep> = State::ALL
        .iter()
        .map(|s| FunnelStep {
            state: s.as_str(),
            label: s.label_ja(),
            count: get(&counts.by_state, s.as_str()),
            overdue: get(&counts.overdue, s.as_str()),
        })
        .collect();
    Ok(Dashboard {
        overdue_total: funnel.iter().map(|f| f.overdue).sum(),
        pages_waiting,
        funnel,
        counted_at,
    })
}

/// The dashboard's first page of overdue enrollments, as of the same count.
pub async fn overdue_first(app: &Context, actor: &Actor) -> AppResult<ListPage> {
    may_see_dashboard(actor)?;
    let (at, counts) = city_counts(app).await?;
    let rows = counts.overdue_rows.clone();
    Ok(page_of(rows, 1, &app.config.deadlines, at))
}
