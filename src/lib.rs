//! consentflow: the consent and FAX workflow service.
//!
//! Data flows one way: mail → document → page → match → enrollment event → outbox. State changes
//! of an enrollment go through [`domain::enrollment::decide`] and [`service::enrollments`], which
//! write the change and its audit event in one transaction.

pub mod api;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod demo;
pub mod domain;
pub mod error;
pub mod form_versions;
pub mod http;
pub mod intake;
pub mod jobs;
pub mod mailer;
pub mod memory;
pub mod outbox;
pub mod queue;
pub mod schedule;
pub mod secret;
pub mod seed;
pub mod serve;
pub mod service;
pub mod snapshot;
pub mod store;
pub mod web;

#[cfg(test)]
mod layers;

pub use app::Application;
pub use config::Config;
