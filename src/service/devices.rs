//! ③ Certificates for PCs. A voucher (retrieval No + one-time password) enrols one device once;
//! the device keeps a long random token in a cookie, stored here only as a hash. The office
//! administrator asks for more (追加発行), the city approves, and either can revoke a device,
//! which ends the sessions opened on it at once.
//!
//! Real client certificates (rcgen, PKCS#12) would need TLS client authentication at a proxy
//! in front of the service; a device token gives the same control (which PCs of which office
//! may sign in, each revocable) without it. See the README.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::accounts;
use super::office_admin::manages;
use crate::context::Context;
use crate::domain::office;
use crate::domain::text::bounded_text;
use crate::domain::voucher::{RetrievalNo, VoucherPassword};
use crate::domain::{Actor, FieldError, FieldErrors, Role};
use crate::error::{AppError, AppResult};
use crate::outbox::{self, offices::VoucherMail, Mail};
use crate::store::audit::{self, Event};
use crate::store::devices::{self as device_rows, NewVoucher};
use crate::store::offices::{self, Office};
use crate::store::{auth, users, Conn};

/// A voucher's secrets, made (and the password hashed, slowly) before the transaction opens.
pub struct Secret {
    number: RetrievalNo,
    password: VoucherPassword,
    password_hash: String,
}

pub async fn new_secret() -> AppResult<Secret> {
    let password = VoucherPassword::generate();
    let password_hash = accounts::hash_password(password.expose().to_string()).await?;
    Ok(Secret {
        number: RetrievalNo::generate(),
        password,
        password_hash,
    })
}

/// What a voucher is for.
pub enum VoucherFor<'a> {
    /// The office's first PC: redeeming it also sets the administrator's password.
    First,
    /// An approved request (追加発行) for the PC named.
    Request { id: i64, label: &'a str },
    /// The city issues again (expired, locked, lost).
    Reissue,
}

/// Writes a voucher for `office` and returns its two e-mails, for the caller's transaction.
pub async fn issue(
    mut c: Conn<'_>,
    app: &Context,
    office: &Office,
    purpose: VoucherFor<'_>,
    s: Secret,
) -> AppResult<[Mail; 2]> {
    let admin = users::of_office(c.reborrow(), office.id)
        .await?
        .into_iter()
        .find(|u| u.role() == Role::OfficeAdmin && !u.disabled)
        .ok_or_else(|| AppError::Conflict("この事業所には事業所管理者がいません。".into()))?;
    // Until the administrator has a password, any voucher is a first one.
    let first = admin.password_hash.is_none();
    let (kind, request_id, what) = match purpose {
        _ if first => ("initial", None, "初回の証明書設定".to_string()),
        VoucherFor::First | VoucherFor::Reissue => {
            ("additional", None, "電子証明書の再発行".into())
        }
        VoucherFor::Request { id, label } => (
            "additional",
            Some(id),
            format!("電子証明書の追加発行（{label}）"),
        ),
    };
    let expires_at = c.now + Duration::days(app.config.offices.voucher_days);
    let number_hash = s.number.hash();
    let voucher_id = device_rows::insert_voucher(
        c.reborrow(),
        &NewVoucher {
            office_id: office.id,
            kind,
            request_id,
            number_hash: &number_hash,
            password_hash: &s.password_hash,
            expires_at,
        },
    )
    .await?;
    Ok(outbox::offices::voucher(
        app,
        VoucherMail {
            voucher_id,
            office,
            admin_login: &admin.login,
            purpose: what,
            number: s.number.display(),
            password: s.password.expose().to_string(),
            expires_at,
        },
    ))
}

/// The redeem form.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct Redeem {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub password: String,
    /// A name for this PC (受付PC, 訪問用ノート…).
    #[serde(default)]
    pub label: String,
    /// On the office's first PC: the administrator's own password, chosen now.
    #[serde(default)]
    pub admin_password: String,
    #[serde(default)]
    pub admin_password_confirm: String,
}

/// A device enrolled: its token (for the cookie, shown nowhere else).
#[derive(Debug)]
pub struct Enrolled {
    pub token: String,
    pub office_id: i64,
    pub admin_login: Option<String>,
}

fn refused() -> AppError {
    FieldError::new(
        "number",
        "証明書取得用Noまたはパスワードが正しくありません。メールの内容をお確かめください。",
    )
    .into()
}

/// ③ Redeems a voucher once, on this PC.
#[tracing::instrument(skip_all)]
pub async fn redeem(app: &Context, r: &Redeem) -> AppResult<Enrolled> {
    let mut errors = FieldErrors::default();
    let number = errors.take(RetrievalNo::parse(&r.number));
    let label = errors.take(bounded_text("label", &r.label, 40, "パソコンの名前"));
    let (number, label) = errors.finish(|| number.zip(label))?;
    let mut c = app.store.acquire().await?;
    let v = device_rows::voucher_by_number(c.conn(), &number.hash()).await?;
    drop(c);
    let Some(v) = v else {
        // As slow as a real check, so a guess learns nothing from the time.
        let _ = accounts::hash_password(r.password.clone()).await;
        return Err(refused());
    };
    let city = &app.config.city;
    let locked = || {
        AppError::Conflict(format!(
            "パスワードの誤りが続いたため、この証明書取得用Noは使えなくなりました。{city}に再発行をご依頼ください。"
        ))
    };
    if v.failed_attempts >= app.config.offices.voucher_attempts {
        return Err(locked());
    }
    let first = v.kind == "initial";
    let admin_hash = if first {
        if r.admin_password != r.admin_password_confirm {
            return Err(
                FieldError::new("admin_password", "確認用のパスワードが一致しません。").into(),
            );
        }
        accounts::check_password_rules(&r.admin_password)
            .map_err(|e| FieldError::new("admin_password", e.message))?;
        Some(accounts::hash_password(r.admin_password.clone()).await?)
    } else {
        None
    };
    // Counted before the check (one statement), so concurrent guesses meet the limit too; a
    // right password takes the count back.
    let mut c = app.store.acquire().await?;
    if !device_rows::count_attempt(c.conn(), v.id, app.config.offices.voucher_attempts).await? {
        return Err(locked());
    }
    drop(c);
    let password = VoucherPassword::parse(&r.password);
    if !accounts::verify_password(password.expose().to_string(), v.password_hash.clone()).await {
        return Err(refused());
    }
    let mut c = app.store.acquire().await?;
    device_rows::uncount_attempt(c.conn(), v.id).await?;
    drop(c);
    if v.redeemed_at.is_some() {
        return Err(AppError::Conflict(
            "この証明書取得用Noは使用済みです。別のパソコンには追加発行を申請してください。".into(),
        ));
    }
    if v.expires_at < app.clock.now() {
        return Err(AppError::Conflict(format!(
            "この証明書取得用Noは有効期限が切れています。{city}に再発行をご依頼ください。"
        )));
    }
    let (token, token_hash) = auth::new_token();
    let mut tx = app.store.begin().await?;
    let device = device_rows::insert_device(tx.conn(), v.office_id, &label, &token_hash).await?;
    if !device_rows::redeem(tx.conn(), v.id, device).await? {
        return Err(AppError::Conflict(
            "この証明書取得用Noは使用済みです。".into(),
        ));
    }
    let mut admin_login = None;
    if let Some(hash) = admin_hash {
        let admin = users::of_office(tx.conn(), v.office_id)
            .await?
            .into_iter()
            .find(|u| u.role() == Role::OfficeAdmin && !u.disabled)
            .ok_or(AppError::NotFound)?;
        users::set_password(tx.conn(), admin.id, &hash, false).await?;
        admin_login = Some(admin.login);
    }
    audit::append(
        tx.conn(),
        Event::about(
            &Actor::System,
            "device.enrolled",
            ("office", v.office_id),
            json!({ "device": device, "voucher": v.id }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(Enrolled {
        token,
        office_id: v.office_id,
        admin_login,
    })
}

/// 追加発行: the office administrator asks for a certificate for one more PC.
pub async fn request(app: &Context, actor: &Actor, label: &str) -> AppResult<i64> {
    let office_id = actor
        .office_id()
        .ok_or(AppError::Forbidden("no office".into()))?;
    manages(actor, office_id)?;
    if actor.role() != Some(Role::OfficeAdmin) {
        return Err(AppError::Forbidden("the office administrator asks".into()));
    }
    let label = bounded_text("label", label, 40, "パソコンの名前")?;
    let mut tx = app.store.begin().await?;
    let office = offices::get(tx.conn(), office_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let by = actor.user_id().ok_or(AppError::Unauthorized)?;
    let id = device_rows::insert_request(tx.conn(), office_id, &label, by).await?;
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            "device.requested",
            ("office", office_id),
            json!({ "request": id }),
        ),
    )
    .await?;
    let mails = outbox::offices::device_requested(tx.conn(), app, &office, id, &label).await?;
    let ids = outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    outbox::kick(app, ids).await;
    Ok(id)
}

/// The city approves (a voucher goes out) or refuses (with a reason) a request.
pub async fn decide(
    app: &Context,
    actor: &Actor,
    id: i64,
    approve: bool,
    reason: &str,
) -> AppResult<()> {
    if actor.role() != Some(Role::CityAdmin) {
        return Err(AppError::Forbidden("only the city decides".into()));
    }
    let reason = if approve {
        None
    } else {
        Some(office::reason(reason)?)
    };
    let secret = new_secret().await?;
    let mut tx = app.store.begin().await?;
    let req = device_rows::request(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let status = if approve { "approved" } else { "rejected" };
    if !device_rows::decide_request(tx.conn(), id, status, reason.as_deref(), actor.user_id())
        .await?
    {
        return Err(AppError::Conflict(
            "この申請は既に処理されています。".into(),
        ));
    }
    let office = offices::get(tx.conn(), req.office_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let action = if approve {
        "device.request_approved"
    } else {
        "device.request_rejected"
    };
    audit::append(
        tx.conn(),
        Event::about(
            actor,
            action,
            ("office", office.id),
            json!({ "request": id }),
        ),
    )
    .await?;
    let mails: Vec<Mail> = match &reason {
        None => {
            let purpose = VoucherFor::Request {
                id,
                label: &req.label,
            };
            issue(tx.conn(), app, &office, purpose, secret)
                .await?
                .into()
        }
        Some(r) => vec![outbox::offices::device_request_rejected(
            &office, id, &req.label, r,
        )],
    };
    let ids = outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    outbox::kick(app, ids).await;
    Ok(())
}

/// The city issues a new voucher for an office (the last one expired, was locked or lost).
pub async fn reissue(app: &Context, actor: &Actor, office_id: i64) -> AppResult<()> {
    if actor.role() != Some(Role::CityAdmin) {
        return Err(AppError::Forbidden("only the city reissues".into()));
    }
    let secret = new_secret().await?;
    let mut tx = app.store.begin().await?;
    let office = offices::get(tx.conn(), office_id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::append(
        tx.conn(),
        Event::about(actor, "voucher.reissued", ("office", office_id), json!({})),
    )
    .await?;
    let mails = issue(tx.conn(), app, &office, VoucherFor::Reissue, secret).await?;
    let ids = outbox::enqueue_all(tx.conn(), app, &mails).await?;
    tx.commit().await?;
    outbox::kick(app, ids).await;
    Ok(())
}

/// Revokes a device: it may no longer sign in, and its open sessions end now.
pub async fn revoke(app: &Context, actor: &Actor, device: i64) -> AppResult<()> {
    let mut tx = app.store.begin().await?;
    revoke_in(tx.conn(), actor, device).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes a device inside the caller's transaction (a report's step takes it with the
/// report's own record).
pub(crate) async fn revoke_in(
    mut c: crate::store::Conn<'_>,
    actor: &Actor,
    device: i64,
) -> AppResult<()> {
    let d = device_rows::get(c.reborrow(), device)
        .await?
        .ok_or(AppError::NotFound)?;
    manages(actor, d.office_id).map_err(|_| AppError::NotFound)?;
    if !device_rows::revoke(c.reborrow(), device, actor.user_id()).await? {
        return Err(AppError::Conflict(
            "このパソコンは既に無効にされています。".into(),
        ));
    }
    audit::append(
        c,
        Event::about(
            actor,
            "device.revoked",
            ("office", d.office_id),
            json!({ "device": device }),
        ),
    )
    .await?;
    Ok(())
}

/// When the voucher still open for an office expires (for the city's office list).
pub async fn open_until(app: &Context, office: i64) -> AppResult<Option<DateTime<Utc>>> {
    let mut c = app.store.acquire().await?;
    Ok(device_rows::open_vouchers(c.conn(), office)
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .max())
}
