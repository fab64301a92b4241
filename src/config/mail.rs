//! Settings of outbound e-mail: the sender, the transport, the templates.

use std::path::PathBuf;

use serde::Deserialize;

use crate::secret::Secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MailConfig {
    /// The From header, e.g. `電子@連絡帳 <noreply@example.jp>`.
    pub from: String,
    pub transport: TransportKind,
    /// Where the file transport writes `.eml` files (default `<data_dir>/mail`).
    pub dir: Option<PathBuf>,
    pub smtp: SmtpConfig,
    /// A folder of `<template>.txt` files that replace the compiled-in ones.
    pub templates_dir: Option<PathBuf>,
    /// A transient failure is retried, with growing pauses, for this long; then it fails.
    pub retry_hours: i64,
    /// The pause after the first failed attempt; it doubles with each failure, up to an hour.
    pub retry_first_seconds: i64,
    /// How often workers look for e-mails due (new, or due for a retry).
    pub dispatch_seconds: u64,
    /// A worker sending an e-mail holds it this long; if it dies meanwhile, another takes the
    /// e-mail over afterwards. Longer than one SMTP conversation can take.
    pub claim_seconds: i64,
    /// A queued send job may wait this long for a worker before the dispatcher queues another
    /// (the job was lost with a worker that died).
    pub requeue_seconds: i64,
    /// `utf-8`, or `iso-2022-jp` for old mail clients (an e-mail with a character outside JIS
    /// X 0208, such as 𠮷, still goes as UTF-8).
    pub charset: Charset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Charset {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "iso-2022-jp")]
    Iso2022Jp,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            from: "電子@連絡帳 <noreply@consentflow.invalid>".into(),
            transport: TransportKind::File,
            dir: None,
            smtp: SmtpConfig::default(),
            templates_dir: None,
            retry_hours: 24,
            retry_first_seconds: 60,
            dispatch_seconds: 15,
            claim_seconds: 300,
            requeue_seconds: 120,
            charset: Charset::Utf8,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// `.eml` files in the data directory, listed on the 送信メール page (the embedded default).
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// STARTTLS on the submission port (587), required.
    Starttls,
    /// TLS from the first byte (465).
    Tls,
    /// No TLS: only to a server on this machine.
    Plain,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SmtpConfig {
    pub host: String,
    /// Default: 587 for STARTTLS, 465 for TLS, 25 for plain.
    pub port: Option<u16>,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub timeout_seconds: u64,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: "localhost".into(),
            port: None,
            security: Security::Starttls,
            username: None,
            password: None,
            timeout_seconds: 30,
        }
    }
}
