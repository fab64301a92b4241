//! One's own API tokens: list them, revoke one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::parse_id;
use crate::error::AppResult;
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::tokens;
use crate::store::auth::TokenRow;

/// The caller's live API tokens (never the tokens themselves).
#[utoipa::path(get, path = "/api/v1/tokens", responses((status = 200, body = Vec<TokenRow>)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> AppResult<Json<Vec<TokenRow>>> {
    Ok(Json(tokens::own(&state.store, &actor).await?.tokens))
}

/// Revoke one of the caller's tokens (another's is 404). The token in use may revoke itself.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn revoke(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    tokens::revoke(&state.store, &actor, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
