//! Who may read what: every GET route of the pages and the API, read out of the router's source
//! (a route missing from the table below fails the test), tried as seven people — nobody signed
//! in, a care manager (office A, obtainer), a nurse (office B, on the team), a pharmacist
//! (office C, unrelated), office A's administrator, the centre and the city — against one
//! fixture of each resource. Allowed means an answer (2xx, or a redirect not to the sign-in
//! page); refused means 401, 403, 404 or the sign-in page.

pub use super::access_fixture::{fixture, Fx};
use super::forms::city;
use super::helpers::{spawn_app, Backend};
use super::matrix::{
    no_wrong_answers, routes, sign_in_everyone, to_login, CENTRE, CENTRE_CITY, CITY, ENROLLMENT,
    OFFICE_A, OFFICE_A_ADMIN, OFFICE_A_CITY, OFFICE_USERS, OWNER, PEOPLE, PUBLIC, SIGNED_IN,
};

#[tokio::test]
async fn every_get_route_answers_only_its_audience() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let Fx {
        code,
        page,
        front,
        message,
        mail,
        batch,
        office_a,
        cm_id,
        training,
        link,
        incident,
        ..
    } = fixture(a, &c).await;

    // Every GET route, its audience, and the path to try.
    let p = |s: &str| s.to_string();
    let table: Vec<(&str, &str, String)> = vec![
        ("/", PUBLIC, p("/")),
        ("/apply", PUBLIC, p("/apply")),
        ("/certificate", PUBLIC, p("/certificate")),
        ("/login", PUBLIC, p("/login")),
        ("/login/once/{token}", PUBLIC, link.clone()),
        ("/healthz", PUBLIC, p("/healthz")),
        ("/metrics", PUBLIC, p("/metrics")),
        ("/static/upload.js", PUBLIC, p("/static/upload.js")),
        ("/static/team.js", PUBLIC, p("/static/team.js")),
        ("/static/map.js", PUBLIC, p("/static/map.js")),
        ("/static/office_map.js", PUBLIC, p("/static/office_map.js")),
        (
            "/static/leaflet/{*file}",
            PUBLIC,
            p("/static/leaflet/leaflet.js"),
        ),
        ("/map", PUBLIC, p("/map")),
        ("/incidents", SIGNED_IN, p("/incidents")),
        ("/incidents/new", SIGNED_IN, p("/incidents/new")),
        ("/incidents.csv", CITY, p("/incidents.csv")),
        ("/reports/operations", CITY, p("/reports/operations")),
        (
            "/enrollments/{code}/subject",
            ".y..y..",
            format!("/enrollments/{code}/subject"),
        ),
        (
            "/offices/{id}/handovers",
            OFFICE_A,
            format!("/offices/{office_a}/handovers"),
        ),
        (
            "/api/v1/obtainer-changes",
            SIGNED_IN,
            p("/api/v1/obtainer-changes"),
        ),
        (
            "/api/v1/offices/{id}/handovers",
            OFFICE_A,
            format!("/api/v1/offices/{office_a}/handovers"),
        ),
        ("/offices/closures", CITY, p("/offices/closures")),
        ("/retention", CITY, p("/retention")),
        // No addition waits on the fixture: nobody finds one (additions.rs prints a real one).
        (
            "/enrollments/{code}/additions/{id}/form.pdf",
            ".......",
            format!("/enrollments/{code}/additions/999999/form.pdf"),
        ),
        (
            "/api/v1/enrollments/{code}/additions/{id}/form.pdf",
            ".......",
            format!("/api/v1/enrollments/{code}/additions/999999/form.pdf"),
        ),
        ("/api/v1/retention", CITY, p("/api/v1/retention")),
        (
            "/reports/operations.pdf",
            CITY,
            p("/reports/operations.pdf"),
        ),
        (
            "/reports/operations.csv",
            CITY,
            p("/reports/operations.csv"),
        ),
        (
            "/api/v1/reports/operations",
            CITY,
            p("/api/v1/reports/operations"),
        ),
        (
            "/api/v1/reports/operations.pdf",
            CITY,
            p("/api/v1/reports/operations.pdf"),
        ),
        (
            "/api/v1/reports/operations.csv",
            CITY,
            p("/api/v1/reports/operations.csv"),
        ),
        (
            "/incidents/{id}",
            OFFICE_A_CITY,
            format!("/incidents/{incident}"),
        ),
        ("/api/v1/incidents", SIGNED_IN, p("/api/v1/incidents")),
        (
            "/api/v1/incidents/{id}",
            OFFICE_A_CITY,
            format!("/api/v1/incidents/{incident}"),
        ),
        ("/password", SIGNED_IN, p("/password")),
        ("/account", SIGNED_IN, p("/account")),
        ("/enrollments", SIGNED_IN, p("/enrollments")),
        ("/enrollments/new", OFFICE_USERS, p("/enrollments/new")),
        (
            "/enrollments/{code}",
            ENROLLMENT,
            format!("/enrollments/{code}"),
        ),
        (
            "/enrollments/{code}/consent-form.pdf",
            ENROLLMENT,
            format!("/enrollments/{code}/consent-form.pdf"),
        ),
        (
            "/print-batches/{id}",
            OWNER,
            format!("/print-batches/{batch}"),
        ),
        (
            "/print-batches/{id}/pdf",
            OWNER,
            format!("/print-batches/{batch}/pdf"),
        ),
        ("/dashboard", CENTRE_CITY, p("/dashboard")),
        ("/fax", CENTRE_CITY, p("/fax")),
        ("/fax/resolved", CENTRE_CITY, p("/fax/resolved")),
        ("/fax/upload", CENTRE, p("/fax/upload")),
        (
            "/fax/messages/{id}",
            CENTRE_CITY,
            format!("/fax/messages/{message}"),
        ),
        ("/fax/pages/{id}", CENTRE_CITY, format!("/fax/pages/{page}")),
        (
            "/fax/pages/{id}/image",
            CENTRE_CITY,
            format!("/fax/pages/{page}/image"),
        ),
        (
            "/fax/pages/{id}/checks/{field}",
            CENTRE_CITY,
            format!("/fax/pages/{front}/checks/signature"),
        ),
        ("/mail", CENTRE_CITY, p("/mail")),
        ("/mail/{id}", CENTRE_CITY, format!("/mail/{mail}")),
        ("/office", OFFICE_USERS, p("/office")),
        ("/offices", CITY, p("/offices")),
        ("/offices/applications", CITY, p("/offices/applications")),
        ("/offices/{id}", OFFICE_A, format!("/offices/{office_a}")),
        (
            "/offices/{id}/staff",
            OFFICE_A_ADMIN,
            format!("/offices/{office_a}/staff"),
        ),
        (
            "/offices/{id}/staff/{user}",
            OFFICE_A_ADMIN,
            format!("/offices/{office_a}/staff/{cm_id}"),
        ),
        (
            "/offices/{id}/trainings",
            OFFICE_A_CITY,
            format!("/offices/{office_a}/trainings"),
        ),
        (
            "/trainings/{id}/attachment",
            OFFICE_A_CITY,
            format!("/trainings/{training}/attachment"),
        ),
        ("/training", CITY, p("/training")),
        ("/training.csv", CITY, p("/training.csv")),
        ("/users", CITY, p("/users")),
        ("/api/v1/openapi.json", PUBLIC, p("/api/v1/openapi.json")),
        ("/api/v1/offices", SIGNED_IN, p("/api/v1/offices")),
        ("/api/v1/tokens", SIGNED_IN, p("/api/v1/tokens")),
        (
            "/api/v1/office-applications",
            CITY,
            p("/api/v1/office-applications"),
        ),
        ("/api/v1/enrollments", SIGNED_IN, p("/api/v1/enrollments")),
        (
            "/api/v1/enrollments/{code}",
            ENROLLMENT,
            format!("/api/v1/enrollments/{code}"),
        ),
        (
            "/api/v1/enrollments/{code}/consent-form.pdf",
            ENROLLMENT,
            format!("/api/v1/enrollments/{code}/consent-form.pdf"),
        ),
        (
            "/api/v1/enrollments/{code}/forms",
            ENROLLMENT,
            format!("/api/v1/enrollments/{code}/forms"),
        ),
        (
            "/api/v1/enrollments/{code}/copy",
            ENROLLMENT,
            format!("/api/v1/enrollments/{code}/copy"),
        ),
        (
            "/api/v1/enrollments/{code}/checks",
            CENTRE_CITY,
            format!("/api/v1/enrollments/{code}/checks"),
        ),
        (
            "/api/v1/print-batches/{id}",
            OWNER,
            format!("/api/v1/print-batches/{batch}"),
        ),
        (
            "/api/v1/print-batches/{id}/pdf",
            OWNER,
            format!("/api/v1/print-batches/{batch}/pdf"),
        ),
        ("/api/v1/dashboard", CENTRE_CITY, p("/api/v1/dashboard")),
        (
            "/api/v1/fax/messages",
            CENTRE_CITY,
            p("/api/v1/fax/messages"),
        ),
        (
            "/api/v1/fax/messages/{id}",
            CENTRE_CITY,
            format!("/api/v1/fax/messages/{message}"),
        ),
        ("/api/v1/fax/pages", CENTRE_CITY, p("/api/v1/fax/pages")),
        (
            "/api/v1/fax/pages/{id}",
            CENTRE_CITY,
            format!("/api/v1/fax/pages/{page}"),
        ),
        (
            "/api/v1/fax/pages/{id}/image",
            CENTRE_CITY,
            format!("/api/v1/fax/pages/{page}/image"),
        ),
        (
            "/api/v1/fax/pages/{id}/candidates",
            CENTRE_CITY,
            format!("/api/v1/fax/pages/{page}/candidates"),
        ),
        (
            "/api/v1/public/offices.geojson",
            PUBLIC,
            p("/api/v1/public/offices.geojson"),
        ),
        (
            "/api/v1/fax/pages/{id}/ocr",
            CENTRE_CITY,
            format!("/api/v1/fax/pages/{page}/ocr"),
        ),
    ];
    let mut known: Vec<String> = table.iter().map(|(r, _, _)| r.to_string()).collect();
    known.sort();
    let mut found = routes("src/web", "", "get(");
    found.extend(routes("src/api/mod.rs", "/api/v1", "get("));
    found.sort();
    assert_eq!(
        found, known,
        "every GET route is in the table (and nothing else)"
    );

    let people = sign_in_everyone(a).await;
    let mut wrong = Vec::new();
    for (route, audience, path) in &table {
        for (i, who) in PEOPLE.iter().enumerate() {
            let (client, _, token) = people.as_(who, path);
            let mut req = client.get(a.url(path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let to_login = to_login(&r);
            let allowed = (200..400).contains(&status) && !to_login;
            let want = audience.as_bytes()[i] == b'y';
            if allowed != want {
                wrong.push(format!(
                    "{route} as {who}: {status}{} (want {})",
                    if to_login { " → sign-in" } else { "" },
                    if want { "allowed" } else { "refused" }
                ));
            }
        }
    }
    no_wrong_answers(&wrong, table.len());
    app.finish().await;
}
