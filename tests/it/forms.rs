//! Printing consent forms through the API and the pages: issue on first print, the same stored
//! PDF after, 外字 refused with a way out, superseding by a newer version, batch printing.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::domain::Role;
use consentflow::store::forms as forms_repo;
use consentflow_workers::pdf::page_count;

use super::helpers::{eventually, spawn_app, Backend, TestApp, PASSWORD};

#[tokio::test]
async fn printing_on_sqlite() {
    printing(spawn_app(Backend::Sqlite).await.unwrap()).await;
}

#[tokio::test]
async fn printing_on_postgres() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    printing(app).await;
}

#[derive(Clone)]
pub struct City {
    pub cm: String,
    pub nurse: String,
    pub pharma: String,
    pub centre: String,
    pub nursing: i64,
}

pub async fn city(a: &TestApp) -> City {
    use consentflow::domain::Actor;
    use consentflow::service::accounts::{create_office, OfficeInput};
    let mut ids = Vec::new();
    for (kind, name, phone) in [
        ("home_care_support", "柴田介護保険事務所", "029-265-8332"),
        ("visiting_nursing", "みなと訪問看護", "029-270-0002"),
        ("pharmacy", "コヤマ薬局", "029-219-7882"),
    ] {
        let input = OfficeInput {
            kind: kind.into(),
            name: name.into(),
            phone: phone.into(),
            fax: phone.into(),
            address: "茨城県ひたちなか市".into(),
            admin_email: "o@example.jp".into(),
        };
        ids.push(
            create_office(&a.store, &Actor::System, &input)
                .await
                .unwrap()
                .id,
        );
    }
    a.user("caremgr", Role::Staff, Some(ids[0])).await;
    a.user("nurse", Role::Staff, Some(ids[1])).await;
    a.user("pharma", Role::Staff, Some(ids[2])).await;
    a.user("centre", Role::Centre, None).await;
    City {
        cm: a.token("caremgr").await,
        nurse: a.token("nurse").await,
        pharma: a.token("pharma").await,
        centre: a.token("centre").await,
        nursing: ids[1],
    }
}

pub(super) async fn enrollment(a: &TestApp, c: &City, name: &str) -> (i64, String) {
    let body = json!({
        "subject": { "name": name, "kana": "ヤマダ ハナコ", "birth_date": "1940-04-01", "sex": "female",
                     "address": "茨城県ひたちなか市東石川1-1", "phone": "029-270-1000" },
        "team": [{ "office_id": c.nursing, "profession": "訪問看護師", "name": "港 看護", "phone": "029-270-0002" }]
    });
    let (s, e) = a
        .api(Method::POST, "/api/v1/enrollments", &c.cm, Some(body))
        .await;
    assert_eq!(s, 201, "{e}");
    (
        e["id"].as_i64().unwrap(),
        e["code"].as_str().unwrap().to_string(),
    )
}

/// POSTs a print and returns status, form version header and body bytes.
pub async fn print(
    a: &TestApp,
    token: &str,
    id: i64,
    blank: bool,
) -> (u16, Option<String>, Vec<u8>) {
    let q = if blank { "?blank=true" } else { "" };
    let code = a.code(id).await;
    let r = reqwest::Client::new()
        .post(a.url(&format!("/api/v1/enrollments/{code}/consent-form{q}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let v = r
        .headers()
        .get("x-form-version")
        .map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), v, r.bytes().await.unwrap().to_vec())
}

async fn state_of(a: &TestApp, c: &City, id: i64) -> Value {
    a.api(
        Method::GET,
        &format!("/api/v1/enrollments/{}", a.code(id).await),
        &c.centre,
        None,
    )
    .await
    .1
}

async fn printing(mut app: TestApp) {
    let a = &app;
    let c = city(a).await;
    let (id, code) = enrollment(a, &c, "山田 花子").await;

    // Only the obtainer's office issues; the team sees nothing printable yet; others nothing at all.
    assert_eq!(print(a, &c.nurse, id, false).await.0, 403);
    assert_eq!(print(a, &c.pharma, id, false).await.0, 404);
    let (s, v, first) = print(a, &c.cm, id, false).await;
    assert_eq!((s, v.as_deref()), (200, Some("1")));
    assert!(first.starts_with(b"%PDF-"));
    let view = state_of(a, &c, id).await;
    assert_eq!(view["enrollment"]["state"], "form_issued");
    let history_len = view["history"].as_array().unwrap().len();

    // Printing again returns the very same stored PDF, and changes nothing.
    let (s, _, again) = print(a, &c.cm, id, false).await;
    assert_eq!((s, &again), (200, &first));
    let (s, stored) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}/forms"),
            &c.cm,
            None,
        )
        .await;
    assert_eq!((s, stored.as_array().unwrap().len()), (200, 1));
    assert_eq!(
        state_of(a, &c, id).await["history"]
            .as_array()
            .unwrap()
            .len(),
        history_len
    );
    let got = reqwest::Client::new()
        .get(a.url(&format!("/api/v1/enrollments/{code}/consent-form.pdf")))
        .bearer_auth(&c.nurse)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.headers()["content-disposition"].to_str().unwrap(),
        format!("inline; filename=\"consent-{code}-v1.pdf\"")
    );
    assert_eq!(
        got.bytes().await.unwrap().to_vec(),
        first,
        "the team reads the same stored form"
    );

    // 外字: refused with the field and a way out; the blank variant prints.
    let (gaiji, gaiji_code) = enrollment(a, &c, "𠮷田 花子").await;
    let (s, _, body) = print(a, &c.cm, gaiji, false).await;
    let e: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("name")),
        "{e}"
    );
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(msg.contains('𠮷') && msg.contains("手書き用"), "{msg}");
    assert_eq!(
        state_of(a, &c, gaiji).await["enrollment"]["state"],
        "draft",
        "nothing written"
    );
    let (s, _, blank) = print(a, &c.cm, gaiji, true).await;
    assert_eq!(s, 200);
    assert_eq!(page_count(&blank), Some(1));
    assert_eq!(
        state_of(a, &c, gaiji).await["enrollment"]["state"],
        "form_issued"
    );

    // Batch printing: three enrollments, one of which cannot be printed filled in.
    let (third, _) = enrollment(a, &c, "佐藤 一郎").await;
    let ids = json!({ "enrollment_ids": [id, gaiji, third] });
    let (s, b) = a
        .api(Method::POST, "/api/v1/print-batches", &c.cm, Some(ids))
        .await;
    assert_eq!((s, b["total"].as_i64()), (202, Some(3)), "{b}");
    let path = format!("/api/v1/print-batches/{}", b["id"]);
    let done = eventually(120, || async {
        let (_, b) = a.api(Method::GET, &path, &c.cm, None).await;
        (b["status"] == "done").then_some(b)
    })
    .await
    .expect("batch finishes");
    assert_eq!(done["done"], 3);
    assert!(
        done["error"]
            .as_str()
            .unwrap()
            .contains(&format!("登録コード {gaiji_code}: 「𠮷」")),
        "{done}"
    );
    let pdf = reqwest::Client::new()
        .get(a.url(&format!("{path}/pdf")))
        .bearer_auth(&c.cm)
        .send()
        .await
        .unwrap();
    let pdf = pdf.bytes().await.unwrap();
    assert_eq!(page_count(&pdf), Some(2), "two forms of one page each");
    assert_eq!(
        state_of(a, &c, third).await["enrollment"]["state"],
        "form_issued",
        "the batch issued it"
    );
    let (s, _) = a.api(Method::GET, &path, &c.nurse, None).await;
    assert_eq!(s, 404, "a batch is its requester's");
    let (s, e) = a
        .api(
            Method::POST,
            "/api/v1/print-batches",
            &c.cm,
            Some(json!({ "enrollment_ids": [] })),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("enrollment_ids"))
    );

    // A newer version: the next print reissues, and the old form's codes resolve, flagged.
    let forms_dir = tempfile::tempdir().unwrap();
    let v2 = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/forms/bessi1/v1/form.toml"
    ))
    .unwrap()
    .replace("version = 1", "version = 2")
    .replace("【同意の撤回】", "【同意をやめるとき】");
    std::fs::create_dir_all(forms_dir.path().join("bessi1/v2")).unwrap();
    std::fs::write(forms_dir.path().join("bessi1/v2/form.toml"), v2).unwrap();
    let dir = forms_dir.path().to_path_buf();
    app.restart_with(|cfg| cfg.forms_dir = Some(dir)).await;
    let a = &app;
    let c = City {
        cm: c.cm,
        nurse: c.nurse,
        pharma: c.pharma,
        centre: c.centre,
        nursing: c.nursing,
    };
    let (s, v, second) = print(a, &c.cm, id, false).await;
    assert_eq!((s, v.as_deref()), (200, Some("2")));
    assert_ne!(second, first);
    let (_, stored) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{code}/forms"),
            &c.cm,
            None,
        )
        .await;
    let versions: Vec<(i64, bool)> = stored
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["form_version"].as_i64().unwrap(),
                f["superseded_at"].is_null(),
            )
        })
        .collect();
    assert_eq!(versions, vec![(1, false), (2, true)]);
    let mut conn = a.store.acquire().await.unwrap();
    let old = forms_repo::by_code(conn.conn(), &code, 1).await.unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].0, id);
    assert!(
        old[0].1.is_some(),
        "the v1 code still resolves, marked superseded"
    );
    drop(conn);

    // The old form comes back signed anyway (here the PDF itself, rasterised by the reader): its
    // pages are matched to the enrollment but flagged, and do not count as the copy.
    let before = state_of(a, &c, id).await["enrollment"]["state"].clone();
    let r = super::intake::upload(a, &c.centre, &[("old.pdf", &first)]).await;
    assert_eq!(r.status(), 202);
    super::intake::all_read(a, &c.centre).await;
    let (_, pages) = a
        .api(
            Method::GET,
            "/api/v1/fax/pages?status=superseded",
            &c.centre,
            None,
        )
        .await;
    let pages = pages.as_array().unwrap();
    assert!(!pages.is_empty());
    assert!(pages
        .iter()
        .all(|p| p["enrollment_id"] == id && !p["is_primary"].as_bool().unwrap()));
    assert!(pages[0]["reason"]
        .as_str()
        .unwrap()
        .contains("差し替え前の版（第1版）"));
    assert_eq!(state_of(a, &c, id).await["enrollment"]["state"], before);
    let history = state_of(a, &c, id).await["history"].clone();
    let issues = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "enrollment.issue_form")
        .count();
    assert_eq!(issues, 2);
    let _ = PASSWORD;
    app.finish().await;
}
