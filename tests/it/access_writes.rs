//! Who may change what: every POST, PUT and DELETE route of the pages and the API, read out of
//! the router's source (a route missing from the table fails the test), tried as the seven
//! people of the GET matrix (`access.rs`) against one fixture of each resource. Each carries a
//! body its handler can read (and, on pages, the person's own CSRF token), so a refusal is the
//! access rule's and not a parse error. Refused: 401, 403, 404 or the sign-in page. Allowed:
//! anything else (done, or a validation answer such as 422 or 409). Refused people go first,
//! so that no allowed change hides a missing refusal.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::domain::{Actor, Role};
use consentflow::service::{devices, handover, office_changes, registration};

use super::access::{fixture, Fx};
use super::forms::city;
use super::helpers::{spawn_app_with, sql, sql_count, Backend};
use super::matrix::{
    no_wrong_answers, routes, sign_in_everyone, to_login, CENTRE, CITY, ENROLLMENT, OFFICE_A_ADMIN,
    OFFICE_USERS, PEOPLE, SIGNED_IN,
};

/// Routes whose proof is not a session, each tested on its own (and why).
const OWN_PROOF: &[(&str, &str)] = &[
    ("POST /apply", "public application (offices.rs)"),
    ("POST /certificate", "the voucher is the proof (offices.rs)"),
    ("POST /login", "credentials (web.rs)"),
    ("POST /logout", "ends one's own session (web.rs)"),
    ("POST /login/once/{token}", "the link token (web.rs)"),
    ("POST /api/v1/auth/token", "credentials (security.rs)"),
    (
        "DELETE /api/v1/tokens/{id}",
        "one's own token only (attacks.rs)",
    ),
    (
        "POST /api/v1/office-applications",
        "public application (offices.rs)",
    ),
];

// Audiences beyond the GET matrix's.
/// Office A's information and devices: its administrator and the city.
const OFFICE_A_KEEPERS: &str = "....y.y";
/// Office A's own request for another PC: its administrator.
const ADMIN_A: &str = "....y..";
/// The enrollment's steps and printing: its obtainer's office, its team, the centre.
const ENROLLMENT_WORK: &str = ENROLLMENT;
/// The obtainer office (care manager and administrator): the person's details (⑥).
const OBTAINER: &str = ".y..y..";
/// The obtainer office and the centre: members off a team.
const TEAM_KEEPERS: &str = ".y..yy.";
/// A row id that does not exist (no addition waits on the fixture's enrollment): nobody finds
/// it; who may verify or withdraw a real one is `additions.rs`'s story.
const NOBODY: &str = ".......";

enum Body {
    Form(Vec<(&'static str, String)>),
    Json(Value),
    Multipart(Vec<(&'static str, &'static str)>, Vec<u8>),
    Empty,
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

#[tokio::test]
async fn every_write_route_answers_only_its_audience() {
    let app = spawn_app_with(Backend::chosen(), |c| {
        c.offices.applications_per_hour = 1000
    })
    .await
    .unwrap();
    let a = &app;
    let c = city(a).await;
    let Fx {
        id,
        code,
        page,
        message,
        office_a,
        incident,
        ..
    } = fixture(a, &c).await;
    let admin_a = sql_count(a, "SELECT id FROM users WHERE login = 'admin-a'").await;
    let victim = a.user("victim-a", Role::Staff, Some(office_a)).await;
    let admin_actor = Actor::User {
        id: admin_a,
        role: Role::OfficeAdmin,
        office_id: Some(office_a),
    };
    let application = registration::apply(
        &a.state,
        &registration::ApplicationInput {
            kind: "pharmacy".into(),
            name: "行列薬局".into(),
            address: "茨城県ひたちなか市1-1".into(),
            phone: "029-111-2222".into(),
            fax: "029-111-2223".into(),
            admin_name: "行列 太郎".into(),
            admin_email: "gyoretsu@example.jp".into(),
        },
        "matrix",
    )
    .await
    .unwrap()
    .id;
    let request = devices::request(&a.state, &admin_actor, "受付PC")
        .await
        .unwrap();
    sql(
        a,
        &format!(
            "INSERT INTO devices (office_id, label, token_hash, created_at) \
             VALUES ({office_a}, '事務PC', 'matrix-device', '2026-11-01T00:00:00Z')"
        ),
    )
    .await;
    let device = sql_count(a, "SELECT MAX(id) FROM devices").await;

    // One open request of each kind: a new obtainer asked of the nursing office, a transfer of
    // office A's staff member there, and office A's closure. Answered below with a note too
    // long, so whoever may answer gets 422 and they stay open.
    let (nursing, cm_id) = (
        c.nursing,
        sql_count(a, "SELECT id FROM users WHERE login = 'caremgr'").await,
    );
    let cm_actor = Actor::User {
        id: cm_id,
        role: Role::Staff,
        office_id: Some(office_a),
    };
    let proposal = handover::Proposal {
        to_office: nursing.to_string(),
        reason: "転居".into(),
        ..Default::default()
    };
    let (change, _) = handover::propose(&a.state, &cm_actor, id, &proposal)
        .await
        .unwrap();
    let transfer = office_changes::transfer(&a.state, &admin_actor, victim, &nursing.to_string())
        .await
        .unwrap()
        .id;
    let closure = office_changes::ask_closure(&a.state, &admin_actor, office_a, "閉所")
        .await
        .unwrap()
        .id;
    let long = "長".repeat(201);
    let withdraw = || form(&[("answer", "withdraw"), ("note", long.as_str())]);
    let withdraw_json = json!({ "answer": "withdraw", "note": long });
    let replacement = || form(&[("name", "浜 看護"), ("phone", "029-111-2222")]);

    let o = office_a;
    let reason = || form(&[("reason", "確認のため")]);
    let pdf = b"%PDF-1.4\n".to_vec();
    #[rustfmt::skip]
    let table: Vec<(&str, &str, &str, String, Body)> = vec![
        // Pages.
        ("POST", "/password", SIGNED_IN, "/password".into(),
            form(&[("current", "wrong"), ("new_password", "x"), ("confirm", "x")])),
        ("POST", "/account/revoke", SIGNED_IN, "/account/revoke".into(),
            form(&[("what", "token"), ("id", "999999")])),
        ("POST", "/enrollments/new", OFFICE_USERS, "/enrollments/new".into(), form(&[])),
        ("POST", "/enrollments/{code}/print", ENROLLMENT_WORK, format!("/enrollments/{code}/print"), form(&[])),
        ("POST", "/enrollments/{code}/steps", ENROLLMENT_WORK, format!("/enrollments/{code}/steps"),
            form(&[("action", "nothing")])),
        ("POST", "/enrollments/{code}/resend", CENTRE, format!("/enrollments/{code}/resend"), reason()),
        // A member no longer on the team: 409 for those who may take members off, so the
        // fixture's team stays as it is for the routes after.
        ("POST", "/enrollments/{code}/team/{member}/removal", TEAM_KEEPERS,
            format!("/enrollments/{code}/team/999999/removal"), reason()),
        ("POST", "/enrollments/{code}/subject", OBTAINER, format!("/enrollments/{code}/subject"),
            form(&[("phone", "029-111-2222")])),
        ("POST", "/print-batches", ENROLLMENT, "/print-batches".into(), form(&[("ids", &id.to_string())])),
        ("POST", "/fax/upload", CENTRE, "/fax/upload".into(),
            Body::Multipart(vec![("files", "f.pdf")], pdf.clone())),
        ("POST", "/fax/messages/{id}", CENTRE, format!("/fax/messages/{message}"), form(&[])),
        ("POST", "/fax/pages/{id}/assign", CENTRE, format!("/fax/pages/{page}/assign"),
            form(&[("enrollment_id", &id.to_string()), ("page", "1")])),
        ("POST", "/fax/pages/{id}/discard", CENTRE, format!("/fax/pages/{page}/discard"), reason()),
        ("POST", "/fax/pages/{id}/resend", CENTRE, format!("/fax/pages/{page}/resend"),
            form(&[("reason", "読めません"), ("code", &code)])),
        ("POST", "/users/{id}/suspend", CITY, format!("/users/{victim}/suspend"), reason()),
        ("POST", "/users/{id}/reinstate", CITY, format!("/users/{victim}/reinstate"), reason()),
        ("POST", "/offices/applications/{id}/approve", CITY, format!("/offices/applications/{application}/approve"), form(&[])),
        ("POST", "/offices/applications/{id}/reject", CITY, format!("/offices/applications/{application}/reject"), reason()),
        ("POST", "/offices/device-requests/{id}/approve", CITY, format!("/offices/device-requests/{request}/approve"), form(&[])),
        ("POST", "/offices/device-requests/{id}/reject", CITY, format!("/offices/device-requests/{request}/reject"), reason()),
        ("POST", "/offices/{id}", OFFICE_A_KEEPERS, format!("/offices/{o}"), form(&[("phone", "029-000-0000")])),
        ("POST", "/offices/{id}/devices/{device}/revoke", OFFICE_A_KEEPERS, format!("/offices/{o}/devices/{device}/revoke"), form(&[])),
        ("POST", "/offices/{id}/device-requests", ADMIN_A, format!("/offices/{o}/device-requests"), form(&[("label", "二台目")])),
        ("POST", "/offices/{id}/reissue", CITY, format!("/offices/{o}/reissue"), form(&[])),
        ("POST", "/offices/{id}/map-hiding", CITY, format!("/offices/{o}/map-hiding"), reason()),
        ("POST", "/incidents", SIGNED_IN, "/incidents".into(), form(&[])),
        ("POST", "/incidents/{id}/steps", CITY, format!("/incidents/{incident}/steps"), form(&[("note", "確認中")])),
        ("POST", "/incidents/{id}/actions", CITY, format!("/incidents/{incident}/actions"),
            form(&[("action", "suspend_user"), ("target", "999999")])),
        ("POST", "/offices/{id}/staff", OFFICE_A_ADMIN, format!("/offices/{o}/staff"), form(&[("login", "new-a")])),
        ("POST", "/offices/{id}/staff/{user}", OFFICE_A_ADMIN, format!("/offices/{o}/staff/{victim}"), form(&[("name", "異動 後")])),
        ("POST", "/offices/{id}/staff/{user}/disable", OFFICE_A_ADMIN, format!("/offices/{o}/staff/{victim}/disable"), form(&[])),
        ("POST", "/offices/{id}/staff/{user}/enable", OFFICE_A_ADMIN, format!("/offices/{o}/staff/{victim}/enable"), form(&[])),
        ("POST", "/offices/{id}/staff/{user}/password", OFFICE_A_ADMIN, format!("/offices/{o}/staff/{victim}/password"), form(&[])),
        ("POST", "/offices/{id}/trainings", OFFICE_A_KEEPERS, format!("/offices/{o}/trainings"),
            Body::Multipart(vec![("held_on", ""), ("topic", "研修"), ("attendees", "3")], vec![])),
        ("POST", "/enrollments/{code}/team/{member}/replacement", TEAM_KEEPERS,
            format!("/enrollments/{code}/team/999999/replacement"), replacement()),
        // To the obtainer's own office without naming the new care manager: 422.
        ("POST", "/enrollments/{code}/obtainer", TEAM_KEEPERS, format!("/enrollments/{code}/obtainer"),
            form(&[("to_office", &o.to_string()), ("reason", "担当替え")])),
        ("POST", "/handovers/{id}", TEAM_KEEPERS, format!("/handovers/{change}"), withdraw()),
        // To the office the person is in already: 422.
        ("POST", "/offices/{id}/transfers", OFFICE_A_KEEPERS, format!("/offices/{o}/transfers"),
            form(&[("user", &victim.to_string()), ("to_office", &o.to_string())])),
        ("POST", "/transfers/{id}", OFFICE_A_KEEPERS, format!("/transfers/{transfer}"), withdraw()),
        ("POST", "/offices/{id}/closure", OFFICE_A_KEEPERS, format!("/offices/{o}/closure"), form(&[("reason", "")])),
        ("POST", "/closures/{id}", OFFICE_A_KEEPERS, format!("/closures/{closure}"), withdraw()),
        // The fixture is not in use yet: 409 for those who may add members.
        ("POST", "/enrollments/{code}/additions", TEAM_KEEPERS, format!("/enrollments/{code}/additions"),
            form(&[("office", &o.to_string()), ("profession", "薬剤師"), ("name", "小山 薬"), ("phone", "029-219-7882")])),
        ("POST", "/enrollments/{code}/additions/{id}/verify", NOBODY, format!("/enrollments/{code}/additions/999999/verify"), form(&[])),
        ("POST", "/enrollments/{code}/additions/{id}/withdraw", NOBODY, format!("/enrollments/{code}/additions/999999/withdraw"), form(&[])),
        ("POST", "/enrollments/{code}/retention-hold", CITY, format!("/enrollments/{code}/retention-hold"), form(&[("reason", "")])),
        ("POST", "/enrollments/{code}/retention-release", CITY, format!("/enrollments/{code}/retention-release"), form(&[])),
        // The API.
        ("POST", "/api/v1/enrollments/{code}/team/{member}/replacement", TEAM_KEEPERS,
            format!("/api/v1/enrollments/{code}/team/999999/replacement"),
            Body::Json(json!({ "name": "浜 看護", "phone": "029-111-2222" }))),
        ("POST", "/api/v1/enrollments/{code}/obtainer-changes", TEAM_KEEPERS,
            format!("/api/v1/enrollments/{code}/obtainer-changes"), Body::Json(json!({ "to_office": o.to_string(), "reason": "担当替え" }))),
        ("POST", "/api/v1/obtainer-changes/{id}/answer", TEAM_KEEPERS,
            format!("/api/v1/obtainer-changes/{change}/answer"), Body::Json(withdraw_json.clone())),
        ("POST", "/api/v1/users/{id}/transfer", OFFICE_A_KEEPERS, format!("/api/v1/users/{victim}/transfer"),
            Body::Json(json!({ "to_office": o.to_string() }))),
        ("POST", "/api/v1/staff-transfers/{id}/answer", OFFICE_A_KEEPERS,
            format!("/api/v1/staff-transfers/{transfer}/answer"), Body::Json(withdraw_json.clone())),
        ("POST", "/api/v1/offices/{id}/closure-requests", OFFICE_A_KEEPERS,
            format!("/api/v1/offices/{o}/closure-requests"), Body::Json(json!({ "reason": "" }))),
        ("POST", "/api/v1/enrollments/{code}/additions", TEAM_KEEPERS, format!("/api/v1/enrollments/{code}/additions"),
            Body::Json(json!({ "team": [] }))),
        ("POST", "/api/v1/enrollments/{code}/additions/{id}/verification", NOBODY,
            format!("/api/v1/enrollments/{code}/additions/999999/verification"), Body::Empty),
        ("POST", "/api/v1/enrollments/{code}/additions/{id}/withdrawal", NOBODY,
            format!("/api/v1/enrollments/{code}/additions/999999/withdrawal"), Body::Empty),
        ("POST", "/api/v1/enrollments/{code}/retention-hold", CITY, format!("/api/v1/enrollments/{code}/retention-hold"),
            Body::Json(json!({ "reason": "" }))),
        ("DELETE", "/api/v1/enrollments/{code}/retention-hold", CITY, format!("/api/v1/enrollments/{code}/retention-hold"), Body::Empty),
        ("POST", "/api/v1/office-closures/{id}/answer", OFFICE_A_KEEPERS,
            format!("/api/v1/office-closures/{closure}/answer"), Body::Json(withdraw_json.clone())),
        ("POST", "/api/v1/offices", CITY, "/api/v1/offices".into(), Body::Json(json!({ "kind": "pharmacy", "name": "", "phone": "", "fax": "", "address": "", "admin_email": "" }))),
        ("PUT", "/api/v1/offices/{id}", OFFICE_A_KEEPERS, format!("/api/v1/offices/{o}"), Body::Json(json!({ "address": "茨城県ひたちなか市1-1", "phone": "029-000-0001", "fax": "029-000-0002", "coords_locked": false, "hours": "", "closed_days": [], "co_located": "" }))),
        ("POST", "/api/v1/office-applications/{id}/approval", CITY, format!("/api/v1/office-applications/{application}/approval"), Body::Empty),
        ("POST", "/api/v1/office-applications/{id}/rejection", CITY, format!("/api/v1/office-applications/{application}/rejection"), Body::Json(json!({ "reason": "確認" }))),
        ("POST", "/api/v1/users", CITY, "/api/v1/users".into(), Body::Json(json!({ "login": "", "name": "", "role": "staff" }))),
        ("POST", "/api/v1/users/{id}/suspension", CITY, format!("/api/v1/users/{victim}/suspension"), Body::Json(json!({ "reason": "確認" }))),
        ("DELETE", "/api/v1/users/{id}/suspension", CITY, format!("/api/v1/users/{victim}/suspension"), Body::Empty),
        ("POST", "/api/v1/enrollments", OFFICE_USERS, "/api/v1/enrollments".into(), Body::Json(json!({ "subject": { "name": "", "kana": "", "birth_date": "", "sex": "", "address": "", "phone": "" }, "team": [] }))),
        ("POST", "/api/v1/enrollments/{code}/transitions", ENROLLMENT_WORK, format!("/api/v1/enrollments/{code}/transitions"), Body::Json(json!({ "action": "issue_form" }))),
        ("POST", "/api/v1/enrollments/{code}/consent-form", ENROLLMENT_WORK, format!("/api/v1/enrollments/{code}/consent-form"), Body::Json(json!({}))),
        ("POST", "/api/v1/enrollments/{code}/resend-requests", CENTRE, format!("/api/v1/enrollments/{code}/resend-requests"), Body::Json(json!({ "reason": "読めません" }))),
        ("POST", "/api/v1/print-batches", ENROLLMENT, "/api/v1/print-batches".into(), Body::Json(json!({ "enrollment_ids": [id] }))),
        ("POST", "/api/v1/fax/pages/{id}/assignment", CENTRE, format!("/api/v1/fax/pages/{page}/assignment"), Body::Json(json!({ "enrollment_id": id, "page": 1 }))),
        ("POST", "/api/v1/incidents", SIGNED_IN, "/api/v1/incidents".into(), Body::Json(json!({}))),
        ("POST", "/api/v1/incidents/{id}/events", CITY, format!("/api/v1/incidents/{incident}/events"), Body::Json(json!({ "note": "確認中" }))),
        ("POST", "/api/v1/incidents/{id}/actions", CITY, format!("/api/v1/incidents/{incident}/actions"), Body::Json(json!({ "action": "suspend_user", "user_id": 999999 }))),
        ("POST", "/api/v1/enrollments/{code}/team/{member}/removal", TEAM_KEEPERS,
            format!("/api/v1/enrollments/{code}/team/999999/removal"), Body::Json(json!({ "reason": "退職" }))),
        ("PATCH", "/api/v1/enrollments/{code}/subject", OBTAINER, format!("/api/v1/enrollments/{code}/subject"),
            Body::Json(json!({ "phone": "029-111-2222" }))),
        ("POST", "/api/v1/fax/uploads", CENTRE, "/api/v1/fax/uploads".into(), Body::Multipart(vec![("files", "f.pdf")], pdf.clone())),
    ];

    // The table covers every write route, and nothing else.
    let mut found = vec![];
    for (method, m) in [
        ("POST", "post("),
        ("PUT", "put("),
        ("PATCH", "patch("),
        ("DELETE", "delete("),
    ] {
        let mut r = routes("src/web", "", m);
        r.extend(routes("src/api/mod.rs", "/api/v1", m));
        found.extend(r.into_iter().map(|r| format!("{method} {r}")));
    }
    found.sort();
    let mut known: Vec<String> = table.iter().map(|t| format!("{} {}", t.0, t.1)).collect();
    known.extend(OWN_PROOF.iter().map(|(r, _)| r.to_string()));
    known.sort();
    assert_eq!(
        found, known,
        "every write route is in the table (and nothing else)"
    );

    let people = sign_in_everyone(a).await;
    let mut wrong = Vec::new();
    let mut bares = Vec::new();
    for pass in [b'.', b'y'] {
        for (method, route, audience, path, body) in &table {
            for (i, who) in PEOPLE.iter().enumerate() {
                if audience.as_bytes()[i] != pass {
                    continue;
                }
                let (client, csrf, token) = people.as_(who, path);
                let method = Method::from_bytes(method.as_bytes()).unwrap();
                let mut req = client.request(method.clone(), a.url(path));
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                req = match body {
                    Body::Form(f) => {
                        let mut f = f.clone();
                        if let Some(t) = csrf {
                            f.push(("csrf", t.to_string()));
                        }
                        req.form(&f)
                    }
                    Body::Json(v) => req.json(v),
                    Body::Multipart(fields, bytes) => {
                        let mut m = reqwest::multipart::Form::new();
                        if let Some(t) = csrf {
                            m = m.text("csrf", t.to_string());
                        }
                        for (k, v) in fields {
                            if v.ends_with(".pdf") {
                                let part = reqwest::multipart::Part::bytes(bytes.clone())
                                    .file_name(v.to_string())
                                    .mime_str("application/pdf")
                                    .unwrap();
                                m = m.part(k.to_string(), part);
                            } else {
                                m = m.text(k.to_string(), v.to_string());
                            }
                        }
                        req.multipart(m)
                    }
                    Body::Empty => req,
                };
                let r = req.send().await.unwrap();
                let status = r.status().as_u16();
                let to_login = to_login(&r);
                let notice = r
                    .headers()
                    .get_all("set-cookie")
                    .iter()
                    .any(|v| v.to_str().unwrap_or_default().starts_with("cf_notice="));
                let location = r
                    .headers()
                    .get("location")
                    .map(|l| l.to_str().unwrap().to_string());
                let text = r.text().await.unwrap_or_default();
                if pass == b'y' && !route.starts_with("/api/") {
                    if let Some(why) = bare(status, notice, location.as_deref(), &text) {
                        bares.push(format!("{method} {route} as {who}: {status} {why}"));
                    }
                }
                // A print batch naming an enrollment the person may not see answers as if it
                // did not exist (「見つかりません」), the same as for a missing one.
                let refused = matches!(status, 401 | 403 | 404)
                    || to_login
                    || (route.contains("print-batches")
                        && status == 422
                        && text.contains("見つかりません"));
                let want_refused = pass == b'.';
                if refused != want_refused {
                    let text: String = text.chars().take(160).collect();
                    wrong.push(format!(
                        "{method} {route} as {who}: {status}{} (want {}) {text}",
                        if to_login { " → sign-in" } else { "" },
                        if want_refused { "refused" } else { "allowed" }
                    ));
                }
            }
        }
    }
    no_wrong_answers(&wrong, table.len());
    assert!(
        bares.is_empty(),
        "every page post redirects with a notice or shows its page again, never a bare error \
         page:\n{}",
        bares.join("\n")
    );
    app.finish().await;
}

/// Redirects that carry no notice because the next page is the answer itself.
const NO_NOTICE: &[(&str, &str)] = &[
    // Printing opens the PDF (in a new tab).
    ("/consent-form.pdf", "the form's PDF"),
    // A batch leads to its own page, which shows how far it got.
    ("/print-batches/", "the batch's page"),
];

/// Why an allowed page post's answer is not one a clerk can trust, or None when it is: a
/// redirect with a notice (or to a page that is the answer itself), or the page again (the
/// menu and all) with the message in it.
fn bare(status: u16, notice: bool, location: Option<&str>, text: &str) -> Option<String> {
    if status == 303 {
        let to = location.unwrap_or_default();
        if notice || NO_NOTICE.iter().any(|(p, _)| to.contains(p)) {
            return None;
        }
        return Some(format!("redirects to {to} without a notice"));
    }
    if !text.contains("<nav class=\"main\"") || text.contains("id=\"error-page\"") {
        let t: String = text.chars().take(400).collect();
        return Some(format!("a bare error page: {t}"));
    }
    let says_why = text.contains("class=\"field-error\"") || text.contains("role=\"alert\"");
    if status >= 400 && !says_why {
        return Some("a refusal that does not say why in the page".into());
    }
    None
}
