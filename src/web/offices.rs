//! ③④ An office's page: its information (edited by its administrator or the city), its PCs
//! (revoked, or one more asked for), and for the city a fresh voucher.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{id_of, render, PageError};
use crate::domain::office_info::{ClosedDays, OfficeInfoInput};
use crate::domain::FieldErrors;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::confirm::{self, Confirm};
use crate::http::flash;
use crate::http::session::CurrentUser;
use crate::http::AppState;
use crate::service::{devices, office_admin};
use crate::store::devices::{self as device_store, Device, DeviceRequest};
use crate::store::offices::{self, Office};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/office", get(own))
        .route("/offices/{id}", get(page).post(save))
        .route("/offices/{id}/devices/{device}/revoke", post(revoke))
        .route("/offices/{id}/device-requests", post(request))
        .route("/offices/{id}/reissue", post(reissue))
        .route("/offices/{id}/map-hiding", post(map_hiding))
}

/// 事業所管理: an office user's own office.
async fn own(user: CurrentUser) -> Result<Response, PageError> {
    let id = user.office_id.ok_or(AppError::NotFound)?;
    Ok(Redirect::to(&format!("/offices/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "office.html")]
struct OfficePage<'a> {
    user: Option<&'a CurrentUser>,
    office: Office,
    f: OfficeInfoInput,
    closed: ClosedDays,
    days: &'static [(&'static str, &'static str)],
    can_edit: bool,
    is_city: bool,
    devices: Vec<Device>,
    requests: Vec<DeviceRequest>,
    open_until: Option<String>,
    errors: FieldErrors,
    /// The 地図設定 map's tiles and where it opens.
    map: &'a crate::config::map::MapConfig,
    /// What the city typed as its reason to hide the office from the map, kept on a refusal.
    hide_reason: String,
}

impl OfficePage<'_> {
    fn at(v: &f64) -> String {
        format!("{v:.6}")
    }

    /// Whether, and why not, the office is on the public map.
    fn map_status(&self) -> String {
        let o = &self.office;
        if o.closed_at.is_some() {
            "廃止された事業所は地図に載りません。".into()
        } else if let Some(r) = &o.map_hidden_reason {
            format!("市が地図への掲載を止めています（理由：{r}）。")
        } else if !o.map_published {
            "「掲載しない」にしているため、地図に載っていません。".into()
        } else if o.address.trim().is_empty() || o.coordinates().is_none() {
            "所在地と地図の位置がそろうと、地図に載ります。".into()
        } else {
            "地域資源マップに掲載されています。".into()
        }
    }
}

/// What the page shows besides the office: the form as typed and why it was refused.
struct Shown {
    form: Option<OfficeInfoInput>,
    status: StatusCode,
    errors: FieldErrors,
    hide_reason: String,
}

impl Shown {
    fn plain() -> Shown {
        Shown {
            form: None,
            status: StatusCode::OK,
            errors: FieldErrors::default(),
            hide_reason: String::new(),
        }
    }

    fn refused(errors: FieldErrors) -> Shown {
        Shown {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            ..Shown::plain()
        }
    }
}

fn input_of(o: &Office) -> OfficeInfoInput {
    OfficeInfoInput {
        address: o.address.clone(),
        phone: o.phone.clone(),
        fax: o.fax.clone(),
        latitude: o.latitude.map(|v| v.to_string()).unwrap_or_default(),
        longitude: o.longitude.map(|v| v.to_string()).unwrap_or_default(),
        coords_locked: o.coords_locked,
        hours: o.hours.clone(),
        closed_days: vec![],
        co_located: o.co_located.clone(),
        other_info: o.other_info.clone(),
        map_published: o.map_published,
    }
}

/// Who sees an office: its own people, the centre and the city. Anyone else: not found.
fn may_see(user: &CurrentUser, office: i64) -> Result<(), PageError> {
    if user.sees_all() || user.office_id == Some(office) {
        Ok(())
    } else {
        Err(PageError(AppError::NotFound))
    }
}

async fn show(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    shown: Shown,
) -> Result<Response, PageError> {
    let Shown {
        form,
        status,
        errors,
        hide_reason,
    } = shown;
    may_see(user, id)?;
    let mut c = state.store.acquire().await?;
    let office = offices::get(c.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_edit = office_admin::manages(&user.actor(), id).is_ok();
    let (devices, requests) = if can_edit {
        (
            device_store::of_office(c.conn(), id).await?,
            device_store::requests(c.conn(), Some(id), 20).await?,
        )
    } else {
        (vec![], vec![])
    };
    drop(c);
    let open_until = if user.role == Role::CityAdmin {
        devices::open_until(state, id)
            .await?
            .map(|t| crate::clock::local_time(&t))
    } else {
        None
    };
    let closed = match &form {
        Some(f) => ClosedDays::parse(&f.closed_days).unwrap_or_default(),
        None => ClosedDays::from_stored(&office.closed_days),
    };
    let p = OfficePage {
        user: Some(user),
        f: form.unwrap_or_else(|| input_of(&office)),
        office,
        closed,
        days: &ClosedDays::DAYS,
        can_edit,
        is_city: user.role == Role::CityAdmin,
        devices,
        requests,
        open_until,
        errors,
        map: &state.config.map,
        hide_reason,
    };
    Ok(super::map::with_map_csp(
        &state.config.map,
        render(status, &p),
    ))
}

#[tracing::instrument(skip_all)]
async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id_of(&id)?;
    show(&state, &user, id, Shown::plain()).await
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

#[tracing::instrument(skip_all)]
async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    // Read twice: the CSRF token, and the fields (closed days repeat, so serde_html_form).
    let bad = |_| PageError(AppError::Forbidden("form".into()));
    let csrf: CsrfOnly = serde_html_form::from_bytes(&body).map_err(bad)?;
    user.check_csrf(&csrf.csrf)?;
    let info: OfficeInfoInput = serde_html_form::from_bytes(&body).map_err(|_| {
        PageError(AppError::invalid(
            "form",
            "入力内容を読み取れませんでした。",
        ))
    })?;
    let id = id_of(&id)?;
    may_see(&user, id)?;
    match office_admin::update_info(&state.store, &user.actor(), id, &info).await {
        Ok((_, cleared)) => {
            let notice = if cleared {
                "保存しました。所在地が変わったため地図の位置（座標）を消しました。地図の位置を入力してください。"
            } else {
                "保存しました。"
            };
            Ok(flash::redirect(&state, &format!("/offices/{id}"), notice))
        }
        Err(AppError::Invalid(e)) => {
            let shown = Shown {
                form: Some(info),
                ..Shown::refused(e)
            };
            show(&state, &user, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct LabelForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label: String,
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf: String,
    confirmed: Option<String>,
}

/// 無効にする (a PC): asked first, naming the PC and the office.
#[tracing::instrument(skip_all)]
async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, device)): Path<(String, String)>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let (id, device) = (id_of(&id)?, id_of(&device)?);
    // The same rule as the revocation itself: the office's administrator, or the city.
    office_admin::manages(&user.actor(), id).map_err(|_| PageError(AppError::NotFound))?;
    let back = format!("/offices/{id}");
    if !confirm::confirmed(&f.confirmed) {
        let mut c = state.store.acquire().await?;
        let office = offices::get(c.conn(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let pc = device_store::of_office(c.conn(), id)
            .await?
            .into_iter()
            .find(|d| d.id == device && d.revoked_at.is_none())
            .ok_or(AppError::NotFound)?;
        let c = Confirm {
            user: Some(&user),
            title: "パソコンの無効化",
            message: format!("{}の「{}」を無効にします。", office.name, pc.label),
            consequence: "このパソコンからはログインできなくなります。もう一度使うには、証明書の追加発行が必要です。",
            action: format!("/offices/{id}/devices/{device}/revoke"),
            fields: vec![],
            shown: vec![],
            button: "無効にする",
            back,
        };
        return Ok(confirm::ask(&c));
    }
    devices::revoke(&state, &user.actor(), device).await?;
    Ok(flash::redirect(&state, &back, "パソコンを無効にしました。"))
}

#[tracing::instrument(skip_all)]
async fn request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<LabelForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    may_see(&user, id)?;
    match devices::request(&state, &user.actor(), &f.label).await {
        Ok(_) => Ok(flash::redirect(&state, &format!("/offices/{id}"), "追加発行を申請しました。市が承認すると、管理者のメールアドレスに証明書取得用No/パスワードが届きます。")),
        Err(AppError::Invalid(e)) => show(&state, &user, id, Shown::refused(e)).await,
        Err(e) => Err(e.into()),
    }
}

#[tracing::instrument(skip_all)]
async fn reissue(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<LabelForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    devices::reissue(&state, &user.actor(), id).await?;
    let notice = "証明書取得用Noを再発行しました。管理者のメールアドレスに番号とパスワードを別々のメールで送ります。";
    Ok(flash::redirect(&state, &format!("/offices/{id}"), notice))
}

#[derive(Deserialize)]
struct HidingForm {
    #[serde(default)]
    csrf: String,
    /// `hide` (with a reason) or `show`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

/// The city hides an office from the 地域資源マップ with a reason, or shows it again.
#[tracing::instrument(skip_all)]
async fn map_hiding(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<HidingForm>,
) -> Result<Response, PageError> {
    user.check_csrf(&f.csrf)?;
    let id = id_of(&id)?;
    may_see(&user, id)?;
    let hide = f.action != "show";
    let reason = hide.then_some(f.reason.as_str());
    match crate::service::map::set_hidden(&state.store, &user.actor(), id, reason).await {
        Ok(()) => {
            let notice = if hide {
                "地域資源マップに表示しないようにしました。"
            } else {
                "地域資源マップへの掲載を再開しました。"
            };
            Ok(flash::redirect(&state, &format!("/offices/{id}"), notice))
        }
        Err(AppError::Invalid(e)) => {
            let shown = Shown {
                hide_reason: f.reason,
                ..Shown::refused(e)
            };
            show(&state, &user, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}
