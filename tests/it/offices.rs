//! Office registration end to end (①–③), on both databases: the public application, the city's
//! approval, the retrieval No and password in two e-mails, enrolling the first PC once (reuse
//! and a wrong password refused), signing in only from an enrolled PC, more PCs approved by the
//! city, expiry, revocation; and rejection and the rate limit.

use serde_json::Value;

use super::helpers::{sent_outbox_rows, spawn_app_with, sql, sql_count, Backend, TestApp};
use super::pc::{field, nth_mail, Page, Pc};

pub const APPLICATION: &[(&str, &str)] = &[
    ("kind", "visiting_nursing"),
    ("name", "ひたちなか訪問看護ステーション"),
    ("address", "茨城県ひたちなか市東石川1-2-3"),
    ("phone", "029-272-1111"),
    ("fax", "029-272-1112"),
    ("admin_name", "佐藤 恵"),
    ("admin_email", "sato@houmon.example.jp"),
];

/// The `n`th pair of voucher e-mails: (証明書取得用No, パスワード).
async fn voucher_pair(a: &TestApp, n: usize) -> (String, String) {
    let number = field(
        &nth_mail(a, "certificate_number", n).await.2,
        "証明書取得用No：",
    );
    let password = field(
        &nth_mail(a, "certificate_password", n).await.2,
        "パスワード：",
    );
    (number, password)
}

/// The city reissues the office's voucher; the new pair is the `n`th.
async fn reissued(a: &TestApp, city: &Pc, office: i64, n: usize) -> (String, String) {
    let (s, _, _, _) = city
        .submit(
            &format!("/offices/{office}"),
            &format!("/offices/{office}/reissue"),
            &[],
        )
        .await;
    assert_eq!(s, 303);
    voucher_pair(a, n).await
}

/// [`APPLICATION`] as the API takes it, under another office name.
pub fn application_json(name: &str) -> Value {
    let mut v: serde_json::Map<String, Value> = APPLICATION
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    v.insert("name".into(), Value::String(name.into()));
    Value::Object(v)
}

/// Applies on the public page and has the city approve; returns the office id and the city's PC.
pub async fn approved_office(a: &TestApp) -> (i64, Pc) {
    let anyone = Pc::new(a);
    let (s, html, _, _) = anyone.submit("/apply", "/apply", APPLICATION).await;
    assert_eq!(s, 201, "{html}");
    let city = Pc::new(a);
    assert_eq!(city.login("city", super::helpers::PASSWORD).await.0, 303);
    let (_, html, _, _) = city.get("/offices/applications").await;
    let prefix = "/offices/applications/";
    let at = html.find(prefix).expect("an application to decide") + prefix.len();
    let id: String = html[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let (s, _, _, _) = city
        .submit(
            "/offices/applications",
            &format!("/offices/applications/{id}/approve"),
            &[("confirmed", "1")],
        )
        .await;
    assert_eq!(s, 303);
    let office = sql_count(a, "SELECT MAX(id) FROM offices").await;
    (office, city)
}

/// Redeems on `pc`; returns the response.
pub async fn redeem(pc: &Pc, number: &str, password: &str, label: &str, admin_pw: &str) -> Page {
    let f = [
        ("number", number),
        ("password", password),
        ("label", label),
        ("admin_password", admin_pw),
        ("admin_password_confirm", admin_pw),
    ];
    pc.submit("/certificate", "/certificate", &f).await
}

const ADMIN_PW: &str = "kanri-pass-2026";

async fn voucher_flow(a: &TestApp) {
    a.user("city", consentflow::domain::Role::CityAdmin, None)
        .await;
    sql(
        a,
        "UPDATE users SET email = 'renraku@city.example.jp' WHERE login = 'city'",
    )
    .await;

    // ① Bad input is refused with the field named and what was typed kept.
    let anyone = Pc::new(a);
    let mut bad = APPLICATION.to_vec();
    bad[3] = ("phone", "272-1111");
    let (s, html, _, _) = anyone.submit("/apply", "/apply", &bad).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("data-field=\"phone\"") && html.contains("ひたちなか訪問看護ステーション"),
        "{html}"
    );
    // Without the page's token: refused.
    let (s, _, _, _) = Pc::new(a).post("/apply", APPLICATION).await;
    assert_eq!(s, 403);

    // ② Applied and approved: the city heard of it, the applicant was acknowledged.
    let (office, city) = approved_office(a).await;
    let (to, subject, _) = nth_mail(a, "application_received", 1).await;
    assert_eq!(to, "renraku@city.example.jp");
    assert!(
        subject.contains("ひたちなか訪問看護ステーション"),
        "{subject}"
    );
    assert_eq!(
        nth_mail(a, "application_ack", 1).await.0,
        "sato@houmon.example.jp"
    );

    // Two e-mails: the No (with the login id) and, separately, the password.
    let (to, _, body) = nth_mail(a, "certificate_number", 1).await;
    assert_eq!(to, "sato@houmon.example.jp");
    let number = field(&body, "証明書取得用No：");
    let login = field(&body, "ログインID：");
    assert_eq!(login, format!("o{office:04}-admin"));
    assert!(body.contains("/certificate"), "{body}");
    let (_, _, body) = nth_mail(a, "certificate_password", 1).await;
    let password = field(&body, "パスワード：");
    assert_eq!(password.len(), 12);
    assert!(
        !body.contains(&number),
        "the No and the password travel apart"
    );

    // Shown to nobody: the outbox row holds a mark, the sealed copy is gone once sent, and the
    // database keeps only hashes.
    let rows = sent_outbox_rows(a).await;
    let pw_row = rows
        .iter()
        .find(|r| r["template"] == "certificate_password")
        .unwrap();
    assert!(!pw_row["body_text"].as_str().unwrap().contains(&password));
    assert!(pw_row.get("sealed").is_none());
    assert_eq!(
        sql_count(a, "SELECT COUNT(*) FROM outbox WHERE sealed IS NOT NULL").await,
        0
    );
    let digits: String = number.chars().filter(|c| c.is_ascii_digit()).collect();
    let leaks = format!(
        "SELECT COUNT(*) FROM vouchers WHERE number_hash LIKE '%{digits}%' OR password_hash LIKE '%{password}%' OR password_hash NOT LIKE '$argon2%'"
    );
    assert_eq!(sql_count(a, &leaks).await, 0);
    let (_, html, _, _) = city.get("/mail").await;
    assert!(
        !html.contains(&password),
        "not on the 送信メール page either"
    );

    // ③ The first PC: a wrong password is refused (and counted), a mismatched administrator
    // password too; then enrolled, once.
    let pc1 = Pc::new(a);
    let (s, html, _, _) = redeem(&pc1, &number, "wrong-password", "受付のパソコン", ADMIN_PW).await;
    assert_eq!(s, 422, "{html}");
    assert!(html.contains("正しくありません"));
    assert_eq!(
        sql_count(a, "SELECT COUNT(*) FROM vouchers WHERE failed_attempts = 1").await,
        1
    );
    let f = [
        ("number", number.as_str()),
        ("password", password.as_str()),
        ("label", "受付のパソコン"),
        ("admin_password", ADMIN_PW),
        ("admin_password_confirm", "something-else"),
    ];
    let (s, html, _, _) = pc1.submit("/certificate", "/certificate", &f).await;
    assert_eq!(s, 422);
    assert!(html.contains("data-field=\"admin_password\""), "{html}");
    // Typed as people do: full-width digits and spaces around the password.
    let wide: String = number
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 + 0xFEE0).unwrap()
            } else {
                c
            }
        })
        .collect();
    let (s, _, loc, cookie) = redeem(
        &pc1,
        &wide,
        &format!(" {password} "),
        "受付のパソコン",
        ADMIN_PW,
    )
    .await;
    assert_eq!((s, loc.as_deref()), (303, Some("/login?reason=enrolled")));
    assert!(cookie.unwrap().starts_with("cf_device="));
    let (s, html, _, _) = redeem(&Pc::new(a), &number, &password, "もう一台", ADMIN_PW).await;
    assert_eq!(s, 409, "reuse refused");
    assert!(html.contains("使用済み"), "{html}");

    // Signing in: from the enrolled PC, yes; from any other, no.
    assert_eq!(
        pc1.login(&login, ADMIN_PW).await.2.as_deref(),
        Some("/enrollments")
    );
    let (s, html, _, _) = Pc::new(a).login(&login, ADMIN_PW).await;
    assert_eq!(s, 403);
    assert!(html.contains("このパソコンは登録されていません"), "{html}");

    // 追加発行: asked by the administrator, the city hears, approves; a new pair arrives.
    let (s, html, _, _) = pc1
        .submit(
            &format!("/offices/{office}"),
            &format!("/offices/{office}/device-requests"),
            &[("label", "訪問用ノート")],
        )
        .await;
    assert_eq!(s, 303, "{html}");
    let (_, html, _, _) = pc1.get(&format!("/offices/{office}")).await;
    assert!(html.contains("市の確認待ち") && html.contains("追加発行を申請しました"));
    assert!(nth_mail(a, "device_requested", 1)
        .await
        .1
        .contains("追加発行"));
    let (_, html, _, _) = city.get("/offices/applications").await;
    let prefix = "/offices/device-requests/";
    let at = html.find(prefix).unwrap() + prefix.len();
    let req: String = html[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let (s, _, _, _) = city
        .submit(
            "/offices/applications",
            &format!("/offices/device-requests/{req}/approve"),
            &[],
        )
        .await;
    assert_eq!(s, 303);
    let (_, _, body) = nth_mail(a, "certificate_number", 2).await;
    assert!(body.contains("追加発行（訪問用ノート）"), "{body}");
    let (number2, password2) = voucher_pair(a, 2).await;
    let pc2 = Pc::new(a);
    let (s, html, _, _) = redeem(&pc2, &number2, &password2, "訪問用ノート", "").await;
    assert_eq!(
        s, 303,
        "no administrator password asked the second time: {html}"
    );
    assert_eq!(pc2.login(&login, ADMIN_PW).await.0, 303);

    // Expiry: a reissued pair not used in time is refused.
    let (number3, password3) = reissued(a, &city, office, 3).await;
    sql(
        a,
        "UPDATE vouchers SET expires_at = '2020-01-01T00:00:00+00:00' WHERE redeemed_at IS NULL",
    )
    .await;
    let (s, html, _, _) = redeem(&Pc::new(a), &number3, &password3, "三台目", "").await;
    assert_eq!(s, 409);
    assert!(html.contains("有効期限が切れています"), "{html}");

    // Revoking the second PC ends its session now, and it may not sign in again.
    assert_eq!(pc2.get("/enrollments").await.0, 200);
    let (_, html, _, _) = pc1.get(&format!("/offices/{office}")).await;
    // The newer of the two live PCs is the second.
    let dev2 = html
        .split("/devices/")
        .skip(1)
        .filter_map(|s| s.split('/').next()?.parse::<i64>().ok())
        .max()
        .unwrap();
    // Asked first, naming the PC and the office; nothing happens until confirmed.
    let revoke = format!("/offices/{office}/devices/{dev2}/revoke");
    let (s, html, _, _) = pc1
        .submit(&format!("/offices/{office}"), &revoke, &[])
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("「訪問用ノート」を無効にします"), "{html}");
    assert_eq!(pc2.get("/enrollments").await.0, 200, "not yet");
    let (s, _, _, _) = pc1
        .submit(
            &format!("/offices/{office}"),
            &revoke,
            &[("confirmed", "1")],
        )
        .await;
    assert_eq!(s, 303);
    let (s, _, loc, _) = pc2.get("/enrollments").await;
    assert_eq!((s, loc.unwrap().starts_with("/login")), (303, true));
    assert_eq!(pc2.login(&login, ADMIN_PW).await.0, 403);
    assert_eq!(
        pc1.get("/enrollments").await.0,
        200,
        "the first PC is untouched"
    );

    // Locked after repeated wrong passwords, even with the right one afterwards.
    let (number4, password4) = reissued(a, &city, office, 4).await;
    for _ in 0..5 {
        assert_eq!(
            redeem(&Pc::new(a), &number4, "guess-guess", "x", "")
                .await
                .0,
            422
        );
    }
    let (s, html, _, _) = redeem(&Pc::new(a), &number4, &password4, "x", "").await;
    assert_eq!(s, 409);
    assert!(html.contains("使えなくなりました"), "{html}");
}

#[tokio::test]
async fn the_voucher_flow_on_sqlite() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.offices.require_device = true)
        .await
        .unwrap();
    voucher_flow(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn the_voucher_flow_on_postgres() {
    let Some(app) = spawn_app_with(Backend::Postgres, |c| c.offices.require_device = true).await
    else {
        return;
    };
    voucher_flow(&app).await;
    app.finish().await;
}
