//! 報告義務 (#21): a report reaches the reporter's office administrator and the city at once.
//! The e-mail names the kind, the office, the reporter and when; what happened is read on the
//! screen (it may name people).

use super::notify::unique;
use super::notify::url;
use super::offices::{city, mail};
use super::Mail;
use crate::context::Context;
use crate::error::AppResult;
use crate::store::incidents::{self, Incident};
use crate::store::Conn;

pub async fn reported(mut c: Conn<'_>, app: &Context, i: &Incident) -> AppResult<Vec<Mail>> {
    let mut to: Vec<(String, Option<String>)> = match i.office_id {
        Some(o) => incidents::office_addresses(c.reborrow(), o)
            .await?
            .into_iter()
            .map(|(a, n)| (a, Some(n)))
            .collect(),
        None => Vec::new(),
    };
    to.extend(city(c, app).await?);
    let to = unique(to);
    let vars = vec![
        ("kind", i.kind.full_label_ja()),
        (
            "office",
            i.office_name
                .clone()
                .unwrap_or_else(|| "（事業所なし）".into()),
        ),
        ("reporter", i.reporter_name.clone()),
        ("occurred_at", crate::clock::local_time(&i.occurred_at)),
        ("at", crate::clock::local_time(&i.created_at)),
        ("link", url(app, &format!("/incidents/{}", i.id))),
    ];
    Ok(to
        .into_iter()
        .map(|to| {
            let key = format!("incident:{}:{}", i.id, to.0.to_lowercase());
            mail(
                key,
                "incident_reported",
                to,
                ("incident", i.id),
                vars.clone(),
            )
        })
        .collect())
}
