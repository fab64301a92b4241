//! A simulated year on a hand-set clock: five offices with different training histories and a
//! dozen enrollments moving (or stalling) through their steps. Every morning the schedules run
//! as of 09:00 Japan time; the test lists exactly which reminder e-mails go out on which dates.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, Months, NaiveDate, Utc};
use serde_json::json;

use consentflow::clock::ManualClock;
use consentflow::domain::{Actor, Role};
use consentflow::schedule::{self, Run};

use super::forms::city;
use super::helpers::{csrf_of, spawn_app_clocked, sql, sql_at, sql_count, Backend, PASSWORD};
use super::intake::{all_read, blank_page, upload};
use super::mail::gateway_mail;
use super::pc::Pc;

const REMINDERS: &[&str] = &[
    "training_before",
    "training_due",
    "training_overdue",
    "training_city",
    "copy_overdue",
    "resend_overdue",
    "activation_overdue",
    "voucher_expiring",
    "copy_incomplete",
];

use super::sim::{morning, rx, Sim};

#[tokio::test]
async fn a_simulated_year_of_reminders() {
    let start = Utc::now();
    let clock = ManualClock::new(start);
    let app = spawn_app_clocked(Backend::chosen(), Some(Arc::new(clock.clone())), |c| {
        c.schedules.enabled = false; // the test is the clock
    })
    .await
    .unwrap();
    let a = &app;
    let c = city(a).await;
    let t0 = consentflow::clock::japan_date(start);

    // Five offices, each with its administrator's address; a sixth in the city's way of seeing.
    use consentflow::service::accounts::{create_office, OfficeInput};
    for (kind, name, phone) in [
        ("clinic", "ひたちなか中央クリニック", "029-271-0004"),
        ("pharmacy", "東部薬局", "029-271-0005"),
    ] {
        let o = OfficeInput {
            kind: kind.into(),
            name: name.into(),
            phone: phone.into(),
            fax: phone.into(),
            address: "茨城県ひたちなか市".into(),
            admin_email: "x@example.jp".into(),
        };
        create_office(&a.store, &Actor::System, &o).await.unwrap();
    }
    let office = |n: &str| {
        let n = n.to_string();
        async move { sql_count(a, &format!("SELECT id FROM offices WHERE name = '{n}'")).await }
    };
    let (o1, o2, o3, o4, o5) = (
        office("柴田介護保険事務所").await,
        office("みなと訪問看護").await,
        office("コヤマ薬局").await,
        office("ひたちなか中央クリニック").await,
        office("東部薬局").await,
    );
    for (id, mail) in [
        (o1, "shibata"),
        (o2, "minato"),
        (o3, "koyama"),
        (o4, "chuo"),
        (o5, "tobu"),
    ] {
        sql(a, &format!("UPDATE offices SET admin_email = '{mail}@example.jp', admin_name = '{mail}' WHERE id = {id}")).await;
    }
    for (login, mail) in [("caremgr", "cm"), ("nurse", "nurse"), ("centre", "centre")] {
        sql(
            a,
            &format!("UPDATE users SET email = '{mail}@example.jp' WHERE login = '{login}'"),
        )
        .await;
    }
    let city_id = a.user("city", Role::CityAdmin, None).await;
    sql(
        a,
        "UPDATE users SET email = 'city@example.jp' WHERE login = 'city'",
    )
    .await;
    let city_actor = Actor::User {
        id: city_id,
        role: Role::CityAdmin,
        office_id: None,
    };

    // Training histories: O1 300 days ago, O2 100, O3 never, O4 340, O5 today.
    let mut sim = Sim {
        a,
        c,
        clock: clock.clone(),
        today: t0,
        city_actor: city_actor.clone(),
    };
    for (o, days) in [(o1, 300), (o2, 100), (o4, 340), (o5, 0)] {
        sim.today = t0 - Duration::days(days);
        sim.trained(o).await;
    }
    // O5's administrator has an unused certificate retrieval No, expiring T+15 08:00.
    a.user("tobu-admin", Role::OfficeAdmin, Some(o5)).await;
    consentflow::service::devices::reissue(&a.state, &city_actor, o5)
        .await
        .unwrap();
    let expires = morning(t0 + Duration::days(15)) - Duration::hours(1);
    sql_at(a, "UPDATE vouchers SET expires_at = $1", expires).await;

    let day = |n: i64| t0 + Duration::days(n);
    let due1 = day(-300) + Months::new(12);
    let due4 = day(-340) + Months::new(12);
    let mut ids: BTreeMap<&str, i64> = BTreeMap::new();
    let mut sent: Vec<(NaiveDate, String, String)> = Vec::new();
    let mut last_id = sql_count(a, "SELECT COALESCE(MAX(id), 0) FROM outbox").await;
    let (cm, nurse, centre) = (sim.c.cm.clone(), sim.c.nurse.clone(), sim.c.centre.clone());
    let consent = json!({ "action": "record_consent", "date": t0.to_string(), "signer": { "kind": "subject" } });
    let withdraw = json!({ "action": "close", "reason": "本人の意向で取りやめ" });
    let withdraw_consent = json!({ "action": "withdraw", "reason": "同意の撤回" });

    for n in 1..=365 {
        sim.today = day(n);
        sim.clock.set(morning(sim.today));
        // What people do this morning, before the schedules run.
        match n {
            1 => {
                for k in ["e1", "e2", "e3", "e4", "e6", "e7", "e9"] {
                    ids.insert(k, sim.issued(false).await);
                }
                for k in ["e5", "e8"] {
                    ids.insert(k, sim.issued(true).await);
                }
                sim.step(&cm, ids["e6"], consent.clone()).await;
                sim.step(&centre, ids["e9"], rx("fax")).await;
                sim.step(&centre, ids["e9"], json!({ "action": "verify" }))
                    .await;
                sim.step(&cm, ids["e9"], json!({ "action": "register_team" }))
                    .await;
                sim.step(&centre, ids["e9"], json!({ "action": "activate" }))
                    .await;
            }
            2 => {
                for k in ["e3", "e4"] {
                    sim.step(&centre, ids[k], rx("fax")).await;
                }
            }
            3 => {
                sim.step(
                    &centre,
                    ids["e3"],
                    json!({ "action": "return_copy", "reason": "署名がありません" }),
                )
                .await;
                sim.step(&centre, ids["e4"], json!({ "action": "verify" }))
                    .await;
            }
            5 => {
                sim.step(&cm, ids["e4"], json!({ "action": "register_team" }))
                    .await
            }
            6 => sim.step(&centre, ids["e2"], rx("fax")).await,
            8 => {
                sim.step(&centre, ids["e2"], json!({ "action": "verify" }))
                    .await
            }
            9 => {
                sim.step(&cm, ids["e2"], json!({ "action": "register_team" }))
                    .await
            }
            10 => {
                sim.step(&nurse, ids["e8"], withdraw.clone()).await;
                // A FAX from みなと nobody can read: E5's copy is probably in it.
                let eml = gateway_mail(
                    "unread@fax.example.jp",
                    "FAX受信 029-270-0002",
                    "",
                    &[("1.png", "image/png", &blank_page(250))],
                );
                assert_eq!(upload(a, &centre, &[("fax.eml", &eml)]).await.status(), 202);
                all_read(a, &centre).await;
            }
            12 => {
                sim.step(&centre, ids["e2"], json!({ "action": "activate" }))
                    .await
            }
            14 => sim.step(&centre, ids["e6"], rx("in_person")).await,
            15 => sim.step(&centre, ids["e7"], rx("fax")).await,
            24 => {
                sim.step(&centre, ids["e4"], json!({ "action": "activate" }))
                    .await
            }
            26 => {
                // The centre settles the unreadable page: the reminders for E5 resume.
                let pc = Pc::new(a);
                pc.login("centre", PASSWORD).await;
                let page = sql_count(
                    a,
                    "SELECT MAX(id) FROM fax_pages WHERE outcome = 'unreadable'",
                )
                .await;
                let (_, html, _, _) = pc.get(&format!("/fax/pages/{page}")).await;
                let f = [
                    ("csrf", csrf_of(&html)),
                    ("reason", "白紙の送信".to_string()),
                ];
                let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                assert_eq!(
                    pc.post(&format!("/fax/pages/{page}/discard"), &f).await.0,
                    303
                );
            }
            30 => sim.step(&centre, ids["e3"], rx("fax")).await,
            41 => {
                sim.step(&cm, ids["e1"], withdraw.clone()).await;
                sim.step(&nurse, ids["e5"], withdraw.clone()).await;
            }
            100 => {
                ids.insert("e10", sim.issued(false).await);
            }
            120 => sim.step(&centre, ids["e10"], rx("fax")).await,
            190 => {
                ids.insert("e11", sim.issued(true).await);
            }
            195 => sim.step(&centre, ids["e11"], rx("fax")).await,
            200 => {
                sim.step(
                    &centre,
                    ids["e11"],
                    json!({ "action": "return_copy", "reason": "日付がありません" }),
                )
                .await
            }
            230 => sim.step(&nurse, ids["e11"], withdraw_consent.clone()).await,
            290 => {
                let e = sim.issued(false).await;
                ids.insert("e12", e);
                sim.step(&centre, e, rx("fax")).await;
                sim.step(&centre, e, json!({ "action": "verify" })).await;
            }
            300 => {
                sim.step(&cm, ids["e12"], json!({ "action": "register_team" }))
                    .await
            }
            330 => {
                sim.step(&centre, ids["e12"], json!({ "action": "activate" }))
                    .await
            }
            _ => {}
        }
        if sim.today == due1 + Duration::days(31) {
            sim.trained(o1).await;
        }
        if sim.today == due4 + Duration::days(10) {
            sim.trained(o4).await;
        }
        let fired = schedule::catch_up(&a.state, Run::Inline).await.unwrap();
        assert_eq!(
            fired.len(),
            a.state.config.schedules.all().len(),
            "every schedule fires once each morning: {fired:?}"
        );
        assert!(
            schedule::catch_up(&a.state, Run::Inline)
                .await
                .unwrap()
                .is_empty(),
            "and only once"
        );
        for r in super::helpers::outbox_rows(a).await {
            let id = r["id"].as_i64().unwrap();
            let template = r["template"].as_str().unwrap();
            if id > last_id && REMINDERS.contains(&template) {
                sent.push((
                    sim.today,
                    template.to_string(),
                    r["to_address"].as_str().unwrap().to_string(),
                ));
            }
        }
        last_id = sql_count(a, "SELECT MAX(id) FROM outbox").await;
    }

    // What should have gone out, written out from the rules in the issue.
    let end = day(365);
    let mut want: Vec<(NaiveDate, String, String)> = Vec::new();
    let mut push = |d: NaiveDate, t: &str, to: &str| {
        if d >= day(1) && d <= end {
            want.push((d, t.to_string(), to.to_string()));
        }
    };
    // Training: 30 days before (or the first day inside that window), on the day, every 7 days
    // after, and the city at 30 days overdue; until a training is recorded.
    let mut cycle = |due: NaiveDate, to: &str, stop: NaiveDate| {
        let first = (due - Duration::days(30)).max(day(1));
        let mut v = vec![
            (first, "training_before", to.to_string()),
            (due, "training_due", to.to_string()),
        ];
        for k in 1..60 {
            v.push((
                due + Duration::days(7 * k),
                "training_overdue",
                to.to_string(),
            ));
        }
        v.push((
            due + Duration::days(30),
            "training_city",
            "city@example.jp".into(),
        ));
        for (d, t, to) in v {
            if d < stop {
                push(d, t, &to);
            }
        }
    };
    let never = end + Duration::days(1);
    cycle(due1, "shibata@example.jp", due1 + Duration::days(31));
    cycle(day(-100) + Months::new(12), "minato@example.jp", never);
    cycle(t0 + Months::new(12), "koyama@example.jp", never);
    cycle(due4, "chuo@example.jp", due4 + Duration::days(10));
    cycle(
        due4 + Duration::days(10) + Months::new(12),
        "chuo@example.jp",
        never,
    );
    cycle(t0 + Months::new(12), "tobu@example.jp", never);
    // Enrollments: overdue the day after their allowance (copy 14, resend 14, activation 7 days),
    // then weekly; E5's first two held back while みなと's unread FAX waits.
    for d in [16, 23, 30, 37] {
        push(day(d), "copy_overdue", "cm@example.jp"); // E1
    }
    for d in [30, 37] {
        push(day(d), "copy_overdue", "nurse@example.jp"); // E5
    }
    for d in [18, 25] {
        push(day(d), "resend_overdue", "cm@example.jp"); // E3
    }
    for d in [13, 20] {
        push(day(d), "activation_overdue", "centre@example.jp"); // E4
    }
    push(day(115), "copy_overdue", "cm@example.jp"); // E10
    for d in [215, 222, 229] {
        push(day(d), "resend_overdue", "nurse@example.jp"); // E11
    }
    for d in [308, 315, 322, 329] {
        push(day(d), "activation_overdue", "centre@example.jp"); // E12
    }
    push(day(12), "voucher_expiring", "tobu@example.jp");
    want.sort();
    sent.sort();
    let show = |v: &[(NaiveDate, String, String)]| {
        v.iter()
            .map(|(d, t, to)| format!("{} (T+{}) {t} {to}", d, (*d - t0).num_days()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(show(&sent), show(&want));
    app.finish().await;
}
