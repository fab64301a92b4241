//! The confirmation before an action that cannot be undone (撤回, 終了, 差し戻す, 無効にする,
//! 承認する, 却下する, 利用停止, a PC's revocation): a page of its own, rendered by the server, so
//! it works without script. It names the person or office and what will follow, and repeats
//! the form with `confirmed=1`; 「やめる」 goes back without doing anything.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::page::render;
use super::session::CurrentUser;

/// What the confirmation page asks.
#[derive(Template)]
#[template(path = "confirm.html")]
pub struct Confirm<'a> {
    pub user: Option<&'a CurrentUser>,
    /// The heading: 「登録の撤回」.
    pub title: &'a str,
    /// Who and what: 「木村 幸子さんの登録を撤回します。」.
    pub message: String,
    /// What follows: 「チームでの共有は停止されます。」.
    pub consequence: &'a str,
    /// Where the form posts again.
    pub action: String,
    /// The form's fields, posted again as they were (without `csrf` and `confirmed`).
    pub fields: Vec<(&'a str, String)>,
    /// What was typed that the person should see once more (label, value): the reason.
    pub shown: Vec<(&'a str, String)>,
    /// The button that does it: 「撤回する」.
    pub button: &'a str,
    /// Where 「やめる」 leads.
    pub back: String,
}

/// True when the form came from the confirmation page.
pub fn confirmed(field: &Option<String>) -> bool {
    field.as_deref() == Some("1")
}

/// The confirmation page (200: nothing has happened yet).
pub fn ask(c: &Confirm<'_>) -> Response {
    render(StatusCode::OK, c)
}
