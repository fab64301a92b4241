//! The public 地域資源マップ (#21): the offices that chose to appear, as citizens see them —
//! name, kind, address, phone, FAX, hours, closed days, 併設事業所 and その他, never a person —
//! filtered by kind, a word and 「今日営業」; the same as GeoJSON for other sites; and the city's
//! hiding of an office, with a reason.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::domain::office::OfficeKind;
use crate::domain::office_info::{is_holiday, open_on, ClosedDays};
use crate::domain::text::bounded_multiline;
use crate::domain::{Actor, Role};
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Event};
use crate::store::offices::{self, MapRow};
use crate::store::Store;

/// An office as the map publishes it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicOffice {
    pub id: i64,
    /// clinic, hospital, pharmacy, home_care_support, visiting_nursing, community_centre, other
    pub kind: String,
    /// The kind in Japanese (クリニック, 薬局…).
    pub kind_label: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub hours: String,
    /// 休業日 in Japanese: 「土・日・祝」, or 「なし」.
    pub closed_days: String,
    pub co_located: String,
    pub other_info: String,
    pub latitude: f64,
    pub longitude: f64,
    /// Open on the day asked about, by its closed days; absent when its hours are not given.
    pub open_today: Option<bool>,
}

/// What a citizen filters by. Absent fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct MapFilter {
    pub kind: Option<OfficeKind>,
    /// Found in the name or the address (full-width and half-width alike).
    pub word: Option<String>,
    /// Only offices open on the day asked about.
    pub open_today: bool,
}

fn folded(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
}

impl MapFilter {
    fn keeps(&self, o: &PublicOffice) -> bool {
        let kind = self.kind.is_none_or(|k| k.as_str() == o.kind);
        let word = self.word.as_deref().map(folded).is_none_or(|w| {
            w.is_empty() || folded(&o.name).contains(&w) || folded(&o.address).contains(&w)
        });
        kind && word && (!self.open_today || o.open_today == Some(true))
    }
}

fn public(r: MapRow, today: NaiveDate, holiday: bool) -> PublicOffice {
    let closed = ClosedDays::from_stored(&r.closed_days);
    PublicOffice {
        id: r.id,
        kind_label: OfficeKind::label_of(&r.kind).to_string(),
        kind: r.kind,
        name: r.name,
        address: r.address,
        phone: r.phone,
        fax: r.fax,
        open_today: open_on(closed, &r.hours, today, holiday),
        closed_days: if r.hours.trim().is_empty() && r.closed_days.is_empty() {
            String::new()
        } else {
            closed.label_ja()
        },
        hours: r.hours,
        co_located: r.co_located,
        other_info: r.other_info,
        latitude: r.latitude,
        longitude: r.longitude,
    }
}

/// The offices on the map on `today` (Japan's date), filtered.
pub async fn offices(
    store: &Store,
    today: NaiveDate,
    f: &MapFilter,
) -> AppResult<Vec<PublicOffice>> {
    let mut c = store.acquire().await?;
    let rows = offices::on_map(c.conn()).await?;
    let holiday = is_holiday(today);
    Ok(rows
        .into_iter()
        .map(|r| public(r, today, holiday))
        .filter(|o| f.keeps(o))
        .collect())
}

/// Every office on the map as a GeoJSON FeatureCollection (RFC 7946: longitude first), and its
/// entity tag (the body's digest), for `GET /api/v1/public/offices.geojson`.
pub async fn geojson(store: &Store, today: NaiveDate) -> AppResult<(String, String)> {
    let list = offices(store, today, &MapFilter::default()).await?;
    let features: Vec<serde_json::Value> = list
        .into_iter()
        .map(|o| {
            json!({
                "type": "Feature",
                "id": o.id,
                "geometry": { "type": "Point", "coordinates": [o.longitude, o.latitude] },
                "properties": {
                    "name": o.name, "kind": o.kind, "kind_label": o.kind_label,
                    "address": o.address, "phone": o.phone, "fax": o.fax, "hours": o.hours,
                    "closed_days": o.closed_days, "co_located": o.co_located,
                    "other_info": o.other_info, "open_today": o.open_today,
                }
            })
        })
        .collect();
    let body = json!({ "type": "FeatureCollection", "features": features }).to_string();
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(body.as_bytes())[..16])
    );
    Ok((body, etag))
}

fn city_user(actor: &Actor) -> AppResult<i64> {
    match (actor.role(), actor.user_id()) {
        (Some(Role::CityAdmin), Some(id)) => Ok(id),
        _ => Err(AppError::Forbidden(
            "地図の表示を止められるのは市の担当者だけです。".into(),
        )),
    }
}

/// The city hides an office from the map, with a reason (kept and audited), or shows it again
/// (`reason` absent).
#[tracing::instrument(skip(store, actor, reason))]
pub async fn set_hidden(
    store: &Store,
    actor: &Actor,
    office_id: i64,
    reason: Option<&str>,
) -> AppResult<()> {
    let user = city_user(actor)?;
    let reason = reason
        .map(|r| bounded_multiline("reason", r, 200, "理由"))
        .transpose()?;
    let mut tx = store.begin().await?;
    if !offices::set_map_hidden(tx.conn(), office_id, reason.as_deref(), user).await? {
        return Err(AppError::NotFound);
    }
    let action = if reason.is_some() {
        "office.map_hidden"
    } else {
        "office.map_shown"
    };
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            action,
            ("office", office_id),
            json!({ "reason": reason }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office(kind: &str, name: &str, address: &str, open: Option<bool>) -> PublicOffice {
        PublicOffice {
            id: 1,
            kind: kind.into(),
            kind_label: String::new(),
            name: name.into(),
            address: address.into(),
            phone: String::new(),
            fax: String::new(),
            hours: String::new(),
            closed_days: String::new(),
            co_located: String::new(),
            other_info: String::new(),
            latitude: 0.0,
            longitude: 0.0,
            open_today: open,
        }
    }

    #[test]
    fn a_citizen_finds_offices_by_kind_word_and_today() {
        let pharmacy = office("pharmacy", "みなと薬局", "東石川１－２", Some(true));
        let clinic = office("clinic", "勝田クリニック", "勝田中央3-1", None);
        let by_word = MapFilter {
            word: Some("東石川1".into()),
            ..MapFilter::default()
        };
        assert!(
            by_word.keeps(&pharmacy),
            "full-width digits typed half-width"
        );
        assert!(!by_word.keeps(&clinic));
        let by_kind = MapFilter {
            kind: Some(OfficeKind::Clinic),
            ..MapFilter::default()
        };
        assert!(by_kind.keeps(&clinic) && !by_kind.keeps(&pharmacy));
        let today = MapFilter {
            open_today: true,
            ..MapFilter::default()
        };
        assert!(today.keeps(&pharmacy));
        assert!(!today.keeps(&clinic), "hours not given: not claimed open");
    }
}
