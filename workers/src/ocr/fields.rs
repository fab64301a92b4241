//! The fields of the city's 別紙1 in a page's OCR text: 氏名, フリガナ, 生年月日, 電話番号 and
//! 同意取得者, each found by its label on the same line. OCR puts spaces between Japanese
//! characters and reads digits full-width or half; both are undone before anything is
//! compared.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::form::wareki;

/// What the text says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OcrFields {
    /// The page is the city's 登録申込兼同意書 (its title or two of its labels were read).
    pub is_consent_form: bool,
    /// The page is the 支援チームメンバー追加同意書 (its title was read): a form with the same
    /// labels, so never taken for a 別紙1.
    pub is_addition_form: bool,
    pub name: Option<String>,
    /// In katakana, without spaces.
    pub kana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// Digits only.
    pub phone: Option<String>,
    pub obtainer: Option<String>,
}

/// NFKC (full-width digits and letters to ASCII, half-width kana to full), without any
/// whitespace, and hiragana as katakana.
pub fn squash(s: &str) -> String {
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Labels as OCR reads them, squashed; a few common misreadings included.
const NAME: &[&str] = &["氏名", "氏各", "民名"];
const KANA: &[&str] = &["フリガナ", "ふりがな", "フリカナ", "リガナ"];
const BIRTH: &[&str] = &["生年月日", "生年月", "年月日"];
const PHONE: &[&str] = &["電話番号", "電話", "TEL"];
const OBTAINER: &[&str] = &["同意取得者", "同意取得", "取得者"];

/// The rest of `line` after the first of `labels` it starts with: a label is the first word
/// of its row (only a table rule or a bullet before it), never a word inside a paragraph
/// (「…センター（電話 029-…）」) or another table's header.
fn after<'a>(line: &'a str, labels: &[&str]) -> Option<&'a str> {
    labels
        .iter()
        .find_map(|l| {
            let i = line.find(l)?;
            line[..i]
                .chars()
                .all(|c| !c.is_alphanumeric())
                .then(|| &line[i + l.len()..])
        })
        .map(|r| r.trim_start_matches([':', '：', '|', ')', ']']))
        .filter(|r| !r.is_empty())
}

/// Katakana (and the long-vowel mark) only.
fn kana_of(s: &str) -> String {
    s.chars()
        .filter(|c| matches!(c, 'ァ'..='ヺ' | 'ー'))
        .collect()
}

/// A name: what is left once punctuation, digits and Latin letters are taken away (OCR's
/// table rules come out as | or 1).
fn name_of(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_ascii() && !matches!(c, '|' | '｜' | '・' | '、' | '。' | '「' | '」'))
        .collect()
}

/// A date in the line: 和暦 first (昭和15年4月1日, S15.4.1), else 西暦 (1940年4月1日).
fn date_in(s: &str) -> Option<NaiveDate> {
    for era in ["明治", "大正", "昭和", "平成", "令和"] {
        if let Some(i) = s.find(era) {
            let part: String = s[i..].chars().take(12).collect();
            let end = part.find('日').map_or(part.len(), |e| e + '日'.len_utf8());
            if let Some(d) = wareki::parse(&part[..end]) {
                return Some(d);
            }
        }
    }
    let digits: Vec<u32> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect();
    digits.windows(3).find_map(|w| {
        (1900..=2100)
            .contains(&w[0])
            .then(|| NaiveDate::from_ymd_opt(w[0] as i32, w[1], w[2]))
            .flatten()
    })
}

/// A phone number: its digits, when there are 10 or 11 of them.
fn phone_in(s: &str) -> Option<String> {
    let d: String = s
        .chars()
        .map(|c| match c {
            'O' | 'o' => '0',
            'l' | 'I' | '|' => '1',
            c => c,
        })
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | '‐' | 'ー' | '−'))
        .filter(char::is_ascii_digit)
        .collect();
    (10..=11).contains(&d.len()).then_some(d)
}

/// The first line, trying each label in turn (the most specific first: 「電話番号」 before a
/// paragraph's 「電話」), that yields a value.
fn find<T>(lines: &[String], labels: &[&str], value: impl Fn(&str) -> Option<T>) -> Option<T> {
    labels.iter().find_map(|label| {
        lines
            .iter()
            .find_map(|line| after(line, &[label]).and_then(&value))
    })
}

/// The fields of a page's OCR text.
pub fn read_fields(text: &str) -> OcrFields {
    let lines: Vec<String> = text.lines().map(squash).filter(|l| !l.is_empty()).collect();
    let kana = find(&lines, KANA, |r| {
        let k = kana_of(r);
        (k.chars().count() >= 2).then_some(k)
    });
    // 「フリガナ」's line may hold 「氏名」 too (a label read across the row): not a name.
    let name_lines: Vec<String> = lines
        .iter()
        .filter(|l| !l.contains("フリガナ"))
        .cloned()
        .collect();
    let name = find(&name_lines, NAME, |r| {
        let n = name_of(r);
        (n.chars().count() >= 2).then_some(n)
    });
    let mut f = OcrFields {
        is_consent_form: lines
            .iter()
            .any(|l| l.contains("登録申込兼同意書") || l.contains("申込兼同意")),
        is_addition_form: false,
        name,
        kana,
        birth_date: find(&lines, BIRTH, date_in),
        phone: find(&lines, PHONE, phone_in),
        obtainer: find(&lines, OBTAINER, |r| Some(r.to_string())),
    };
    let labels = [
        f.name.is_some(),
        f.kana.is_some(),
        f.birth_date.is_some(),
        f.phone.is_some(),
    ];
    // Its title, its end often lost (「支援チームメンバー追】」), or its 「別紙1（追加）」.
    f.is_addition_form = lines
        .iter()
        .any(|l| l.contains("メンバー追") || (l.contains("紙1") && l.contains("(追加)")));
    f.is_consent_form |= labels.iter().filter(|l| **l).count() >= 2;
    f.is_consent_form &= !f.is_addition_form;
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_city_form_as_tesseract_reads_it() {
        // Spaces between characters, full-width digits, a table rule read as |.
        let text = "別 紙 1\n電 子 @ 連 絡 帳   登 録 申 込 兼 同 意 書\n\
                    【 同 意 の 撤 回 】 セ ン タ ー （ 電 話 029-212-3751 ） に\n\
                    | フ リ ガ ナ | ヤ マ ダ   ハ ナ コ\n| 氏 名 | 山 田   花 子\n\
                    | 生 年 月 日 | 昭 和 １ ５ 年 ４ 月 １ 日 （ 1940 年 4 月 1 日 ） 性 別 女\n\
                    | 住 所 | 茨 城 県 ひ た ち な か 市\n| 電 話 番 号 | 029-270-1000\n\
                    同 意 取 得 者 柴 田 介 護 保 険 事 務 所 柴 田 ケ ア さ ん\n";
        let f = read_fields(text);
        assert!(f.is_consent_form);
        assert_eq!(f.kana.as_deref(), Some("ヤマダハナコ"));
        assert_eq!(f.name.as_deref(), Some("山田花子"));
        assert_eq!(f.birth_date, Some(d(1940, 4, 1)));
        assert_eq!(f.phone.as_deref(), Some("0292701000"));
        assert!(f.obtainer.unwrap().starts_with("柴田介護保険事務所"));
    }

    #[test]
    fn western_dates_hiragana_and_a_page_that_is_no_form() {
        let f = read_fields("ふりがな やまだ はなこ\n生年月日 1940年4月1日\n");
        assert_eq!(f.kana.as_deref(), Some("ヤマダハナコ"));
        assert_eq!(f.birth_date, Some(d(1940, 4, 1)));
        assert!(f.is_consent_form, "two of its labels");
        // The subject's phone row lost; the team table's header and a paragraph name 電話.
        let f = read_fields(
            "【同意の撤回】センター（電話 029-212-3751）に\n事業所名 職種 氏名 電話番号\n",
        );
        assert_eq!(f.phone, None);
        assert_eq!(f.name, None);
        let f = read_fields("請求書\n金額 12,000円\n");
        assert_eq!(f, OcrFields::default());
    }

    #[test]
    fn the_addition_form_is_told_from_the_consent_form() {
        let text = "電 子 @ 連 絡 帳   支 援 チ ー ム メ ン バ ー 追 加 同 意 書\n\
                    | フ リ ガ ナ | ヤ マ ダ   ハ ナ コ\n| 氏 名 | 山 田   花 子\n\
                    | 生 年 月 日 | 昭 和 １ ５ 年 ４ 月 １ 日\n";
        let f = read_fields(text);
        assert!(f.is_addition_form);
        assert!(
            !f.is_consent_form,
            "its labels are 別紙1's, its title is not"
        );
        assert_eq!(f.name.as_deref(), Some("山田花子"));
        // As Tesseract read it through a FAX: the title's end lost, 別 read as 強.
        let f =
            read_fields("強紙1 (追加)\n\n電子@連絡帳 支援チームメンバー追】\n氏名 | 斉藤 花子\n");
        assert!(f.is_addition_form && !f.is_consent_form);
        let f = read_fields("電子@連絡帳 登録申込兼同意書\n氏名 山田花子\n");
        assert!(f.is_consent_form && !f.is_addition_form);
    }
}
