//! PostgreSQL restarted in the middle of a run (issue #9). The test runs its own PostgreSQL
//! cluster (Debian's `initdb` and `pg_ctl`, in a temporary directory, on a free port), so the
//! restart disturbs no other test. FAXes are uploaded, the server restarts while they are
//! read, more arrive after; everything is read once, the web answers again, nobody steps in.

use std::path::PathBuf;
use std::process::Command;

use reqwest::Method;

use super::drills::{all_processed, each_fax_once, forms_faxed_back};
use super::forms::city;
use super::helpers::{eventually, spawn_app_with, sql_count, Backend};
use super::intake::upload;
use super::mail::tools;
use super::smtp::free_port;

struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    root: bool,
}

impl Cluster {
    /// `initdb` and `pg_ctl start`; as root, as the `postgres` user (initdb refuses root).
    fn start() -> Option<Cluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists());
        let required = std::env::var("CONSENTFLOW_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
        let Some(bin) = bin else {
            assert!(
                !required,
                "CONSENTFLOW_REQUIRE_TOOLS=1 but initdb is not installed"
            );
            eprintln!("NOTICE: initdb not installed; skipping");
            return None;
        };
        let root = String::from_utf8_lossy(&Command::new("id").arg("-u").output().ok()?.stdout)
            .trim()
            == "0";
        let dir = tempfile::tempdir().unwrap();
        if root {
            Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
        }
        let c = Cluster {
            bin,
            dir,
            port: free_port(),
            root,
        };
        let data = c.dir.path().join("data");
        assert!(c
            .run(
                "initdb",
                &[
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-D",
                    data.to_str().unwrap()
                ]
            )
            .success());
        assert!(c.ctl("start"), "pg_ctl start");
        Some(c)
    }

    fn run(&self, tool: &str, args: &[&str]) -> std::process::ExitStatus {
        let exe = self.bin.join(tool);
        let mut cmd = if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
    }

    fn ctl(&self, what: &str) -> bool {
        let data = self.dir.path().join("data");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log");
        let status = self.run(
            "pg_ctl",
            &[
                what,
                "-w",
                "-m",
                "fast",
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &opts,
            ],
        );
        status.success()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.ctl("stop");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_run() {
    if !tools(&["gs"]) {
        return;
    }
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let url = cluster.url();
    // Short claim and requeue times (5 and 2 minutes by default): an e-mail whose job died with
    // the database's connections is taken up again within seconds.
    let Some(app) = spawn_app_with(Backend::chosen(), |c| {
        c.database_url = url;
        c.mail.claim_seconds = 10;
        c.mail.requeue_seconds = 5;
        c.mail.dispatch_seconds = 1;
    })
    .await
    else {
        return;
    };
    let a = &app;
    let c = city(a).await;
    let (ids, mails) = forms_faxed_back(a, &c, 6).await;
    // Three arrive, and the database restarts while they are read.
    for m in &mails[..3] {
        assert_eq!(upload(a, &c.centre, &[("f.eml", m)]).await.status(), 202);
    }
    assert!(tokio::task::block_in_place(|| cluster.ctl("restart")));
    // The web answers again (the pool drops its broken connections).
    let back = eventually(30, || async {
        let (s, _) = a
            .api(Method::GET, "/api/v1/fax/messages", &c.centre, None)
            .await;
        (s == 200).then_some(())
    })
    .await;
    assert!(back.is_some(), "the API answers after the restart");
    for m in &mails[3..] {
        assert_eq!(upload(a, &c.centre, &[("f.eml", m)]).await.status(), 202);
    }
    assert!(
        all_processed(a, 6, 120).await,
        "every FAX read after the restart"
    );
    each_fax_once(a, &c, &ids).await;
    let sent = eventually(60, || async {
        let n = sql_count(a, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await;
        (n == 6).then_some(())
    })
    .await;
    assert!(
        sent.is_some(),
        "every receipt e-mail written: {:?}",
        super::helpers::outbox_rows(a).await
    );
    app.finish().await;
}
