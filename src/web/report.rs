//! 運営状況の報告 for the city: choose a period, read the report with its charts, and take it
//! away as a PDF (A4, for the council's papers) or as CSV (the same numbers, for Excel).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use consentflow_workers::report::{chart_svg, Block, Document, Table};

use super::{render, PageError};
use crate::domain::report::{Period, PeriodQuery};
use crate::domain::FieldErrors;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::{report, report_doc};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports/operations", get(page))
        .route("/reports/operations.pdf", get(pdf))
        .route("/reports/operations.csv", get(csv))
}

/// What was typed, kept as typed.
#[derive(Default)]
struct Typed {
    period: String,
    month: String,
    fiscal_year: String,
    from: String,
    to: String,
}

impl Typed {
    fn of(q: &PeriodQuery, p: Option<&Period>) -> Typed {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut t = Typed {
            period: q.period.clone().unwrap_or_else(|| "month".into()),
            month: s(&q.month),
            fiscal_year: s(&q.fiscal_year),
            from: s(&q.from),
            to: s(&q.to),
        };
        // The default period shows what it chose.
        if let (Some(p), true) = (p, t.month.is_empty() && t.period == "month") {
            t.month = p.from.format("%Y-%m").to_string();
        }
        t
    }
}

enum ViewBlock {
    Table(Table),
    Chart(String),
    Note(String),
}

struct ViewSection {
    heading: String,
    blocks: Vec<ViewBlock>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    user: Option<&'a CurrentUser>,
    f: Typed,
    errors: FieldErrors,
    subtitle: Vec<String>,
    sections: Vec<ViewSection>,
    /// The query string of the period shown (for the PDF and CSV links).
    query: String,
}

fn view(d: Document) -> (Vec<String>, Vec<ViewSection>) {
    let sections = d
        .sections
        .into_iter()
        .map(|s| ViewSection {
            heading: s.heading,
            blocks: s
                .blocks
                .into_iter()
                .map(|b| match b {
                    Block::Table(t) => ViewBlock::Table(t),
                    Block::Chart(c) => ViewBlock::Chart(chart_svg(&c)),
                    Block::Note(n) => ViewBlock::Note(n),
                })
                .collect(),
        })
        .collect();
    (d.subtitle, sections)
}

/// The period asked for and its report, or the form again with what was wrong.
async fn build(
    state: &AppState,
    user: &CurrentUser,
    q: &PeriodQuery,
) -> Result<Result<(Period, Document), Response>, PageError> {
    user.city_only()?;
    match Period::parse(q, state.clock.today()) {
        Ok(p) => {
            let r = report::operations(state, &user.actor(), p).await?;
            Ok(Ok((p, report_doc::document(&r))))
        }
        Err(errors) => Ok(Err(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ReportPage {
                user: Some(user),
                f: Typed::of(q, None),
                errors,
                subtitle: vec![],
                sections: vec![],
                query: String::new(),
            },
        ))),
    }
}

#[tracing::instrument(skip_all)]
async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let (p, d) = match build(&state, &user, &q).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    let (subtitle, sections) = view(d);
    Ok(render(
        StatusCode::OK,
        &ReportPage {
            user: Some(&user),
            f: Typed::of(&q, Some(&p)),
            errors: FieldErrors::default(),
            subtitle,
            sections,
            query: p.query(),
        },
    ))
}

fn attachment(content_type: &str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// What the report is taken away as.
#[derive(Clone, Copy)]
enum Download {
    Pdf,
    Csv,
}

#[tracing::instrument(skip_all)]
async fn download(
    state: AppState,
    user: CurrentUser,
    q: PeriodQuery,
    as_: Download,
) -> Result<Response, PageError> {
    let (p, d) = match build(&state, &user, &q).await? {
        Ok(x) => x,
        Err(refused) => return Ok(refused),
    };
    Ok(match as_ {
        Download::Pdf => attachment(
            "application/pdf",
            format!("operations-{}.pdf", p.key()),
            report_doc::pdf(d).await?,
        ),
        Download::Csv => attachment(
            "text/csv; charset=utf-8",
            format!("operations-{}.csv", p.key()),
            report_doc::csv(&d),
        ),
    })
}

async fn pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    download(state, user, q, Download::Pdf).await
}

async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    download(state, user, q, Download::Csv).await
}
