//! The centre's desk (#20): a copy FAXed back is checked for signature and date before a
//! person looks. An unsigned copy is flagged in the inbox and on the enrollment, and returned
//! with the reason filled in; a signed one comes pre-ticked; a person who says otherwise than
//! the check is recorded. The copies are our printed forms written on and sent through a real
//! FAX encoder (ghostscript, G4 fine), never the service's own output fed back untouched.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::Value;

use consentflow_workers::fax::{self, Gray, Kind, Limits};
use consentflow_workers::form::marks::{self, Field};
use consentflow_workers::form::template;

use super::browser::{step, Browser};
use super::forms::{city, City};
use super::helpers::{csrf_of, get, login, post, spawn_app, Backend, TestApp, PASSWORD};
use super::intake::{all_read, printed, state, upload};
use super::mail::{fax_of, tools};
use super::rows::sql_count;
use super::screens::enrollment_url;

/// A pen line wandering across the middle of `b` (mm), 0.5 mm wide, on a 200 dpi page.
fn write_in(g: &mut Gray, b: &marks::BoxMm, seed: u64) {
    let k = 200.0 / 25.4;
    let mut s = seed.max(1);
    let (x0, x1) = (f64::from(b.x) + 2.0, f64::from(b.x + b.w * 0.6));
    let mid = f64::from(b.y + b.h / 2.0);
    let mut y = mid;
    for i in 0..300 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let x = x0 + (x1 - x0) * f64::from(i) / 300.0;
        y = (y + ((s % 1000) as f64 / 1000.0 - 0.5) * 0.8).clamp(mid - 1.5, mid + 1.5);
        let (cx, cy, r) = (x * k, y * k, 0.25 * k);
        for py in (cy - r) as i64..=(cy + r) as i64 {
            for px in (cx - r) as i64..=(cx + r) as i64 {
                if px >= 0 && py >= 0 && (px as u32) < g.width && (py as u32) < g.height {
                    g.data[py as usize * g.width as usize + px as usize] = 0;
                }
            }
        }
    }
}

/// The printed form's first page with writing in `fields`, as a FAX machine sends it.
pub fn faxed_copy(form: &[u8], fields: &[Field]) -> Vec<u8> {
    let pages = fax::read(form, Some(Kind::Pdf), &Limits::default()).unwrap();
    let mut page = pages.into_iter().next().unwrap().unwrap().image;
    let scan = fax::scan(&page, &|_| None, std::time::Duration::from_secs(10));
    let n = marks::modules(&scan.found[0].text);
    let t = template::builtin(template::latest_builtin()).unwrap().0;
    for (i, (f, b)) in marks::front(&t, n).fields.into_iter().enumerate() {
        if fields.contains(&f) {
            write_in(&mut page, &b, i as u64 + 7);
        }
    }
    as_faxed(&page)
}

/// A page as a FAX machine sends it (G4, fine).
pub fn as_faxed(page: &Gray) -> Vec<u8> {
    let mut child = Command::new("img2pdf")
        .args(["--imgsize", "200dpix200dpi"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("img2pdf runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&page.to_png())
        .unwrap();
    let pdf = child.wait_with_output().unwrap().stdout;
    fax_of(&pdf, "tiffg4", "204x196", None)
}

/// Prints a form for `name`, writes in `fields`, FAXes it back; returns the enrollment and the
/// received page as the API shows it.
async fn sent_back(a: &TestApp, c: &City, name: &str, fields: &[Field]) -> (i64, Value) {
    let (id, form) = printed(a, c, name, 1).await;
    let tiff = faxed_copy(&form, fields);
    let r = upload(a, &c.centre, &[("fax.tif", tiff.as_slice())]).await;
    assert_eq!(r.status(), 202);
    let stored: Value = r.json().await.unwrap();
    let message = stored[0]["id"].as_i64().unwrap();
    all_read(a, &c.centre).await;
    let path = format!("/api/v1/fax/messages/{message}");
    let view = a.api(Method::GET, &path, &c.centre, None).await.1;
    (id, view["pages"][0].clone())
}

fn ticked(html: &str, name: &str) -> bool {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("{name} box"));
    let tag_end = at + html[at..].find('>').unwrap();
    html[at..tag_end].contains("checked")
}

#[tokio::test]
async fn an_unsigned_copy_is_flagged_and_returned_with_the_reason_filled_in() {
    if !tools(&["gs", "img2pdf"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, page) = sent_back(a, &c, "木村 幸子", &[Field::ConsentDate]).await;
    assert_eq!(page["outcome"], "matched", "{page}");
    assert_eq!(page["check_problems"], "本人署名欄が空です", "{page}");
    assert_eq!(state(a, &c, id).await, "copy_received");

    login(a, "centre", PASSWORD).await;
    let (_, inbox, _) = get(a, "/fax").await;
    assert!(inbox.contains("記入漏れの疑いがある写し（1件）"), "{inbox}");
    assert!(inbox.contains("木村 幸子") && inbox.contains("本人署名欄が空です"));
    let path = format!("/enrollments/{}", a.code(id).await);
    let (_, html, _) = get(a, &path).await;
    assert!(html.contains("id=\"check-problems\""), "{html}");
    assert!(
        !ticked(&html, "signed"),
        "an empty signature is not pre-ticked"
    );
    assert!(ticked(&html, "dated") && ticked(&html, "version"));
    let page_id = page["id"].as_i64().unwrap();
    let (s, _, _) = get(a, &format!("/fax/pages/{page_id}/checks/signature")).await;
    assert_eq!(s, 200, "the signature's crop");
    assert!(
        html.contains(">本人署名欄が空です。</textarea>"),
        "the return's reason is filled in"
    );

    // Returned with that reason: the person agreed with the check, so nothing is overridden.
    let form = [
        ("csrf", csrf_of(&html)),
        ("action", "return_copy".into()),
        ("reason", "本人署名欄が空です。".into()),
        ("confirmed", "1".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, _) = post(a, &format!("{path}/steps"), &form).await;
    assert_eq!(s, 303);
    assert_eq!(state(a, &c, id).await, "returned");
    let q = format!(
        "SELECT COUNT(*) FROM page_checks WHERE page_id = {page_id}
         AND field = 'signature' AND verdict = 'empty' AND confirmed = FALSE"
    );
    assert_eq!(sql_count(a, &q).await, 1, "what the person said is kept");
    let q = "SELECT COUNT(*) FROM audit_log WHERE action = 'enrollment.checks_overridden'";
    assert_eq!(sql_count(a, q).await, 0);
    let (_, inbox, _) = get(a, "/fax").await;
    assert!(
        !inbox.contains("記入漏れの疑い"),
        "settled, no longer flagged"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_signed_copy_is_pre_ticked_and_a_person_who_differs_is_recorded() {
    if !tools(&["gs", "img2pdf"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let both = [Field::ConsentDate, Field::Signature];
    let (signed, page) = sent_back(a, &c, "山田 花子", &both).await;
    assert_eq!(page["check_problems"], "", "{page}");
    login(a, "centre", PASSWORD).await;
    let path = format!("/enrollments/{}", a.code(signed).await);
    let (_, html, _) = get(a, &path).await;
    assert!(ticked(&html, "signed") && ticked(&html, "dated"), "{html}");
    assert!(html.contains("id=\"check-summary\""));
    let q = format!(
        "SELECT COUNT(*) FROM page_checks WHERE page_id = {} AND verdict = 'filled'",
        page["id"]
    );
    assert_eq!(sql_count(a, &q).await, 2, "signature and date");
    let code = a.code(signed).await;
    let (s, v) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}/checks"),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(0), "{v}");
    let verdict = |f: &str| {
        v["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["field"] == f)
            .unwrap()["verdict"]
            .clone()
    };
    assert_eq!(verdict("signature"), "filled");
    assert_eq!(verdict("proxy_signature"), "empty");

    // The check saw no date, but the person verifies the copy all the same: recorded.
    let (undated, _) = sent_back(a, &c, "佐藤 一郎", &[Field::Signature]).await;
    let path = format!("/enrollments/{}", a.code(undated).await);
    let (_, html, _) = get(a, &path).await;
    assert!(!ticked(&html, "dated"));
    let form = [
        ("csrf", csrf_of(&html)),
        ("action", "verify".into()),
        ("signed", "1".into()),
        ("dated", "1".into()),
        ("version", "1".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, _, _) = post(a, &format!("{path}/steps"), &form).await;
    assert_eq!(s, 303);
    let (_, html, _) = get(a, &path).await;
    assert!(
        html.contains("同意日：自動確認は空欄、確認者は記入あり"),
        "on the timeline: {html}"
    );
    let q = "SELECT COUNT(*) FROM audit_log WHERE action = 'enrollment.checks_overridden'";
    assert_eq!(sql_count(a, q).await, 1);
    // 処理済 lists what was overridden, by whom.
    let (_, resolved, _) = get(a, "/fax/resolved").await;
    let at = resolved
        .find("id=\"overridden\"")
        .expect("the overrides' table");
    let table = &resolved[at..];
    assert!(
        table.contains("同意日")
            && table.contains("centre さん")
            && table.contains(&a.code(undated).await),
        "{table}"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_care_manager_sees_no_crop() {
    if !tools(&["gs", "img2pdf"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, page) = sent_back(a, &c, "木村 幸子", &[]).await;
    login(a, "caremgr", PASSWORD).await;
    let (s, _, _) = get(a, &format!("/fax/pages/{}/checks/signature", page["id"])).await;
    assert_eq!(s, 403);
    let (_, html, _) = get(a, &format!("/enrollments/{}", a.code(id).await)).await;
    assert!(
        !html.contains("/checks/"),
        "no crops on the care manager's page"
    );
    let path = format!("/api/v1/enrollments/{}/checks", a.code(id).await);
    let (s, v) = a.api(Method::GET, &path, &c.cm, None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{v}"
    );
    app.finish().await;
}

#[tokio::test]
async fn the_verify_screen_shows_the_page_large_and_each_fields_crop_beside_its_box() {
    if !tools(&["gs", "img2pdf"]) {
        return;
    }
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = sent_back(a, &c, "木村 幸子", &[Field::ConsentDate]).await;
    b.login(a, "centre").await;
    let url = enrollment_url(a, id).await;
    b.client.goto(&url).await.unwrap();
    let js = "return [...document.querySelectorAll('.verify-desk img')]
              .map(i => i.complete && i.naturalWidth > 0)";
    let mut loaded = Vec::new();
    for _ in 0..100 {
        let v = b.client.execute(js, vec![]).await.unwrap();
        loaded = serde_json::from_value::<Vec<bool>>(v).unwrap();
        if loaded.iter().all(|l| *l) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(loaded, vec![true; 5], "the page and four crops");
    let js = "return document.querySelector('.verify-page img').getBoundingClientRect().width";
    let width = b
        .client
        .execute(js, vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(width >= 500.0, "the page large, not a thumbnail: {width}px");
    let verdict = b
        .element(".check-crop[data-field=signature]")
        .await
        .attr("data-verdict")
        .await
        .unwrap();
    assert_eq!(verdict.as_deref(), Some("empty"));
    assert!(b
        .text("#check-problems")
        .await
        .contains("本人署名欄が空です"));
    b.shot("verify-desk").await;

    // 差し戻す from the flag: the reason is already there; the person confirms.
    step(&b, "return_copy").await;
    assert!(b.text("#confirm-message").await.contains("差し戻します"));
    b.click("#confirm").await;
    b.until_url(|u| u == url).await;
    assert_eq!(b.text("span.state").await, "差戻し");
    assert_eq!(state(a, &c, id).await, "returned");
    drop(b);
    app.finish().await;
}
