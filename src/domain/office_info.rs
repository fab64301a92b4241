//! ④ 事業所情報: what an office administrator keeps up to date about their office, as the
//! city's resource map shows it.

use unicode_normalization::UnicodeNormalization;

use super::person::Phone;
use super::text::{bounded_text, optional_text};
use super::{FieldError, FieldErrors};

/// Closed days: 月…日 and 祝, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClosedDays(u8);

impl ClosedDays {
    /// Stored names and screen labels, Monday first; the last is public holidays.
    pub const DAYS: [(&'static str, &'static str); 8] = [
        ("mon", "月"),
        ("tue", "火"),
        ("wed", "水"),
        ("thu", "木"),
        ("fri", "金"),
        ("sat", "土"),
        ("sun", "日"),
        ("hol", "祝"),
    ];

    /// From the boxes ticked: "none" alone, or any of the days.
    pub fn parse(ticked: &[String]) -> Result<ClosedDays, FieldError> {
        let none = ticked.iter().any(|t| t == "none");
        let mut bits = 0u8;
        for t in ticked.iter().filter(|t| *t != "none") {
            let i = Self::DAYS.iter().position(|(k, _)| k == t).ok_or_else(|| {
                FieldError::new("closed_days", "休業日の指定が正しくありません。")
            })?;
            bits |= 1 << i;
        }
        if none && bits != 0 {
            return Err(FieldError::new(
                "closed_days",
                "休業日は「なし」と曜日を同時には選べません。",
            ));
        }
        Ok(ClosedDays(bits))
    }

    /// As stored: "mon,sat,hol", or "" for none.
    pub fn from_stored(s: &str) -> ClosedDays {
        let ticked: Vec<String> = s
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        ClosedDays::parse(&ticked).unwrap_or_default()
    }

    pub fn stored(self) -> String {
        self.keys().collect::<Vec<_>>().join(",")
    }

    pub fn contains(self, key: &str) -> bool {
        self.keys().any(|k| k == key)
    }

    fn keys(self) -> impl Iterator<Item = &'static str> {
        Self::DAYS
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, (k, _))| *k)
    }

    /// 「土・日・祝」, or 「なし」.
    pub fn label_ja(self) -> String {
        if self.0 == 0 {
            return "なし".into();
        }
        Self::DAYS
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, (_, l))| *l)
            .collect::<Vec<_>>()
            .join("・")
    }
}

/// A point on the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

impl Coordinates {
    /// Both or neither; decimal degrees (full-width digits and a trailing ° are fine).
    pub fn parse(lat: &str, lon: &str) -> Result<Option<Coordinates>, FieldError> {
        let clean = |s: &str| -> String {
            s.nfkc()
                .filter(|c| !c.is_whitespace() && *c != '°')
                .collect()
        };
        let (lat, lon) = (clean(lat), clean(lon));
        if lat.is_empty() && lon.is_empty() {
            return Ok(None);
        }
        let num = |s: &str, field, max: f64| -> Result<f64, FieldError> {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= max)
                .ok_or_else(|| {
                    FieldError::new(
                        field,
                        "緯度・経度は 36.3917 / 140.5289 のように10進数の度で、両方入力してください。",
                    )
                })
        };
        Ok(Some(Coordinates {
            latitude: num(&lat, "latitude", 90.0)?,
            longitude: num(&lon, "longitude", 180.0)?,
        }))
    }
}

/// A validated edit of an office's information.
#[derive(Debug, Clone)]
pub struct OfficeInfo {
    pub address: String,
    pub phone: Phone,
    pub fax: Phone,
    pub coordinates: Option<Coordinates>,
    /// 座標の上書き禁止: the point stays where it was put when the address changes.
    pub coords_locked: bool,
    pub hours: String,
    pub closed_days: ClosedDays,
    pub co_located: String,
    pub other_info: String,
    /// The office chooses to appear on the public 地域資源マップ.
    pub map_published: bool,
}

/// The form's fields as typed.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct OfficeInfoInput {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub fax: String,
    #[serde(default)]
    pub latitude: String,
    #[serde(default)]
    pub longitude: String,
    #[serde(default)]
    pub coords_locked: bool,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub closed_days: Vec<String>,
    #[serde(default)]
    pub co_located: String,
    #[serde(default)]
    pub other_info: String,
    /// 地域資源マップに掲載する (on unless said otherwise; the form always says).
    #[serde(default = "yes")]
    pub map_published: bool,
}

fn yes() -> bool {
    true
}

impl Default for OfficeInfoInput {
    fn default() -> Self {
        OfficeInfoInput {
            address: String::new(),
            phone: String::new(),
            fax: String::new(),
            latitude: String::new(),
            longitude: String::new(),
            coords_locked: false,
            hours: String::new(),
            closed_days: Vec::new(),
            co_located: String::new(),
            other_info: String::new(),
            map_published: true,
        }
    }
}

impl OfficeInfo {
    /// Every field checked; all refusals at once.
    pub fn parse(i: &OfficeInfoInput) -> Result<OfficeInfo, FieldErrors> {
        let mut e = FieldErrors::default();
        let address = e.take(bounded_text("address", &i.address, 200, "所在地"));
        let phone = e.take(Phone::parse("phone", &i.phone));
        let fax = e.take(Phone::parse("fax", &i.fax));
        let coordinates = e.take(Coordinates::parse(&i.latitude, &i.longitude));
        let hours = e.take(optional_text("hours", &i.hours, 100, "営業時間"));
        let closed_days = e.take(ClosedDays::parse(&i.closed_days));
        let co_located = e.take(optional_text(
            "co_located",
            &i.co_located,
            200,
            "併設事業所",
        ));
        let other_info = e.take(optional_text("other_info", &i.other_info, 100, "その他"));
        e.finish(|| {
            Some(OfficeInfo {
                address: address?,
                phone: phone?,
                fax: fax?,
                coordinates: coordinates?,
                coords_locked: i.coords_locked,
                hours: hours?,
                closed_days: closed_days?,
                co_located: co_located?,
                other_info: other_info?,
                map_published: i.map_published,
            })
        })
    }

    /// Where the office sits on the map after this edit. A point moved by hand is kept. When
    /// only the address changed, the old point no longer belongs to it and is cleared (to be
    /// set again on the map), unless 座標の上書き禁止 holds it where it was put.
    pub fn coordinates_after(
        &self,
        old_address: &str,
        old: Option<Coordinates>,
    ) -> Option<Coordinates> {
        let moved_by_hand = self.coordinates != old;
        if moved_by_hand || self.coords_locked || self.address == old_address.trim() {
            self.coordinates
        } else {
            None
        }
    }
}

/// Whether an office is open on `date` (a weekday; `holiday` when it is a public holiday), by
/// its closed days. `None` when it cannot be read: an office that has not given its hours has
/// said nothing of when it is open.
pub fn open_on(
    closed: ClosedDays,
    hours: &str,
    date: chrono::NaiveDate,
    holiday: bool,
) -> Option<bool> {
    use chrono::Datelike;
    if hours.trim().is_empty() {
        return None;
    }
    let day = ClosedDays::DAYS[date.weekday().num_days_from_monday() as usize].0;
    let closed_today = closed.contains(day) || (holiday && closed.contains("hol"));
    Some(!closed_today)
}

/// Whether `date` is a Japanese public holiday (振替休日 and 国民の休日 included).
pub fn is_holiday(date: chrono::NaiveDate) -> bool {
    jpholiday::jpholiday::JPHoliday::new().is_holiday(&date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(v: &[&str]) -> Result<ClosedDays, FieldError> {
        ClosedDays::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn closed_days_are_none_or_days_and_round_trip() {
        let d = days(&["sat", "sun", "hol"]).unwrap();
        assert_eq!(d.stored(), "sat,sun,hol");
        assert_eq!(d.label_ja(), "土・日・祝");
        assert_eq!(ClosedDays::from_stored(&d.stored()), d);
        assert_eq!(days(&["none"]).unwrap().label_ja(), "なし");
        assert_eq!(days(&["none", "mon"]).unwrap_err().field, "closed_days");
        assert!(days(&["someday"]).is_err());
    }

    #[test]
    fn coordinates_are_both_or_neither_and_in_range() {
        let c = Coordinates::parse("３６.３９１７°", " 140.5289")
            .unwrap()
            .unwrap();
        assert_eq!((c.latitude, c.longitude), (36.3917, 140.5289));
        assert_eq!(Coordinates::parse("", "").unwrap(), None);
        assert_eq!(
            Coordinates::parse("36.1", "").unwrap_err().field,
            "longitude"
        );
        assert_eq!(
            Coordinates::parse("91", "140").unwrap_err().field,
            "latitude"
        );
        assert!(Coordinates::parse("NaN", "140").is_err());
    }

    fn info(address: &str, coords: Option<(f64, f64)>, locked: bool) -> OfficeInfo {
        OfficeInfo {
            address: address.into(),
            phone: Phone::parse("phone", "029-212-3751").unwrap(),
            fax: Phone::parse("fax", "029-212-3752").unwrap(),
            coordinates: coords.map(|(a, b)| Coordinates {
                latitude: a,
                longitude: b,
            }),
            coords_locked: locked,
            hours: String::new(),
            closed_days: ClosedDays::default(),
            co_located: String::new(),
            other_info: String::new(),
            map_published: true,
        }
    }

    #[test]
    fn the_lock_keeps_the_point_when_the_address_changes() {
        let old = Some(Coordinates {
            latitude: 36.39,
            longitude: 140.52,
        });
        let p = Some((36.39, 140.52));
        // Address changed, point untouched: cleared unless locked.
        assert_eq!(
            info("新しい住所", p, false).coordinates_after("石川町20-32", old),
            None
        );
        assert_eq!(
            info("新しい住所", p, true).coordinates_after("石川町20-32", old),
            old
        );
        // Same address: kept. A point moved by hand: the new one, locked or not.
        assert_eq!(
            info("石川町20-32", p, false).coordinates_after("石川町20-32", old),
            old
        );
        let moved = info("新しい住所", Some((36.4, 140.6)), false);
        assert_eq!(
            moved.coordinates_after("石川町20-32", old),
            moved.coordinates
        );
    }

    #[test]
    fn lengths_are_bounded() {
        let mut i = OfficeInfoInput {
            address: "石川町20-32".into(),
            phone: "029-212-3751".into(),
            fax: "029-212-3752".into(),
            hours: "9:00〜17:00".into(),
            ..Default::default()
        };
        assert!(OfficeInfo::parse(&i).is_ok());
        i.hours = "あ".repeat(101);
        assert!(OfficeInfo::parse(&i).unwrap_err().get("hours").is_some());
        i.hours.clear();
        i.co_located = "あ".repeat(201);
        assert!(OfficeInfo::parse(&i)
            .unwrap_err()
            .get("co_located")
            .is_some());
        i.co_located = "あ".repeat(200);
        i.other_info = "い".repeat(101);
        assert!(OfficeInfo::parse(&i)
            .unwrap_err()
            .get("other_info")
            .is_some());
    }

    #[test]
    fn open_today_is_read_from_the_closed_days_and_holidays() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let weekends = days(&["sat", "sun", "hol"]).unwrap();
        // 2026-12-02 is a Wednesday; 2026-11-23 (勤労感謝の日) a Monday holiday.
        assert_eq!(
            open_on(weekends, "9:00〜17:00", d(2026, 12, 2), false),
            Some(true)
        );
        assert_eq!(
            open_on(weekends, "9:00〜17:00", d(2026, 12, 5), false),
            Some(false)
        );
        assert!(is_holiday(d(2026, 11, 23)) && !is_holiday(d(2026, 12, 2)));
        assert_eq!(
            open_on(weekends, "9:00〜17:00", d(2026, 11, 23), true),
            Some(false)
        );
        let sundays = days(&["sun"]).unwrap();
        assert_eq!(
            open_on(sundays, "9:00〜17:00", d(2026, 11, 23), true),
            Some(true)
        );
        assert_eq!(
            open_on(weekends, " ", d(2026, 12, 2), false),
            None,
            "hours not given"
        );
    }
}
