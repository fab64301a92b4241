//! The centre's upload page: drag and drop one or many FAX files (or saved e-mails); each is
//! stored at once and read by a job. Below it, the latest messages and how they ended.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{render, PageError};
use crate::domain::FieldErrors;
use crate::error::AppError;
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::upload::read_upload;
use crate::http::AppState;
use crate::service::fax;
use crate::store::fax::MessageRow;
use crate::store::fax_list::Filter;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/fax/upload",
        get(page)
            .post(upload)
            .layer(axum::extract::DefaultBodyLimit::max(
                crate::http::upload::UPLOAD_LIMIT,
            )),
    )
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage<'a> {
    user: Option<&'a CurrentUser>,
    errors: FieldErrors,
    messages: Vec<MessageRow>,
}

async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response, PageError> {
    show(&state, &user, FieldErrors::default()).await
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    errors: FieldErrors,
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
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UploadPage {
        user: Some(user),
        errors,
        messages,
    };
    Ok(render(status, &page))
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
    match crate::intake::upload(&state, &user.actor(), &form.files).await {
        Ok(stored) => {
            let notice = format!(
                "{} 件のファイルを受け付けました。読み取りが終わると下の一覧に反映されます。",
                stored.len()
            );
            Ok(flash::redirect(&state, "/fax/upload", &notice))
        }
        Err(AppError::Invalid(errors)) => show(&state, &user, errors).await,
        Err(e) => Err(e.into()),
    }
}
