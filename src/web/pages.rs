//! Enrollment pages: the list a user may see, and one enrollment with its history.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Redirect, Response};
use axum::routing::get;
use axum::Router;

use super::{render, PageError};
use crate::domain::enrollment::State as EState;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::overview::{self, ListQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/enrollments") }))
        .route("/enrollments", get(list))
        .route("/enrollments/{code}", get(super::enrollment::detail))
}

/// What happened, in Japanese, for an audit action on an enrollment's timeline.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "enrollment.created" => "登録（事前確認）",
        "enrollment.issue_form" => "同意書を発行",
        "enrollment.record_consent" => "同意を記録",
        "enrollment.receive_copy" => "同意書の写しを受信",
        "enrollment.return_copy" => "写しを差戻し",
        "enrollment.verify" => "写しを確認",
        "enrollment.register_team" => "チームを登録",
        "enrollment.activate" => "利用開始",
        "enrollment.withdraw" => "同意の撤回",
        "enrollment.close" => "終了",
        "enrollment.resend_requested" => "再送を依頼",
        "enrollment.copy_sent" => "写しを送付",
        "enrollment.checks_overridden" => "自動確認と異なる判断",
        "enrollment.subject_updated" => "基本情報を変更",
        "enrollment.member_removed" => "チームメンバーを外す",
        "enrollment.member_replaced" => "チームの担当者を交代",
        "enrollment.obtainer_change_asked" => "同意取得事業所の引き継ぎを依頼",
        "enrollment.obtainer_changed" => "同意取得事業所・担当者を変更",
        "enrollment.obtainer_change_declined" => "引き継ぎを辞退",
        "enrollment.obtainer_change_withdrawn" => "引き継ぎの依頼を取り下げ",
        "enrollment.retention_held" => "個人情報の消去を保留",
        "enrollment.retention_released" => "消去の保留を解除",
        "enrollment.members_asked" => "メンバーの追加を依頼（追加待ち）",
        "enrollment.members_added" => "メンバー追加の同意を確認（チームに追加）",
        "enrollment.members_withdrawn" => "メンバーの追加を取り下げ",
        "enrollment.erased" => "保存期間の経過により個人情報を消去",
        _ => "その他の操作",
    }
}

/// The detail worth showing on the timeline: a reason, a consent date and signer, how the copy
/// came in.
pub fn action_note(details: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(details).unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(d) = v.get("date").and_then(|d| d.as_str()) {
        let shown = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(crate::domain::date::shown)
            .unwrap_or_else(|_| d.to_string());
        parts.push(format!("同意日 {shown}"));
    }
    if v.pointer("/signer/kind").and_then(|k| k.as_str()) == Some("subject") {
        parts.push("本人の署名".into());
    }
    if let Some(r) = v.pointer("/signer/relationship").and_then(|r| r.as_str()) {
        parts.push(format!("代理人（{r}）の署名"));
    }
    match v.get("channel").and_then(|c| c.as_str()) {
        Some("fax") => parts.push("FAX".into()),
        Some("in_person") => parts.push("持参".into()),
        _ => {}
    }
    if let Some(r) = v.get("reason").and_then(|r| r.as_str()) {
        parts.push(format!("理由：{r}"));
    }
    if let Some(n) = v.get("note").and_then(|n| n.as_str()) {
        parts.push(n.to_string());
    }
    parts.join("、")
}

/// Japanese label of a stored role name.
pub fn role_label(s: &str) -> &'static str {
    crate::domain::Role::parse(s).map_or("システム", crate::domain::Role::label_ja)
}

/// Japanese label of a stored state name.
pub fn state_label(s: &str) -> &'static str {
    EState::parse(s).map(EState::label_ja).unwrap_or("不明")
}

#[derive(Template)]
#[template(path = "enrollments.html")]
struct ListPage<'a> {
    user: Option<&'a CurrentUser>,
    list: overview::ListPage,
    states: Vec<(&'static str, &'static str)>,
    selected: String,
    q: String,
    overdue: bool,
    /// The query string without the page, for the paging links.
    query: String,
    /// 要対応: on the home page (the list unfiltered), what waits for this person.
    todo: Vec<crate::service::todo::Todo>,
}

impl ListPage<'_> {
    fn since(d: &Option<chrono::NaiveDate>) -> String {
        d.map(crate::domain::date::shown).unwrap_or_default()
    }
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    // An unknown filter value shows everything rather than an error: it came from a stale link.
    let filter = q.state.as_deref().and_then(EState::parse);
    let list = overview::list(
        &state.store,
        &user.actor(),
        &state.config.deadlines,
        &q,
        filter,
    )
    .await?;
    let text = q.q.clone().unwrap_or_default();
    let home =
        filter.is_none() && text.trim().is_empty() && !q.only_overdue() && q.page.unwrap_or(1) <= 1;
    let todo = if home {
        crate::service::todo::for_actor(&state, &user.actor()).await?
    } else {
        vec![]
    };
    let selected = filter.map(|s| s.as_str().to_string()).unwrap_or_default();
    let query = serde_urlencoded::to_string([
        ("state", selected.as_str()),
        ("q", text.as_str()),
        ("overdue", if q.only_overdue() { "1" } else { "" }),
    ])
    .unwrap_or_default();
    let page = ListPage {
        user: Some(&user),
        list,
        states: EState::ALL
            .iter()
            .map(|s| (s.as_str(), s.label_ja()))
            .collect(),
        selected,
        q: text,
        overdue: q.only_overdue(),
        query,
        todo,
    };
    Ok(render(StatusCode::OK, &page))
}
