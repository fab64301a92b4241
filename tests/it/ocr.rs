//! Pages without a code of ours, matched by what is written on them (#20, part 2). The page is
//! the city's plain 別紙1 — our printed form with both codes and the printed enrollment code
//! taken away, its fields typed in as offices fill the Word form — sent through a real FAX
//! encoder (ghostscript, G4 fine) from the care manager's office (a FAX gateway's e-mail), and
//! read by a real Tesseract. Among people with look-alike names.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow_workers::fax::{self, Kind, Limits};
use consentflow_workers::form::template;

use super::field_checks::as_faxed;
use super::forms::{city, print, City};
use super::helpers::{get, login, spawn_app, spawn_app_with, Backend, TestApp, PASSWORD};
use super::intake::{all_read, state, upload};
use super::mail::{gateway_mail, tools};
use super::rows::sql_count;

#[path = "../../workers/tests/common/plain.rs"]
mod plain;

/// Someone waiting for a copy: name, kana, birth date, phone.
pub(super) type Who<'a> = (&'a str, &'a str, &'a str, &'a str);

pub(super) const HANAKO: Who = ("斎藤 花子", "サイトウ ハナコ", "1938-05-12", "029-270-4321");
/// Same kana, one character of the name apart, another birthday.
pub(super) const LOOK_ALIKE: Who = ("斉藤 花子", "サイトウ ハナコ", "1941-02-03", "029-271-1111");
/// Same kana and birthday, two characters of the name apart: close enough that a person
/// decides.
const TWIN: Who = ("齋藤 華子", "サイトウ ハナコ", "1938-05-12", "029-272-2222");

/// A consent form printed for `who` by the care manager: the enrollment and the PDF.
pub(super) async fn printed_for(a: &TestApp, c: &City, who: Who<'_>) -> (i64, Vec<u8>) {
    let (name, kana, born, phone) = who;
    let body = json!({
        "subject": { "name": name, "kana": kana, "birth_date": born, "sex": "female",
                     "address": "茨城県ひたちなか市東石川1-1", "phone": phone },
        "team": [{ "office_id": c.nursing, "profession": "訪問看護師", "name": "港 看護",
                   "phone": "029-270-0002" }]
    });
    let (s, e) = a
        .api(Method::POST, "/api/v1/enrollments", &c.cm, Some(body))
        .await;
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_i64().unwrap();
    let (s, _, pdf) = print(a, &c.cm, id, false).await;
    assert_eq!(s, 200);
    (id, pdf)
}

/// The printed form as the city's plain form, FAXed from the care manager's office: an e-mail
/// from the FAX gateway whose subject names the sending number.
fn plain_fax(form: &[u8]) -> Vec<u8> {
    plain_fax_of(form, consentflow_workers::FormKind::Bessi1)
}

/// A printed form of `kind` as a plain one (no code of ours), FAXed as `plain_fax` does.
pub(super) fn plain_fax_of(form: &[u8], kind: consentflow_workers::FormKind) -> Vec<u8> {
    let pages = fax::read(form, Some(Kind::Pdf), &Limits::default()).unwrap();
    let mut page = pages.into_iter().next().unwrap().unwrap().image;
    let scan = fax::scan(&page, &|_| None, std::time::Duration::from_secs(10));
    let t = template::builtin_of(kind, template::latest_builtin_of(kind))
        .unwrap()
        .0;
    plain::strip_codes(&mut page, &t, &scan.found[0].text);
    let left = fax::scan(&page, &|_| None, std::time::Duration::from_secs(10));
    assert!(left.found.is_empty(), "no code of ours is left on the page");
    let tiff = as_faxed(&page);
    gateway_mail(
        "plain-1@gw.example.jp",
        "FAX受信 029-265-8332 1枚",
        "送信元：柴田介護保険事務所",
        &[("fax.tif", "image/tiff", &tiff)],
    )
}

/// Uploads the e-mail as the centre, reads it; the page as the API shows it.
pub(super) async fn received(a: &TestApp, c: &City, eml: &[u8]) -> Value {
    let r = upload(a, &c.centre, &[("fax.eml", eml)]).await;
    assert_eq!(r.status(), 202);
    let stored: Value = r.json().await.unwrap();
    all_read(a, &c.centre).await;
    let path = format!("/api/v1/fax/messages/{}", stored[0]["id"]);
    let view = a.api(Method::GET, &path, &c.centre, None).await.1;
    view["pages"][0].clone()
}

pub(super) fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

pub(super) fn ocr_installed() -> bool {
    if !tools(&["gs", "img2pdf", "tesseract"]) {
        return false;
    }
    let jpn = consentflow_workers::ocr::available();
    let required = std::env::var("CONSENTFLOW_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(jpn || !required, "tesseract has no jpn");
    if !jpn {
        eprintln!("NOTICE: tesseract without Japanese; skipping");
    }
    jpn
}

#[tokio::test]
async fn a_plain_city_form_is_assigned_by_what_is_written_when_no_one_else_is_close() {
    if !ocr_installed() {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (hanako, form) = printed_for(a, &c, HANAKO).await;
    let (look_alike, _) = printed_for(a, &c, LOOK_ALIKE).await;
    let page = received(a, &c, &plain_fax(&form)).await;
    assert_eq!(page["outcome"], "matched", "{page}");
    assert_eq!(page["enrollment_id"], hanako);
    let reason = page["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("記載内容（OCR）から 1/1ページ目"),
        "{reason}"
    );
    assert!(reason.contains("生年月日"), "{reason}");
    assert_eq!(state(a, &c, hanako).await, "copy_received");
    assert_eq!(state(a, &c, look_alike).await, "form_issued");
    let audited = sql_count(
        a,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'fax_page.assign_by_text'",
    )
    .await;
    assert_eq!(audited, 1, "the service's own assignment is on the record");

    // What was read is kept with the page, and the centre finds the page by it.
    let id = page["id"].as_i64().unwrap();
    let (s, ocr) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/pages/{id}/ocr"),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(s, 200, "{ocr}");
    assert_eq!(ocr["status"], "read");
    assert_eq!(ocr["is_consent_form"], true, "{ocr}");
    assert_eq!(ocr["birth_date"], "1938-05-12", "{ocr}");
    let reads = "SELECT COUNT(*) FROM data_reads WHERE what = 'fax_page_ocr'";
    assert_eq!(sql_count(a, reads).await, 1, "reading the text is logged");
    let found = "/api/v1/fax/pages?text=%E3%81%95%E3%81%84%E3%81%A8%E3%81%86"; // さいとう
    let (_, list) = a.api(Method::GET, found, &c.centre, None).await;
    assert_eq!(ids(&list), vec![id], "found by its kana typed in hiragana");
    let (_, none) = a
        .api(
            Method::GET,
            "/api/v1/fax/pages?text=ヤマモト",
            &c.centre,
            None,
        )
        .await;
    assert!(ids(&none).is_empty());
}

#[tokio::test]
async fn a_plain_form_of_one_of_two_alike_waits_with_its_person_ranked_first() {
    if !ocr_installed() {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (twin, _) = printed_for(a, &c, TWIN).await;
    let (hanako, form) = printed_for(a, &c, HANAKO).await;
    let (look_alike, _) = printed_for(a, &c, LOOK_ALIKE).await;
    let page = received(a, &c, &plain_fax(&form)).await;
    assert_eq!(
        page["outcome"], "unreadable",
        "never assigned on a doubt: {page}"
    );
    let id = page["id"].as_i64().unwrap();
    let path = format!("/api/v1/fax/pages/{id}/candidates");
    let (_, list) = a.api(Method::GET, &path, &c.centre, None).await;
    let order = ids(&list);
    assert_eq!(order[0], hanako, "{list}");
    assert!(order.contains(&twin) && order.contains(&look_alike));
    let first = &list[0];
    let (_, read) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/pages/{id}/ocr"),
            &c.centre,
            None,
        )
        .await;
    assert!(
        first["score"].as_f64().unwrap() > list[1]["score"].as_f64().unwrap_or(0.0),
        "{list:#}\n{read:#}"
    );
    let agreed: Vec<&str> = first["agreed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // (The city's form asks no phone number of the person: name, kana and birth date.)
    assert!(
        agreed.contains(&"生年月日") && agreed.contains(&"フリガナ"),
        "{first}"
    );

    // The page view: what was read, and the candidates with their agreement.
    login(a, "centre", PASSWORD).await;
    let (_, html, _) = get(a, &format!("/fax/pages/{id}")).await;
    assert!(html.contains("OCRで読み取った内容"), "{html}");
    assert!(html.contains("id=\"ocr-birth\">昭和13年5月12日"), "{html}");
    assert!(html.contains("class=\"score\""), "{html}");
    let at = |id: i64| {
        let row = format!("name=\"enrollment_id\" value=\"{id}\"");
        html.find(&row).unwrap()
    };
    assert!(at(hanako) < at(twin), "ranked first on the page too");
    let (_, inbox, _) = get(a, "/fax?q=サイトウ").await;
    assert!(inbox.contains(&format!("/fax/pages/{id}\"")), "{inbox}");
}

#[tokio::test]
async fn without_ocr_the_page_still_gets_the_fax_number_candidates_and_says_why() {
    if !tools(&["gs", "img2pdf"]) {
        return;
    }
    let app = spawn_app_with(Backend::chosen(), |cfg| {
        cfg.intake.ocr_command = Some("/nonexistent/tesseract".into());
    })
    .await
    .unwrap();
    let a = &app;
    let c = city(a).await;
    let (hanako, form) = printed_for(a, &c, HANAKO).await;
    let page = received(a, &c, &plain_fax(&form)).await;
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
    assert_eq!(ocr["status"], "not_installed", "{ocr}");
    let path = format!("/api/v1/fax/pages/{id}/candidates");
    let (_, list) = a.api(Method::GET, &path, &c.centre, None).await;
    assert_eq!(
        ids(&list),
        vec![hanako],
        "from the care manager's FAX number"
    );
    assert!(list[0]["score"].is_null());
    login(a, "centre", PASSWORD).await;
    let (_, html, _) = get(a, &format!("/fax/pages/{id}")).await;
    assert!(html.contains("OCRがインストールされていません。"), "{html}");

    // Turned off by the setting: the same, in its own words.
    let app = spawn_app_with(Backend::chosen(), |cfg| cfg.intake.ocr_seconds = 0)
        .await
        .unwrap();
    let a = &app;
    let c = city(a).await;
    let (_, form) = printed_for(a, &c, HANAKO).await;
    let page = received(a, &c, &plain_fax(&form)).await;
    let (_, ocr) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/pages/{}/ocr", page["id"]),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(ocr["status"], "off", "{ocr}");
}
