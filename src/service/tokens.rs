//! API tokens: made by a user (through the API, from their PC) or by an operator on the
//! command line, each recorded in the audit log.

use serde_json::json;

use crate::domain::Actor;
use crate::error::AppResult;
use crate::store::audit::{self, Event};
use crate::store::users::UserRow;
use crate::store::{auth, Store};

/// Who asks for an API token, and from where.
#[derive(Debug, Clone, Copy)]
pub enum TokenIssuer {
    /// The user, through `POST /api/v1/auth/token`, from this PC (when one was shown).
    User { device_id: Option<i64> },
    /// An operator on the command line (`consentflow token create`).
    Operator,
}

/// Issues an API token for the user. The token is shown once; only its hash is kept. Recorded
/// in the audit log with who made it and from which PC.
pub async fn create_token(
    store: &Store,
    user: &UserRow,
    label: &str,
    issuer: TokenIssuer,
) -> AppResult<String> {
    let (token, hash) = auth::new_token();
    let (device_id, operator, actor) = match issuer {
        TokenIssuer::User { device_id } => (
            device_id,
            false,
            Actor::User {
                id: user.id,
                role: user.role(),
                office_id: user.office_id,
            },
        ),
        TokenIssuer::Operator => (None, true, Actor::System),
    };
    let mut tx = store.begin().await?;
    let new = auth::NewApiToken {
        hash: &hash,
        user_id: user.id,
        label,
        device_id,
        operator,
    };
    auth::create_api_token(tx.conn(), &new).await?;
    audit::append(
        tx.conn(),
        Event {
            actor: &actor,
            action: "api_token.created",
            target_kind: "user",
            target_id: user.id,
            from_state: None,
            to_state: None,
            details: json!({ "label": label, "operator": operator, "device": device_id }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// One's own sign-ins: open sessions and live API tokens.
pub struct Access {
    pub sessions: Vec<auth::SessionRow>,
    pub tokens: Vec<auth::TokenRow>,
}

/// What the actor has open, for their account page and `GET /api/v1/tokens`.
pub async fn own(store: &Store, actor: &Actor) -> AppResult<Access> {
    let user = actor
        .user_id()
        .ok_or(crate::error::AppError::Unauthorized)?;
    let mut c = store.acquire().await?;
    Ok(Access {
        sessions: auth::sessions_of(c.conn(), user).await?,
        tokens: auth::tokens_of(c.conn(), user).await?,
    })
}

/// Revokes one of the actor's own tokens; someone else's, or one already revoked, is 404.
pub async fn revoke(store: &Store, actor: &Actor, id: i64) -> AppResult<()> {
    let user = actor
        .user_id()
        .ok_or(crate::error::AppError::Unauthorized)?;
    let mut tx = store.begin().await?;
    if !auth::revoke_token_of(tx.conn(), user, id).await? {
        return Err(crate::error::AppError::NotFound);
    }
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "api_token.revoked",
            ("user", user),
            json!({ "token": id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends one of the actor's own sessions (named by its stored hash); someone else's is 404.
pub async fn end_session(store: &Store, actor: &Actor, id_hash: &str) -> AppResult<()> {
    let user = actor
        .user_id()
        .ok_or(crate::error::AppError::Unauthorized)?;
    let mut tx = store.begin().await?;
    if !auth::end_session_of(tx.conn(), user, id_hash).await? {
        return Err(crate::error::AppError::NotFound);
    }
    audit::append(
        tx.conn(),
        Event::about(actor, "session.ended", ("user", user), json!({})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
