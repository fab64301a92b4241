//! FAX intake end to end, against a real Dovecot: printed forms FAXed (ghostscript), mailed as
//! gateways do, fetched over IMAP, read, matched, and enrollments moved to `copy_received`.
//! Run on both databases.

use reqwest::Method;
use serde_json::{json, Value};

use consentflow::intake::imap;

use super::forms::{city, print, City};
use super::helpers::{eventually, get, login, spawn_app, Backend, TestApp, PASSWORD};
use super::mail::{fax_of, forwarded, gateway_mail, pdf_of_tiff, tools, Dovecot};

#[tokio::test]
async fn imap_intake_on_sqlite() {
    if let Some(app) = spawn_app(Backend::Sqlite).await {
        imap_story(app).await;
    }
}

#[tokio::test]
async fn imap_intake_on_postgres() {
    if let Some(app) = spawn_app(Backend::Postgres).await {
        imap_story(app).await;
    }
}

/// An enrollment with `team` members, its form printed: (id, PDF).
pub async fn printed(a: &TestApp, c: &City, name: &str, team: usize) -> (i64, Vec<u8>) {
    let members: Vec<Value> = (0..team)
        .map(|i| json!({ "office_id": c.nursing, "profession": "訪問看護師", "name": format!("港 看護{i}"), "phone": "029-270-0002" }))
        .collect();
    let body = json!({
        "subject": { "name": name, "kana": "ヤマダ ハナコ", "birth_date": "1940-04-01", "sex": "female",
                     "address": "茨城県ひたちなか市東石川1-1", "phone": "029-270-1000" },
        "team": members
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

pub async fn state(a: &TestApp, c: &City, id: i64) -> String {
    let (_, e) = a
        .api(
            Method::GET,
            &format!("/api/v1/enrollments/{}", a.code(id).await),
            &c.centre,
            None,
        )
        .await;
    e["enrollment"]["state"].as_str().unwrap_or("?").to_string()
}

/// A multipart body of files, as the upload page and the API take them.
pub fn files_form(files: &[(&str, &[u8])]) -> reqwest::multipart::Form {
    files
        .iter()
        .fold(reqwest::multipart::Form::new(), |f, (name, bytes)| {
            f.part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
            )
        })
}

/// Uploads files over the API as the holder of `token`.
pub async fn upload(a: &TestApp, token: &str, files: &[(&str, &[u8])]) -> reqwest::Response {
    reqwest::Client::new()
        .post(a.url("/api/v1/fax/uploads"))
        .bearer_auth(token)
        .multipart(files_form(files))
        .send()
        .await
        .unwrap()
}

/// A page with no code on it (a cover sheet) as PNG, in the grey `shade`.
pub fn blank_page(shade: u8) -> Vec<u8> {
    consentflow_workers::fax::Gray::new(850, 1100, vec![shade; 850 * 1100]).to_png()
}

/// Waits until no message is left unread.
pub async fn all_read(a: &TestApp, token: &str) {
    let done = eventually(120, || async {
        let (_, l) = a
            .api(
                Method::GET,
                "/api/v1/fax/messages?status=stored",
                token,
                None,
            )
            .await;
        (l.as_array().is_some_and(|l| l.is_empty())).then_some(())
    })
    .await;
    assert!(done.is_some(), "messages still unread after 120 s");
}

pub(super) async fn copy(a: &TestApp, c: &City, id: i64) -> Value {
    let path = format!("/api/v1/enrollments/{}/copy", a.code(id).await);
    let (s, v) = a.api(Method::GET, &path, &c.cm, None).await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn imap_story(app: TestApp) {
    if !tools(&["gs", "tiff2pdf"]) {
        return;
    }
    let Some(dovecot) = Dovecot::start() else {
        return;
    };
    let a = &app;
    let c = city(a).await;
    let cfg = dovecot.config();

    // One care manager's two patients: a one-page form with consent recorded, and a two-page
    // form (a large team) whose copy is FAXed before the consent is recorded on screen.
    let (one, one_pdf) = printed(a, &c, "山田 花子", 1).await;
    let (two, two_pdf) = printed(a, &c, "佐藤 一郎", 16).await;
    assert_eq!(consentflow_workers::pdf::page_count(&two_pdf).unwrap(), 2);
    let tr = format!("/api/v1/enrollments/{}/transitions", a.code(one).await);
    let body = json!({ "action": "record_consent", "date": "2026-11-20", "signer": { "kind": "subject" } });
    assert_eq!(a.api(Method::POST, &tr, &c.cm, Some(body)).await.0, 200);

    let tiff_one = fax_of(&one_pdf, "tiffg4", "204x196", None);
    let first = gateway_mail(
        "fax-1@gw.example.jp",
        "FAX受信 029-265-8332 1枚",
        "送信元：柴田介護保険事務所",
        &[("同意書.tif", "image/tiff", &tiff_one)],
    );
    let page_one = pdf_of_tiff(&fax_of(&two_pdf, "tiffg3", "204x98", Some((1, 1))));
    let original = gateway_mail(
        "fax-2@gw.example.jp",
        "FAX受信 ０２９－２６５－８３３２",
        "",
        &[("fax.pdf", "application/pdf", &page_one)],
    );
    // A page nobody can read (a cover sheet), FAXed from the care manager's office.
    let blank = blank_page(255);
    let cover = gateway_mail(
        "fax-0@gw.example.jp",
        "FAX受信 029-265-8332",
        "",
        &[("cover.png", "image/png", &blank)],
    );
    dovecot
        .append(&[
            first.clone(),
            forwarded("fwd-1@office.example.jp", &original),
            cover,
        ])
        .await;

    let polled = imap::poll_once(&a.state, &cfg).await.unwrap();
    assert_eq!((polled.fetched, polled.stored), (3, 3));
    all_read(a, &c.centre).await;
    assert_eq!(state(a, &c, one).await, "copy_received");
    assert_eq!(
        state(a, &c, two).await,
        "form_issued",
        "one page of two is in"
    );
    let v = copy(a, &c, two).await;
    assert_eq!(
        (v["received"].clone(), v["missing"].clone()),
        (json!([1]), json!([2]))
    );
    // The care manager sees the missing page on the enrollment's page.
    login(a, "caremgr", PASSWORD).await;
    let (_, html, _) = get(a, &format!("/enrollments/{}", a.code(two).await)).await;
    assert!(html.contains("全2枚中 1枚を受信"), "{html}");
    assert!(html.contains("未着: 2枚目"));

    // The sender context, decoded from ISO-2022-JP; the FAX number found in the subject.
    let (_, msgs) = a
        .api(Method::GET, "/api/v1/fax/messages", &c.centre, None)
        .await;
    let msgs = msgs.as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    let later = "/api/v1/fax/messages?since=2099-01-01T00:00:00Z";
    let (_, none) = a.api(Method::GET, later, &c.centre, None).await;
    assert_eq!(none.as_array().unwrap().len(), 0, "filtered by time");
    let earlier = "/api/v1/fax/pages?since=2000-01-01T00:00:00Z&until=2099-01-01T00:00:00Z";
    let (_, all) = a.api(Method::GET, earlier, &c.centre, None).await;
    assert_eq!(all.as_array().unwrap().len(), 3);

    // The unreadable page waits in the queue with the enrollments its sender is waiting on.
    let (_, queue) = a
        .api(
            Method::GET,
            "/api/v1/fax/pages?status=unreadable",
            &c.centre,
            None,
        )
        .await;
    let queue = queue.as_array().unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["reason"], "QRコードが見つかりません");
    let path = format!("/api/v1/fax/pages/{}/candidates", queue[0]["id"]);
    let (_, cands) = a.api(Method::GET, &path, &c.centre, None).await;
    assert!(cands.is_array(), "{cands}");
    let ids: Vec<i64> = cands
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![two], "waiting for a copy from that FAX number");
    let (_, found) = a
        .api(Method::GET, &format!("{path}?q=佐藤"), &c.centre, None)
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    let m1 = msgs
        .iter()
        .find(|m| m["message_id"] == "fax-1@gw.example.jp")
        .unwrap();
    assert_eq!(m1["subject"], "FAX受信 029-265-8332 1枚");
    assert_eq!(m1["sender"], "fax-gw@example.jp");
    assert_eq!(m1["fax_number"], "0292658332");
    let m2 = msgs
        .iter()
        .find(|m| m["message_id"] == "fwd-1@office.example.jp")
        .unwrap();
    assert_eq!(
        m2["fax_number"], "0292658332",
        "from the forwarded original"
    );
    let (_, view) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/messages/{}", m1["id"]),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(view["documents"][0]["file_name"], "同意書.tif");
    assert_eq!(view["pages"][0]["outcome"], "matched");
    assert_eq!(view["pages"][0]["enrollment_id"], one);

    // The rest of the second copy, beside a corrupt PDF; the first FAX sent again; and the
    // very same e-mail delivered twice.
    let page_two = fax_of(&two_pdf, "tiffg4", "204x196", Some((2, 2)));
    let third = gateway_mail(
        "fax-3@gw.example.jp",
        "FAX受信",
        "",
        &[
            (
                "broken.pdf",
                "application/pdf",
                b"%PDF-1.4\n1 0 obj <<>> garbage",
            ),
            ("p2.tif", "image/tiff", &page_two),
        ],
    );
    let resent = gateway_mail(
        "fax-4@gw.example.jp",
        "FAX受信 再送",
        "",
        &[("同意書.tif", "image/tiff", &tiff_one)],
    );
    dovecot.append(&[third, resent, first]).await;
    let polled = imap::poll_once(&a.state, &cfg).await.unwrap();
    assert_eq!(
        (polled.fetched, polled.stored, polled.duplicates),
        (3, 2, 1)
    );
    all_read(a, &c.centre).await;
    assert_eq!(state(a, &c, two).await, "copy_received");
    let v = copy(a, &c, two).await;
    assert_eq!(
        (v["received"].clone(), v["missing"].clone()),
        (json!([1, 2]), json!([]))
    );
    let (_, html, _) = get(a, &format!("/enrollments/{}", a.code(two).await)).await;
    assert!(html.contains("すべてのページがそろいました"));

    let (_, pages) = a
        .api(Method::GET, "/api/v1/fax/pages", &c.centre, None)
        .await;
    let outcomes: Vec<&str> = pages
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "matched").count(), 3);
    assert_eq!(
        outcomes.iter().filter(|o| **o == "duplicate").count(),
        1,
        "{outcomes:?}"
    );
    let (_, failed) = a
        .api(
            Method::GET,
            "/api/v1/fax/messages?status=processed",
            &c.centre,
            None,
        )
        .await;
    let third = failed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == "fax-3@gw.example.jp")
        .unwrap();
    let (_, view) = a
        .api(
            Method::GET,
            &format!("/api/v1/fax/messages/{}", third["id"]),
            &c.centre,
            None,
        )
        .await;
    assert_eq!(view["documents"][0]["status"], "failed");
    assert!(view["documents"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("壊れている"));
    assert_eq!(view["documents"][1]["status"], "read");

    // Every message is flagged on the server, and a further poll finds nothing new.
    assert_eq!(dovecot.count("UNSEEN").await, 0);
    assert_eq!(dovecot.count("ALL").await, 6);
    let polled = imap::poll_once(&a.state, &cfg).await.unwrap();
    assert_eq!(polled.fetched, 0);

    // Page images for the centre's screens; care managers do not see the intake.
    let id = pages[0]["id"].as_i64().unwrap();
    let r = reqwest::Client::new()
        .get(a.url(&format!("/api/v1/fax/pages/{id}/image?thumb=true")))
        .bearer_auth(&c.centre)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG"));
    assert_eq!(
        a.api(Method::GET, "/api/v1/fax/pages", &c.cm, None).await.0,
        403
    );
    app.finish().await;
}
