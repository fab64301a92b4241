//! A real SMTP server for the outbox tests: OpenSMTPD from Debian's packages on a free loopback
//! port, delivering every message to a temporary maildir, and refusing (550) any recipient at
//! `rejected.example`. Its spool and control socket are fixed paths, so one runs at a time: the
//! handle holds a process-wide turn. Without smtpd (or root, which it needs) the tests skip with a
//! notice; `CONSENTFLOW_REQUIRE_TOOLS=1` (CI) fails them instead.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::mail::tools;

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Smtpd {
    pub port: u16,
    maildir: PathBuf,
    child: Option<Child>,
    dir: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Smtpd {
    /// Takes the turn and prepares a server for `port` without starting it (a server that is
    /// down); `start` brings it up.
    pub async fn prepare(port: u16) -> Option<Smtpd> {
        if !tools(&["smtpd"]) {
            return None;
        }
        let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        if !root {
            let required = std::env::var("CONSENTFLOW_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
            assert!(!required, "OpenSMTPD needs root");
            eprintln!("NOTICE: OpenSMTPD needs root; skipping");
            return None;
        }
        let turn = TURN.lock().await;
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        std::fs::create_dir_all(&maildir).unwrap();
        Command::new("chmod")
            .arg("755")
            .arg(dir.path())
            .status()
            .unwrap();
        Command::new("chown")
            .args(["-R", "opensmtpd"])
            .arg(&maildir)
            .status()
            .unwrap();
        let conf = format!(
            r#"table vusers {{ "@" = "opensmtpd" }}
listen on 127.0.0.1 port {port}
action "save" maildir "{maildir}" virtual <vusers>
match from any for domain "rejected.example" reject
match from any for any action "save"
"#,
            maildir = maildir.display()
        );
        std::fs::write(dir.path().join("smtpd.conf"), conf).unwrap();
        Some(Smtpd {
            port,
            maildir,
            child: None,
            dir,
            _turn: turn,
        })
    }

    /// A server on a free port, started.
    pub async fn start_new() -> Option<Smtpd> {
        let mut s = Smtpd::prepare(free_port()).await?;
        s.start();
        Some(s)
    }

    pub fn start(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("smtpd.log")).unwrap();
        let child = Command::new("smtpd")
            .args(["-d", "-f"])
            .arg(self.dir.path().join("smtpd.conf"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("smtpd.log")).unwrap_or_default();
        panic!("smtpd did not start:\n{log}");
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The messages delivered so far, as their bytes.
    pub fn delivered(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .flat_map(|d| {
                std::fs::read_dir(self.maildir.join(d))
                    .into_iter()
                    .flatten()
            })
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    }
}
