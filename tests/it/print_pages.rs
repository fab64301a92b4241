//! Printing from the pages: 「同意書を印刷」 opens the stored PDF inline, the blank variant too,
//! and batch printing shows a progress page that ends with the PDF.

use super::helpers::{csrf_of, eventually, login, spawn_app, Backend, TestApp};

async fn signed_in_as_caremgr() -> (TestApp, Vec<i64>) {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    assert!(consentflow::demo::load(&app.state).await.unwrap());
    let (s, _, _) = login(&app, "caremgr", consentflow::demo::PASSWORD).await;
    assert_eq!(s, 303);
    let centre = app.token_with("centre", consentflow::demo::PASSWORD).await;
    let (_, list) = app
        .api(
            reqwest::Method::GET,
            "/api/v1/enrollments?state=draft",
            &centre,
            None,
        )
        .await;
    let drafts = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    (app, drafts)
}

#[tokio::test]
async fn print_button_opens_the_pdf_inline() {
    let (app, drafts) = signed_in_as_caremgr().await;
    let id = app.code(drafts[0]).await;
    let page = app
        .client
        .get(app.url(&format!("/enrollments/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("同意書を印刷") && page.contains("手書き用（空欄）を印刷"));
    let csrf = csrf_of(&page);

    let r = app
        .client
        .post(app.url(&format!("/enrollments/{id}/print")))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "printing issues the form, so it needs the CSRF token"
    );
    let r = app
        .client
        .post(app.url(&format!("/enrollments/{id}/print")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let pdf_path = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(pdf_path, format!("/enrollments/{id}/consent-form.pdf"));
    let r = app.client.get(app.url(&pdf_path)).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));

    let r = app
        .client
        .post(app.url(&format!("/enrollments/{id}/print")))
        .form(&[("csrf", csrf.as_str()), ("blank", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/enrollments/{id}/consent-form.pdf?blank=1")
    );
    let page = app
        .client
        .get(app.url(&format!("/enrollments/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("発行した同意書")
            && page.contains("手書き用")
            && page.contains("同意書発行済")
    );
    app.finish().await;
}

#[tokio::test]
async fn batch_printing_shows_progress_then_the_pdf() {
    let (app, _) = signed_in_as_caremgr().await;
    let list = app
        .client
        .get(app.url("/enrollments"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("まとめて印刷"));
    let ids: Vec<String> = list
        .split("name=\"ids\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 10, "the demo city: one enrollment per state");
    let mut form: Vec<(&str, &str)> = ids.iter().map(|i| ("ids", i.as_str())).collect();
    let csrf = csrf_of(&list);
    form.push(("csrf", &csrf));
    let r = app
        .client
        .post(app.url("/print-batches"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page_path = r.headers()["location"].to_str().unwrap().to_string();
    let page = app
        .client
        .get(app.url(&page_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<progress"), "{page}");
    let done = eventually(120, || async {
        let p = app
            .client
            .get(app.url(&page_path))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        p.contains("PDFを開いて印刷する").then_some(p)
    })
    .await
    .expect("the batch finishes");
    assert!(done.contains("10 / 10"), "{done}");
    // The closed enrollment never had a form: it is listed, the other nine print.
    assert!(
        done.contains("印刷できなかった登録") && done.matches("<li>").count() == 1,
        "{done}"
    );
    assert!(
        !done.contains("http-equiv=\"refresh\""),
        "a finished page stops refreshing"
    );
    let r = app
        .client
        .get(app.url(&format!("{page_path}/pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    assert_eq!(consentflow_workers::pdf::page_count(&pdf), Some(9));

    let r = app
        .client
        .post(app.url("/print-batches"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("印刷する登録を選んでください"));
    app.finish().await;
}
