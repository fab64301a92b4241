//! The known October of the council report's tests (#21 part 3), built step by step on a
//! hand-set clock: offices opened and closed, PCs, enrollments walked through their states (by
//! the API), FAX pages settled automatically, by hand and discarded, trainings, incidents.

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use consentflow::clock::ManualClock;
use consentflow::domain::{Actor, Role};
use consentflow::service::accounts::{create_office, OfficeInput};

use super::forms::city;
use super::helpers::{sql, sql_at, sql_count, TestApp};
use super::intake::printed;
use super::sim::morning;

pub fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

struct World<'a> {
    a: &'a TestApp,
    clock: ManualClock,
    c: super::forms::City,
}

impl World<'_> {
    fn at(&self, m: u32, d: u32) -> DateTime<Utc> {
        let t = morning(day(m, d));
        self.clock.set(t);
        t
    }

    async fn step(&self, id: i64, (m, d): (u32, u32), body: Value) {
        self.at(m, d);
        let token = match body["action"].as_str() {
            Some("receive_copy" | "verify" | "activate" | "close") => &self.c.centre,
            _ => &self.c.cm,
        };
        let path = format!("/api/v1/enrollments/{}/transitions", self.a.code(id).await);
        let (s, v) = self.a.api(Method::POST, &path, token, Some(body)).await;
        assert_eq!(s, 200, "{path}: {v}");
    }

    /// Printed on `on`, consent given on `consent`, then each later step on its day.
    async fn walk(
        &self,
        on: (u32, u32),
        consent: (u32, u32),
        steps: &[((u32, u32), Value)],
    ) -> i64 {
        self.at(on.0, on.1);
        let (id, _) = printed(self.a, &self.c, "山田 花子", 1).await;
        let date = day(consent.0, consent.1).to_string();
        let body =
            json!({ "action": "record_consent", "date": date, "signer": { "kind": "subject" } });
        self.step(id, consent, body).await;
        for (when, body) in steps {
            self.step(id, *when, body.clone()).await;
        }
        id
    }
}

fn to_active(
    copy: (u32, u32),
    verify: (u32, u32),
    team: (u32, u32),
    active: (u32, u32),
) -> Vec<((u32, u32), Value)> {
    vec![
        (copy, json!({ "action": "receive_copy", "channel": "fax" })),
        (verify, json!({ "action": "verify" })),
        (team, json!({ "action": "register_team" })),
        (active, json!({ "action": "activate" })),
    ]
}

/// A FAX message received at `at`, read two minutes later, with pages of these outcomes
/// (`hand`: settled by the centre two hours after arrival).
async fn fax(a: &TestApp, n: i64, at: DateTime<Utc>, pages: &[(&str, bool)], centre: i64) {
    let sha = format!("{n:064}");
    let q = format!("INSERT INTO blobs (sha256, size, media_type, data, created_at) VALUES ('{sha}', 0, 'message/rfc822', '', $1)");
    sql_at(a, &q, at).await;
    let q = format!(
        "INSERT INTO fax_messages (source, kind, raw_sha256, body_sha256, status, received_at)
        VALUES ('imap', 'mail', '{sha}', '{sha}', 'processed', $1)"
    );
    sql_at(a, &q, at).await;
    let message = format!("(SELECT id FROM fax_messages WHERE raw_sha256 = '{sha}')");
    let q = format!("UPDATE fax_messages SET processed_at = $1 WHERE id = {message}");
    sql_at(a, &q, at + chrono::Duration::minutes(2)).await;
    let q = format!("INSERT INTO fax_documents (message_id, seq, status, pages) VALUES ({message}, 1, 'read', {})", pages.len());
    sql(a, &q).await;
    let document = format!("(SELECT id FROM fax_documents WHERE message_id = {message})");
    for (i, (outcome, hand)) in pages.iter().enumerate() {
        let q = format!(
            "INSERT INTO fax_pages (document_id, number, outcome, reason, created_at)
            VALUES ({document}, {}, '{outcome}', '', $1)",
            i + 1
        );
        sql_at(a, &q, at).await;
        if *hand {
            let q = format!(
                "UPDATE fax_pages SET resolved_by = {centre}, resolved_at = $1
                WHERE document_id = {document} AND number = {}",
                i + 1
            );
            sql_at(a, &q, at + chrono::Duration::hours(2)).await;
        }
    }
}

/// 9:00 on a day of 2025 (before the report's year).
fn last_year(m: u32, d: u32) -> DateTime<Utc> {
    morning(NaiveDate::from_ymd_opt(2025, m, d).unwrap())
}

/// The October the report is asked for, and a little before and after it.
pub async fn october(a: &TestApp, clock: &ManualClock) -> (String, String) {
    let c = city(a).await; // 1 September: three offices, their staff, the centre
    a.user("shi", Role::CityAdmin, None).await;
    let shi = a.token("shi").await;
    let cm = c.cm.clone();
    let centre = sql_count(a, "SELECT id FROM users WHERE login = 'centre'").await;
    let mut ids = Vec::new();
    for name in ["柴田介護保険事務所", "みなと訪問看護", "コヤマ薬局"] {
        let q = format!("SELECT id FROM offices WHERE name = '{name}'");
        ids.push(sql_count(a, &q).await);
    }
    let (home, nursing, pharmacy) = (ids[0], ids[1], ids[2]);
    let w = World {
        a,
        clock: clock.clone(),
        c,
    };

    // Offices: the nurses registered a year before; a clinic approved on 5 October; the
    // pharmacy closed on 20 October. PCs: one in September, one enrolled and revoked in October.
    sql_at(
        a,
        &format!("UPDATE offices SET created_at = $1 WHERE id = {nursing}"),
        last_year(9, 1),
    )
    .await;
    w.at(10, 5);
    let clinic = OfficeInput {
        kind: "clinic".into(),
        name: "東石川クリニック".into(),
        phone: "029-270-0005".into(),
        fax: "029-270-0006".into(),
        address: "茨城県ひたちなか市東石川2-2".into(),
        admin_email: "clinic@example.jp".into(),
    };
    create_office(&a.store, &Actor::System, &clinic)
        .await
        .unwrap();
    sql_at(
        a,
        &format!("UPDATE offices SET closed_at = $1 WHERE id = {pharmacy}"),
        morning(day(10, 20)),
    )
    .await;
    let device = |hash: &str| {
        format!("INSERT INTO devices (office_id, label, token_hash, created_at) VALUES ({home}, '事務PC', '{hash}', $1)")
    };
    sql_at(a, &device("h1"), morning(day(9, 10))).await;
    sql_at(a, &device("h2"), morning(day(10, 10))).await;
    sql_at(
        a,
        "UPDATE devices SET revoked_at = $1 WHERE token_hash = 'h2'",
        morning(day(10, 25)),
    )
    .await;
    sql_at(
        a,
        &format!(
            "INSERT INTO trainings (office_id, held_on, topic, attendees, created_at)
        VALUES ({home}, '2025-11-15', '個人情報の取扱い', 5, $1)"
        ),
        last_year(11, 15),
    )
    .await;

    // Enrollments: E1 consented in September, active in October; E2 all in October; E3
    // withdrawn in October; E5 active in September and closed in October; E4 in November.
    let withdraw = json!({ "action": "withdraw", "reason": "ご本人の意向" });
    let close = json!({ "action": "close", "reason": "サービス終了" });
    w.walk(
        (9, 1),
        (9, 2),
        &to_active((10, 1), (10, 2), (10, 3), (10, 6)),
    )
    .await;
    let mut e5 = to_active((9, 10), (9, 11), (9, 12), (9, 14));
    e5.push(((10, 28), close));
    w.walk((9, 3), (9, 4), &e5).await;
    w.walk(
        (10, 7),
        (10, 7),
        &to_active((10, 10), (10, 13), (10, 14), (10, 20)),
    )
    .await;
    w.walk((10, 8), (10, 9), &[((10, 15), withdraw)]).await;
    w.at(11, 2);
    printed(a, &w.c, "佐藤 一郎", 1).await;

    // FAX: two messages in October (five pages), one in September.
    fax(
        a,
        901,
        morning(day(10, 1)),
        &[("matched", false), ("matched", true), ("discarded", true)],
        centre,
    )
    .await;
    fax(
        a,
        902,
        morning(day(10, 10)),
        &[("unreadable", false), ("duplicate", false)],
        centre,
    )
    .await;
    fax(a, 903, morning(day(9, 15)), &[("matched", false)], centre).await;

    // Incidents: a lost PC on 12 October, in hand on the 13th and done in November; a fault on
    // the 20th still as received; a virus in November.
    let report = |kind: &str| {
        json!({ "kind": kind, "occurred_at": "2026-10-01T10:00",
        "what": "内容", "done_so_far": "", "involved": "" })
    };
    w.at(10, 12);
    let (s, r) = a
        .api(
            Method::POST,
            "/api/v1/incidents",
            &cm,
            Some(report("lost_or_stolen")),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let steps = format!("/api/v1/incidents/{}/events", r["id"]);
    w.at(10, 13);
    let (s, _) = a
        .api(
            Method::POST,
            &steps,
            &shi,
            Some(json!({ "state": "in_progress", "note": "確認中" })),
        )
        .await;
    assert_eq!(s, 204);
    w.at(11, 3);
    let (s, _) = a
        .api(
            Method::POST,
            &steps,
            &shi,
            Some(json!({ "state": "done", "note": "完了" })),
        )
        .await;
    assert_eq!(s, 204);
    w.at(10, 20);
    a.api(
        Method::POST,
        "/api/v1/incidents",
        &cm,
        Some(report("system_fault")),
    )
    .await;
    w.at(11, 2);
    a.api(
        Method::POST,
        "/api/v1/incidents",
        &cm,
        Some(report("virus")),
    )
    .await;
    w.at(11, 5);
    a.user("late", Role::Staff, Some(home)).await;
    clock.set(morning(day(12, 2)));
    (shi, cm)
}
