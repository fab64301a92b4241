//! The simulated year's stage: a hand-set clock, and steps taken "this morning", each dated by
//! the application's clock.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use consentflow::clock::ManualClock;
use consentflow::domain::Actor;
use consentflow::service::training::{self, TrainingInput};

use super::forms::City;
use super::helpers::TestApp;
use super::intake::printed;

/// 09:00 in Japan on `d`.
pub fn morning(d: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo
        .from_local_datetime(&d.and_hms_opt(9, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

pub struct Sim<'a> {
    pub a: &'a TestApp,
    pub c: City,
    pub clock: ManualClock,
    pub today: NaiveDate,
    pub city_actor: Actor,
}

impl Sim<'_> {
    /// An enrollment step through the API, as happening this morning.
    pub async fn step(&self, token: &str, id: i64, body: Value) {
        let path = format!("/api/v1/enrollments/{}/transitions", self.a.code(id).await);
        let (s, v) = self
            .a
            .api(Method::POST, &path, token, Some(body.clone()))
            .await;
        let path = format!("{path} {body}");
        assert_eq!(s, 200, "{} {body_text}: {v}", self.today, body_text = path);
        self.entered(id).await;
    }

    /// The change is dated by the application's clock (this morning), not by the machine's.
    pub async fn entered(&self, id: i64) {
        let mut c = self.a.store.acquire().await.unwrap();
        let e = consentflow::store::enrollments::get(c.conn(), id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(e.updated_at, morning(self.today), "enrollment {id}");
    }

    /// A printed form for `token`'s office (care manager or nurse), issued this morning.
    pub async fn issued(&self, nurse: bool) -> i64 {
        let mut c = self.c.clone();
        if nurse {
            c.cm = self.c.nurse.clone();
        }
        let (id, _) = printed(self.a, &c, "山田 花子", 1).await;
        self.entered(id).await;
        id
    }

    pub async fn trained(&self, office: i64) {
        let input = TrainingInput {
            held_on: self.today.to_string(),
            topic: "個人情報の取扱い".into(),
            attendees: "8".into(),
            attachment: None,
        };
        training::record(&self.a.state, &self.city_actor, office, &input)
            .await
            .unwrap();
    }
}

pub fn rx(channel: &str) -> Value {
    json!({ "action": "receive_copy", "channel": channel })
}
