//! Settings of the FAX intake: the reader's limits, the IMAP mailbox, the hot folder.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use consentflow_workers::fax::Limits;

use crate::secret::Secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct IntakeConfig {
    /// Largest document (attachment or file) read, in bytes.
    pub max_bytes: u64,
    pub max_pages: u32,
    /// Largest page, in pixels (A4 at 600 dpi is 35 million).
    pub max_pixels: u64,
    /// Time the reader may spend looking for codes on one page.
    pub page_seconds: u64,
    /// The FAX mailbox. Absent: no IMAP intake.
    pub imap: Option<ImapConfig>,
    /// A folder scan-to-folder printers write into. Absent: none.
    pub folder: Option<PathBuf>,
    pub folder_poll_ms: u64,
    /// Time OCR may spend reading one page without a code of ours (#20); 0 turns OCR off.
    pub ocr_seconds: u64,
    /// The Tesseract command. Absent: `tesseract` on the path (or `CONSENTFLOW_TESSERACT`).
    pub ocr_command: Option<String>,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        let l = Limits::default();
        IntakeConfig {
            max_bytes: l.max_bytes,
            max_pages: l.max_pages,
            max_pixels: l.max_pixels,
            page_seconds: l.time_per_page.as_secs(),
            imap: None,
            folder: None,
            folder_poll_ms: 2000,
            ocr_seconds: 10,
            ocr_command: None,
        }
    }
}

impl IntakeConfig {
    pub fn limits(&self) -> Limits {
        Limits {
            max_bytes: self.max_bytes,
            max_pages: self.max_pages,
            max_pixels: self.max_pixels,
            time_per_page: Duration::from_secs(self.page_seconds),
        }
    }

    /// OCR's engine and its budget a page, unless turned off.
    pub fn ocr(&self) -> Option<(consentflow_workers::ocr::Engine, Duration)> {
        if self.ocr_seconds == 0 {
            return None;
        }
        let engine = match &self.ocr_command {
            Some(c) => consentflow_workers::ocr::Engine::new(c),
            None => consentflow_workers::ocr::Engine::default(),
        };
        Some((engine, Duration::from_secs(self.ocr_seconds)))
    }
}

/// What happens to a message on the server once it is safely stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum After {
    /// Set \Seen.
    Seen,
    /// Move to `move_to`.
    Move,
    /// Leave it as it is (the UID position alone tracks what was fetched).
    Leave,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    /// TLS from the start (IMAPS). Plain text is allowed only to a loopback address.
    pub tls: bool,
    pub user: String,
    pub password: Secret,
    pub mailbox: String,
    pub after: After,
    pub move_to: String,
    /// Messages fetched per round trip.
    pub batch: u32,
    /// Seconds between polls when the server has no IDLE (or `idle` is off).
    pub poll_seconds: u64,
    pub idle: bool,
    /// How long a poll may hold the mailbox without renewing its lease. After a crash, other
    /// nodes (and the restarted one) wait this long before polling.
    pub lease_seconds: u64,
    /// A bigger message is not fetched: its header is kept as a failed message with the reason,
    /// and the message stays unread in the mailbox for someone to look at.
    pub max_message_bytes: u64,
}

impl Default for ImapConfig {
    fn default() -> Self {
        ImapConfig {
            host: "127.0.0.1".into(),
            port: 993,
            tls: true,
            user: String::new(),
            password: Secret::new(""),
            mailbox: "INBOX".into(),
            after: After::Seen,
            move_to: "Processed".into(),
            max_message_bytes: 80 * 1024 * 1024,
            batch: 50,
            poll_seconds: 60,
            idle: true,
            lease_seconds: 60,
        }
    }
}
