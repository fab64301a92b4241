//! The supported person (支援対象者) and the small value types forms are made of.
//! Each `parse` normalises what people type (full-width digits, half-width kana) and refuses
//! what cannot be right, with a Japanese message for the field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::FieldError;

use super::text::bounded_text;

/// Full-width digits and the like become ASCII (NFKC), which is what people type on Japanese IMEs.
fn ascii_digits(input: &str) -> String {
    input.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// 氏名.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        bounded_text(field, input, 40, "氏名").map(PersonName)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// カナ: full-width katakana. Hiragana and half-width katakana are converted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kana(String);

impl Kana {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        let s = bounded_text(field, input, 60, "カナ")?;
        // NFKC turns half-width katakana into full-width and ideographic spaces into ASCII ones.
        let mut out = String::new();
        for c in s.nfkc() {
            let c = match c {
                'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
                ' ' => '　',
                other => other,
            };
            let ok = matches!(c, 'ァ'..='ヺ' | 'ー' | '・' | '　' | 'ヽ' | 'ヾ');
            if !ok {
                return Err(FieldError::new(
                    field,
                    format!("カナはカタカナで入力してください（「{c}」は使えません）。"),
                ));
            }
            out.push(c);
        }
        Ok(Kana(out))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Unspecified,
}

impl Sex {
    pub fn parse(field: &'static str, s: &str) -> Result<Sex, FieldError> {
        match s.trim() {
            "male" | "男" | "男性" => Ok(Sex::Male),
            "female" | "女" | "女性" => Ok(Sex::Female),
            "unspecified" | "回答しない" => Ok(Sex::Unspecified),
            // No default: a form left on its first option is a choice nobody made.
            _ => Err(FieldError::new(field, "性別を選んでください。")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Unspecified => "unspecified",
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Unspecified => "",
        }
    }
}

/// A date as people type it: 2026-11-26, 2026/11/26, or 和暦 (令和8年11月26日, R8.11.26).
pub fn parse_date(field: &'static str, input: &str, label: &str) -> Result<NaiveDate, FieldError> {
    let s = ascii_digits(input);
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%Y/%m/%d"))
        .ok()
        .or_else(|| super::date::parse_wareki(&s))
        .ok_or_else(|| {
            FieldError::new(
                field,
                format!("{label}は 2026-11-26 または 令和8年11月26日 の形で入力してください。"),
            )
        })
}

/// A birth date that is plausible for a person alive today.
pub fn parse_birth_date(
    field: &'static str,
    input: &str,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    let s = ascii_digits(input);
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%Y/%m/%d"))
        .ok()
        .or_else(|| super::date::parse_wareki(&s))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "生年月日は 1940-04-01 または 昭和15年4月1日（S15.4.1）の形で入力してください。",
            )
        })?;
    let earliest = NaiveDate::from_ymd_opt(1890, 1, 1).expect("valid date");
    if d > today || d < earliest {
        return Err(FieldError::new(field, "生年月日が正しくありません。"));
    }
    Ok(d)
}

/// A Japanese phone or FAX number: 10 or 11 digits, hyphens allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        // Hyphens of every width and look, and brackets around the area code or the local
        // exchange (０２９（１１１）２２２２), are separators: written as ASCII hyphens.
        let dashed: String = ascii_digits(input)
            .chars()
            .map(|c| match c {
                'ー' | '−' | '‐' | '‑' | '–' | '—' | '―' | '(' | ')' => '-',
                other => other,
            })
            .collect();
        let s = dashed
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let digits = s.chars().filter(|c| c.is_ascii_digit()).count();
        let shape_ok = s.chars().all(|c| c.is_ascii_digit() || c == '-');
        if !shape_ok || !(10..=11).contains(&digits) || !s.starts_with('0') {
            return Err(FieldError::new(
                field,
                "電話番号は 029-273-0111 のように市外局番から入力してください。",
            ));
        }
        Ok(Phone(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &'static str, input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let valid = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
                    && !domain.contains('@')
            });
        if !valid {
            return Err(FieldError::new(field, "メールアドレスが正しくありません。"));
        }
        Ok(Email(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 介護保険被保険者番号: ten digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuranceNumber(String);

impl InsuranceNumber {
    pub fn parse(field: &'static str, input: &str) -> Result<Option<Self>, FieldError> {
        let s = ascii_digits(input).replace('-', "");
        if s.is_empty() {
            return Ok(None);
        }
        if s.len() != 10 || !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new(
                field,
                "被保険者番号は10桁の数字です（被保険者証をご確認ください）。",
            ));
        }
        Ok(Some(InsuranceNumber(s)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_is_normalised_to_full_width_katakana() {
        assert_eq!(
            Kana::parse("k", "やまだ はなこ").unwrap().as_str(),
            "ヤマダ　ハナコ"
        );
        assert_eq!(
            Kana::parse("k", "ﾔﾏﾀﾞ ﾊﾅｺ").unwrap().as_str(),
            "ヤマダ　ハナコ"
        );
        assert_eq!(
            Kana::parse("k", "ヤマダ　ハナコ").unwrap().as_str(),
            "ヤマダ　ハナコ"
        );
        let e = Kana::parse("kana", "山田").unwrap_err();
        assert_eq!(e.field, "kana");
        assert!(e.message.contains("山"));
    }

    #[test]
    fn text_limits_are_stated() {
        let long = "あ".repeat(41);
        let e = PersonName::parse("name", &long).unwrap_err();
        assert!(e.message.contains("40文字以内"), "{}", e.message);
        assert!(PersonName::parse("name", "  ").is_err());
        assert!(PersonName::parse("name", "山田\u{0}花子").is_err());
    }

    #[test]
    fn phone_accepts_full_width_and_refuses_nonsense() {
        assert_eq!(
            Phone::parse("p", "０２９－２７３－０１１１")
                .unwrap()
                .as_str(),
            "029-273-0111"
        );
        for typed in [
            "０２９（１１１）２２２２",
            "029(111)2222",
            "(029)111-2222",
            "029ー111ー2222",
        ] {
            assert_eq!(
                Phone::parse("p", typed).unwrap().as_str(),
                "029-111-2222",
                "{typed}"
            );
        }
        assert!(Phone::parse("p", "12345").is_err());
        assert!(Phone::parse("p", "029-273-011a").is_err());
    }

    #[test]
    fn insurance_number_is_ten_digits_or_absent() {
        assert_eq!(InsuranceNumber::parse("i", "").unwrap(), None);
        assert_eq!(
            InsuranceNumber::parse("i", "０１２３４５６７８９")
                .unwrap()
                .unwrap()
                .as_str(),
            "0123456789"
        );
        assert!(InsuranceNumber::parse("i", "123456789").is_err());
        assert!(InsuranceNumber::parse("i", "12345678901").is_err());
    }

    #[test]
    fn birth_date_must_be_plausible() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert!(parse_birth_date("b", "1940-04-01", today).is_ok());
        assert!(parse_birth_date("b", "１９４０/０４/０１", today).is_ok());
        assert!(parse_birth_date("b", "2027-01-01", today).is_err());
        assert!(parse_birth_date("b", "1940-02-30", today).is_err());
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        for (input, want) in [
            ("昭和15年4月1日", d(1940, 4, 1)),
            ("昭和１５年４月１日", d(1940, 4, 1)),
            ("S15.4.1", d(1940, 4, 1)),
            ("s15/04/01", d(1940, 4, 1)),
            ("平成元年1月8日", d(1989, 1, 8)),
            ("大正10年5月3日", d(1921, 5, 3)),
            ("昭和64年1月8日", None), // 平成 had begun
            ("平成31年5月1日", None), // 令和 had begun
            ("昭和15年", None),
            ("X15.4.1", None),
        ] {
            assert_eq!(
                crate::domain::date::parse_wareki(&ascii_digits(input)),
                want,
                "{input}"
            );
        }
        assert_eq!(
            parse_birth_date("b", "昭和15年4月1日", today).ok(),
            d(1940, 4, 1)
        );
    }

    #[test]
    fn email_shape() {
        assert!(Email::parse("e", "admin@example.jp").is_ok());
        assert!(Email::parse("e", "admin@localhost").is_err());
        assert!(Email::parse("e", "a b@example.jp").is_err());
    }
}

/// A validated subject (支援対象者).
#[derive(Debug, Clone)]
pub struct NewSubject {
    pub name: PersonName,
    pub kana: Kana,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub address: String,
    pub phone: Phone,
    pub insurance_number: Option<InsuranceNumber>,
}
