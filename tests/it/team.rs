//! Team changes (#22): a member taken off an active team loses access at once (their office,
//! unless it is on the team otherwise), the member and the obtainer are e-mailed in the same
//! transaction, the reason is kept and shown on the timeline; a refused form keeps what was
//! typed; nobody else may do it.

use reqwest::Method;
use serde_json::{json, Value};

use super::forms::city;
use super::helpers::{csrf_of, get, login, post, spawn_app, sql, Backend, TestApp, PASSWORD};
use super::intake::printed;
use super::rows::outbox_rows;

pub(super) async fn to_active(a: &TestApp, c: &super::forms::City, code: &str) {
    let path = format!("/api/v1/enrollments/{code}/transitions");
    for (token, body) in [
        (
            &c.cm,
            json!({ "action": "record_consent", "date": "2026-11-20", "signer": { "kind": "subject" } }),
        ),
        (
            &c.centre,
            json!({ "action": "receive_copy", "channel": "fax" }),
        ),
        (&c.centre, json!({ "action": "verify" })),
        (&c.cm, json!({ "action": "register_team" })),
        (&c.centre, json!({ "action": "activate" })),
    ] {
        let (s, v) = a.api(Method::POST, &path, token, Some(body)).await;
        assert_eq!(s, 200, "{v}");
    }
}

fn removed_mails(rows: &[Value]) -> Vec<String> {
    let mut to: Vec<String> = rows
        .iter()
        .filter(|r| r["template"] == "member_removed")
        .map(|r| r["to_address"].as_str().unwrap().to_string())
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn a_member_taken_off_loses_access_at_once_and_hears_it() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    sql(
        a,
        "UPDATE users SET email = 'cm@example.jp' WHERE login = 'caremgr'",
    )
    .await;
    let (id, _) = printed(a, &c, "山田 花子", 2).await;
    let code = a.code(id).await;
    to_active(a, &c, &code).await;
    let view = format!("/api/v1/enrollments/{code}");
    let (_, v) = a.api(Method::GET, &view, &c.nurse, None).await;
    let members: Vec<i64> = v["team"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(members.len(), 2, "{v}");
    let removal = |m: i64| format!("/api/v1/enrollments/{code}/team/{m}/removal");
    let why = json!({ "reason": "退職のため" });

    assert_eq!(
        a.api(
            Method::POST,
            &removal(members[0]),
            &c.nurse,
            Some(why.clone())
        )
        .await
        .0,
        403,
        "the member asks their administrator"
    );
    assert_eq!(
        a.api(
            Method::POST,
            &removal(members[0]),
            &c.pharma,
            Some(why.clone())
        )
        .await
        .0,
        404,
        "not their enrollment"
    );
    let (s, e) = a
        .api(
            Method::POST,
            &removal(members[0]),
            &c.cm,
            Some(json!({ "reason": "  " })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("reason")),
        "{e}"
    );

    // The first of the office's two rows: the office is still on the team.
    assert_eq!(
        a.api(Method::POST, &removal(members[0]), &c.cm, Some(why.clone()))
            .await
            .0,
        204
    );
    assert_eq!(
        a.api(Method::GET, &view, &c.nurse, None).await.0,
        200,
        "still on the team as the other member"
    );
    assert_eq!(
        removed_mails(&outbox_rows(a).await),
        ["cm@example.jp", "o@example.jp"],
        "the member (through their office) and the obtainer"
    );
    assert_eq!(
        a.api(Method::POST, &removal(members[0]), &c.cm, Some(why.clone()))
            .await
            .0,
        409,
        "already off"
    );

    // On the page: the refused form kept, then the last row off; the nurse sees nothing at once.
    login(a, "caremgr", PASSWORD).await;
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    let form = format!("/enrollments/{code}/team/{}/removal", members[1]);
    assert!(page.contains(&form), "{page}");
    let csrf = csrf_of(&page);
    let (s, back, _) = post(a, &form, &[("csrf", &csrf), ("reason", "")]).await;
    assert_eq!(s, 422);
    assert!(
        back.contains(&format!("id=\"remove-reason-{}-error\"", members[1])),
        "{back}"
    );
    let reason = ("reason", "担当の交代（別の事業所へ）");
    let (s, ask, _) = post(a, &form, &[("csrf", &csrf), reason]).await;
    assert_eq!(s, 200, "asked first");
    assert!(
        ask.contains(
            "みなと訪問看護の訪問看護師 港 看護1さんを、山田 花子さんの支援チームから外します。"
        ),
        "{ask}"
    );
    assert_eq!(
        a.api(Method::GET, &view, &c.nurse, None).await.0,
        200,
        "nothing done by asking"
    );
    let (s, _, _) = post(a, &form, &[("csrf", &csrf), reason, ("confirmed", "1")]).await;
    assert_eq!(s, 303);
    assert_eq!(
        a.api(Method::GET, &view, &c.nurse, None).await.0,
        404,
        "off the team, access gone"
    );
    let (_, page, _) = get(a, &format!("/enrollments/{code}")).await;
    assert!(
        page.contains("理由：退職のため") && page.contains("理由：担当の交代（別の事業所へ）"),
        "{page}"
    );
    assert!(!page.contains(&form), "nothing left to take off");
}
