//! Uploads: a multipart body read as it arrives, shared by the upload page and the API.

use axum::extract::Multipart;

use crate::error::{AppError, AppResult};

/// Largest upload request: several FAX files at once.
pub const UPLOAD_LIMIT: usize = 200 * 1024 * 1024;

/// What a multipart upload holds: the files, and the CSRF token when a page posted it.
#[derive(Debug, Default)]
pub struct Upload {
    pub files: Vec<(Option<String>, Vec<u8>)>,
    pub csrf: Option<String>,
}

/// Reads a multipart body as it arrives; shared with the upload page. A file over `max_file`
/// bytes is refused (413) as soon as it crosses the limit, never held whole. With `csrf`, the
/// page's token must come first (as the form sends it) and pass before any file is read.
pub async fn read_upload(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
    max_file: u64,
    csrf: Option<&(dyn Fn(&str) -> bool + Sync)>,
) -> AppResult<Upload> {
    let bad =
        |e: String| AppError::invalid("files", format!("ファイルを受け取れませんでした: {e}"));
    let mut multipart = multipart.map_err(|e| bad(e.body_text()))?;
    let mut out = Upload::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(e.body_text()))?
    {
        if field.name() == Some("csrf") {
            let token = field.text().await.map_err(|e| bad(e.body_text()))?;
            if csrf.is_some_and(|ok| !ok(&token)) {
                return Err(AppError::Forbidden("csrf".into()));
            }
            out.csrf = Some(token);
            continue;
        }
        if csrf.is_some() && out.csrf.is_none() {
            return Err(AppError::Forbidden("csrf".into()));
        }
        if field.file_name().is_none() && field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().map(str::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| bad(e.body_text()))? {
            if (bytes.len() + chunk.len()) as u64 > max_file {
                return Err(AppError::TooLarge(format!(
                    "ファイルが大きすぎます（1ファイル {} MB まで）。",
                    max_file / 1_048_576
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name.as_deref() == Some("") && bytes.is_empty() {
            continue; // a file input left empty
        }
        out.files.push((name, bytes));
    }
    Ok(out)
}
