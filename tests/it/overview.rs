//! The enrollment list (scope, search, state and overdue filters, paging) and the dashboard,
//! over a seeded city on both databases.

use reqwest::Method;
use serde_json::Value;

use consentflow::demo::PASSWORD as DEMO;
use consentflow::seed::{self, Plan};

use super::helpers::{get, login, spawn_app, sql, sql_count, Backend, TestApp};

/// Every page of `/api/v1/enrollments?{query}`, following `x-next-page`.
async fn all(a: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let r = reqwest::Client::new()
            .get(a.url(&format!("/api/v1/enrollments?{query}&page={page}")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let next = r
            .headers()
            .get("x-next-page")
            .map(|v| v.to_str().unwrap().to_string());
        let items: Vec<Value> = r.json().await.unwrap();
        assert!(items.len() <= 50);
        out.extend(items);
        match next {
            Some(n) => page = n.parse().unwrap(),
            None => return out,
        }
    }
}

async fn story(app: TestApp) {
    let a = &app;
    let r = seed::run(
        &a.state,
        Plan {
            enrollments: 240,
            pages: 60,
        },
    )
    .await
    .unwrap();
    assert_eq!((r.enrollments, r.pages), (240, 60));
    let centre = a.token_with("centre", DEMO).await;
    let cm = a.token_with("caremgr", DEMO).await;
    let home = {
        let mut c = a.store.acquire().await.unwrap();
        let u = consentflow::store::users::by_login(c.conn(), "caremgr")
            .await
            .unwrap()
            .unwrap();
        u.office_id.unwrap()
    };
    // Two people of the care manager's office on some teams (listed once each), and the oldest
    // team it is on (not obtains) changed just now (its membership follows: it lists first).
    super::helpers::sql(
        a,
        &format!(
            "INSERT INTO team_members (enrollment_id, office_id, profession, name, phone, position)
             SELECT enrollment_id, office_id, profession, '二人目 看護', phone, 1
             FROM team_members WHERE office_id = {home} AND enrollment_id % 3 = 0"
        ),
    )
    .await;
    let moved = sql_count(
        a,
        &format!(
            "SELECT e.id FROM enrollments e JOIN team_members t ON t.enrollment_id = e.id
             WHERE t.office_id = {home} AND e.obtainer_office_id <> {home}
             ORDER BY e.updated_at, e.id LIMIT 1"
        ),
    )
    .await;
    super::helpers::sql(
        a,
        &format!(
            "UPDATE enrollments SET updated_at = (SELECT MAX(updated_at) FROM enrollments)
             WHERE id = {moved}"
        ),
    )
    .await;

    // The centre sees every enrollment, 50 a page, each once.
    let every = all(a, &centre, "").await;
    let total = sql_count(a, "SELECT COUNT(*) FROM enrollments").await;
    assert_eq!(every.len() as i64, total);
    let mut ids: Vec<i64> = every.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len() as i64, total, "no row on two pages");

    // A care manager sees exactly the enrollments their office obtains or is on the team of,
    // in the same order as the centre's list.
    let mine = all(a, &cm, "").await;
    let expected = sql_count(a,
        &format!(
            "SELECT COUNT(*) FROM enrollments e WHERE e.obtainer_office_id = {home}
             OR EXISTS (SELECT 1 FROM team_members t WHERE t.enrollment_id = e.id AND t.office_id = {home})"
        ),
    )
    .await;
    assert!(
        expected > 50 && (expected as usize) < every.len(),
        "{expected}"
    );
    assert_eq!(mine.len() as i64, expected);
    let mut mine_ids: Vec<i64> = mine.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    mine_ids.sort();
    mine_ids.dedup();
    assert_eq!(mine_ids.len() as i64, expected, "each once, over pages");
    let id_of = |e: &Value| e["id"].as_i64().unwrap();
    let in_order: Vec<i64> = every
        .iter()
        .map(id_of)
        .filter(|id| mine_ids.binary_search(id).is_ok())
        .collect();
    assert_eq!(mine.iter().map(id_of).collect::<Vec<_>>(), in_order);
    assert!(
        mine.iter().position(|e| id_of(e) == moved) < Some(2),
        "the team changed just now lists first"
    );

    // Search: a name typed without its space, kana typed in hiragana, a code in lower case.
    let hit = all(a, &centre, "q=%E4%BD%90%E8%97%A4%E8%A9%A6%E9%A8%93000010").await; // 佐藤試験000010
    assert_eq!(hit.len(), 1, "{hit:?}");
    assert_eq!(hit[0]["subject_name"], "佐藤 試験000010");
    let kana = all(a, &centre, "q=%E3%81%95%E3%81%A8%E3%81%86").await; // さとう
    assert_eq!(
        kana.len(),
        25,
        "every tenth seeded subject, and the demo city's 佐藤 一郎"
    );
    assert!(kana
        .iter()
        .all(|e| e["subject_kana"].as_str().unwrap().starts_with("サトウ")));
    let code = hit[0]["code"].as_str().unwrap();
    let by_code = all(a, &centre, &format!("q={}", code.to_lowercase())).await;
    assert_eq!(by_code.len(), 1);
    assert_eq!(by_code[0]["code"], code);
    // The care manager's search stays within their own enrollments.
    let theirs = all(a, &cm, "q=%E8%A9%A6%E9%A8%93").await; // 試験
    assert!(theirs.len() as i64 <= expected && theirs.iter().all(|e| mine.contains(e)));

    // State and overdue filters; the badge says by how many days.
    let issued = all(a, &centre, "state=form_issued").await;
    assert!(!issued.is_empty() && issued.iter().all(|e| e["state"] == "form_issued"));
    let overdue = all(a, &centre, "overdue=true").await;
    assert!(!overdue.is_empty());
    let id_of = |e: &Value| e["id"].as_i64().unwrap();
    assert_eq!(
        overdue.iter().map(id_of).collect::<Vec<_>>(),
        every
            .iter()
            .filter(|e| !e["overdue_days"].is_null())
            .map(id_of)
            .collect::<Vec<_>>(),
        "the overdue list is the whole list's overdue rows, in its order"
    );
    for e in &overdue {
        assert!(e["overdue_days"].as_i64().unwrap() >= 1, "{e}");
        assert!([
            "form_issued",
            "consent_signed",
            "returned",
            "copy_received",
            "team_registered"
        ]
        .contains(&e["state"].as_str().unwrap()));
    }
    let fresh = every
        .iter()
        .filter(|e| e["state"] == "form_issued" && e["overdue_days"].is_null())
        .count();
    assert!(fresh > 0, "recent forms are not overdue");
    let (s, body) = a
        .api(
            Method::GET,
            "/api/v1/enrollments?state=bogus",
            &centre,
            None,
        )
        .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (422, Some("invalid_input"))
    );

    // The dashboard's funnel adds up, and its overdue count is the list's.
    let (s, d) = a.api(Method::GET, "/api/v1/dashboard", &centre, None).await;
    assert_eq!(s, 200, "{d}");
    let sum: i64 = d["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, total);
    assert_eq!(d["overdue_total"].as_i64().unwrap(), overdue.len() as i64);
    let waiting = sql_count(
        a,
        "SELECT COUNT(*) FROM fax_pages WHERE outcome IN ('unreadable', 'invalid')",
    )
    .await;
    assert_eq!(d["pages_waiting"].as_i64().unwrap(), waiting);
    assert!(waiting > 0);
    let (s, _) = a.api(Method::GET, "/api/v1/dashboard", &cm, None).await;
    assert_eq!(s, 403);

    // The pages: the list with its badges and paging, the dashboard for the centre only.
    login(a, "caremgr", DEMO).await;
    let (s, html, _) = get(a, "/enrollments?overdue=1").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("期限超過") && html.contains("checked"),
        "{html}"
    );
    let (_, html, _) = get(a, "/enrollments").await;
    assert!(html.contains("id=\"next\"") && !html.contains("id=\"prev\""));
    let (_, html, _) = get(a, "/enrollments?page=2").await;
    assert!(html.contains("id=\"prev\""));
    assert!(
        !html.contains("nav-dashboard"),
        "no dashboard link for staff"
    );
    let (s, _, _) = get(a, "/dashboard").await;
    assert_eq!(s, 403);
    login(a, "city", DEMO).await;
    let (s, html, _) = get(a, "/dashboard").await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("<strong>{waiting}</strong>")),
        "{html}"
    );
    assert!(html.contains("id=\"overdue-list\""));

    // The inbox shows 50 pages at a time, newest first, and leads on to the older ones.
    let matched = sql_count(
        a,
        "SELECT COUNT(*) FROM fax_pages WHERE outcome = 'matched'",
    )
    .await;
    assert!((51..100).contains(&matched), "{matched}");
    let (_, html, _) = get(a, "/fax?status=matched").await;
    assert_eq!(html.matches("class=\"page-link\"").count(), 50);
    let at = html
        .find("id=\"older\" href=\"")
        .expect("a link to older pages")
        + 17;
    let older = html[at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let (s, html, _) = get(a, &older).await;
    assert_eq!(s, 200, "{older}");
    assert_eq!(
        html.matches("class=\"page-link\"").count() as i64,
        matched - 50
    );
    assert!(!html.contains("id=\"older\""));
    app.finish().await;
}

#[tokio::test]
async fn list_and_dashboard_on_sqlite() {
    story(spawn_app(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn list_and_dashboard_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    story(app).await;
}

/// The seed loads PostgreSQL without the filled tables' indexes and keys and puts them back:
/// afterwards the schema is as the migrations left it, every key checked.
#[tokio::test]
async fn seeding_leaves_the_schema_as_it_was_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let a = &app;
    let schema = || async {
        let mut out = Vec::new();
        for q in [
            "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()",
            "SELECT COUNT(*) FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
             WHERE t.relnamespace = current_schema()::regnamespace",
            "SELECT COUNT(*) FROM pg_constraint WHERE NOT convalidated",
            "SELECT COUNT(*) FROM pg_constraint WHERE contype IN ('u', 'f')",
        ] {
            out.push(sql_count(a, q).await);
        }
        out
    };
    let before = schema().await;
    assert!(before[3] > 20, "the schema has its keys: {before:?}");
    let plan = Plan {
        enrollments: 50,
        pages: 30,
    };
    seed::run(&a.state, plan).await.unwrap();
    assert_eq!(schema().await, before);
    assert_eq!(sql_count(a, "SELECT COUNT(*) FROM fax_pages").await, 30);
    app.finish().await;
}

/// A seed's codes are derived from its start time and must avoid the codes already given: here
/// a demo enrollment holds the code the seed would give first (at 1,000,000 codes of 30 bits, a
/// demo code was met by chance and the seed failed at its end).
#[tokio::test]
async fn seeding_avoids_a_code_already_given() {
    use chrono::{TimeZone, Utc};
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let clock = std::sync::Arc::new(consentflow::clock::ManualClock::new(at));
    let Some(app) = super::helpers::spawn_app_clocked(Backend::chosen(), Some(clock), |_| {}).await
    else {
        return;
    };
    let a = &app;
    consentflow::demo::load(&a.state).await.unwrap();
    let first = seed::code_of(at.timestamp_micros(), 0, &mut Default::default());
    let demo = sql_count(a, "SELECT MIN(id) FROM enrollments").await;
    sql(
        a,
        &format!("UPDATE enrollments SET code = '{first}' WHERE id = {demo}"),
    )
    .await;
    let before = sql_count(a, "SELECT COUNT(*) FROM enrollments").await;
    let plan = Plan {
        enrollments: 20,
        pages: 0,
    };
    seed::run(&a.state, plan).await.unwrap();
    assert_eq!(
        sql_count(a, "SELECT COUNT(*) FROM enrollments").await,
        before + 20
    );
    assert_eq!(
        sql_count(a, "SELECT COUNT(DISTINCT code) FROM enrollments").await,
        before + 20
    );
    app.finish().await;
}
