//! Where e-mails go: an SMTP server (production), or `.eml` files in the data directory (the
//! embedded default, listed on the 送信メール page).

use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::mail::{Charset, MailConfig, Security, TransportKind};
use crate::store::outbox::OutboxRow;

pub enum Mailer {
    File(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::File(d) => write!(f, "Mailer::File({})", d.display()),
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The address or message cannot be sent anywhere: permanent.
    #[error("宛先またはメールの形式が正しくありません: {0}")]
    Message(String),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("メールファイルを書けません: {0}")]
    Io(#[from] std::io::Error),
}

impl SendError {
    /// Worth trying again later: the server is down, busy (4xx), or the disk was full.
    /// A 5xx reply or a malformed address is permanent.
    pub fn is_transient(&self) -> bool {
        match self {
            SendError::Message(_) => false,
            SendError::Smtp(e) => !e.is_permanent(),
            SendError::Io(_) => true,
        }
    }
}

impl Mailer {
    pub fn build(cfg: &MailConfig, data_dir: &Path) -> anyhow::Result<Mailer> {
        // A sender nobody can parse would fail every e-mail: refuse to start instead.
        mailbox(&cfg.from).map_err(|e| anyhow::anyhow!("mail.from: {e}"))?;
        match cfg.transport {
            TransportKind::File => Ok(Mailer::File(
                cfg.dir.clone().unwrap_or_else(|| data_dir.join("mail")),
            )),
            TransportKind::Smtp => {
                let s = &cfg.smtp;
                type T = AsyncSmtpTransport<Tokio1Executor>;
                let builder = match s.security {
                    Security::Tls => T::relay(&s.host)?.port(s.port.unwrap_or(465)),
                    Security::Starttls => T::starttls_relay(&s.host)?.port(s.port.unwrap_or(587)),
                    Security::Plain => {
                        let port = s.port.unwrap_or(25);
                        // Passwords and personal data never cross a network in clear text.
                        let addrs: Vec<_> = (s.host.as_str(), port).to_socket_addrs()?.collect();
                        if addrs.is_empty() || !addrs.iter().all(|a| a.ip().is_loopback()) {
                            anyhow::bail!(
                                "mail.smtp.security = \"plain\" is allowed only for a server on this machine; use starttls or tls for {}",
                                s.host
                            );
                        }
                        T::builder_dangerous(&s.host).port(port)
                    }
                };
                let builder = builder.timeout(Some(Duration::from_secs(s.timeout_seconds)));
                let builder = match (&s.username, &s.password) {
                    (Some(u), Some(p)) => {
                        builder.credentials(Credentials::new(u.clone(), p.expose().to_string()))
                    }
                    _ => builder,
                };
                Ok(Mailer::Smtp(builder.build()))
            }
        }
    }

    pub async fn send(&self, cfg: &MailConfig, row: &OutboxRow) -> Result<(), SendError> {
        let msg = compose(cfg, row)?;
        match self {
            Mailer::Smtp(t) => {
                t.send(msg).await?;
                Ok(())
            }
            Mailer::File(dir) => {
                let bytes = msg.formatted();
                let dir = dir.clone();
                let name = format!("{:06}-{}.eml", row.id, row.template);
                // Written whole then renamed: a reader never sees half an e-mail.
                tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                    std::fs::create_dir_all(&dir)?;
                    let tmp = dir.join(format!(".{name}.tmp"));
                    std::fs::write(&tmp, bytes)?;
                    std::fs::rename(tmp, dir.join(name))
                })
                .await
                .map_err(|e| std::io::Error::other(e.to_string()))??;
                Ok(())
            }
        }
    }
}

/// `Name <address>` or a bare address. The name may hold anything, "@" included (電子@連絡帳),
/// quoted or not; lettre encodes it on the way out.
pub fn mailbox(s: &str) -> Result<Mailbox, SendError> {
    let s = s.trim();
    let (name, addr) = match s.rfind('<') {
        Some(i) if s.ends_with('>') => {
            let name = s[..i].trim().trim_matches('"').trim();
            (
                (!name.is_empty()).then(|| name.to_string()),
                &s[i + 1..s.len() - 1],
            )
        }
        _ => (None, s),
    };
    let addr: Address = addr
        .trim()
        .parse()
        .map_err(|e| SendError::Message(format!("{s}: {e}")))?;
    Ok(Mailbox::new(name, addr))
}

/// The e-mail as it goes out: text in UTF-8 (or ISO-2022-JP), the stored Message-ID, dated
/// when it was written.
pub fn compose(cfg: &MailConfig, row: &OutboxRow) -> Result<Message, SendError> {
    let bad = |e: &dyn std::fmt::Display| SendError::Message(e.to_string());
    let from = mailbox(&cfg.from)?;
    let to_addr: Address = row.to_address.parse().map_err(|e| bad(&e))?;
    let builder = Message::builder()
        .from(from)
        .to(Mailbox::new(row.to_name.clone(), to_addr))
        .message_id(Some(row.message_id.clone()))
        .date(SystemTime::from(row.created_at));
    if cfg.charset == Charset::Iso2022Jp {
        if let Some((subject, body)) = iso_2022_jp(&row.subject, &row.body_text) {
            return builder
                .raw_header(subject)
                .header(ContentType::parse("text/plain; charset=ISO-2022-JP").map_err(|e| bad(&e))?)
                .body(body)
                .map_err(|e| bad(&e));
        }
        tracing::info!(
            outbox_id = row.id,
            "not all of it is in JIS X 0208; sent as UTF-8"
        );
    }
    builder
        .subject(row.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(row.body_text.clone())
        .map_err(|e| bad(&e))
}

/// Subject and body in ISO-2022-JP (7 bit), or None when some character has no JIS code.
/// The subject is a run of RFC 2047 encoded words of a few characters each, every one a
/// complete ISO-2022-JP sequence (escapes in and out), folded onto lines of their own.
fn iso_2022_jp(subject: &str, body: &str) -> Option<(HeaderValue, Body)> {
    use base64::Engine;
    let jis = |s: &str| {
        let (bytes, _, unmappable) = encoding_rs::ISO_2022_JP.encode(s);
        (!unmappable).then(|| bytes.into_owned())
    };
    let chars: Vec<char> = subject.chars().collect();
    let mut words = Vec::new();
    for chunk in chars.chunks(8) {
        let part = jis(&chunk.iter().collect::<String>())?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(part);
        words.push(format!("=?ISO-2022-JP?B?{b64}?="));
    }
    let body = jis(&body.replace("\r\n", "\n").replace('\n', "\r\n"))?;
    let body = Body::new_with_encoding(body, ContentTransferEncoding::SevenBit).ok()?;
    let subject = HeaderValue::dangerous_new_pre_encoded(
        HeaderName::new_from_ascii_str("Subject"),
        subject.to_string(),
        words.join("\r\n "),
    );
    Some((subject, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_with_any_name() {
        let m = mailbox("電子@連絡帳 <noreply@city.example.jp>").unwrap();
        assert_eq!(m.name.as_deref(), Some("電子@連絡帳"));
        assert_eq!(m.email.to_string(), "noreply@city.example.jp");
        let m = mailbox("\"センター\" <c@example.jp>").unwrap();
        assert_eq!(m.name.as_deref(), Some("センター"));
        assert!(mailbox("c@example.jp").unwrap().name.is_none());
        assert!(mailbox("名前 <not an address>").is_err());
    }

    fn row(subject: &str, body: &str) -> OutboxRow {
        OutboxRow {
            id: 1,
            idempotency_key: "k".into(),
            message_id: "<k@example.jp>".into(),
            template: "t".into(),
            to_address: "o@example.jp".into(),
            to_name: Some("事業所".into()),
            subject: subject.into(),
            body_text: body.into(),
            target_kind: None,
            target_id: None,
            status: crate::domain::status::MailStatus::Pending,
            attempts: 0,
            next_attempt_at: chrono::DateTime::UNIX_EPOCH,
            last_error: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            sent_at: None,
            sealed: None,
        }
    }

    #[test]
    fn iso_2022_jp_for_old_clients_and_utf8_when_it_cannot() {
        let cfg = MailConfig {
            charset: Charset::Iso2022Jp,
            ..MailConfig::default()
        };
        let subject = "【電子@連絡帳】同意書の写しの再送のお願い（登録コード 7K2Q9XM）";
        let raw = compose(&cfg, &row(subject, "山田 様\n本文です。"))
            .unwrap()
            .formatted();
        assert!(raw.is_ascii(), "7 bit on the wire");
        let text = String::from_utf8(raw.clone()).unwrap();
        assert!(text.contains("charset=iso-2022-jp") && text.contains("Subject: =?ISO-2022-JP?B?"));
        // Every header line within 78 characters: the subject is folded into short words.
        assert!(
            text.split("\r\n\r\n")
                .next()
                .unwrap()
                .lines()
                .all(|l| l.len() <= 78),
            "{text}"
        );
        let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(m.subject(), Some(subject));
        // Lines end in CRLF on the wire.
        assert_eq!(m.body_text(0).unwrap().trim_end(), "山田 様\r\n本文です。");

        // 𠮷 has no JIS code: that e-mail goes as UTF-8 rather than lose it.
        let raw = compose(&cfg, &row("𠮷田 様", "𠮷")).unwrap().formatted();
        let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(m.subject(), Some("𠮷田 様"));
        assert!(String::from_utf8_lossy(&raw).contains("charset=utf-8"));
    }
}
