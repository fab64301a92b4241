//! The intake as people see it: the centre's lists of messages and pages (the city reads them
//! too), uploads by centre staff, and for everyone who may see an enrollment, which pages of its
//! copy are in and which are missing.

use serde::Serialize;

use crate::domain::search::SearchTerm;
use crate::domain::{Actor, Role};
use crate::error::{AppError, AppResult};
use crate::service::copies::missing;
use crate::service::enrollments::may_see;
use crate::store::fax::{self, DocumentRow, MessageRow};
use crate::store::fax_list::{self, Candidate, Filter, PageRow};
use crate::store::{blobs, enrollments, Store};

/// The centre works the intake; the city may read it.
pub fn may_read(actor: &Actor) -> AppResult<()> {
    match actor {
        Actor::System
        | Actor::User {
            role: Role::Centre | Role::CityAdmin,
            ..
        } => Ok(()),
        Actor::User { .. } => Err(AppError::Forbidden(
            "FAX の受信状況はセンターの職員だけが見られます。".into(),
        )),
    }
}

/// Work only centre staff do (uploading, reconciling): their user id, or `refusal`.
pub(crate) fn centre_only(actor: &Actor, refusal: &str) -> AppResult<i64> {
    match actor {
        Actor::User {
            id,
            role: Role::Centre,
            ..
        } => Ok(*id),
        _ => Err(AppError::Forbidden(refusal.into())),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    pub message: MessageRow,
    pub documents: Vec<DocumentRow>,
    pub pages: Vec<PageRow>,
}

pub async fn messages(store: &Store, actor: &Actor, f: &Filter) -> AppResult<Vec<MessageRow>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    Ok(fax_list::messages(c.conn(), f).await?)
}

pub async fn message(store: &Store, actor: &Actor, id: i64) -> AppResult<MessageView> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    let message = fax::message(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(MessageView {
        documents: fax::documents(c.conn(), id).await?,
        pages: fax_list::pages_of_message(c.conn(), id).await?,
        message,
    })
}

/// Days of settled pages the inbox's tabs count (waiting pages are always all counted).
pub const COUNT_DAYS: i64 = 7;

/// Pages by outcome, for the inbox's tabs: all waiting, settled ones of the last `COUNT_DAYS`.
pub async fn counts(store: &Store, actor: &Actor) -> AppResult<Vec<(String, i64)>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    let since = c.conn().now - chrono::Duration::days(COUNT_DAYS);
    Ok(crate::store::fax_tally::counts(c.conn(), since).await?)
}

/// Folds the inbox counts' deltas (the hourly `tally` schedule). Returns the rows folded away.
#[tracing::instrument(skip_all)]
pub async fn fold_tally(app: &crate::context::Context) -> AppResult<u64> {
    let mut tx = app.store.begin().await?;
    let folded = crate::store::fax_tally::fold(tx.conn()).await?;
    tx.commit().await?;
    tracing::info!(folded, "inbox counts folded");
    Ok(folded)
}

pub async fn pages(store: &Store, actor: &Actor, f: &Filter) -> AppResult<Vec<PageRow>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    Ok(fax_list::pages(c.conn(), f).await?)
}

pub async fn page(store: &Store, actor: &Actor, id: i64) -> AppResult<PageRow> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    fax_list::page(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A page's PNG (the whole page, or its thumbnail).
pub async fn page_image(store: &Store, actor: &Actor, id: i64, thumb: bool) -> AppResult<Vec<u8>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    let sha = fax_list::page_image(c.conn(), id, thumb)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, data) = blobs::get(c.conn(), &sha)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(c);
    if !thumb {
        super::reads::record(store, actor, "fax_page_image", ("fax_page", id)).await?;
    }
    Ok(data)
}

/// Enrollments an unmatched page may belong to: those OCR's reading ranks best, with their
/// scores, then the others [`fax_list::candidates`] finds (by a damaged code, the FAX number, a
/// search).
pub async fn candidates(
    store: &Store,
    actor: &Actor,
    page_id: i64,
    search: Option<&str>,
) -> AppResult<Vec<Candidate>> {
    may_read(actor)?;
    let read = {
        let mut c = store.acquire().await?;
        super::ocr::read_of(c.conn(), page_id).await?
    };
    candidates_beside(store, actor, page_id, search, read.as_ref()).await
}

/// [`candidates`] for a page whose OCR reading the caller has already (the page view shows
/// it too), so it is not read twice.
pub async fn candidates_beside(
    store: &Store,
    actor: &Actor,
    page_id: i64,
    search: Option<&str>,
    read: Option<&super::ocr::OcrView>,
) -> AppResult<Vec<Candidate>> {
    may_read(actor)?;
    let mut c = store.acquire().await?;
    let page = fax_list::page(c.conn(), page_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let payload = fax_list::page_payload(c.conn(), page_id).await?;
    // A damaged or forged code still names a code: "CF1:B1:<code>:…". A page with two forms'
    // codes keeps one per line, and both are offered.
    let codes: Vec<String> = payload
        .as_deref()
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split(':').nth(2))
        .filter_map(|s| consentflow_workers::EnrollmentCode::try_from(s.to_string()).ok())
        .map(|c| c.to_string())
        .take(2)
        .collect();
    let search = search.and_then(SearchTerm::parse);
    let mut list = match read {
        Some(view) => super::ocr::candidates(c.conn(), view).await?,
        None => Vec::new(),
    };
    let others = fax_list::candidates(
        c.conn(),
        (
            codes.first().map(String::as_str),
            codes.get(1).map(String::as_str),
        ),
        page.fax_number.as_deref(),
        search.as_ref(),
    )
    .await?;
    for o in others {
        if !list.iter().any(|l| l.id == o.id) {
            list.push(o);
        }
    }
    Ok(list)
}

/// Who may upload FAX files (the centre's staff): asked before an upload's body is read.
pub fn may_upload(actor: &Actor) -> AppResult<i64> {
    centre_only(actor, "FAX の取り込みはセンターの職員だけが行えます。")
}

/// Which pages of an enrollment's current copy are in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CopyStatus {
    /// 0 for the first copy; one more after each return (差戻し).
    pub round: i64,
    /// Pages of the form, once one page is in.
    pub pages: Option<i64>,
    pub received: Vec<i64>,
    pub missing: Vec<i64>,
    /// Every page matched to this enrollment, in any round, duplicates included.
    pub fax_pages: Vec<PageRow>,
}

pub async fn copy_status(
    store: &Store,
    actor: &Actor,
    enrollment_id: i64,
) -> AppResult<CopyStatus> {
    let mut c = store.acquire().await?;
    let e = enrollments::get(c.conn(), enrollment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(c.conn(), actor, enrollment_id).await? {
        return Err(AppError::NotFound);
    }
    let pages = fax::form_pages(c.conn(), enrollment_id, e.copy_round).await?;
    let received = fax::received_pages(c.conn(), enrollment_id, e.copy_round).await?;
    Ok(CopyStatus {
        round: e.copy_round,
        pages,
        missing: pages.map(|m| missing(&received, m)).unwrap_or_default(),
        received,
        fax_pages: fax_list::pages_of_enrollment(c.conn(), enrollment_id).await?,
    })
}
