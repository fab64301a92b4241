//! A read page's outcome: matched to an enrollment's form page, or why not (no code, a code
//! not ours, two forms' codes, a form superseded, a page received already), in Japanese for the
//! centre.

use consentflow_workers::fax::{PageScan, ReadPage};
use consentflow_workers::{FormKind, Payload, PayloadError};

use crate::domain::status::PageOutcome;
use crate::error::{AppError, AppResult};
use crate::store::fax::{self, NewPage};
use crate::store::{additions, enrollments, forms, Conn};

/// Beside a verified code of ours, a code that failed verification (a forged or damaged one
/// pasted on): the note the page's reason carries.
fn unverified_note(scan: &PageScan) -> Option<String> {
    scan.verified().next()?;
    let e = scan.found.iter().find_map(|f| f.verdict.as_ref().err())?;
    Some(format!(
        "ほかに検証できないQRコードがあります：{}",
        invalid_reason(e)
    ))
}

/// Why a page could not be read, in words the centre's staff use.
pub(super) fn page_error_ja(e: &consentflow_workers::fax::PageError) -> &'static str {
    use consentflow_workers::fax::PageError;
    match e {
        PageError::TooLarge(_) => "画像が大きすぎます",
        PageError::Corrupt(_) => "画像のデータが壊れています",
        PageError::Unsupported(_) => "この形式の画像には対応していません",
    }
}

/// Japanese for the centre: why a code on the page was not accepted.
fn invalid_reason(e: &PayloadError) -> &'static str {
    match e {
        PayloadError::Foreign => "当センターの同意書のQRコードではありません",
        PayloadError::Malformed(_) => "QRコードの形式が正しくありません",
        PayloadError::UnknownKey(_) => {
            "登録されていない鍵で署名されたQRコードです（他の自治体の様式など）"
        }
        PayloadError::BadMac => "QRコードの署名が一致しません（改ざんまたは破損）",
    }
}

/// The distinct enrollment codes of the verified consent-form codes on a page, in the order read.
pub(super) fn codes_on(scan: &PageScan) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for p in scan.verified().filter(|p| p.kind == FormKind::Bessi1) {
        let code = p.code.to_string();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// The outcome of a readable page, filling in the match on `row`. A note on a code that could
/// not be verified beside one that could is added to the reason.
pub(super) async fn decide_page(
    c: Conn<'_>,
    page: &ReadPage,
    content: &str,
    row: &mut NewPage<'_>,
) -> AppResult<(PageOutcome, String, Option<i64>)> {
    let codes = codes_on(&page.scan);
    if codes.len() > 1 {
        // Two forms FAXed overlapped, or a page pasted onto another: never matched silently.
        let reason = format!(
            "1ページに複数の登録コードがあります（{}）",
            codes.join(", ")
        );
        return Ok((PageOutcome::Invalid, reason, None));
    }
    let (outcome, mut reason, enrollment) = decide_one(c, page, content, row).await?;
    if let Some(note) = unverified_note(&page.scan) {
        reason = format!("{reason}（{note}）");
    }
    Ok((outcome, reason, enrollment))
}

async fn decide_one(
    mut c: Conn<'_>,
    page: &ReadPage,
    content: &str,
    row: &mut NewPage<'_>,
) -> AppResult<(PageOutcome, String, Option<i64>)> {
    if let Some(matched) = addition_page(c.reborrow(), page, row).await? {
        return Ok(matched);
    }
    let Some(payload) = page
        .scan
        .verified()
        .find(|p| p.kind == FormKind::Bessi1)
        .cloned()
    else {
        return Ok(match page.scan.found.first() {
            None if page.scan.timed_out => (
                PageOutcome::Unreadable,
                "時間内にQRコードを読み取れませんでした".into(),
                None,
            ),
            None => (
                PageOutcome::Unreadable,
                "QRコードが見つかりません".into(),
                None,
            ),
            Some(f) => match &f.verdict {
                Err(e) => (PageOutcome::Invalid, invalid_reason(e).into(), None),
                Ok(_) => (
                    PageOutcome::Invalid,
                    "同意書以外の様式のQRコードです".into(),
                    None,
                ),
            },
        });
    };
    row.form_page = Some(i64::from(payload.page));
    row.form_pages = Some(i64::from(payload.pages));
    row.form_version = Some(i64::from(payload.version));
    let Some((enrollment_id, superseded)) = issued(c.reborrow(), &payload).await? else {
        return Ok((
            PageOutcome::Invalid,
            "この登録コードの同意書は発行されていません".into(),
            None,
        ));
    };
    row.enrollment_id = Some(enrollment_id);
    // Hold the enrollment while its pages are counted, so two workers cannot both make a page
    // primary (SQLite's write lock already does; this is PostgreSQL's row lock).
    enrollments::lock(c.reborrow(), enrollment_id).await?;
    let e = enrollments::get(c.reborrow(), enrollment_id)
        .await?
        .ok_or(AppError::NotFound)?;
    row.copy_round = Some(e.copy_round);
    if superseded {
        return Ok((
            PageOutcome::Superseded,
            format!(
                "差し替え前の版（第{}版）の同意書です。確認してください",
                payload.version
            ),
            Some(enrollment_id),
        ));
    }
    if let Some(first) = fax::same_content(c.reborrow(), content).await? {
        return Ok((
            PageOutcome::Duplicate,
            format!("同じ内容のページを受信済みです（ページ番号 {first}）"),
            Some(enrollment_id),
        ));
    }
    let received = fax::received_pages(c.reborrow(), enrollment_id, e.copy_round).await?;
    if received.contains(&i64::from(payload.page)) {
        return Ok((
            PageOutcome::Duplicate,
            format!("{}ページ目は受信済みです", payload.page),
            Some(enrollment_id),
        ));
    }
    row.is_primary = true;
    Ok((
        PageOutcome::Matched,
        format!(
            "{}/{}ページ目として照合しました",
            payload.page, payload.pages
        ),
        Some(enrollment_id),
    ))
}

/// A page of an addition form: matched to the enrollment when an addition waits for it (it is
/// not a page of the 別紙1 copy, so it never completes one), invalid when none waits.
async fn addition_page(
    mut c: Conn<'_>,
    page: &ReadPage,
    row: &mut NewPage<'_>,
) -> AppResult<Option<(PageOutcome, String, Option<i64>)>> {
    let Some(p) = page
        .scan
        .verified()
        .find(|p| p.kind == FormKind::MemberAddition)
        .cloned()
    else {
        return Ok(None);
    };
    if page.scan.verified().any(|p| p.kind == FormKind::Bessi1) {
        return Ok(None);
    }
    row.form_version = Some(i64::from(p.version));
    row.form_page = Some(i64::from(p.page));
    row.form_pages = Some(i64::from(p.pages));
    let open = additions::open_by_code(c.reborrow(), &p.code.to_string()).await?;
    let received = match open {
        Some((addition, _)) => additions::received_pages(c, addition).await?,
        None => Vec::new(),
    };
    Ok(Some(match open {
        Some((addition, enrollment)) => {
            row.enrollment_id = Some(enrollment);
            row.addition_id = Some(addition);
            if received.contains(&i64::from(p.page)) {
                let reason = format!(
                    "支援チームメンバー追加同意書の{}ページ目は受信済みです",
                    p.page
                );
                return Ok(Some((PageOutcome::Duplicate, reason, Some(enrollment))));
            }
            (
                PageOutcome::Matched,
                format!(
                    "支援チームメンバー追加同意書の{}/{}ページ目として照合しました",
                    p.page, p.pages
                ),
                Some(enrollment),
            )
        }
        None => (
            PageOutcome::Invalid,
            "確認待ちのメンバー追加がない登録の、支援チームメンバー追加同意書です".into(),
            None,
        ),
    }))
}

/// The enrollment a verified payload belongs to, and whether that form version is superseded.
async fn issued(c: Conn<'_>, p: &Payload) -> AppResult<Option<(i64, bool)>> {
    let rows = forms::by_code(c, &p.code.to_string(), i64::from(p.version)).await?;
    Ok(rows
        .iter()
        .find(|(_, s)| s.is_none())
        .or(rows.first())
        .map(|(id, s)| (*id, s.is_some())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use consentflow_workers::fax::Found;
    use consentflow_workers::EnrollmentCode;

    fn ours(seed: u8) -> Found {
        let p = Payload {
            kind: FormKind::Bessi1,
            code: EnrollmentCode::from_random([seed, 2, 3, 4, 5, 6]),
            version: 1,
            page: 1,
            pages: 1,
            key_id: 'A',
        };
        Found {
            text: format!("CF1:{seed}"),
            verdict: Ok(p),
            sightings: vec![],
        }
    }

    fn scan(found: Vec<Found>) -> PageScan {
        PageScan {
            found,
            stage: Some("bands"),
            elapsed: std::time::Duration::ZERO,
            timed_out: false,
        }
    }

    #[test]
    fn two_forms_codes_are_both_named_and_a_bad_mac_beside_ours_is_noted() {
        let forged = Found {
            text: "CF1:forged".into(),
            verdict: Err(PayloadError::BadMac),
            sightings: vec![],
        };
        assert_eq!(codes_on(&scan(vec![ours(1), ours(1)])).len(), 1);
        assert_eq!(codes_on(&scan(vec![ours(1), ours(9)])).len(), 2);
        let note = unverified_note(&scan(vec![ours(1), forged.clone()])).unwrap();
        assert!(note.contains("署名が一致しません"), "{note}");
        assert_eq!(
            unverified_note(&scan(vec![forged])),
            None,
            "no code of ours"
        );
        assert_eq!(unverified_note(&scan(vec![ours(1)])), None);
    }
}
