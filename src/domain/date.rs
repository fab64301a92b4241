//! Japanese dates, in one place: as people here read them (2026年12月2日, 令和8年12月2日) and
//! as they type them (和暦 included). The era table itself is the document engine's
//! (`workers::form::wareki`), which prints the same eras on the forms.

use chrono::NaiveDate;

use consentflow_workers::form::wareki;

/// 2026年12月2日.
pub fn western_ja(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// 令和8年12月2日 (令和元年… for the first year), or None before 1873.
pub fn wareki(d: NaiveDate) -> Option<String> {
    wareki::format(d)
}

/// 昭和15年4月1日（1940年4月1日）, as the forms print a birth date.
pub fn both(d: NaiveDate) -> String {
    wareki::format_both(d)
}

/// A date on a screen: 令和8年12月2日（2026年）. One style for every page; the western year
/// beside the era's, where it helps. (Before 1873, the western date alone.)
pub fn shown(d: NaiveDate) -> String {
    match wareki(d) {
        Some(w) => format!("{w}（{}年）", d.format("%Y")),
        None => western_ja(d),
    }
}

/// A date in the Japanese calendar (昭和15年4月1日, S15.4.1, 平成元年…), digits already ASCII.
pub fn parse_wareki(input: &str) -> Option<NaiveDate> {
    wareki::parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn read_and_typed_the_same_way() {
        assert_eq!(western_ja(d(2026, 12, 2)), "2026年12月2日");
        assert_eq!(wareki(d(2019, 5, 1)).as_deref(), Some("令和元年5月1日"));
        assert_eq!(both(d(1940, 4, 1)), "昭和15年4月1日（1940年4月1日）");
        assert_eq!(shown(d(2026, 12, 2)), "令和8年12月2日（2026年）");
        assert_eq!(shown(d(1940, 4, 1)), "昭和15年4月1日（1940年）");
        for day in [d(1940, 4, 1), d(1989, 1, 7), d(1989, 1, 8), d(2019, 5, 1)] {
            let printed = wareki(day).unwrap();
            assert_eq!(parse_wareki(&printed), Some(day), "{printed}");
        }
        assert_eq!(parse_wareki("昭和64年1月8日"), None, "平成 by then");
        assert_eq!(parse_wareki("h1.1.8"), Some(d(1989, 1, 8)));
    }
}
