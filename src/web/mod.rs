//! The web: Japanese server-rendered pages, the JSON API, health and metrics.

pub mod account;
pub mod additions;
pub mod applications;
pub mod apply;
pub mod assets;
pub mod auth;
pub mod certificate;
pub mod dashboard;
pub mod device;
pub mod enrollment;
pub mod fax_message;
pub mod fax_page;
pub mod handover;
mod handovers_page;
pub mod health;
pub mod inbox;
pub mod incidents;
pub mod intake;
pub mod map;
pub mod new_enrollment;
pub mod offices;
pub mod outbox;
pub mod pages;
pub mod password;
pub mod print;
pub mod report;
pub mod resend;
pub mod retention;
pub mod staff;
pub mod steps;
pub mod subject;
pub mod team;
pub mod training;
pub mod users;

use axum::Router;

use crate::error::AppError;

pub use crate::http::page::{render, PageError};
use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(dashboard::router())
        .merge(new_enrollment::router())
        .merge(pages::router())
        .merge(print::router())
        .merge(intake::router())
        .merge(inbox::router())
        .merge(map::router())
        .merge(incidents::router())
        .merge(fax_message::router())
        .merge(steps::router())
        .merge(subject::router())
        .merge(team::router())
        .merge(handover::router())
        .merge(additions::router())
        .merge(retention::router())
        .merge(resend::router())
        .merge(outbox::router())
        .merge(users::router())
        .merge(apply::router())
        .merge(applications::router())
        .merge(certificate::router())
        .merge(offices::router())
        .merge(staff::router())
        .merge(password::router())
        .merge(account::router())
        .merge(training::router())
        .merge(report::router())
        .merge(health::router())
        .merge(assets::router())
}

/// A row id from a path: anything else is simply not found.
pub fn id_of(s: &str) -> Result<i64, PageError> {
    s.parse().map_err(|_| PageError(AppError::NotFound))
}
