//! The centre's FAX screens in a browser: the pages of one FAX side by side (#20, part 3).

use super::browser::Browser;
use super::forms::city;
use super::helpers::{spawn_app, Backend};
use super::split::two_page_fax;

/// The sheets of the message view: (left, top, right, bottom, image width) each.
async fn sheets(b: &Browser) -> Vec<(f64, f64, f64, f64, f64)> {
    let v = b
        .client
        .execute(
            "return [...document.querySelectorAll('#message-pages > li')].map(li => { \
               const r = li.getBoundingClientRect(); \
               const img = li.querySelector('img').getBoundingClientRect(); \
               return [r.left, r.top, r.right, r.bottom, img.width]; })",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn the_pages_of_one_fax_are_side_by_side_and_stack_on_a_phone() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (message, _) = two_page_fax(a, &c.centre).await;
    b.login(a, "centre").await;
    let url = a.url(&format!("/fax/messages/{message}"));
    b.client.goto(&url).await.unwrap();
    b.element("#message-pages > li img").await;
    let s = sheets(&b).await;
    assert_eq!(s.len(), 2, "{s:?}");
    assert!((s[0].1 - s[1].1).abs() < 2.0, "on one row: {s:?}");
    assert!(
        s[1].0 >= s[0].2,
        "the second to the right of the first: {s:?}"
    );
    assert!(s[0].4 >= 300.0, "each page large enough to read: {s:?}");
    b.shot("fax-side-by-side").await;

    drop(b);
    let Some(b) = Browser::start_sized(360, 800).await else {
        return;
    };
    b.login(a, "centre").await;
    b.client.goto(&url).await.unwrap();
    b.element("#message-pages > li img").await;
    let s = sheets(&b).await;
    assert!(s[1].1 >= s[0].3, "stacked on a phone: {s:?}");
    let scroll = b
        .client
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(scroll, serde_json::json!(true), "no sideways scrolling");
    drop(b);
    app.finish().await;
}
