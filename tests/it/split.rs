//! Splitting a FAX that holds several forms: each unmatched page is given the enrollment code
//! and form page it belongs to, all in one transaction or none.

use reqwest::Method;

use super::forms::city;
use super::helpers::{csrf_of, get, login, post, spawn_app, Backend, TestApp, PASSWORD};
use super::intake::{all_read, blank_page, printed, state, upload};
use super::mail::gateway_mail;

/// One FAX e-mail carrying two pages nobody can read: two forms sent together, codes torn off.
pub async fn two_page_fax(a: &TestApp, token: &str) -> (i64, Vec<i64>) {
    let (p1, p2) = (blank_page(255), blank_page(248));
    let eml = gateway_mail(
        "two-forms@fax.example.jp",
        "FAX受信 029-265-8332",
        "2枚の同意書です",
        &[("1.png", "image/png", &p1), ("2.png", "image/png", &p2)],
    );
    assert_eq!(upload(a, token, &[("fax.eml", &eml)]).await.status(), 202);
    all_read(a, token).await;
    let (_, pages) = a
        .api(
            Method::GET,
            "/api/v1/fax/pages?status=unreadable",
            token,
            None,
        )
        .await;
    let pages = pages.as_array().unwrap();
    let message = pages[0]["message_id"].as_i64().unwrap();
    let mut ids: Vec<i64> = pages
        .iter()
        .filter(|p| p["message_id"] == message)
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids.len(), 2);
    (message, ids)
}

async fn split_story(app: TestApp) {
    let a = &app;
    let c = city(a).await;
    let (one, _) = printed(a, &c, "山田 花子", 1).await;
    let (two, _) = printed(a, &c, "佐藤 一郎", 1).await;
    let (message, pages) = two_page_fax(a, &c.centre).await;
    let (code1, code2) = (a.code(one).await, a.code(two).await);

    login(a, "centre", PASSWORD).await;
    let path = format!("/fax/messages/{message}");
    let (s, html, _) = get(a, &path).await;
    assert_eq!(s, 200);
    assert!(html.contains("まとめて割り当てる") && html.contains(&format!("code_{}", pages[1])));
    let csrf = csrf_of(&html);
    let (f1, f2) = (format!("code_{}", pages[0]), format!("code_{}", pages[1]));
    let (n1, n2) = (format!("page_{}", pages[0]), format!("page_{}", pages[1]));

    // A typo on the second page: nothing is assigned, the error names the page, input is kept.
    let (s, html, _) = post(
        a,
        &path,
        &[
            ("csrf", &csrf),
            (&f1, &code1),
            (&n1, "1"),
            (&f2, "ZZZZZZZ"),
            (&n2, "1"),
        ],
    )
    .await;
    assert_eq!(s, 422, "{html}");
    assert!(
        html.contains("2枚目: 登録コードが正しくありません。"),
        "{html}"
    );
    assert!(
        html.contains(&format!("value=\"{code1}\"")),
        "typed code kept"
    );
    let (_, left) = a
        .api(
            Method::GET,
            "/api/v1/fax/pages?status=unreadable",
            &c.centre,
            None,
        )
        .await;
    assert_eq!(left.as_array().unwrap().len(), 2, "all or nothing");

    // Right: each page goes to its own enrollment, in one go.
    let lower = code2.to_lowercase();
    let (s, _, loc) = post(
        a,
        &path,
        &[
            ("csrf", &csrf),
            (&f1, &code1),
            (&n1, "1"),
            (&f2, &lower),
            (&n2, "1"),
        ],
    )
    .await;
    assert_eq!((s, loc.as_deref()), (303, Some(path.as_str())));
    for (p, e) in [(pages[0], one), (pages[1], two)] {
        let (_, v) = a
            .api(
                Method::GET,
                &format!("/api/v1/fax/pages/{p}"),
                &c.centre,
                None,
            )
            .await;
        assert_eq!(
            (v["outcome"].as_str(), v["enrollment_id"].as_i64()),
            (Some("matched"), Some(e))
        );
    }
    // Both forms are one page long with one team member: each copy is now complete.
    assert_eq!(state(a, &c, one).await, "copy_received");
    assert_eq!(state(a, &c, two).await, "copy_received");
    // Nothing left to split: the form is gone.
    let (_, html, _) = get(a, &path).await;
    assert!(!html.contains("split-submit"));
    app.finish().await;
}

#[tokio::test]
async fn a_fax_with_two_forms_is_split_on_sqlite() {
    split_story(spawn_app(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn a_fax_with_two_forms_is_split_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    split_story(app).await;
}
