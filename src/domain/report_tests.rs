use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn q(period: &str, a: &str, b: &str) -> PeriodQuery {
    let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
    match period {
        "month" => PeriodQuery {
            period: s(period),
            month: s(a),
            ..Default::default()
        },
        "fiscal_year" => PeriodQuery {
            period: s(period),
            fiscal_year: s(a),
            ..Default::default()
        },
        _ => PeriodQuery {
            period: s(period),
            from: s(a),
            to: s(b),
            ..Default::default()
        },
    }
}

#[test]
fn periods_as_clerks_type_them() {
    let today = d(2026, 12, 2);
    let p = |period, a, b| Period::parse(&q(period, a, b), today).map(|p| (p.from, p.to));
    assert_eq!(
        p("", "", ""),
        Ok((d(2026, 11, 1), d(2026, 11, 30))),
        "last month"
    );
    assert_eq!(
        p("month", "２０２６年２月", ""),
        Ok((d(2026, 2, 1), d(2026, 2, 28)))
    );
    assert_eq!(
        p("month", "2024/02", ""),
        Ok((d(2024, 2, 1), d(2024, 2, 29)))
    );
    assert_eq!(
        p("fiscal_year", "令和8年度", ""),
        Ok((d(2026, 4, 1), d(2027, 3, 31)))
    );
    assert_eq!(
        p("fiscal_year", "２０２５", ""),
        Ok((d(2025, 4, 1), d(2026, 3, 31)))
    );
    assert_eq!(
        p("range", "R8.4.1", "２０２６/６/３０"),
        Ok((d(2026, 4, 1), d(2026, 6, 30)))
    );
}

#[test]
fn a_wrong_period_is_refused_beside_its_field() {
    let today = d(2026, 12, 2);
    let field = |period, a, b| {
        let e = Period::parse(&q(period, a, b), today).unwrap_err();
        let f = e.iter().next().unwrap();
        (f.field, f.message.clone())
    };
    assert_eq!(field("month", "2026-13", "").0, "month");
    assert_eq!(field("fiscal_year", "来年", "").0, "fiscal_year");
    assert_eq!(field("range", "2026-06-30", "2026-04-01").0, "to");
    assert!(field("range", "2020-01-01", "2026-04-01")
        .1
        .contains("60か月"));
    assert_eq!(field("weekly", "", "").0, "period");
}

#[test]
fn months_are_cut_to_the_period_in_japan_time() {
    let p = Period::parse(&q("range", "2026-04-15", "2026-06-10"), d(2026, 12, 2)).unwrap();
    let m = p.months();
    assert_eq!(m.len(), 3);
    assert_eq!(m[0].first, d(2026, 4, 1));
    assert_eq!(m[0].start.to_rfc3339(), "2026-04-14T15:00:00+00:00");
    assert_eq!(m[2].end, p.end());
    assert_eq!(p.end().to_rfc3339(), "2026-06-10T15:00:00+00:00");
    assert_eq!(p.label_ja(), "2026年4月15日〜2026年6月10日");
    assert_eq!(p.key(), "2026-04-15_2026-06-10");
}

#[test]
fn median_and_ninetieth_percentile() {
    let s = Spread::of(vec![5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 6.0, 7.0, 8.0, 9.0]);
    assert_eq!((s.count, s.median, s.p90), (10, Some(5.5), Some(9.0)));
    let one = Spread::of(vec![2.0]);
    assert_eq!((one.median, one.p90), (Some(2.0), Some(2.0)));
    assert_eq!(Spread::of(vec![]).median, None);
    assert_eq!(percent(2, 3), Some(66.7));
    assert_eq!(percent(0, 0), None);
}
