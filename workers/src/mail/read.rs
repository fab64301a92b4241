//! The CPU half of processing a message, run off the async threads: MIME to documents, each
//! document to pages through the reader. Nothing here touches the database.

use crate::fax::{self, DocError, Kind, Limits, PageReport};

use super::Context;

/// One document of a message, read.
#[derive(Debug)]
pub struct ReadDocument {
    pub file_name: Option<String>,
    pub media_type: String,
    pub bytes: Vec<u8>,
    /// read, failed or skipped
    pub status: &'static str,
    /// Why, in Japanese, for the centre.
    pub reason: Option<String>,
    /// What the reader said, in English, when the document could not be read.
    pub detail: Option<String>,
    pub pages: Vec<PageReport>,
}

#[derive(Debug, Default)]
pub struct ReadMessage {
    pub context: Context,
    pub documents: Vec<ReadDocument>,
    /// Why the message as a whole failed, if it did (not an e-mail, nothing to read…).
    pub error: Option<String>,
}

/// Japanese for the centre: why a document could not be read.
fn doc_reason(e: &DocError) -> String {
    match e {
        DocError::TooLarge(n) => format!("ファイルが大きすぎます（上限 {} MB）", n / 1_048_576),
        DocError::TooManyPages(n) => format!("ページ数が多すぎます（上限 {n} ページ）"),
        DocError::UnknownFormat => "PDF・TIFF・PNG・JPEG のいずれでもありません".into(),
        DocError::Unreadable(_) => "ファイルが壊れているため読めません".into(),
    }
}

fn read_one<'k>(
    file_name: Option<String>,
    media_type: String,
    bytes: Vec<u8>,
    kind: Option<Kind>,
    limits: &Limits,
    key_for: &dyn Fn(char) -> Option<&'k [u8]>,
) -> ReadDocument {
    let Some(kind) = kind else {
        return ReadDocument {
            file_name,
            media_type,
            bytes,
            status: "skipped",
            reason: Some("FAX の文書ではないため読み取りませんでした".into()),
            detail: None,
            pages: vec![],
        };
    };
    let (status, reason, detail, pages) =
        match fax::read_document(&bytes, Some(kind), limits, key_for) {
            Ok(pages) if pages.is_empty() => {
                ("failed", Some("ページがありません".into()), None, pages)
            }
            Ok(pages) => ("read", None, None, pages),
            Err(e) => ("failed", Some(doc_reason(&e)), Some(e.to_string()), vec![]),
        };
    ReadDocument {
        file_name,
        media_type,
        bytes,
        status,
        reason,
        detail,
        pages,
    }
}

/// Reads a stored message: an e-mail (`kind` "mail") or a bare file.
pub fn read_message<'k>(
    kind: &str,
    file_name: Option<String>,
    raw: Vec<u8>,
    limits: &Limits,
    key_for: &dyn Fn(char) -> Option<&'k [u8]>,
) -> ReadMessage {
    if kind == "file" {
        let sniffed = fax::sniff(&raw);
        let doc = read_one(
            file_name,
            "application/octet-stream".into(),
            raw,
            sniffed,
            limits,
            key_for,
        );
        let error = (doc.status != "read").then(|| doc.reason.clone().unwrap_or_default());
        return ReadMessage {
            context: Context::default(),
            documents: vec![doc],
            error,
        };
    }
    let Some(parsed) = super::parse(&raw) else {
        return ReadMessage {
            error: Some("PDF・TIFF・PNG・JPEG・メールのいずれでもありません".into()),
            ..ReadMessage::default()
        };
    };
    // The attachments are copies: the raw message (the largest thing held) can go now.
    drop(raw);
    let mut documents: Vec<ReadDocument> = parsed
        .attachments
        .into_iter()
        .map(|a| {
            let mut doc = read_one(a.file_name, a.media_type, a.bytes, a.kind, limits, key_for);
            if a.repaired {
                let note = "添付ファイルの符号（base64）が壊れていたため、補正して読み取りました";
                doc.reason = Some(match doc.reason.take() {
                    Some(r) => format!("{note}。{r}"),
                    None => note.into(),
                });
            }
            doc
        })
        .collect();
    let mut error = None;
    if parsed.dropped > 0 {
        error = Some(format!(
            "添付ファイルが多すぎます：先頭の {} 件だけを読み、残り {} 件は読んでいません",
            super::MAX_DOCUMENTS,
            parsed.dropped
        ));
    } else if documents.iter().all(|d| d.status != "read") {
        error = Some(if documents.is_empty() {
            "FAX の添付ファイルがありません".into()
        } else {
            "読み取れる添付ファイルがありません".into()
        });
    }
    documents.truncate(super::MAX_DOCUMENTS);
    ReadMessage {
        context: parsed.context,
        documents,
        error,
    }
}
