//! Where a request comes from, for the throttles and the logs.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// Where a request comes from: the peer, or behind a proxy on this machine the address it
/// forwards for.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(&parts.extensions, &parts.headers)))
    }
}

/// The client's address: the peer, or the last `X-Forwarded-For` hop when the peer is a proxy
/// on this machine.
pub fn client_addr(extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap) -> String {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    client_of(peer, headers.get("x-forwarded-for"))
}

/// [`client_addr`] from the peer and the `X-Forwarded-For` header, taken apart beforehand (the
/// request-tracking middleware keeps these two and works the address out only when it logs).
pub fn client_of(
    peer: Option<std::net::IpAddr>,
    forwarded: Option<&axum::http::HeaderValue>,
) -> String {
    let forwarded = forwarded
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_string());
    match (peer, forwarded) {
        (Some(ip), Some(f)) if ip.is_loopback() && !f.is_empty() => f,
        (Some(ip), _) => ip.to_string(),
        (None, _) => "unknown".into(),
    }
}
