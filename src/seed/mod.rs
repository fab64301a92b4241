//! `consentflow seed`: a city-sized database for load runs — by default 100,000 enrollments and
//! 300,000 FAX pages over a year — on top of the demo city (so its logins work). Rows are
//! written in bulk, straight into their final states: this is test data, not history, so it does
//! not pass through the state machine and writes no audit trail. Everything after the offices is
//! one transaction: on PostgreSQL, loaded without secondary indexes and foreign keys (`bulk`).

use chrono::Duration;
use sha2::{Digest, Sha256};
use sqlx::QueryBuilder;

use crate::context::Context;
use crate::domain::enrollment::State;
use crate::domain::Actor;
use crate::service::accounts::{self, OfficeInput, UserInput};
use crate::store::{users, Db, Tx};

/// Rows per INSERT: well under both engines' limits on bound values.
const BATCH: usize = 1000;

#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub enrollments: usize,
    pub pages: usize,
}

#[derive(Debug, Default)]
pub struct Report {
    pub offices: usize,
    pub enrollments: usize,
    pub pages: usize,
}

/// Runs `$body` with `$qb` a `QueryBuilder` for the connection's backend.
macro_rules! bulk {
    ($conn:expr, $init:expr, |$qb:ident, $c:ident| $body:expr) => {
        match $conn.db {
            Db::Sqlite($c) => {
                let mut $qb = QueryBuilder::<sqlx::Sqlite>::new($init);
                $body
            }
            Db::Postgres($c) => {
                let mut $qb = QueryBuilder::<sqlx::Postgres>::new($init);
                $body
            }
        }
    };
}

// After `bulk!`, which it uses (macros are in scope from their definition on).
mod bulk;
mod fax;

/// The tables the seed fills in bulk.
const TABLES: [&str; 7] = [
    "subjects",
    "enrollments",
    "team_members",
    "blobs",
    "fax_messages",
    "fax_documents",
    "fax_pages",
];

/// A state for the i-th enrollment: most are active or on their way, as in a running city.
fn state_of(i: usize) -> State {
    const MIX: [State; 20] = [
        State::Active,
        State::Active,
        State::Active,
        State::Active,
        State::Active,
        State::Active,
        State::Active,
        State::Active,
        State::Closed,
        State::Withdrawn,
        State::Draft,
        State::FormIssued,
        State::FormIssued,
        State::ConsentSigned,
        State::ConsentSigned,
        State::CopyReceived,
        State::Returned,
        State::Verified,
        State::TeamRegistered,
        State::FormIssued,
    ];
    MIX[i % MIX.len()]
}

/// A code for the i-th enrollment, random-looking like real ones (the run's nonce keeps a second
/// seeding apart) and not among `used`: 30 bits over 100,000 codes collide a few times.
pub fn code_of(run: i64, i: usize, used: &mut std::collections::HashSet<String>) -> String {
    (0..)
        .map(|attempt| {
            let h = Sha256::digest(format!("seed-enrollment-{run}-{i}-{attempt}").as_bytes());
            consentflow_workers::EnrollmentCode::from_random([h[0], h[1], h[2], h[3], h[4], h[5]])
                .as_str()
                .to_string()
        })
        .find(|c| used.insert(c.clone()))
        .expect("a free code")
}

const FAMILY: [(&str, &str); 10] = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
];

pub async fn run(app: &Context, plan: Plan) -> anyhow::Result<Report> {
    crate::demo::load(app).await?;
    let mut c = app.store.acquire().await?;
    let cm = users::by_login(c.conn(), "caremgr")
        .await?
        .expect("demo loaded");
    drop(c);
    let home = cm.office_id.expect("care manager has an office");

    let mut report = Report::default();
    let started = std::time::Instant::now();
    let obtainers = obtainers(app, &plan, (home, cm.id), &mut report).await?;
    tracing::info!(
        offices = report.offices,
        seconds = started.elapsed().as_secs_f32(),
        "seeded offices"
    );

    let now = app.clock.now();
    let run = now.timestamp_micros();
    // The codes already given (the demo's, an earlier seeding's): 30 bits over 1,000,000 new
    // codes meet one of the demo's ten about one run in a hundred (it happened).
    let mut used: std::collections::HashSet<String> = {
        let mut c = app.store.acquire().await?;
        crate::db!(c.conn(), |c| sqlx::query_scalar(
            "SELECT code FROM enrollments"
        )
        .fetch_all(&mut *c)
        .await)?
        .into_iter()
        .collect()
    };
    let mut enrollment_ids = Vec::with_capacity(plan.enrollments);
    let mut tx = app.store.begin().await?;
    let deferred = match tx.conn().db {
        Db::Postgres(c) => Some(bulk::defer(c, &TABLES).await?),
        Db::Sqlite(_) => None,
    };
    for start in (0..plan.enrollments).step_by(BATCH) {
        let end = (start + BATCH).min(plan.enrollments);
        let batch = Batch {
            range: start..end,
            total: plan.enrollments,
            run,
            now,
        };
        let ids = enrollments(&mut tx, &batch, &obtainers, &mut used).await?;
        enrollment_ids.extend(ids);
    }
    report.enrollments = enrollment_ids.len();
    tracing::info!(
        seconds = started.elapsed().as_secs_f32(),
        "seeded enrollments"
    );
    report.pages = fax::fax(&mut tx, &plan, &enrollment_ids, run).await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f32(),
        "seeded FAX pages"
    );
    if let (Some(d), Db::Postgres(c)) = (deferred, tx.conn().db) {
        bulk::restore(c, d).await?;
    }
    tx.commit().await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f32(),
        "indexes built, keys checked"
    );
    let mut pooled = app.store.acquire().await?;
    if let Db::Postgres(c) = pooled.conn().db {
        // Fresh statistics for the planner, as after any bulk load.
        sqlx::query("ANALYZE").execute(&mut *c).await?;
    }
    Ok(report)
}

/// Offices of ~500 enrollments each, one obtainer each: (office, user) pairs. The demo care
/// manager's office gets its share too, so its list is as long as a busy office's.
async fn obtainers(
    app: &Context,
    plan: &Plan,
    demo: (i64, i64),
    report: &mut Report,
) -> anyhow::Result<Vec<(i64, i64)>> {
    use futures::{StreamExt, TryStreamExt};
    let n_offices = (plan.enrollments / 500).max(4);
    // Four at a time: each is a few small transactions, and the database has cores to spare.
    let more: Vec<(i64, i64)> = futures::stream::iter(1..n_offices)
        .map(|k| office(app, k))
        .buffered(4)
        .try_collect()
        .await?;
    report.offices += more.len();
    Ok(std::iter::once(demo).chain(more).collect())
}

/// The k-th seeded office and its care manager, through the services as an administrator
/// would create them: (office, user).
async fn office(app: &Context, k: usize) -> anyhow::Result<(i64, i64)> {
    let sys = Actor::System;
    let o = accounts::create_office(
        &app.store,
        &sys,
        &OfficeInput {
            kind: "home_care_support".into(),
            name: format!("試験居宅介護支援事業所{k:04}"),
            phone: format!("029-{:03}-{:04}", 100 + k / 10000, k % 10000),
            fax: format!("029-{:03}-{:04}", 500 + k / 10000, k % 10000),
            address: "茨城県ひたちなか市東石川1-1".into(),
            admin_email: format!("office{k}@example.jp"),
        },
    )
    .await?;
    let u = accounts::create_user(
        &app.store,
        &sys,
        &UserInput {
            login: format!("seed-cm-{k}"),
            name: format!("試験 ケア{k}"),
            email: Some(format!("cm{k}@example.jp")),
            role: crate::domain::Role::Staff,
            office_id: Some(o.id),
            password: None,
        },
    )
    .await?;
    Ok((o.id, u.id))
}

/// One batch of seeded enrollments: which, of how many, and when.
struct Batch {
    range: std::ops::Range<usize>,
    total: usize,
    run: i64,
    now: chrono::DateTime<chrono::Utc>,
}

/// Subjects, their enrollments (matched up by the subjects' unique names) and a team member
/// each. Returns the enrollments' ids.
async fn enrollments(
    tx: &mut Tx,
    batch: &Batch,
    obtainers: &[(i64, i64)],
    used: &mut std::collections::HashSet<String>,
) -> anyhow::Result<Vec<i64>> {
    let (start, end, now) = (batch.range.start, batch.range.end, batch.now);
    let total = batch.total;
    // Subjects, then their enrollments, matched up by the subjects' unique names.
    let subjects: Vec<(i64, String)> = bulk!(
        tx.conn(),
        "INSERT INTO subjects (name, kana, birth_date, sex, address, phone, created_at) ",
        |qb, c| {
            qb.push_values(start..end, |mut b, i| {
                let (f, fk) = FAMILY[i % FAMILY.len()];
                b.push_bind(format!("{f} 試験{i:06}"))
                    .push_bind(format!("{fk}　シケン"))
                    .push_bind(chrono::NaiveDate::from_ymd_opt(
                        1930 + (i % 30) as i32,
                        1 + (i % 12) as u32,
                        1 + (i % 28) as u32,
                    ))
                    .push_bind(if i % 2 == 0 { "female" } else { "male" })
                    .push_bind("茨城県ひたちなか市東石川1-1")
                    .push_bind("029-270-1000")
                    .push_bind(now);
            });
            qb.push(" RETURNING id, name");
            qb.build_query_as::<(i64, String)>()
                .fetch_all(&mut *c)
                .await?
        }
    );
    let by_name: std::collections::HashMap<String, i64> =
        subjects.into_iter().map(|(id, n)| (n, id)).collect();
    let codes: Vec<String> = (start..end).map(|i| code_of(batch.run, i, used)).collect();
    let rows: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
        bulk!(tx.conn(),
        "INSERT INTO enrollments (code, subject_id, obtainer_user_id, obtainer_office_id, state,
         form_version, revision, created_at, updated_at) ",
        |qb, c| {
            qb.push_values(start..end, |mut b, i| {
                let (f, _) = FAMILY[i % FAMILY.len()];
                let (office, user) = obtainers[i % obtainers.len()];
                let state = state_of(i);
                // Spread over a year, the newest changes first in id order.
                let at = now - Duration::minutes(((total - i) * 525_600 / total.max(1)) as i64);
                b.push_bind(codes[i - start].clone())
                    .push_bind(by_name[&format!("{f} 試験{i:06}")])
                    .push_bind(user)
                    .push_bind(office)
                    .push_bind(state.as_str())
                    .push_bind((state != State::Draft).then_some(1i64))
                    .push_bind(1i64)
                    .push_bind(at)
                    .push_bind(at);
            });
            qb.push(" RETURNING id, updated_at");
            qb.build_query_as().fetch_all(&mut *c).await?
        });
    bulk!(
        tx.conn(),
        "INSERT INTO team_members (enrollment_id, office_id, profession, name, phone, position,
         enrollment_updated_at) ",
        |qb, c| {
            // The enrollment's updated_at given, not looked up by the database's trigger.
            qb.push_values(&rows, |mut b, (id, updated_at)| {
                let (office, _) = obtainers[(*id as usize * 7) % obtainers.len()];
                b.push_bind(*id)
                    .push_bind(office)
                    .push_bind("訪問看護師")
                    .push_bind("試験 看護")
                    .push_bind("029-270-0002")
                    .push_bind(0i64)
                    .push_bind(*updated_at);
            });
            qb.build().execute(&mut *c).await.map(|_| ())?
        }
    );
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}
