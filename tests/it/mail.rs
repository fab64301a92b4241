//! Real parts for the intake tests: a Dovecot IMAP server from Debian's packages on a free
//! loopback port with a temporary mail directory, FAX files made by ghostscript from our own
//! printed forms, and e-mails as FAX gateways write them (ISO-2022-JP, base64, RFC 2231 names,
//! forwarded messages). Without dovecot or gs the tests skip with a notice;
//! `CONSENTFLOW_REQUIRE_TOOLS=1` (CI) fails them instead.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use consentflow::config::intake::{After, ImapConfig};
use consentflow::secret::Secret;

/// Whether the tools are installed (or a failure when CI requires them).
pub fn tools(names: &[&str]) -> bool {
    for name in names {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            let required = std::env::var("CONSENTFLOW_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "CONSENTFLOW_REQUIRE_TOOLS=1 but {name} is missing"
            );
            eprintln!("NOTICE: {name} not installed; skipping");
            return false;
        }
    }
    true
}

pub struct Dovecot {
    pub port: u16,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn whoami() -> (String, bool) {
    let out = Command::new("id").arg("-un").output().unwrap();
    let name = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let root = name == "root";
    (name, root)
}

impl Dovecot {
    /// Starts Dovecot with one user `fax` / `secret`. None (with a notice) when not installed.
    pub fn start() -> Option<Dovecot> {
        Self::start_with("")
    }

    /// With extra lines of configuration (e.g. a narrower `imap_capability`).
    pub fn start_with(extra: &str) -> Option<Dovecot> {
        if !tools(&["dovecot"]) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (me, root) = whoami();
        // As root, mail is owned by the dovecot user; otherwise everything runs as us.
        let (mail_user, login_user) = if root {
            ("dovecot".to_string(), "dovenull".to_string())
        } else {
            (me.clone(), me.clone())
        };
        std::fs::create_dir_all(d.join("mail")).unwrap();
        if root {
            Command::new("chmod").arg("755").arg(d).status().unwrap();
            Command::new("chown")
                .args(["-R", "dovecot:dovecot"])
                .arg(d.join("mail"))
                .status()
                .unwrap();
        }
        std::fs::write(d.join("passwd"), "fax:{PLAIN}secret\n").unwrap();
        let port = free_port();
        let conf = format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
first_valid_uid = 1
default_internal_user = {mail_user}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={d}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
{extra}
"#,
            d = d.display()
        );
        std::fs::write(d.join("dovecot.conf"), conf).unwrap();
        let mut dovecot = Dovecot {
            port,
            child: None,
            _dir: dir,
        };
        dovecot.resume();
        Some(dovecot)
    }

    /// Stops the server (an outage); `resume` brings it back on the same port and mailbox.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Its master process may take a moment to let go of the port.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[allow(clippy::zombie_processes)] // `stop` and `Drop` kill and wait
    pub fn resume(&mut self) {
        let d = self._dir.path();
        let child = Command::new("dovecot")
            .args(["-F", "-c"])
            .arg(d.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(d.join("dovecot.log")).unwrap_or_default();
        panic!("dovecot did not start:\n{log}");
    }

    pub fn config(&self) -> ImapConfig {
        ImapConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: false,
            user: "fax".into(),
            password: Secret::new("secret"),
            after: After::Seen,
            batch: 40,
            poll_seconds: 1,
            ..ImapConfig::default()
        }
    }

    async fn session(&self) -> consentflow::intake::imap::ImapSession {
        consentflow::intake::imap::connect(&self.config())
            .await
            .unwrap()
    }

    /// Delivers messages with IMAP APPEND, as the gateway's mail server would.
    pub async fn append(&self, messages: &[Vec<u8>]) {
        let mut s = self.session().await;
        for m in messages {
            s.append("INBOX", None, None, m).await.unwrap();
        }
        let _ = s.logout().await;
    }

    /// How many messages in INBOX match an IMAP search (`ALL`, `UNSEEN`, `SEEN`).
    pub async fn count(&self, query: &str) -> usize {
        self.count_in("INBOX", query).await
    }

    pub async fn count_in(&self, mailbox: &str, query: &str) -> usize {
        let mut s = self.session().await;
        s.select(mailbox).await.unwrap();
        let n = s.uid_search(query).await.unwrap().len();
        let _ = s.logout().await;
        n
    }
}

/// The pages of a PDF as a FAX machine sends them (`device`: tiffg4, tiffg3…, `res`: 204x196).
pub fn fax_of(pdf: &[u8], device: &str, res: &str, pages: Option<(u32, u32)>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    let out = dir.path().join("out.tif");
    std::fs::write(&input, pdf).unwrap();
    let mut c = Command::new("gs");
    c.args(["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER"])
        .arg(format!("-sDEVICE={device}"))
        .arg(format!("-r{res}"))
        .arg(format!("-sOutputFile={}", out.display()));
    if let Some((first, last)) = pages {
        c.arg(format!("-dFirstPage={first}"))
            .arg(format!("-dLastPage={last}"));
    }
    assert!(c.arg(&input).status().unwrap().success(), "gs {device}");
    std::fs::read(out).unwrap()
}

/// A FAX TIFF wrapped as a PDF the way gateways do (CCITT inside), with libtiff's tiff2pdf.
pub fn pdf_of_tiff(tiff: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("in.tif"), dir.path().join("out.pdf"));
    std::fs::write(&input, tiff).unwrap();
    let st = Command::new("tiff2pdf")
        .arg("-o")
        .arg(&out)
        .arg(&input)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(Path::new(&out)).unwrap()
}

/// ISO-2022-JP bytes of a text, as old mailers and FAX gateways send Japanese.
pub fn jis(text: &str) -> Vec<u8> {
    encoding_rs::ISO_2022_JP.encode(text).0.into_owned()
}

fn b64_lines(data: &[u8]) -> String {
    let s = base64::engine::general_purpose::STANDARD.encode(data);
    s.as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// An attachment: (UTF-8 file name, media type, bytes).
pub type Part<'a> = (&'a str, &'a str, &'a [u8]);

/// A gateway's e-mail: ISO-2022-JP subject and body, base64 attachments with RFC 2231 names.
pub fn gateway_mail(message_id: &str, subject: &str, body: &str, parts: &[Part<'_>]) -> Vec<u8> {
    let b = "=_boundary_fax";
    let mut m = format!(
        "From: FAX Gateway <fax-gw@example.jp>\r\nTo: centre@example.jp\r\n\
         Subject: =?ISO-2022-JP?B?{}?=\r\nDate: Wed, 25 Nov 2026 09:30:00 +0900\r\n\
         Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n",
        base64::engine::general_purpose::STANDARD.encode(jis(subject))
    )
    .into_bytes();
    m.extend(format!("--{b}\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n").as_bytes());
    m.extend(jis(body));
    m.extend(b"\r\n");
    for (name, media, data) in parts {
        let encoded: String = name
            .bytes()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == b'.' {
                    (c as char).to_string()
                } else {
                    format!("%{c:02X}")
                }
            })
            .collect();
        m.extend(
            format!(
                "--{b}\r\nContent-Type: {media}\r\nContent-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment; filename*=UTF-8''{encoded}\r\n\r\n{}\r\n",
                b64_lines(data)
            )
            .as_bytes(),
        );
    }
    m.extend(format!("--{b}--\r\n").as_bytes());
    m
}

/// Someone forwarding a FAX mail as an attachment (message/rfc822).
pub fn forwarded(message_id: &str, original: &[u8]) -> Vec<u8> {
    let b = "=_fwd";
    let mut m = format!(
        "From: Care Office <office@example.jp>\r\nTo: centre@example.jp\r\n\
         Subject: Fwd: FAX\r\nDate: Wed, 25 Nov 2026 10:00:00 +0900\r\n\
         Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n\
         --{b}\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n転送します。\r\n\
         --{b}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
    )
    .into_bytes();
    m.extend_from_slice(original);
    m.extend(format!("\r\n--{b}--\r\n").as_bytes());
    m
}
