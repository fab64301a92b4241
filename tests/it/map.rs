//! The public 地域資源マップ (#21): the demo city's offices as GeoJSON with only what the guide
//! says is published; an office that chose not to appear, one the city hid and one closed are
//! absent; the map and its list in Chromium with the tiles blocked (the test is offline); and
//! the office administrator's 地図設定, where a click on the map sets the point.

use reqwest::Method;
use serde_json::Value;

use consentflow::domain::Role;

use super::browser::Browser;
use super::helpers::{csrf_of, get, login, post, spawn_app_with, sql, Backend, TestApp, PASSWORD};
use super::rows::sql_count;

/// Tiles from a port nobody listens on: the map is drawn on its empty grid.
fn offline(cfg: &mut consentflow::config::Config) {
    cfg.map.tile_url = "http://127.0.0.1:9/{z}/{x}/{y}.png".into();
}

async fn geojson(a: &TestApp, etag: Option<&str>) -> reqwest::Response {
    let mut r = reqwest::Client::new().get(a.url("/api/v1/public/offices.geojson"));
    if let Some(t) = etag {
        r = r.header("if-none-match", t);
    }
    r.send().await.unwrap()
}

fn names(v: &Value) -> Vec<String> {
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap().to_string())
        .collect()
}

async fn office_id(a: &TestApp, name: &str) -> i64 {
    sql_count(a, &format!("SELECT id FROM offices WHERE name = '{name}'")).await
}

#[tokio::test]
async fn the_demo_citys_offices_are_published_and_nothing_personal() {
    let app = spawn_app_with(Backend::chosen(), offline).await.unwrap();
    let a = &app;
    assert!(consentflow::demo::load(&a.state).await.unwrap());
    let r = geojson(a, None).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/geo+json");
    assert_eq!(h["cache-control"], "public, max-age=300");
    let etag = h["etag"].to_str().unwrap().to_string();
    let body = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["type"], "FeatureCollection");
    assert_eq!(names(&v).len(), 7, "{body}");
    let pharmacy = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["name"] == "コヤマ薬局津田店")
        .unwrap();
    assert_eq!(
        pharmacy["geometry"]["coordinates"],
        serde_json::json!([140.5082, 36.4045])
    );
    let mut keys: Vec<&str> = pharmacy["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "address",
            "closed_days",
            "co_located",
            "fax",
            "hours",
            "kind",
            "kind_label",
            "name",
            "open_today",
            "other_info",
            "phone"
        ]
    );
    assert_eq!(pharmacy["properties"]["closed_days"], "日");
    assert_eq!(pharmacy["properties"]["kind_label"], "薬局");
    // Never a person, never an address to write to.
    for (_, name) in consentflow::demo::LOGINS {
        assert!(!body.contains(name), "{name} in {body}");
    }
    assert!(!body.contains('@') && !body.contains("admin"), "{body}");
    assert!(!body.contains("山田 花子"), "no person of an enrollment");
    assert_eq!(
        geojson(a, Some(&etag)).await.status(),
        304,
        "unchanged: 304"
    );

    // One office chooses not to appear (the API), the city hides one, one is closed.
    let clinic = office_id(a, "海原医院").await;
    let hospital = office_id(a, "ひたちなか中央病院").await;
    let nursing = office_id(a, "みなと訪問看護ステーション").await;
    a.user("kanri", Role::OfficeAdmin, Some(clinic)).await;
    let token = a.token("kanri").await;
    let body = serde_json::json!({ "address": "茨城県ひたちなか市東石川1-10-1", "phone": "029-285-1010",
        "fax": "029-285-1010", "latitude": 36.3929, "longitude": 140.5273, "coords_locked": false,
        "hours": "9:00〜18:00", "closed_days": ["sun"], "co_located": "", "other_info": "",
        "map_published": false });
    let (s, o) = a
        .api(
            Method::PUT,
            &format!("/api/v1/offices/{clinic}"),
            &token,
            Some(body),
        )
        .await;
    assert_eq!((s, &o["map_published"]), (200, &Value::Bool(false)), "{o}");
    a.user("shi", Role::CityAdmin, None).await;
    login(a, "shi", PASSWORD).await;
    let (_, html, _) = get(a, &format!("/offices/{hospital}")).await;
    let csrf = csrf_of(&html);
    let path = format!("/offices/{hospital}/map-hiding");
    let (s, html, _) = post(
        a,
        &path,
        &[("csrf", &csrf), ("action", "hide"), ("reason", "")],
    )
    .await;
    assert_eq!(s, 422, "a reason is needed");
    assert!(html.contains("id=\"reason-error\""), "{html}");
    let hide = [
        ("csrf", csrf.as_str()),
        ("action", "hide"),
        ("reason", "所在地の確認中"),
    ];
    assert_eq!(post(a, &path, &hide).await.0, 303);
    let (_, html, _) = get(a, &format!("/offices/{hospital}")).await;
    assert!(
        html.contains("市が地図への掲載を止めています（理由：所在地の確認中）"),
        "{html}"
    );
    sql(
        a,
        &format!("UPDATE offices SET closed_at = created_at WHERE id = {nursing}"),
    )
    .await;
    let r = geojson(a, Some(&etag)).await;
    assert_eq!(r.status(), 200, "changed: the old tag no longer matches");
    let v: Value = r.json().await.unwrap();
    let left = names(&v);
    assert_eq!(left.len(), 4, "{left:?}");
    for gone in [
        "海原医院",
        "ひたちなか中央病院",
        "みなと訪問看護ステーション",
    ] {
        assert!(!left.iter().any(|n| n == gone), "{gone} is not on the map");
    }
    let audited = sql_count(
        a,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'office.map_hidden'",
    )
    .await;
    assert_eq!(audited, 1);

    // The page: the same offices, filtered by kind and by a word typed full-width.
    let r = reqwest::get(a.url("/map?kind=pharmacy")).await.unwrap();
    assert_eq!(r.status(), 200, "no sign-in");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("img-src 'self' http://127.0.0.1:9;"), "{csp}");
    let html = r.text().await.unwrap();
    assert!(html.contains("コヤマ薬局津田店") && !html.contains("勝田地域包括支援センター"));
    let (_, html, _) = get(a, "/map?q=%EF%BC%91%EF%BC%94%EF%BC%8D%EF%BC%98").await; // １４－８
    assert!(html.contains("柴田介護保険事務所"), "{html}");
    assert!(html.contains("1件の事業所"), "{html}");
    app.finish().await;
}

/// The markers drawn: (count, the list's count).
async fn drawn(b: &Browser) -> (u64, u64) {
    let v = b
        .client
        .execute(
            "return [document.querySelectorAll('path.office-marker').length, \
             document.querySelectorAll('#office-list > li[data-lat]').length]",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn the_map_draws_the_list_offline_and_a_click_sets_an_offices_point() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = spawn_app_with(Backend::chosen(), offline).await.unwrap();
    let a = &app;
    assert!(consentflow::demo::load(&a.state).await.unwrap());
    b.client.goto(&a.url("/map")).await.unwrap();
    b.element("#map.live").await;
    let mut seen = (0, 0);
    for _ in 0..50 {
        seen = drawn(&b).await;
        if seen.0 > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen, (7, 7), "a marker for every office listed");
    b.click("path.office-marker").await;
    let mut popup = String::new();
    for _ in 0..50 {
        let v = b
            .client
            .execute(
                "const p = document.querySelector('.leaflet-popup-content');                  return p ? p.textContent : ''",
                vec![],
            )
            .await
            .unwrap();
        popup = v.as_str().unwrap_or_default().to_string();
        if !popup.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(popup.contains("所在地"), "the office's card: {popup}");
    b.shot("map").await;
    b.client.goto(&a.url("/map?kind=pharmacy")).await.unwrap();
    b.element("#map.live").await;
    assert_eq!(drawn(&b).await, (1, 1));

    // 地図設定: an office whose point is not set; its administrator clicks the map and saves.
    let home = office_id(a, "柴田介護保険事務所").await;
    sql(
        a,
        &format!("UPDATE offices SET latitude = NULL, longitude = NULL WHERE id = {home}"),
    )
    .await;
    a.user("kanri", Role::OfficeAdmin, Some(home)).await;
    b.login(a, "kanri").await;
    b.client
        .goto(&a.url(&format!("/offices/{home}")))
        .await
        .unwrap();
    b.element("#office-map.leaflet-container").await;
    assert_eq!(b.text("#map-coords").await, "位置は未設定です");
    b.click("#office-map").await;
    let lat: f64 = b
        .element("#latitude")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let lng: f64 = b
        .element("#longitude")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (lat - 36.3966).abs() < 0.02 && (lng - 140.5347).abs() < 0.02,
        "{lat}, {lng}"
    );
    assert!(b.text("#map-coords").await.starts_with("緯度 36."));
    b.shot("office-map").await;
    b.click("#office-info button[type=submit]").await;
    b.element("#notice").await;
    let stored = sql_count(
        a,
        &format!("SELECT CAST(ROUND(latitude * 1000000) AS BIGINT) FROM offices WHERE id = {home}"),
    )
    .await;
    assert_eq!(
        stored,
        (lat * 1e6).round() as i64,
        "the clicked point is saved"
    );
    drop(b);
    app.finish().await;
}
