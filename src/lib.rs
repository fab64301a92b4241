//! consentflow: the consent and FAX workflow service.
//!
//! Data flows one way: mail → document → page → match → enrollment event → outbox. State changes
//! of an enrollment go through [`domain::enrollment::decide`] and [`service::enrollments`], which
//! write the change and its audit event in one transaction.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod intake;
pub mod jobs;
pub mod memory;
pub mod outbox;
pub mod schedule;
pub mod secret;
pub mod seed;
pub mod serve;
pub mod service;
pub mod store;
pub mod web;

pub use app::Application;
pub use config::Config;
