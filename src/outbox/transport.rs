//! Where e-mails go: an SMTP server (production), or `.eml` files in the data directory (the
//! embedded default, listed on the 送信メール page).

use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::config::{MailConfig, Security, TransportKind};
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

/// The e-mail as it goes out: UTF-8 text, the stored Message-ID, dated when it was written.
pub fn compose(cfg: &MailConfig, row: &OutboxRow) -> Result<Message, SendError> {
    let bad = |e: &dyn std::fmt::Display| SendError::Message(e.to_string());
    let from = mailbox(&cfg.from)?;
    let to_addr: Address = row.to_address.parse().map_err(|e| bad(&e))?;
    Message::builder()
        .from(from)
        .to(Mailbox::new(row.to_name.clone(), to_addr))
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .date(SystemTime::from(row.created_at))
        .header(ContentType::TEXT_PLAIN)
        .body(row.body_text.clone())
        .map_err(|e| bad(&e))
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
}
