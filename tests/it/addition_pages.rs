//! A page of a 支援チームメンバー追加同意書 whose codes did not come through (#22): the centre
//! matches it by hand to the addition waiting for it, as it does a 別紙1 page — from the page
//! view, through the API, and in a split FAX. OCR tells the form from a 別紙1 by its title and
//! ranks the people whose team waits on an addition.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow_workers::FormKind;

use super::forms::{city, City};
use super::helpers::{csrf_of, get, login, post, spawn_app, Backend, TestApp, PASSWORD};
use super::intake::{all_read, blank_page, printed, state, upload};
use super::ocr::{ids, ocr_installed, plain_fax_of, printed_for, received, HANAKO, LOOK_ALIKE};
use super::rows::sql_count;
use super::split::two_page_fax;
use super::team::to_active;

/// Lists the pharmacist to join the active enrollment `code`: the addition.
async fn add_pharmacist(a: &TestApp, c: &City, code: &str) -> Value {
    let pharmacy = sql_count(a, "SELECT id FROM offices WHERE name = 'コヤマ薬局'").await;
    let team = json!({ "team": [{ "office_id": pharmacy, "profession": "薬剤師",
        "name": "小山 薬", "phone": "029-219-7882" }] });
    let path = format!("/api/v1/enrollments/{code}/additions");
    let (s, added) = a.api(Method::POST, &path, &c.cm, Some(team)).await;
    assert_eq!(s, 201, "{added}");
    added
}

async fn pages_received(a: &TestApp, c: &City, code: &str) -> Value {
    let path = format!("/api/v1/enrollments/{code}");
    a.api(Method::GET, &path, &c.centre, None).await.1["additions"][0]["pages_received"].clone()
}

#[tokio::test]
async fn a_plain_addition_form_is_offered_to_its_addition_and_matched_by_hand() {
    if !ocr_installed() {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (hanako, _) = printed_for(a, &c, HANAKO).await;
    // Same kana, waiting for a 別紙1 copy: a page of 別紙1 could be hers, an addition's not.
    let (look_alike, _) = printed_for(a, &c, LOOK_ALIKE).await;
    let code = a.code(hanako).await;
    to_active(a, &c, &code).await;
    let addition = add_pharmacist(a, &c, &code).await["id"].as_i64().unwrap();
    let form = format!("/api/v1/enrollments/{code}/additions/{addition}/form.pdf");
    let pdf = reqwest::Client::new()
        .get(a.url(&form))
        .bearer_auth(&c.cm)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let page = received(a, &c, &plain_fax_of(&pdf, FormKind::MemberAddition)).await;
    assert_eq!(page["outcome"], "unreadable", "{page}");
    let id = page["id"].as_i64().unwrap();
    let (_, ocr) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/pages/{id}/ocr"),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(
        (&ocr["is_addition_form"], &ocr["is_consent_form"]),
        (&json!(true), &json!(false)),
        "{ocr}"
    );
    let path = format!("/api/v1/fax/pages/{id}/candidates");
    let (_, list) = a.api(Method::GET, &path, &c.centre, None).await;
    assert_eq!(ids(&list)[0], hanako, "{list}");
    assert_eq!(
        list[0]["addition_id"], addition,
        "offered as the addition's page"
    );
    assert!(
        list[0]["score"].as_f64().is_some(),
        "ranked by what was read: {list}"
    );

    // The page view offers the addition; a page number the form does not have is refused.
    login(a, "centre", PASSWORD).await;
    let (_, html, _) = get(a, &format!("/fax/pages/{id}")).await;
    assert!(
        html.contains("id=\"ocr-form\">支援チームメンバー追加同意書")
            && html.contains(&format!("name=\"addition_id\" value=\"{addition}\""))
            && html.contains("追加同意書として割り当てる"),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let assign = format!("/fax/pages/{id}/assign");
    let (h, ad) = (hanako.to_string(), addition.to_string());
    let typed = |page| {
        [
            ("csrf", csrf.as_str()),
            ("enrollment_id", h.as_str()),
            ("addition_id", ad.as_str()),
            ("page", page),
        ]
    };
    let (s, back, _) = post(a, &assign, &typed("2")).await;
    assert_eq!(s, 422);
    assert!(
        back.contains("ページは 1〜1 で指定してください。"),
        "{back}"
    );
    let (s, _, _) = post(a, &assign, &typed("1")).await;
    assert_eq!(s, 303);

    let (_, v) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/pages/{id}"),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(v["outcome"], "matched", "{v}");
    assert!(v["reason"]
        .as_str()
        .unwrap()
        .contains("支援チームメンバー追加同意書"));
    assert_eq!(pages_received(a, &c, &code).await, 1);
    assert_eq!(state(a, &c, hanako).await, "active", "no 別紙1 copy");
    assert_eq!(state(a, &c, look_alike).await, "form_issued");
    let verify = format!("/api/v1/enrollments/{code}/additions/{addition}/verification");
    assert_eq!(a.api(Method::POST, &verify, &c.centre, None).await.0, 204);
}

#[tokio::test]
async fn the_api_assigns_to_an_addition_only_while_it_waits_and_only_its_own() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (active, _) = printed(a, &c, "山田 花子", 1).await;
    let (waiting, _) = printed(a, &c, "佐藤 一郎", 1).await;
    let code = a.code(active).await;
    to_active(a, &c, &code).await;
    let addition = add_pharmacist(a, &c, &code).await["id"].as_i64().unwrap();
    let (message, pages) = two_page_fax(a, &c.centre).await;

    let path = format!("/api/v1/fax/pages/{}/assignment", pages[0]);
    let body = |enrollment: i64, page: i64| json!({ "enrollment_id": enrollment, "page": page, "addition_id": addition });
    let (s, e) = a
        .api(Method::POST, &path, &c.centre, Some(body(waiting, 1)))
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("addition_id")),
        "another enrollment's addition: {e}"
    );
    let (s, e) = a
        .api(Method::POST, &path, &c.cm, Some(body(active, 1)))
        .await;
    assert_eq!(s, 403, "the centre matches: {e}");

    // A split FAX: the first page is 佐藤's 別紙1, the second the addition's form, by code.
    login(a, "centre", PASSWORD).await;
    let split = format!("/fax/messages/{message}");
    let (_, html, _) = get(a, &split).await;
    let csrf = csrf_of(&html);
    let (f1, f2) = (format!("code_{}", pages[0]), format!("code_{}", pages[1]));
    let (n1, n2) = (format!("page_{}", pages[0]), format!("page_{}", pages[1]));
    let waiting_code = a.code(waiting).await;
    let (s, back, _) = post(
        a,
        &split,
        &[
            ("csrf", &csrf),
            (&f1, &waiting_code),
            (&n1, "1"),
            (&f2, &code),
            (&n2, "3"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        back.contains("2枚目: ページは 1〜1 で指定してください。"),
        "{back}"
    );
    let (s, _, _) = post(
        a,
        &split,
        &[
            ("csrf", &csrf),
            (&f1, &waiting_code),
            (&n1, "1"),
            (&f2, &code),
            (&n2, "1"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(state(a, &c, waiting).await, "copy_received");
    let on_addition = format!(
        "SELECT COUNT(*) FROM fax_pages WHERE id = {} AND addition_id = {addition} AND outcome = 'matched'",
        pages[1]
    );
    assert_eq!(sql_count(a, &on_addition).await, 1);
    assert_eq!(pages_received(a, &c, &code).await, 1);

    // Withdrawn: a page is no longer taken for it.
    let withdraw = format!("/api/v1/enrollments/{code}/additions/{addition}/withdrawal");
    assert_eq!(a.api(Method::POST, &withdraw, &c.cm, None).await.0, 204);
    let r = upload(a, &c.centre, &[("late.png", &blank_page(240))]).await;
    assert_eq!(r.status(), 202);
    all_read(a, &c.centre).await;
    let (_, left) = a
        .api(
            Method::GET,
            "/api/v1/fax/pages?status=unreadable",
            &c.centre,
            None,
        )
        .await;
    let path = format!("/api/v1/fax/pages/{}/assignment", left[0]["id"]);
    let (s, e) = a
        .api(Method::POST, &path, &c.centre, Some(body(active, 1)))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{e}"
    );
}
