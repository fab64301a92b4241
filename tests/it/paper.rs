//! The world's paper (#16): what real offices and gateways send, each ending as its outcome.
//! Black-and-white PDFs from img2pdf (1-bit Flate with PNG predictors), a gateway that damaged
//! its base64, and two forms' codes on one page.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::Method;
use serde_json::Value;

use consentflow_workers::fax::{self, Gray, Kind, Limits};

use super::forms::{city, City};
use super::helpers::{spawn_app, Backend, TestApp};
use super::intake::{all_read, printed, state, upload};
use super::mail::{fax_of, gateway_mail, tools};

/// Uploads one file as the centre and waits until it is read; returns its message view.
async fn read_back(a: &TestApp, c: &City, name: &str, bytes: &[u8]) -> Value {
    let r = upload(a, &c.centre, &[(name, bytes)]).await;
    assert_eq!(r.status(), 202);
    let stored: Value = r.json().await.unwrap();
    let id = stored[0]["id"].as_i64().unwrap();
    all_read(a, &c.centre).await;
    let path = format!("/api/v1/fax/messages/{id}");
    a.api(Method::GET, &path, &c.centre, None).await.1
}

/// A PNG through img2pdf, as a scanner's black-and-white PDF mode writes it.
fn img2pdf(png: &[u8]) -> Vec<u8> {
    let mut child = Command::new("img2pdf")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("img2pdf runs");
    child.stdin.take().unwrap().write_all(png).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    out.stdout
}

#[tokio::test]
async fn one_bit_flate_pdfs_with_png_predictors_are_read() {
    if !tools(&["gs", "img2pdf"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    for (name, dpi) in [("山田 花子", "200"), ("佐藤 一郎", "300")] {
        let (id, form) = printed(a, &c, name, 1).await;
        let png = fax_of(&form, "pngmono", dpi, Some((1, 1)));
        let pdf = img2pdf(&png);
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("/Predictor 15") && text.contains("/BitsPerComponent 1"),
            "img2pdf wrote a 1-bit image with PNG predictors"
        );
        let view = read_back(a, &c, &format!("scan-{dpi}.pdf"), &pdf).await;
        assert_eq!(view["pages"][0]["outcome"], "matched", "{dpi} dpi: {view}");
        assert_eq!(view["pages"][0]["enrollment_id"], id);
    }
    app.finish().await;
}

/// `mail` with junk characters and a broken line put into the base64 of its last attachment,
/// and that attachment's padding lost.
fn damage_base64(mail: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(mail.to_vec()).unwrap();
    let start = text.rfind("\r\n\r\n").unwrap() + 4;
    let end = start + text[start..].find("\r\n--").unwrap();
    let body = text[start..end].trim_end_matches('=');
    let (a, b) = body.split_at(body.len() / 3);
    let damaged = format!("{a}!#*\r\n ~{b}");
    format!("{}{damaged}{}", &text[..start], &text[end..]).into_bytes()
}

#[tokio::test]
async fn a_gateways_damaged_base64_is_repaired_and_read() {
    if !tools(&["gs"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (id, form) = printed(a, &c, "山田 花子", 1).await;
    let tiff = fax_of(&form, "tiffg4", "204x196", None);
    let mail = gateway_mail(
        "junk@gw",
        "FAX受信 029-265-8332",
        "1枚",
        &[("fax.tif", "image/tiff", &tiff)],
    );
    let view = read_back(a, &c, "fax.eml", &damage_base64(&mail)).await;
    assert_eq!(view["documents"][0]["status"], "read", "{view}");
    assert!(
        view["documents"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("補正して読み取りました")),
        "the repair is recorded: {view}"
    );
    assert_eq!(view["pages"][0]["outcome"], "matched");
    assert_eq!(state(a, &c, id).await, "copy_received");
    app.finish().await;
}

/// The first page of a printed form, rendered as a FAX machine's grey page.
fn page_of(form: &[u8]) -> Gray {
    let png = fax_of(form, "pnggray", "200", Some((1, 1)));
    let pages = fax::read(&png, Some(Kind::Png), &Limits::default()).unwrap();
    pages.into_iter().next().unwrap().unwrap().image
}

#[tokio::test]
async fn two_forms_codes_on_one_page_are_never_matched_silently() {
    if !tools(&["gs"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let (one, form_one) = printed(a, &c, "山田 花子", 1).await;
    let (two, form_two) = printed(a, &c, "佐藤 一郎", 1).await;
    // The top half of one form pasted over the bottom half of another: each half carries its
    // form's corner code.
    let (top, bottom) = (page_of(&form_one), page_of(&form_two));
    let (w, h) = (top.width, top.height.min(bottom.height));
    let cut = (w * (h / 2)) as usize;
    let mut data = top.data[..cut].to_vec();
    data.extend_from_slice(&bottom.data[cut..(w * h) as usize]);
    let pasted = Gray::new(w, h, data).to_png();

    let view = read_back(a, &c, "pasted.png", &pasted).await;
    let page = &view["pages"][0];
    assert_eq!(page["outcome"], "invalid", "{view}");
    let reason = page["reason"].as_str().unwrap();
    let (code_one, code_two) = (a.code(one).await, a.code(two).await);
    assert!(
        reason.contains("1ページに複数の登録コードがあります")
            && reason.contains(&code_one)
            && reason.contains(&code_two),
        "{reason}"
    );
    // Neither enrollment moved, and the centre is offered both.
    assert_eq!(state(a, &c, one).await, "form_issued");
    assert_eq!(state(a, &c, two).await, "form_issued");
    let path = format!("/api/v1/fax/pages/{}/candidates", page["id"]);
    let (_, candidates) = a.api(Method::GET, &path, &c.centre, None).await;
    let mut ids: Vec<i64> = candidates
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, vec![one, two]);
    app.finish().await;
}

/// Every office of the demo city (「ひたちなか市在宅医療・介護連携推進センター」 among them) prints
/// on one team, with long titles and names too, and the form FAXed at standard resolution
/// still matches.
#[tokio::test]
async fn every_demo_office_prints_on_a_team_and_reads_back() {
    if !tools(&["gs"]) {
        return;
    }
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    assert!(consentflow::demo::load(&a.state).await.unwrap());
    let cm = a.token_with("caremgr", "demo-password").await;
    let centre = a.token_with("centre", "demo-password").await;
    let (_, offices) = a.api(Method::GET, "/api/v1/offices", &cm, None).await;
    let team: Vec<Value> = offices
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            serde_json::json!({ "office_id": o["id"], "profession": "主任介護支援専門員（ケアマネジャー）",
                "name": "長谷川 アレクサンドラ 美智子", "phone": "029-270-0002" })
        })
        .collect();
    assert!(team.len() >= 7, "{offices}");
    let body = serde_json::json!({
        "subject": { "name": "山田 花子", "kana": "ヤマダ ハナコ", "birth_date": "1940-04-01",
            "sex": "female",
            "address": "茨城県ひたちなか市東石川三丁目二十五番地の十二　グランドメゾン東石川弐号棟千二百三号室",
            "phone": "029-270-1000" },
        "team": team
    });
    let (s, e) = a
        .api(Method::POST, "/api/v1/enrollments", &cm, Some(body))
        .await;
    assert_eq!(s, 201, "{e}");
    let id = e["id"].as_i64().unwrap();
    let (s, _, pdf) = super::forms::print(a, &cm, id, false).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&pdf));
    let c = City {
        cm: cm.clone(),
        nurse: cm.clone(),
        pharma: cm.clone(),
        centre,
        nursing: 0,
    };
    let tiff = fax_of(&pdf, "tiffg4", "204x98", None);
    let view = read_back(a, &c, "standard.tif", &tiff).await;
    let pages = view["pages"].as_array().unwrap();
    assert!(pages.iter().all(|p| p["outcome"] == "matched"), "{view}");
    assert_eq!(state(a, &c, id).await, "copy_received");
    app.finish().await;
}

/// A page that cannot be read says why in Japanese for the centre, and the reader's own words
/// (English) in the API's `detail`.
#[tokio::test]
async fn an_unreadable_page_says_why_in_japanese_with_the_detail_beside_it() {
    let app = spawn_app(Backend::chosen()).await.unwrap();
    let a = &app;
    let c = city(a).await;
    let broken = super::hostile::image_pdf(
        "/Width 1700 /Height 2200 /ColorSpace /DeviceGray /BitsPerComponent 1 \
         /Filter /FlateDecode",
        b"this is not zlib data at all",
    );
    let view = read_back(a, &c, "broken.pdf", &broken).await;
    let page = &view["pages"][0];
    assert_eq!(page["outcome"], "unreadable", "{view}");
    assert_eq!(
        page["reason"],
        "ページを読み取れません（画像のデータが壊れています）"
    );
    let detail = page["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("corrupt page: Flate image"), "{detail}");
    app.finish().await;
}
