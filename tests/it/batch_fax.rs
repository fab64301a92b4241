//! A print batch is one document sharing one font (#23), and its pages are the forms as issued:
//! FAXed back as one transmission, every page is read and matched to its person.

use reqwest::Method;
use serde_json::json;

use super::forms::{city, enrollment};
use super::helpers::{eventually, spawn_app, Backend};
use super::intake::{all_read, copy, printed, upload};
use super::mail::{fax_of, tools};

use consentflow_workers::pdf::{font_programs, page_count};

#[tokio::test]
async fn a_batch_shares_one_font_and_its_pages_faxed_back_are_each_matched() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    if !tools(&["gs"]) {
        return;
    }
    let a = &app;
    let c = city(a).await;
    // Two forms printed before (one of two pages), and one the batch issues.
    let (one, _) = printed(a, &c, "山田 花子", 1).await;
    let (two, _) = printed(a, &c, "佐々木 美代子", 16).await;
    let (three, _) = enrollment(a, &c, "渡邉 髙志").await;
    let ids = json!({ "enrollment_ids": [one, two, three] });
    let (s, b) = a
        .api(Method::POST, "/api/v1/print-batches", &c.cm, Some(ids))
        .await;
    assert_eq!(s, 202, "{b}");
    let path = format!("/api/v1/print-batches/{}", b["id"]);
    let done = eventually(120, || async {
        let (_, b) = a.api(Method::GET, &path, &c.cm, None).await;
        (b["status"] == "done").then_some(b)
    })
    .await;
    assert!(done.is_some(), "the batch finished");
    let pdf = reqwest::Client::new()
        .get(a.url(&format!("{path}/pdf")))
        .bearer_auth(&c.cm)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(page_count(&pdf), Some(4));
    assert_eq!(font_programs(&pdf), Some(1), "one font for the whole batch");

    // The whole batch comes back as one FAX.
    let tif = fax_of(&pdf, "tiffg4", "204x196", None);
    let s = upload(a, &c.centre, &[("fax.tif", &tif)]).await.status();
    assert!(s.is_success(), "{s}");
    all_read(a, &c.centre).await;
    for (id, pages) in [(one, json!([1])), (two, json!([1, 2])), (three, json!([1]))] {
        let v = copy(a, &c, id).await;
        assert_eq!(v["received"], pages, "{v}");
    }
    app.finish().await;
}
