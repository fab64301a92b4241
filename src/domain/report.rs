//! 運営状況の報告: the period a report covers, as the city chooses it (a month, a fiscal year,
//! or from–to, typed any way people type dates), and the statistics it shows.

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::person::parse_date;
use super::{FieldError, FieldErrors};

/// The longest period one report covers (its charts have a column a month).
pub const MAX_MONTHS: u32 = 60;

/// What the report form and the API ask for. Empty means the last whole month.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// month, fiscal_year or range.
    pub period: Option<String>,
    /// For a month: 2026-11 (or 2026年11月).
    pub month: Option<String>,
    /// For a fiscal year: the year it starts in April (2026 = 2026年4月〜2027年3月; 令和8 too).
    pub fiscal_year: Option<String>,
    /// For a range: the first day.
    pub from: Option<String>,
    /// For a range: the last day (included).
    pub to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    FiscalYear,
    Range,
}

/// Whole days in Japan, from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    pub kind: PeriodKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn first_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("every month has a first day")
}

/// 2026-11, 2026/11, 2026年11月, ２０２６－１１.
fn parse_month(input: &str) -> Option<NaiveDate> {
    let s: String = input.nfkc().filter(|c| !c.is_whitespace()).collect();
    let s = s.trim_end_matches('月');
    let (y, m) = s
        .split_once(['-', '/', '年', '.'])
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))?;
    NaiveDate::from_ymd_opt(y, m, 1).filter(|_| (2000..=2100).contains(&y))
}

/// 2026, 2026年度, 令和8年度, R8.
fn parse_fiscal_year(input: &str) -> Option<i32> {
    let s: String = input.nfkc().filter(|c| !c.is_whitespace()).collect();
    let s = s.trim_end_matches("年度").trim_end_matches('年');
    let year = match s.parse::<i32>() {
        Ok(y) => y,
        Err(_) => {
            let s = s
                .trim_start_matches(['令', 'R', 'r'])
                .trim_start_matches('和');
            let n = if s == "元" {
                1
            } else {
                s.parse::<i32>().ok()?
            };
            2018 + n
        }
    };
    (2000..=2100).contains(&year).then_some(year)
}

impl Period {
    /// The period asked for; `today` in Japan gives the default (last month).
    pub fn parse(q: &PeriodQuery, today: NaiveDate) -> Result<Period, FieldErrors> {
        let mut errs = FieldErrors::default();
        let blank = |s: &Option<String>| s.as_deref().map(str::trim).unwrap_or("").is_empty();
        let kind = match q.period.as_deref().map(str::trim) {
            None | Some("") | Some("month") => PeriodKind::Month,
            Some("fiscal_year") => PeriodKind::FiscalYear,
            Some("range") => PeriodKind::Range,
            Some(_) => {
                errs.push(FieldError::new(
                    "period",
                    "集計期間の種類を選んでください。",
                ));
                PeriodKind::Month
            }
        };
        let p = match kind {
            PeriodKind::Month if blank(&q.month) => {
                let m = first_of(today) - Months::new(1);
                Some((m, first_of(today).pred_opt().expect("a day before")))
            }
            PeriodKind::Month => errs.take(
                parse_month(q.month.as_deref().unwrap_or(""))
                    .map(|m| (m, m + Months::new(1) - chrono::Days::new(1)))
                    .ok_or_else(|| {
                        FieldError::new(
                            "month",
                            "月は 2026-11 または 2026年11月 の形で入力してください。",
                        )
                    }),
            ),
            PeriodKind::FiscalYear => errs.take(
                parse_fiscal_year(q.fiscal_year.as_deref().unwrap_or(""))
                    .map(|y| {
                        let from = NaiveDate::from_ymd_opt(y, 4, 1).expect("1 April");
                        (
                            from,
                            NaiveDate::from_ymd_opt(y + 1, 3, 31).expect("31 March"),
                        )
                    })
                    .ok_or_else(|| {
                        FieldError::new(
                            "fiscal_year",
                            "年度は 2026 または 令和8年度 の形で入力してください。",
                        )
                    }),
            ),
            PeriodKind::Range => {
                let from = errs.take(parse_date(
                    "from",
                    q.from.as_deref().unwrap_or(""),
                    "開始日",
                ));
                let to = errs.take(parse_date("to", q.to.as_deref().unwrap_or(""), "終了日"));
                from.zip(to)
            }
        };
        if let Some((from, to)) = p {
            if to < from {
                errs.push(FieldError::new(
                    "to",
                    "終了日は開始日より後の日にしてください。",
                ));
            } else if Period::months_between(from, to) > MAX_MONTHS as usize {
                errs.push(FieldError::new(
                    "to",
                    format!("集計期間は{MAX_MONTHS}か月以内にしてください。"),
                ));
            }
        }
        errs.finish(|| p.map(|(from, to)| Period { kind, from, to }))
    }

    fn months_between(from: NaiveDate, to: NaiveDate) -> usize {
        ((to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1) as usize
    }

    /// 2026年11月 / 2026年度（2026年4月1日〜2027年3月31日） / 2026年4月1日〜2026年6月30日.
    pub fn label_ja(&self) -> String {
        let day = |d: NaiveDate| d.format("%Y年%-m月%-d日").to_string();
        match self.kind {
            PeriodKind::Month => self.from.format("%Y年%-m月").to_string(),
            PeriodKind::FiscalYear => format!(
                "{}年度（{}〜{}）",
                self.from.year(),
                day(self.from),
                day(self.to)
            ),
            PeriodKind::Range => format!("{}〜{}", day(self.from), day(self.to)),
        }
    }

    /// For file names: 2026-11, fy2026, 2026-04-01_2026-06-30.
    pub fn key(&self) -> String {
        match self.kind {
            PeriodKind::Month => self.from.format("%Y-%m").to_string(),
            PeriodKind::FiscalYear => format!("fy{}", self.from.year()),
            PeriodKind::Range => format!("{}_{}", self.from, self.to),
        }
    }

    /// The query string that asks for this period again.
    pub fn query(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("period=month&month={}", self.from.format("%Y-%m")),
            PeriodKind::FiscalYear => {
                format!("period=fiscal_year&fiscal_year={}", self.from.year())
            }
            PeriodKind::Range => format!("period=range&from={}&to={}", self.from, self.to),
        }
    }

    /// The first moment of `d` in Japan.
    pub fn midnight(d: NaiveDate) -> DateTime<Utc> {
        chrono_tz::Asia::Tokyo
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
            .single()
            .expect("Japan has no summer time")
            .with_timezone(&Utc)
    }

    pub fn start(&self) -> DateTime<Utc> {
        Period::midnight(self.from)
    }

    /// The first moment after the period.
    pub fn end(&self) -> DateTime<Utc> {
        Period::midnight(self.to + chrono::Days::new(1))
    }

    /// The months the period touches, each as (its first day, the first moment, the first
    /// moment after), cut to the period.
    pub fn months(&self) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = first_of(self.from);
        while m <= self.to {
            let next = m + Months::new(1);
            out.push(Month {
                first: m,
                start: Period::midnight(m.max(self.from)),
                end: Period::midnight(next.min(self.to + chrono::Days::new(1))),
            });
            m = next;
        }
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub first: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Month {
    /// 2026年11月 (a chart's axis shows 11月, with the year at January and at the start).
    pub fn label_ja(&self) -> String {
        self.first.format("%Y年%-m月").to_string()
    }
}

/// The middle and the 90th percentile of some durations (nearest rank), and how many.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Spread {
    pub count: usize,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

impl Spread {
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.retain(|v| v.is_finite());
        values.sort_by(f64::total_cmp);
        let rank = |p: f64| -> Option<f64> {
            if values.is_empty() {
                return None;
            }
            let k = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
            Some(values[k - 1])
        };
        let median = if values.is_empty() {
            None
        } else if !values.len().is_multiple_of(2) {
            Some(values[values.len() / 2])
        } else {
            let h = values.len() / 2;
            Some((values[h - 1] + values[h]) / 2.0)
        };
        Spread {
            count: values.len(),
            median,
            p90: rank(0.9),
        }
    }
}

/// A share as a percentage with one decimal, or None of nothing.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
