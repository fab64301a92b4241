//! The centre's FAX inbox: pages newest first with counts by outcome, the copies flagged by the
//! field checks, a search over what OCR read, and 処理済 (the pages people settled).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{render, PageError};
use crate::domain::status::PageOutcome;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::{checks, fax};
use crate::store::fax_list::{Filter, PageRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/fax", get(inbox))
        .route("/fax/resolved", get(resolved))
        .merge(super::fax_page::router())
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
    let how = match source_label(source) {
        "FAXメール" => "送信元不明",
        how => how,
    };
    match file_name {
        Some(f) => format!("{how}（{f}）"),
        None => how.to_string(),
    }
}

/// How a FAX came in, in Japanese.
pub fn source_label(source: &str) -> &'static str {
    match source {
        "upload" => "画面から取り込み",
        "folder" => "フォルダから取り込み",
        "cli" => "コマンドで取り込み",
        _ => "FAXメール",
    }
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage<'a> {
    user: Option<&'a CurrentUser>,
    tab: String,
    tabs: Vec<(&'static str, &'static str, i64)>,
    /// Words searched for in what OCR read ("" when not searching).
    q: String,
    pages: Vec<PageRow>,
    /// The `until` of the next, older screenful.
    older: Option<String>,
    /// Copies waiting for the centre's check whose front page breaks a rule.
    flagged: Vec<crate::store::checks::Flagged>,
}

#[derive(Deserialize)]
struct InboxQuery {
    status: Option<String>,
    /// Older pages than the last one shown (its time and id), for the next screenful.
    until: Option<chrono::DateTime<chrono::Utc>>,
    before: Option<i64>,
    /// Words to find in what OCR read on pages without codes: across every tab.
    q: Option<String>,
}

/// Pages per screenful of the inbox.
const INBOX_PAGE: i64 = 50;

#[tracing::instrument(skip_all)]
async fn inbox(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    let counts = fax::counts(&state.store, &user.actor()).await?;
    let count = |t: &PageOutcome| {
        counts
            .iter()
            .find(|(o, _)| o == t.as_str())
            .map_or(0, |(_, n)| *n)
    };
    // Without a choice, the inbox opens on the first tab that has work (the tabs that wait
    // for a person come first).
    let tab = q
        .status
        .filter(|s| PageOutcome::parse(s).is_some())
        .or_else(|| {
            let mut work = TABS.iter().filter(|t| t.needs_a_person());
            work.find(|t| count(t) > 0).map(|t| t.as_str().into())
        })
        .unwrap_or_else(|| "unreadable".into());
    let tabs = TABS
        .iter()
        .map(|t| (t.as_str(), t.label_ja(), count(t)))
        .collect();
    let search = q.q.clone().unwrap_or_default();
    let text = crate::service::ocr::text_pattern(&search);
    let filter = Filter {
        // A search looks in every tab.
        status: text.is_none().then(|| tab.clone()),
        text,
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
    let flagged = checks::flagged(&state.store, &user.actor(), INBOX_PAGE).await?;
    let page = InboxPage {
        user: Some(&user),
        flagged,
        tab,
        tabs,
        q: search.clone(),
        pages,
        older: older.map(|(t, id)| {
            let mut params = vec![("until", t), ("before", id)];
            if !search.is_empty() {
                params.push(("q", search.clone()));
            }
            serde_urlencoded::to_string(params).unwrap_or_default()
        }),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "resolved.html")]
struct ResolvedPage<'a> {
    user: Option<&'a CurrentUser>,
    rows: Vec<crate::store::fax_list::ResolvedRow>,
    /// Fields where the person who settled a copy said otherwise than the field check.
    overridden: Vec<crate::store::checks::Overridden>,
}

/// 処理済: the pages a person settled, who did it and when; and the fields where a person
/// overrode the field check.
#[tracing::instrument(skip_all)]
async fn resolved(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    fax::may_read(&user.actor())?;
    let mut c = state.store.acquire().await?;
    let rows = crate::store::fax_list::resolved(c.conn(), 100).await?;
    let overridden = crate::store::checks::overridden(c.conn(), 100).await?;
    let page = ResolvedPage {
        user: Some(&user),
        rows,
        overridden,
    };
    Ok(render(StatusCode::OK, &page))
}
