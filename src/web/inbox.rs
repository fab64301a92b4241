//! The centre's FAX inbox: pages newest first with counts by outcome, and a page's view with
//! its image, its automatic match, and for an unmatched page the candidates to assign it to.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::domain::status::PageOutcome;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::fax;
use crate::service::reconcile::{self, Assignment};
use crate::store::fax_list::{Candidate, Filter, PageRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fax", get(inbox))
        .route("/fax/pages/{id}", get(page))
        .route("/fax/pages/{id}/image", get(image))
        .route("/fax/pages/{id}/assign", post(assign))
        .route("/fax/pages/{id}/discard", post(discard))
}

/// The inbox's tabs, in order: the pages waiting for a person first.
const TABS: [PageOutcome; 6] = [
    PageOutcome::Unreadable,
    PageOutcome::Invalid,
    PageOutcome::Matched,
    PageOutcome::Duplicate,
    PageOutcome::Superseded,
    PageOutcome::Discarded,
];

/// Where a FAX came from, for people: the sender, or how a file was brought in.
pub fn origin(sender: &Option<String>, source: &str, file_name: &Option<String>) -> String {
    if let Some(s) = sender {
        return s.clone();
    }
    let how = match source {
        "upload" => "画面から取り込み",
        "folder" => "フォルダから取り込み",
        "cli" => "コマンドで取り込み",
        _ => "送信元不明",
    };
    match file_name {
        Some(f) => format!("{how}（{f}）"),
        None => how.to_string(),
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage<'a> {
    user: Option<&'a CurrentUser>,
    tab: String,
    tabs: Vec<(&'static str, &'static str, i64)>,
    pages: Vec<PageRow>,
    /// The `until` of the next, older screenful.
    older: Option<String>,
}

#[derive(Deserialize)]
struct InboxQuery {
    status: Option<String>,
    /// Older pages than the last one shown (its time and id), for the next screenful.
    until: Option<chrono::DateTime<chrono::Utc>>,
    before: Option<i64>,
}

/// Pages per screenful of the inbox.
const INBOX_PAGE: i64 = 50;

#[tracing::instrument(skip_all)]
async fn inbox(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let tab = q
        .status
        .filter(|s| PageOutcome::parse(s).is_some())
        .unwrap_or_else(|| "unreadable".into());
    let counts = fax::counts(&state.store, &user.actor()).await?;
    let tabs = TABS
        .iter()
        .map(|t| {
            let n = counts
                .iter()
                .find(|(o, _)| o == t.as_str())
                .map_or(0, |(_, n)| *n);
            (t.as_str(), t.label_ja(), n)
        })
        .collect();
    let filter = Filter {
        status: Some(tab.clone()),
        until: q.until,
        before_id: q.before,
        // One more than shown tells whether there are older pages.
        limit: INBOX_PAGE + 1,
        ..Filter::default()
    };
    let mut pages = fax::pages(&state.store, &user.actor(), &filter).await?;
    let older = (pages.len() as i64 > INBOX_PAGE).then(|| {
        pages.truncate(INBOX_PAGE as usize);
        pages
            .last()
            .map(|p| (p.created_at.to_rfc3339(), p.id.to_string()))
            .unwrap_or_default()
    });
    let page = InboxPage {
        user: Some(&user),
        tab,
        tabs,
        pages,
        older: older.map(|(t, id)| {
            serde_urlencoded::to_string([("until", t), ("before", id)]).unwrap_or_default()
        }),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "fax_page.html")]
struct PageView<'a> {
    user: Option<&'a CurrentUser>,
    p: PageRow,
    q: String,
    candidates: Vec<Candidate>,
}

impl PageView<'_> {
    fn unmatched(&self) -> bool {
        super::fax_message::open(&self.p)
    }

    /// The city looks; only the centre reconciles.
    fn can_reconcile(&self) -> bool {
        self.user
            .is_some_and(|u| u.role == crate::domain::Role::Centre)
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

#[tracing::instrument(skip_all, fields(id = %id))]
async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(s): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    let actor = user.actor();
    let p = fax::page(&state.store, &actor, id).await?;
    let q = s.q.unwrap_or_default();
    let candidates = fax::candidates(&state.store, &actor, id, Some(&q)).await?;
    let view = PageView {
        user: Some(&user),
        p,
        q,
        candidates,
    };
    Ok(render(StatusCode::OK, &view))
}

#[derive(Deserialize)]
struct ImageQuery {
    thumb: Option<String>,
}

async fn image(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<ImageQuery>,
) -> Result<Response, PageError> {
    let data = fax::page_image(&state.store, &user.actor(), id_of(&id)?, q.thumb.is_some()).await?;
    Ok(crate::http::png(data))
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    csrf: String,
    // Defaults so a post without its token is refused as such (403), not as a bad form.
    #[serde(default)]
    enrollment_id: i64,
    #[serde(default)]
    page: i64,
}

#[tracing::instrument(skip_all, fields(id = %id))]
async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<AssignForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    let a = Assignment {
        enrollment_id: f.enrollment_id,
        page: f.page,
    };
    reconcile::assign(&state, &user.actor(), id, &a).await?;
    Ok(Redirect::to(&format!("/fax/pages/{id}")).into_response())
}

#[derive(Deserialize)]
struct DiscardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all, fields(id = %id))]
async fn discard(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<DiscardForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    reconcile::discard(&state, &user.actor(), id, &f.reason).await?;
    Ok(Redirect::to(&format!("/fax/pages/{id}")).into_response())
}
