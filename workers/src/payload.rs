//! The QR payload printed on every page of a form, and its MAC.
//!
//! `CF1:<KIND>:<CODE>:V<VERSION>:<PAGE>-<PAGES>:<KEYID><MAC>`, for example
//! `CF1:B1:7K2Q9XM:V1:1-2:AMZXW6YTBOI`. Everything stays in QR alphanumeric mode (upper case,
//! digits, `:` and `-`), so 33 characters fit a version-3 symbol at error correction H.
//! The MAC is HMAC-SHA256 over everything before it, truncated to 50 bits (10 base-32 symbols):
//! enough that a forged or foreign code is recognised, short enough for a small symbol. The key id
//! lets keys rotate while printed forms still verify.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::EnrollmentCode;

const PREFIX: &str = "CF1";
const MAC_LEN: usize = 10;

/// What kind of form a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormKind {
    /// 登録申込兼同意書（別紙1）
    Bessi1,
    /// 支援チームメンバー追加同意書: consent to members joining an active team (#22).
    MemberAddition,
}

impl FormKind {
    pub const ALL: [FormKind; 2] = [FormKind::Bessi1, FormKind::MemberAddition];

    fn tag(self) -> &'static str {
        match self {
            FormKind::Bessi1 => "B1",
            FormKind::MemberAddition => "TA",
        }
    }

    fn from_tag(s: &str) -> Option<FormKind> {
        FormKind::ALL.into_iter().find(|k| k.tag() == s)
    }

    /// The `kind` its templates declare, and the folder they live in under `forms/`.
    pub fn template_kind(self) -> &'static str {
        match self {
            FormKind::Bessi1 => "bessi1",
            FormKind::MemberAddition => "member_addition",
        }
    }

    pub fn folder(self) -> &'static str {
        match self {
            FormKind::Bessi1 => "bessi1",
            FormKind::MemberAddition => "tsuika",
        }
    }

    pub fn of_template(kind: &str) -> Option<FormKind> {
        FormKind::ALL
            .into_iter()
            .find(|k| k.template_kind() == kind)
    }
}

/// The facts a page's code carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Payload {
    pub kind: FormKind,
    pub code: EnrollmentCode,
    pub version: u16,
    pub page: u8,
    pub pages: u8,
    pub key_id: char,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Not one of ours at all (another system's QR code, a URL…).
    #[error("not a consentflow code")]
    Foreign,
    #[error("malformed consentflow code: {0}")]
    Malformed(&'static str),
    #[error("signed with unknown key '{0}'")]
    UnknownKey(char),
    /// Ours in shape, but the MAC does not match: damaged beyond repair, or forged.
    #[error("the code's signature does not match")]
    BadMac,
}

fn mac(key: &[u8], body: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(body.as_bytes());
    let digest = m.finalize().into_bytes();
    let mut s = data_encoding::BASE32_NOPAD.encode(&digest[..7]);
    s.truncate(MAC_LEN);
    s
}

impl Payload {
    fn body(&self) -> String {
        format!(
            "{PREFIX}:{}:{}:V{}:{}-{}:{}",
            self.kind.tag(),
            self.code,
            self.version,
            self.page,
            self.pages,
            self.key_id
        )
    }

    /// The text to encode in the QR symbol.
    pub fn sign(&self, key: &[u8]) -> String {
        let body = self.body();
        let m = mac(key, &body);
        format!("{body}{m}")
    }

    /// Parses a decoded QR text and checks its MAC with the key named by its key id.
    pub fn verify<'k>(
        text: &str,
        key_for: impl Fn(char) -> Option<&'k [u8]>,
    ) -> Result<Payload, PayloadError> {
        let text = text.trim();
        let rest = text
            .strip_prefix(PREFIX)
            .and_then(|r| r.strip_prefix(':'))
            .ok_or(PayloadError::Foreign)?;
        let parts: Vec<&str> = rest.split(':').collect();
        let [kind, code, version, pages, tail] = parts[..] else {
            return Err(PayloadError::Malformed("field count"));
        };
        let kind = FormKind::from_tag(kind).ok_or(PayloadError::Malformed("form kind"))?;
        let code =
            EnrollmentCode::parse(code).map_err(|_| PayloadError::Malformed("enrollment code"))?;
        let version = version
            .strip_prefix('V')
            .and_then(|v| v.parse::<u16>().ok())
            .filter(|v| *v > 0)
            .ok_or(PayloadError::Malformed("version"))?;
        let (page, of) = pages
            .split_once('-')
            .ok_or(PayloadError::Malformed("page"))?;
        let (page, of) = match (page.parse::<u8>(), of.parse::<u8>()) {
            (Ok(p), Ok(n)) if p >= 1 && p <= n => (p, n),
            _ => return Err(PayloadError::Malformed("page")),
        };
        let mut tail_chars = tail.chars();
        let key_id = tail_chars.next().ok_or(PayloadError::Malformed("key id"))?;
        let given: String = tail_chars.collect();
        if !key_id.is_ascii_uppercase() || given.len() != MAC_LEN {
            return Err(PayloadError::Malformed("signature"));
        }
        let p = Payload {
            kind,
            code,
            version,
            page,
            pages: of,
            key_id,
        };
        let key = key_for(key_id).ok_or(PayloadError::UnknownKey(key_id))?;
        let expected = mac(key, &p.body());
        // Constant time is not needed against a FAX machine, but costs nothing.
        let same = expected.len() == given.len()
            && expected
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(PayloadError::BadMac);
        }
        Ok(p)
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Payload {
        Payload {
            kind: FormKind::Bessi1,
            code: EnrollmentCode::from_random([1, 2, 3, 4, 5, 6]),
            version: 1,
            page: 1,
            pages: 2,
            key_id: 'A',
        }
    }

    const KEY: &[u8] = b"city-key";

    #[test]
    fn signs_and_verifies_in_alphanumeric_mode() {
        let text = sample().sign(KEY);
        assert!(text.len() <= 35, "fits version 3-H: {text}");
        assert!(
            text.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || ":-".contains(c)),
            "{text}"
        );
        let p = Payload::verify(&text, |k| (k == 'A').then_some(KEY)).unwrap();
        assert_eq!(p, sample());
    }

    #[test]
    fn forged_foreign_and_damaged_codes_are_told_apart() {
        let text = sample().sign(KEY);
        let keys = |k| (k == 'A').then_some(KEY);
        assert_eq!(
            Payload::verify("https://example.jp/", keys),
            Err(PayloadError::Foreign)
        );
        let other_city = sample().sign(b"another-city");
        assert_eq!(
            Payload::verify(&other_city, keys),
            Err(PayloadError::BadMac)
        );
        let tampered = text.replacen("1-2", "2-2", 1);
        assert_eq!(Payload::verify(&tampered, keys), Err(PayloadError::BadMac));
        let rotated = Payload {
            key_id: 'B',
            ..sample()
        }
        .sign(KEY);
        assert_eq!(
            Payload::verify(&rotated, keys),
            Err(PayloadError::UnknownKey('B'))
        );
        for bad in [
            "CF1:",
            "CF1:B1:X:V1:1-1:A0123456789",
            "CF1:B9:7K2Q9XM:V1:1-1:AAAAAAAAAAA",
            &text.replacen("1-2", "3-2", 1),
            &text[..text.len() - 1],
        ] {
            assert!(
                matches!(Payload::verify(bad, keys), Err(PayloadError::Malformed(_))),
                "{bad}"
            );
        }
    }
}
