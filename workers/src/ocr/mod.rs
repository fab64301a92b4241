//! Reading what is written on a page that carries no code of ours (#20, part 2): Tesseract with
//! Japanese, run as a command (Debian's `tesseract-ocr` and `tesseract-ocr-jpn`), within a time
//! budget; the fields of the city's 別紙1 taken out of its text (`fields`); and people waiting
//! for a copy ranked against them (`score`).
//!
//! The command keeps builds simple (no C library to link); a machine without it still reads
//! every code, and says that OCR is not installed.

pub mod fields;
pub mod score;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fax::Gray;

pub use fields::{read_fields, OcrFields};
pub use score::{rank, Person, Ranked, Score};

/// Why a page's text could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// No `tesseract`, or no Japanese for it.
    #[error("OCR is not installed (tesseract with jpn)")]
    NotInstalled,
    #[error("OCR took longer than {0:?}")]
    TimedOut(Duration),
    #[error("OCR failed: {0}")]
    Failed(String),
}

/// Tesseract as a command: `tesseract` on the path, or the command a setting names (a machine
/// that keeps it elsewhere; a test that makes OCR unavailable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine {
    command: String,
}

impl Default for Engine {
    /// `CONSENTFLOW_TESSERACT`, else `tesseract`.
    fn default() -> Self {
        Engine::new(&std::env::var("CONSENTFLOW_TESSERACT").unwrap_or_else(|_| "tesseract".into()))
    }
}

/// Whether the default engine is installed with Japanese.
pub fn available() -> bool {
    Engine::default().available()
}

/// The text of a page by the default engine (see [`Engine::recognise`]).
pub fn recognise(page: &Gray, budget: Duration) -> Result<String, OcrError> {
    Engine::default().recognise(page, budget)
}

/// Where the city's 別紙1 has what is read: its title, the person's table and the obtainer all
/// lie in the upper 70 % of the page; the rest (the team, the signatures) is left out, which
/// saves a third of the time.
pub const FORM_SHARE: f32 = 0.7;

/// The upper part of a page, as OCR reads it for a form.
pub fn upper(page: &Gray) -> Gray {
    let h = (page.height as f32 * FORM_SHARE) as u32;
    page.crop(0, 0, page.width, h)
}

impl Engine {
    pub fn new(command: &str) -> Engine {
        Engine {
            command: command.to_string(),
        }
    }

    /// The text of a form's upper part, and the fields of the city's 別紙1 in it.
    pub fn read_form(
        &self,
        page: &Gray,
        budget: Duration,
    ) -> Result<(String, OcrFields), OcrError> {
        let text = self.recognise(&upper(page), budget)?;
        let fields = read_fields(&text);
        Ok((text, fields))
    }

    /// Whether this command runs and has Japanese.
    pub fn available(&self) -> bool {
        Command::new(&self.command)
            .arg("--list-langs")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .is_ok_and(|o| {
                o.status.success()
                    && String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .any(|l| l.trim() == "jpn")
            })
    }

    /// The text of a page (Japanese and Latin), on one core, within `budget`: past it the command
    /// is killed and the page is left to a person.
    pub fn recognise(&self, page: &Gray, budget: Duration) -> Result<String, OcrError> {
        let png = page.to_png();
        let mut child = Command::new(&self.command)
            .args(["stdin", "stdout", "-l", "jpn", "--psm", "6"])
            // One core: the reading job's CPU permit is for one.
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => OcrError::NotInstalled,
                _ => OcrError::Failed(e.to_string()),
            })?;
        let mut stdin = child.stdin.take().expect("piped");
        let feeder = std::thread::spawn(move || stdin.write_all(&png));
        let mut stdout = child.stdout.take().expect("piped");
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            stdout.read_to_end(&mut out).map(|_| out)
        });
        let started = Instant::now();
        let status = loop {
            if let Some(s) = child
                .try_wait()
                .map_err(|e| OcrError::Failed(e.to_string()))?
            {
                break s;
            }
            if started.elapsed() > budget {
                let _ = child.kill();
                let _ = child.wait();
                return Err(OcrError::TimedOut(budget));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let _ = feeder.join();
        let out = reader
            .join()
            .map_err(|_| OcrError::Failed("reader".into()))?
            .map_err(|e| OcrError::Failed(e.to_string()))?;
        if !status.success() {
            return Err(OcrError::Failed(format!("tesseract exited with {status}")));
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}
