//! One error type for the service. The API renders it as `{"error": {"code", "message"}}`;
//! internal detail is logged, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::domain::enrollment::TransitionError;
use crate::domain::{FieldError, FieldErrors};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Every refused field of the form (at least one).
    #[error("invalid input: {0}")]
    Invalid(#[from] FieldErrors),
    #[error("authentication required")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// A first password set by an administrator must be replaced before anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    /// `offices.require_device`: an office user acts only from an enrolled PC of their office.
    #[error("an enrolled device is required")]
    DeviceRequired,
    /// An upload over its limit, refused as soon as the limit was crossed.
    #[error("too large: {0}")]
    TooLarge(String),
    /// Too many attempts from one sender; the message says when to try again.
    #[error("rate limited: {0}")]
    RateLimited(String),
    /// The process is stopping: a long job left its remaining batches to the next start.
    #[error("interrupted by a shutdown")]
    Interrupted,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(e.into())
    }
}

impl AppError {
    /// A single refused field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
        FieldError::new(field, message).into()
    }

    /// The refused fields, for a form to show beside each one (empty for other errors).
    pub fn field_errors(&self) -> FieldErrors {
        match self {
            AppError::Invalid(f) => f.clone(),
            _ => FieldErrors::default(),
        }
    }
}

impl From<TransitionError> for AppError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::Forbidden { .. } => AppError::Forbidden(e.to_string()),
            TransitionError::InvalidState { .. } => AppError::InvalidState(e.to_string()),
            TransitionError::Invalid { field, message } => FieldError { field, message }.into(),
        }
    }
}

/// Any failure the person cannot act on: logged in full, shown as 「システムエラー」.
pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(e.into())
}

/// Something the database must hold and does not (a blob, a form version): internal.
pub fn missing(what: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what} missing"))
}

/// Turns a unique-constraint violation into the clear error the caller names (in the style of
/// `on_constraint`); any other database error stays internal.
pub trait OnUnique<T> {
    fn on_unique(self, f: impl FnOnce() -> AppError) -> Result<T, AppError>;
}

impl<T> OnUnique<T> for Result<T, sqlx::Error> {
    fn on_unique(self, f: impl FnOnce() -> AppError) -> Result<T, AppError> {
        self.map_err(|e| {
            if is_unique_violation(&e) {
                f()
            } else {
                e.into()
            }
        })
    }
}

/// True when `e` is a unique-constraint violation (a retry with a new code, say).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: invalid_input, unauthorized, forbidden, not_found,
    /// conflict, invalid_state, password_change_required, device_required, too_many_requests,
    /// payload_too_large, shutting_down, internal.
    pub code: &'static str,
    /// Human-readable message (Japanese for input errors).
    pub message: String,
    /// The offending field, for invalid_input (the first, when several were refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// Every refused field with its message, for invalid_input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMessage>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    pub field: &'static str,
    pub message: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_)
            | AppError::PasswordChangeRequired
            | AppError::DeviceRequired => StatusCode::FORBIDDEN,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) | AppError::InvalidState(_) => StatusCode::CONFLICT,
            AppError::Interrupted => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid(_) => "invalid_input",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::DeviceRequired => "device_required",
            AppError::RateLimited(_) => "too_many_requests",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::InvalidState(_) => "invalid_state",
            AppError::Interrupted => "shutting_down",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message a person sees: Japanese, and free of internal detail.
    pub fn message_ja(&self) -> String {
        match self {
            AppError::Invalid(f) => f
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            AppError::Unauthorized => "ログインが必要です。".into(),
            AppError::Forbidden(_) => "この操作を行う権限がありません。".into(),
            AppError::NotFound => "見つかりません。".into(),
            AppError::Conflict(m) | AppError::RateLimited(m) | AppError::TooLarge(m) => m.clone(),
            AppError::PasswordChangeRequired => {
                "初回のパスワードを変更してください（new_password を指定）。".into()
            }
            // A rule's own Japanese message says what to do (「…が1件残っています」); the state
            // machine's English one is for the log.
            AppError::InvalidState(m) if !m.is_ascii() => m.clone(),
            AppError::InvalidState(_) => "現在の状態ではこの操作はできません。".into(),
            AppError::DeviceRequired => "このパソコンは登録されていません。証明書取得用No/パスワードで登録したパソコンから利用してください。".into(),
            AppError::Interrupted => {
                "サーバーを停止しています。しばらくしてから再度お試しください。".into()
            }
            AppError::Internal(_) => {
                "システムエラーが発生しました。時間をおいて再度お試しください。".into()
            }
        }
    }

    pub fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = %e, "internal error");
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let errors = self.field_errors();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.message_ja(),
                field: errors.first().map(|e| e.field),
                fields: errors
                    .iter()
                    .map(|e| FieldMessage {
                        field: e.field,
                        message: e.message.clone(),
                    })
                    .collect(),
            },
        };
        (self.status(), Json(body)).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;
