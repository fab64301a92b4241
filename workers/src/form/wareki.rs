//! 和暦: Japanese era dates, as printed on forms beside the Western date and as people type them.
//! The one era table of the project (the service's `domain::date` uses it too).

use chrono::{Datelike, NaiveDate};

/// (era, its letter as in S15.4.1, first day, year of 元年). Newest first. 明治 counts from
/// 1868, but dates are only given from 1873, when Japan adopted the Gregorian calendar.
type Era = (&'static str, char, (i32, u32, u32), i32);

const ERAS: [Era; 5] = [
    ("令和", 'r', (2019, 5, 1), 2019),
    ("平成", 'h', (1989, 1, 8), 1989),
    ("昭和", 's', (1926, 12, 25), 1926),
    ("大正", 't', (1912, 7, 30), 1912),
    ("明治", 'm', (1873, 1, 1), 1868),
];

fn start(i: usize) -> Option<NaiveDate> {
    let (_, _, (y, m, d), _) = ERAS.get(i)?;
    NaiveDate::from_ymd_opt(*y, *m, *d)
}

/// The era and year of the era (1 = 元年), or None before the Gregorian calendar in Japan.
pub fn era_year(d: NaiveDate) -> Option<(&'static str, i32)> {
    ERAS.iter()
        .enumerate()
        .find_map(|(i, (name, _, _, base))| (d >= start(i)?).then(|| (*name, d.year() - base + 1)))
}

/// A date in the Japanese calendar with ASCII digits: 昭和15年4月1日, 昭和15/4/1, S15.4.1,
/// 平成元年1月8日. The date must fall within its era.
pub fn parse(input: &str) -> Option<NaiveDate> {
    let s = input.trim().to_lowercase();
    let (i, rest) = ERAS
        .iter()
        .enumerate()
        .find_map(|(i, (name, letter, _, _))| {
            s.strip_prefix(name)
                .or_else(|| s.strip_prefix(*letter))
                .map(|rest| (i, rest.replace('元', "1")))
        })?;
    let n: Vec<u32> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [year, month, day] = n[..] else {
        return None;
    };
    let base = ERAS[i].3;
    let date = NaiveDate::from_ymd_opt(base + year as i32 - 1, month, day)?;
    // Newest first: the era after this one is the one before it in the table.
    let ends = i.checked_sub(1).and_then(start);
    (year >= 1 && date >= start(i)? && ends.is_none_or(|e| date < e)).then_some(date)
}

/// `令和元年5月1日`, `平成31年4月30日`.
pub fn format(d: NaiveDate) -> Option<String> {
    let (era, y) = era_year(d)?;
    let year = if y == 1 {
        "元".to_string()
    } else {
        y.to_string()
    };
    Some(format!("{era}{year}年{}月{}日", d.month(), d.day()))
}

/// `昭和15年4月1日（1940年4月1日）`: both, as forms print them.
pub fn format_both(d: NaiveDate) -> String {
    let western = format!("{}年{}月{}日", d.year(), d.month(), d.day());
    match format(d) {
        Some(w) => format!("{w}（{western}）"),
        None => western,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn era_boundaries() {
        assert_eq!(format(d(2019, 4, 30)).unwrap(), "平成31年4月30日");
        assert_eq!(format(d(2019, 5, 1)).unwrap(), "令和元年5月1日");
        assert_eq!(format(d(2020, 1, 1)).unwrap(), "令和2年1月1日");
        assert_eq!(format(d(2026, 11, 25)).unwrap(), "令和8年11月25日");
        assert_eq!(format(d(1989, 1, 7)).unwrap(), "昭和64年1月7日");
        assert_eq!(format(d(1989, 1, 8)).unwrap(), "平成元年1月8日");
        assert_eq!(format(d(1926, 12, 24)).unwrap(), "大正15年12月24日");
        assert_eq!(format(d(1926, 12, 25)).unwrap(), "昭和元年12月25日");
        assert_eq!(format(d(1912, 7, 30)).unwrap(), "大正元年7月30日");
        assert_eq!(format(d(1912, 7, 29)).unwrap(), "明治45年7月29日");
        assert_eq!(format(d(1872, 12, 31)), None);
    }

    #[test]
    fn both_calendars() {
        assert_eq!(format_both(d(1940, 4, 1)), "昭和15年4月1日（1940年4月1日）");
    }
}
