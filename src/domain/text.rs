//! Free text as people type it: trimmed, present, bounded in characters, and free of control
//! characters (line breaks only in multi-line text, as LF) and of invisible format characters.
//! Every free-text field of the service goes through here.

use unicode_normalization::UnicodeNormalization;

use super::FieldError;

/// Half-width katakana (ﾋﾀﾁﾅｶ, ｶﾞ) become full width (ヒタチナカ, ガ), as every list and search
/// shows them; nothing else in the text is touched (full-width letters in a name stay).
pub fn widen_kana(input: &str) -> String {
    let half = |c: char| ('\u{FF61}'..='\u{FF9F}').contains(&c);
    if !input.chars().any(half) {
        return input.to_string();
    }
    let mut out = String::with_capacity(input.len());
    let mut run = String::new();
    for c in input.chars() {
        if half(c) {
            run.push(c);
            continue;
        }
        out.extend(run.nfkc());
        run.clear();
        out.push(c);
    }
    out.extend(run.nfkc());
    out
}

/// A whole number as people type it: full-width digits (「９」) and surrounding spaces are
/// fine; refused outside `min..=max`, with the range in the message.
pub fn whole_number(
    field: &'static str,
    input: &str,
    min: i64,
    max: i64,
    label: &str,
) -> Result<i64, FieldError> {
    let s: String = input.nfkc().filter(|c| !c.is_whitespace()).collect();
    s.parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("{label}は{min}〜{max}の数字で入力してください。"),
            )
        })
}

/// Trims, refuses empty, and bounds the length in characters (not bytes).
pub fn bounded_text(
    field: &'static str,
    input: &str,
    max: usize,
    label: &str,
) -> Result<String, FieldError> {
    let s = present_and_bounded(field, &widen_kana(input.trim()), max, label)?;
    check_chars(field, &s, label, false)?;
    Ok(s)
}

/// Like [`bounded_text`] for text of several lines (reasons, notes): line breaks are kept,
/// each written as LF whatever the browser sent (CRLF, CR).
pub fn bounded_multiline(
    field: &'static str,
    input: &str,
    max: usize,
    label: &str,
) -> Result<String, FieldError> {
    let s = widen_kana(input.trim())
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let s = present_and_bounded(field, &s, max, label)?;
    check_chars(field, &s, label, true)?;
    Ok(s)
}

/// Free text that may be empty, at most `max` characters, on one line.
pub fn optional_text(
    field: &'static str,
    input: &str,
    max: usize,
    label: &str,
) -> Result<String, FieldError> {
    if input.trim().is_empty() {
        return Ok(String::new());
    }
    bounded_text(field, input, max, label)
}

/// Free text of several lines that may be empty, at most `max` characters.
pub fn optional_multiline(
    field: &'static str,
    input: &str,
    max: usize,
    label: &str,
) -> Result<String, FieldError> {
    if input.trim().is_empty() {
        return Ok(String::new());
    }
    bounded_multiline(field, input, max, label)
}

/// Refuses empty text, and text over `max` characters (not bytes), saying how long it is.
fn present_and_bounded(
    field: &'static str,
    s: &str,
    max: usize,
    label: &str,
) -> Result<String, FieldError> {
    if s.is_empty() {
        return Err(FieldError::new(
            field,
            format!("{label}を入力してください。"),
        ));
    }
    let n = s.chars().count();
    if n > max {
        return Err(FieldError::new(
            field,
            format!("{label}は{max}文字以内で入力してください（現在{n}文字）。"),
        ));
    }
    Ok(s.to_string())
}

/// Whether `c` is an invisible format character (Unicode category Cf: zero-width spaces and
/// joiners, direction overrides and isolates, the byte-order mark…).
pub fn is_format_char(c: char) -> bool {
    use unicode_general_category::{get_general_category, GeneralCategory};
    get_general_category(c) == GeneralCategory::Format
}

/// Refuses control characters (line breaks and tabs only in multi-line text) and invisible
/// format characters: a name with U+202E renders reversed in lists, and one with U+200B is not
/// found by a search for what it shows.
pub fn check_chars(
    field: &'static str,
    s: &str,
    label: &str,
    multiline: bool,
) -> Result<(), FieldError> {
    let allowed = |c: char| multiline && matches!(c, '\n' | '\t');
    if let Some(c) = s.chars().find(|&c| c.is_control() && !allowed(c)) {
        return Err(FieldError::new(
            field,
            format!(
                "{label}に使えない文字（制御文字 U+{:04X}）が含まれています。",
                c as u32
            ),
        ));
    }
    if let Some(c) = s.chars().find(|&c| is_format_char(c)) {
        return Err(FieldError::new(
            field,
            format!(
                "{label}に見えない文字（U+{:04X}）が含まれています。消してから入力し直してください。",
                c as u32
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_kana_and_full_width_digits_are_read_as_meant() {
        assert_eq!(
            bounded_text("address", "茨城県ﾋﾀﾁﾅｶ市ｶﾞｰﾃﾞﾝ１", 200, "所在地").unwrap(),
            "茨城県ヒタチナカ市ガーデン１"
        );
        assert_eq!(widen_kana("ＡＢＣ山田"), "ＡＢＣ山田");
        assert_eq!(whole_number("n", "９", 1, 1000, "参加人数"), Ok(9));
        assert_eq!(whole_number("n", " １２ ", 1, 1000, "参加人数"), Ok(12));
        let e = whole_number("n", "0", 1, 1000, "参加人数").unwrap_err();
        assert_eq!(e.message, "参加人数は1〜1000の数字で入力してください。");
        assert!(whole_number("n", "九", 1, 1000, "参加人数").is_err());
    }

    #[test]
    fn control_and_invisible_characters_are_refused() {
        for bad in [
            "山田\u{0}花子",
            "山田\u{1b}[31m",
            "山田\n花子",
            "山\u{200b}田",
            "\u{202e}子花田山",
            "山田\u{2066}花子\u{2069}",
            "\u{feff}山田",
        ] {
            assert!(bounded_text("name", bad, 40, "氏名").is_err(), "{bad:?}");
        }
        assert_eq!(
            bounded_text("name", " 山田 花子 ", 40, "氏名").unwrap(),
            "山田 花子"
        );
        // Several lines: breaks kept as LF, other controls and invisibles refused.
        assert_eq!(
            bounded_multiline("reason", "署名なし\r\n日付なし\r再送", 400, "理由").unwrap(),
            "署名なし\n日付なし\n再送"
        );
        assert!(bounded_multiline("reason", "署名\u{0}なし", 400, "理由").is_err());
        assert!(bounded_multiline("reason", "署名\u{1b}なし", 400, "理由").is_err());
        assert!(bounded_multiline("reason", "署\u{200d}名", 400, "理由").is_err());
    }
}
