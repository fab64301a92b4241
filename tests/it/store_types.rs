//! States are enums at the store boundary: a string the code does not know is an error where
//! the row is read, never a silent branch further on.

use super::forms::city;
use super::helpers::{spawn_app, sql, Backend};
use super::intake::printed;

#[tokio::test]
async fn an_unknown_enrollment_state_is_an_error_at_the_store() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, _) = printed(a, &c, "山田 花子", 1).await;
    let code = a.code(id).await;
    let mut conn = a.store.acquire().await.unwrap();
    let row = consentflow::store::enrollments::get(conn.conn(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.state,
        consentflow::domain::enrollment::State::FormIssued
    );
    drop(conn);

    sql(
        a,
        &format!("UPDATE enrollments SET state = 'lost' WHERE id = {id}"),
    )
    .await;
    let mut conn = a.store.acquire().await.unwrap();
    let e = consentflow::store::enrollments::get(conn.conn(), id)
        .await
        .expect_err("a state the code does not know");
    assert!(
        matches!(&e, sqlx::Error::ColumnDecode { index, .. } if index.contains("state")),
        "{e}"
    );
    drop(conn);
    // The page answers with the error page, not with the enrollment in some branch.
    let pc = super::pc::Pc::new(a);
    pc.login("centre", super::helpers::PASSWORD).await;
    let (status, html, _, _) = pc.get(&format!("/enrollments/{code}")).await;
    assert_eq!(status, 500, "{html}");
    assert!(html.contains("エラー"), "{html}");
    app.finish().await;
}
