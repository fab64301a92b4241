//! Every state-changing page route refuses a post without its CSRF token — the routes are read
//! out of the router's source, so a new one cannot be forgotten — and pages carry the security
//! headers and cookie flags.

use super::forms::city;
use super::helpers::{spawn_app, spawn_app_with, Backend, PASSWORD};
use super::pc::Pc;

/// (file, path, is_post) for every `.route(…)` in the page modules.
fn page_routes() -> Vec<(String, String, bool)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/web");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        let mut rest = src.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + 7..];
            // The call's text, to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap();
            let call = &rest[..end];
            let route = call.split('"').nth(1).unwrap().to_string();
            let post = call.contains("post(");
            out.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                route,
                post,
            ));
            rest = &rest[end..];
        }
    }
    out.sort();
    out
}

/// Posts that do not need the session's token, and why.
const NO_SESSION_TOKEN: &[(&str, &str)] = &[
    // The single-use link's own unguessable token is the proof.
    ("/login/once/{token}", "link token"),
];

#[tokio::test]
async fn every_page_post_refuses_a_missing_csrf_token() {
    let routes = page_routes();
    let posts: Vec<_> = routes.iter().filter(|r| r.2).collect();
    assert!(posts.len() >= 30, "routes read from the source: {routes:?}");
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    city(a).await;
    a.user("city", consentflow::domain::Role::CityAdmin, None)
        .await;
    let pc = Pc::new(a);
    assert_eq!(pc.login("city", PASSWORD).await.0, 303);
    for (file, route, _) in posts {
        if NO_SESSION_TOKEN.iter().any(|(r, _)| r == route) {
            continue;
        }
        let path: String = route
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let url = a.url(&path);
        let form = pc
            .client
            .post(&url)
            .form(&[("x", "1")])
            .send()
            .await
            .unwrap()
            .status();
        let multipart = reqwest::multipart::Form::new().text("x", "1");
        let multi = pc
            .client
            .post(&url)
            .multipart(multipart)
            .send()
            .await
            .unwrap()
            .status();
        assert!(
            form == 403 || multi == 403,
            "{file}: POST {route} without a CSRF token answered {form} / {multi}"
        );
    }
    // Still signed in: no post above did anything.
    assert_eq!(pc.get("/enrollments").await.0, 200);
    app.finish().await;
}

#[tokio::test]
async fn pages_carry_security_headers_and_cookies_their_flags() {
    let app = spawn_app_with(Backend::chosen(), |c| {
        c.base_url = Some("https://renrakucho.example.jp".into());
    })
    .await
    .unwrap();
    let a = &app;
    city(a).await;
    let r = reqwest::get(a.url("/login")).await.unwrap();
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        !csp.contains("script-src 'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let pre = h["set-cookie"].to_str().unwrap();
    assert!(
        pre.contains("HttpOnly") && pre.contains("SameSite=Strict"),
        "{pre}"
    );

    let pc = Pc::new(a);
    let (_, html, _, _) = pc.get("/login").await;
    let csrf = super::helpers::csrf_of(&html);
    let form = [
        ("login", "caremgr"),
        ("password", PASSWORD),
        ("csrf", csrf.as_str()),
    ];
    let r = pc
        .client
        .post(a.url("/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let c = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("cf_session="))
        .expect("a session cookie");
    assert!(c.starts_with("cf_session="), "{c}");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(c.contains(flag), "{flag} in {c}");
    }
    // API answers are JSON with the same headers; errors say nothing internal.
    let r = reqwest::get(a.url("/api/v1/enrollments")).await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    app.finish().await;
}
