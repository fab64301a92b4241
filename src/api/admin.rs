//! Tokens, offices and users.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::error::{AppError, AppResult};
use crate::http::session::ApiUser;
use crate::http::AppState;
use crate::service::accounts::{self, LoginRefused, OfficeInput, UserInput};
use crate::service::device_rule::{self, DeviceCheck};
use crate::service::suspension::{self, Suspension};
use crate::store::offices::{self, Office};
use crate::store::users::User;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub login: String,
    pub password: String,
    pub label: Option<String>,
    /// Required when the password was set by someone else (an administrator): replaces it.
    pub new_password: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Shown once. Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Exchange a login and password for an API token.
#[utoipa::path(post, path = "/api/v1/auth/token", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "device_required: an office user asks from a PC that is not enrolled", body = crate::error::ErrorBody)))]
#[tracing::instrument(skip_all)]
pub async fn token(
    State(state): State<AppState>,
    crate::http::client::ClientAddr(client): crate::http::client::ClientAddr,
    jar: axum_extra::extract::CookieJar,
    ApiJson(req): ApiJson<TokenRequest>,
) -> AppResult<(StatusCode, Json<TokenResponse>)> {
    match accounts::authenticate(&state.store, &req.login, &req.password, &client).await? {
        Ok(user) => {
            // The same device rule as the web's sign-in: an office user asks from an enrolled PC.
            let pc = jar.get(crate::http::session::DEVICE_COOKIE).map(|c| c.value());
            let device_id = match device_rule::for_sign_in(
                &state.store,
                &state.config,
                user.role(),
                user.office_id,
                pc,
            )
            .await?
            {
                DeviceCheck::Refused => return Err(AppError::DeviceRequired),
                DeviceCheck::Device(id) => Some(id),
                DeviceCheck::NotNeeded => None,
            };
            if user.must_change_password {
                let Some(new) = req.new_password.as_deref() else {
                    return Err(AppError::PasswordChangeRequired);
                };
                accounts::change_password(&state.store, &user, &req.password, new, None).await?;
            }
            let label = req.label.as_deref().unwrap_or("api");
            let issuer = crate::service::tokens::TokenIssuer::User { device_id };
            let token = crate::service::tokens::create_token(&state.store, &user, label, issuer).await?;
            Ok((StatusCode::CREATED, Json(TokenResponse { token })))
        }
        Err(LoginRefused::BadCredentials) => Err(AppError::Unauthorized),
        Err(LoginRefused::Suspended) => Err(AppError::Forbidden("account suspended".into())),
        Err(LoginRefused::Disabled) => Err(AppError::Forbidden("account disabled".into())),
        Err(LoginRefused::Throttled) => Err(AppError::RateLimited(
            "ログインに続けて失敗したため、しばらくログインできません。15分ほどおいてからお試しください。".into(),
        )),
    }
}

/// Register an office (the city).
#[utoipa::path(post, path = "/api/v1/offices", request_body = OfficeInput,
    responses((status = 201, body = Office), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn create_office(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<OfficeInput>,
) -> AppResult<(StatusCode, Json<Office>)> {
    let o = accounts::create_office(&state.store, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(o)))
}

/// List offices (any signed-in user: team members are chosen from them).
#[utoipa::path(get, path = "/api/v1/offices", responses((status = 200, body = Vec<Office>)),
    security(("bearer" = [])))]
pub async fn list_offices(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> AppResult<Json<Vec<Office>>> {
    let mut c = state.store.acquire().await?;
    Ok(Json(offices::list(c.conn()).await?))
}

/// Create a user (the city; or an office administrator for their own office).
#[utoipa::path(post, path = "/api/v1/users", request_body = UserInput,
    responses((status = 201, body = User), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(skip_all)]
pub async fn create_user(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<UserInput>,
) -> AppResult<(StatusCode, Json<User>)> {
    let u = accounts::create_user(&state.store, &actor, &input).await?;
    Ok((StatusCode::CREATED, Json(u.public())))
}

/// Suspend a login at once (city), with a reason: its sessions end, its API tokens stop
/// working, and the user is e-mailed.
#[utoipa::path(post, path = "/api/v1/users/{id}/suspension", params(("id" = i64, Path)),
    request_body = Suspension,
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn suspend(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(s): ApiJson<Suspension>,
) -> AppResult<StatusCode> {
    suspension::suspend(&state, &actor, super::parse_id(&id)?, &s).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lift a suspension (city).
#[utoipa::path(delete, path = "/api/v1/users/{id}/suspension", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn reinstate(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<StatusCode> {
    suspension::lift(&state, &actor, super::parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
