//! 状況一覧: the centre's and the city's overview — the funnel by state, what is overdue, and
//! the FAX pages waiting for someone.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{render, PageError};
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::overview::{self, Dashboard, ListPage};

pub fn router() -> Router<AppState> {
    Router::new().route("/dashboard", get(dashboard))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    user: Option<&'a CurrentUser>,
    d: Dashboard,
    overdue: ListPage,
}

impl DashboardPage<'_> {
    /// When the figures were counted, in Japan time: 「10:42」.
    fn counted(&self) -> String {
        self.d
            .counted_at
            .with_timezone(&chrono_tz::Asia::Tokyo)
            .format("%H:%M")
            .to_string()
    }
}

#[tracing::instrument(skip_all)]
async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, PageError> {
    let actor = user.actor();
    let d = overview::dashboard(&state, &actor).await?;
    let overdue = overview::overdue_first(&state, &actor).await?;
    Ok(render(
        StatusCode::OK,
        &DashboardPage {
            user: Some(&user),
            d,
            overdue,
        },
    ))
}
