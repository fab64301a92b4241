//! The e-mails of office registration: the city hears of applications and requests, the
//! applicant of the decision, and the administrator gets each retrieval No and its password in
//! two separate e-mails (the password sealed until sent).

use chrono::{DateTime, Utc};

use super::notify::unique;
use super::notify::url;
use super::Mail;
use crate::context::Context;
use crate::domain::office::OfficeKind;
use crate::error::AppResult;
use crate::store::applications::Application;
use crate::store::offices::Office;
use crate::store::{users, Conn};

/// Everyone at the city who is told: city administrators with an address, and `offices.notify`.
pub(super) async fn city(c: Conn<'_>, app: &Context) -> AppResult<Vec<(String, Option<String>)>> {
    let mut to: Vec<(String, Option<String>)> = users::city_addresses(c)
        .await?
        .into_iter()
        .map(|(a, n)| (a, Some(n)))
        .collect();
    to.extend(app.config.offices.notify.iter().map(|a| (a.clone(), None)));
    let to = unique(to);
    Ok(to)
}

pub(super) fn mail(
    key: String,
    template: &'static str,
    (to, name): (String, Option<String>),
    target: (&'static str, i64),
    mut vars: Vec<(&'static str, String)>,
) -> Mail {
    vars.push(("to_name", name.clone().unwrap_or_else(|| "ご担当者".into())));
    Mail {
        key,
        template,
        to_address: to,
        to_name: name,
        target: Some(target),
        vars,
        sealed: None,
    }
}

/// A new application: the city is told, the applicant gets an acknowledgement.
pub async fn application_received(
    c: Conn<'_>,
    app: &Context,
    a: &Application,
) -> AppResult<Vec<Mail>> {
    let target = ("office_application", a.id);
    let mut out: Vec<Mail> = city(c, app)
        .await?
        .into_iter()
        .map(|to| {
            let key = format!("application:{}:{}", a.id, to.0.to_lowercase());
            let vars = vec![
                ("kind", OfficeKind::label_of(&a.kind).to_string()),
                ("office", a.name.clone()),
                ("admin_name", a.admin_name.clone()),
                ("at", crate::clock::local_time(&a.created_at)),
                ("link", url(app, "/offices/applications")),
            ];
            mail(key, "application_received", to, target, vars)
        })
        .collect();
    let applicant = (a.admin_email.clone(), Some(a.admin_name.clone()));
    let vars = vec![("office", a.name.clone()), ("number", a.id.to_string())];
    out.push(mail(
        format!("application-ack:{}", a.id),
        "application_ack",
        applicant,
        target,
        vars,
    ));
    Ok(out)
}

pub fn application_rejected(app: &Context, a: &Application, reason: &str) -> Mail {
    let vars = vec![
        ("office", a.name.clone()),
        ("number", a.id.to_string()),
        ("reason", reason.to_string()),
        ("link", url(app, "/apply")),
    ];
    mail(
        format!("application-rejected:{}", a.id),
        "application_rejected",
        (a.admin_email.clone(), Some(a.admin_name.clone())),
        ("office_application", a.id),
        vars,
    )
}

/// A new voucher, for the office's administrator.
pub struct VoucherMail<'a> {
    pub voucher_id: i64,
    pub office: &'a Office,
    pub admin_login: &'a str,
    /// 初回の証明書設定, or 電子証明書の追加発行（受付PC）
    pub purpose: String,
    pub number: String,
    pub password: String,
    pub expires_at: DateTime<Utc>,
}

/// The retrieval No and its password, in two e-mails; the password sealed until sent.
pub fn voucher(app: &Context, v: VoucherMail<'_>) -> [Mail; 2] {
    let to = (
        v.office.admin_email.clone(),
        Some(v.office.admin_name.clone()),
    )
        .clone();
    let to = (to.0, to.1.filter(|n| !n.is_empty()));
    let expires = crate::clock::local_time(&v.expires_at);
    let target = ("office", v.office.id);
    let number = mail(
        format!("voucher-number:{}", v.voucher_id),
        "certificate_number",
        to.clone(),
        target,
        vec![
            ("office", v.office.name.clone()),
            ("purpose", v.purpose),
            ("number", v.number),
            ("login", v.admin_login.to_string()),
            ("expires", expires.clone()),
            ("link", url(app, "/certificate")),
        ],
    );
    let mut password = mail(
        format!("voucher-password:{}", v.voucher_id),
        "certificate_password",
        to,
        target,
        vec![("office", v.office.name.clone()), ("expires", expires)],
    );
    password.sealed = Some(("password", v.password));
    [number, password]
}

/// An additional certificate was asked for: the city is told.
pub async fn device_requested(
    c: Conn<'_>,
    app: &Context,
    office: &Office,
    request: i64,
    label: &str,
) -> AppResult<Vec<Mail>> {
    Ok(city(c, app)
        .await?
        .into_iter()
        .map(|to| {
            let key = format!("device-request:{request}:{}", to.0.to_lowercase());
            let vars = vec![
                ("office", office.name.clone()),
                ("label", label.to_string()),
                ("link", url(app, "/offices/applications")),
            ];
            mail(key, "device_requested", to, ("office", office.id), vars)
        })
        .collect())
}

pub fn device_request_rejected(office: &Office, request: i64, label: &str, reason: &str) -> Mail {
    mail(
        format!("device-request-rejected:{request}"),
        "device_request_rejected",
        (
            office.admin_email.clone(),
            Some(office.admin_name.clone()).filter(|n| !n.is_empty()),
        ),
        ("office", office.id),
        vec![
            ("office", office.name.clone()),
            ("label", label.to_string()),
            ("reason", reason.to_string()),
        ],
    )
}
