//! FAX intake, end to end (issue #5): 1,000 e-mails of one 3-page fine-mode FAX each, waiting
//! in a real Dovecot, to matched pages. Goal: ≤ 60 s on the 2-core reference machine.
//!
//! `cargo bench --bench intake` (SQLite in a temporary directory), or with
//! `BENCH_DATABASE_URL=postgres://…` for PostgreSQL. `BENCH_MESSAGES` changes the count.
//!
//! Each FAX holds two consent copies, a one-page form and a two-page form (a large team), sent
//! together as one 3-page G4 FAX at 204×196 (ghostscript). 50 such FAXes cycle through the
//! messages, so 100 copies are matched and the rest of the pages are found to be duplicates
//! after being read: every page is decoded, scanned, stored and matched either way.

#[path = "../tests/it/mail.rs"]
#[allow(dead_code)]
mod mail;

use std::time::{Duration, Instant};

use consentflow::config::Config;
use consentflow::context::Context;
use consentflow::domain::Actor;
use consentflow::intake::imap;
use consentflow::secret::Secret;
use consentflow::service::enrollments::{self, EnrollmentInput, MemberInput, SubjectInput};
use consentflow::service::forms;
use consentflow::store::users;

const DISTINCT: usize = 50;

async fn count(app: &Context, sql: &'static str) -> i64 {
    let mut c = app.store.acquire().await.unwrap();
    consentflow::db!(c.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap())
}

fn main() {
    // The allocator set up as the `consentflow` binary sets it.
    consentflow::memory::return_freed_memory();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}

async fn run() {
    if let Ok(filter) = std::env::var("RUST_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
    }
    if !mail::tools(&["gs"]) {
        return;
    }
    let Some(dovecot) = mail::Dovecot::start() else {
        return;
    };
    let n: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let config = Config {
        database_url: url,
        data_dir: dir.path().to_path_buf(),
        qr_key: Some(Secret::new("bench-key")),
        session_key: Some(Secret::new("bench-session")),
        ..Config::default()
    };
    let app = Context::build(config).await.unwrap();
    consentflow::demo::load(&app).await.unwrap();
    let mut c = app.store.acquire().await.unwrap();
    let cm = users::by_login(c.conn(), "caremgr").await.unwrap().unwrap();
    drop(c);
    let actor = Actor::User {
        id: cm.id,
        role: cm.role(),
        office_id: cm.office_id,
    };

    // The FAXes: forms of 3 pages, through ghostscript.
    let setup = Instant::now();
    let mut faxes = Vec::new();
    let print = |i: usize, team: usize| {
        let input = EnrollmentInput {
            subject: SubjectInput {
                name: format!("試験 太郎{i}"),
                kana: "シケン タロウ".into(),
                birth_date: "1940-04-01".into(),
                sex: "male".into(),
                address: "茨城県ひたちなか市東石川1-1".into(),
                phone: "029-270-1000".into(),
                insurance_number: None,
            },
            team: (0..team)
                .map(|k| MemberInput {
                    office_id: cm.office_id.unwrap(),
                    user_id: None,
                    profession: "訪問看護師".into(),
                    name: format!("港 看護{k}"),
                    phone: "029-270-0002".into(),
                })
                .collect(),
            obtainer_user_id: None,
        };
        let (app, actor) = (app.clone(), actor.clone());
        async move {
            let e = enrollments::create(&app, &actor, &input).await.unwrap();
            forms::print(&app, &actor, &e.code, false).await.unwrap().2
        }
    };
    for i in 0..DISTINCT {
        let one = print(2 * i, 1).await;
        let two = print(2 * i + 1, 20).await;
        let pdf = consentflow_workers::pdf::merge(&[one, two]).unwrap();
        assert_eq!(consentflow_workers::pdf::page_count(&pdf).unwrap(), 3);
        faxes.push(mail::fax_of(&pdf, "tiffg4", "204x196", None));
    }
    let mails: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            mail::gateway_mail(
                &format!("bench-{i}@gw.example.jp"),
                &format!("FAX受信 029-265-8332 {i}"),
                "",
                &[("fax.tif", "image/tiff", &faxes[i % DISTINCT])],
            )
        })
        .collect();
    for chunk in mails.chunks(100) {
        dovecot.append(chunk).await;
    }
    let bytes: usize = mails.iter().map(Vec::len).sum();
    eprintln!(
        "setup: {n} messages ({:.1} MB) in Dovecot in {:.1} s",
        bytes as f64 / 1e6,
        setup.elapsed().as_secs_f64()
    );

    // Timed: from the mailbox to every page matched (or found duplicate).
    let start = Instant::now();
    // BENCH_FETCH_FIRST=1: fetch everything before the workers start (to time the two apart).
    let fetch_first = std::env::var("BENCH_FETCH_FIRST").is_ok_and(|v| v == "1");
    let early = if fetch_first {
        Some(imap::poll_once(&app, &dovecot.config()).await.unwrap())
    } else {
        None
    };
    let (stop, rx) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(consentflow::jobs::run(
        app.clone(),
        Default::default(),
        Duration::from_millis(100),
        async move {
            let mut rx = rx;
            let _ = rx.wait_for(|s| *s).await;
            Ok(())
        },
    ));
    let polled = match early {
        Some(p) => p,
        None => imap::poll_once(&app, &dovecot.config()).await.unwrap(),
    };
    let fetched = start.elapsed();
    assert_eq!(polled.stored, n);
    loop {
        let left = count(
            &app,
            "SELECT COUNT(*) FROM fax_messages WHERE status = 'stored'",
        )
        .await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let total = start.elapsed();
    let _ = stop.send(true);
    if tokio::time::timeout(Duration::from_secs(10), workers)
        .await
        .is_err()
    {
        eprintln!("NOTICE: the job workers took over 10 s to stop");
    }
    let pages = count(&app, "SELECT COUNT(*) FROM fax_pages").await;
    let matched = count(
        &app,
        "SELECT COUNT(*) FROM fax_pages WHERE outcome = 'matched'",
    )
    .await;
    let dup = count(
        &app,
        "SELECT COUNT(*) FROM fax_pages WHERE outcome = 'duplicate'",
    )
    .await;
    let other = pages - matched - dup;
    println!(
        "intake: {n} messages, {pages} pages ({matched} matched, {dup} duplicate, {other} other) \
         on {}",
        app.store.backend()
    );
    println!(
        "  fetched and stored in {:.1} s; all read and matched in {:.1} s \
         ({:.1} ms a page; goal 60 s)",
        fetched.as_secs_f64(),
        total.as_secs_f64(),
        total.as_secs_f64() * 1000.0 / pages.max(1) as f64
    );
    assert_eq!(other, 0, "every page was read");
}
