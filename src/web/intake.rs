//! The centre's upload page: drag and drop one or many FAX files (or saved e-mails); each is
//! stored at once and read by a job. Below it, the latest messages and how they ended.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{render, PageError};
use crate::http::session::CurrentUser;
use crate::http::upload::read_upload;
use crate::http::AppState;
use crate::service::fax;
use crate::store::fax::MessageRow;
use crate::store::fax_list::Filter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/fax/upload",
            get(page)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::http::upload::UPLOAD_LIMIT,
                )),
        )
        .route("/static/upload.js", get(script))
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage<'a> {
    user: Option<&'a CurrentUser>,
    done: Option<usize>,
    messages: Vec<MessageRow>,
}

#[derive(Deserialize)]
struct Done {
    done: Option<usize>,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    // The city looks and does not act: taking FAXes in is the centre's.
    if user.role != crate::domain::Role::Centre {
        return Err(PageError(crate::error::AppError::Forbidden(
            "FAX の取り込みはセンターの職員だけが行えます。".into(),
        )));
    }
    let filter = Filter {
        limit: 20,
        ..Filter::default()
    };
    let messages = fax::messages(&state.store, &user.actor(), &filter).await?;
    let page = UploadPage {
        user: Some(&user),
        done: q.done,
        messages,
    };
    Ok(render(StatusCode::OK, &page))
}

#[tracing::instrument(skip_all)]
async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    // Who may upload, and the page's token (sent first), before any file is read.
    fax::may_upload(&user.actor())?;
    let check = |token: &str| user.check_csrf(token).is_ok();
    let form = read_upload(multipart, state.config.intake.max_bytes, Some(&check)).await?;
    let stored = crate::intake::upload(&state, &user.actor(), &form.files).await?;
    Ok(Redirect::to(&format!("/fax/upload?done={}", stored.len())).into_response())
}

/// The drop zone's few lines of script, served from here: the pages allow no inline script.
async fn script() -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/javascript; charset=utf-8",
        )],
        include_str!("upload.js"),
    )
        .into_response()
}
