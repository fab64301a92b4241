//! 証明書取得用No/パスワード: the pair that lets an office administrator enrol one PC. Both come
//! from the operating system's CSPRNG, are shown to nobody in the service, and are kept only as
//! hashes. The No is 12 digits (typed on a PC, read out on the phone); the password 12 letters
//! and digits without look-alikes (0/O, 1/l/I), about 70 bits.

use rand::rngs::OsRng;
use rand::TryRngCore;
use unicode_normalization::UnicodeNormalization;

use super::FieldError;

const PASSWORD_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// A uniform index below `n` from the OS generator (rejection sampling, no modulo bias).
fn below(n: u32) -> u32 {
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let v = OsRng.try_next_u32().expect("the OS random generator works");
        if v < zone {
            return v % n;
        }
    }
}

/// A certificate retrieval No, as `1234-5678-9012`.
#[derive(Clone, PartialEq, Eq)]
pub struct RetrievalNo(String);

impl RetrievalNo {
    pub fn generate() -> RetrievalNo {
        RetrievalNo(
            (0..12)
                .map(|_| char::from(b'0' + below(10) as u8))
                .collect(),
        )
    }

    /// As typed: full-width digits, hyphens and spaces are fine.
    pub fn parse(input: &str) -> Result<RetrievalNo, FieldError> {
        let digits: String = input
            .nfkc()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | 'ー' | '−' | '‐'))
            .collect();
        if digits.len() == 12 && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(RetrievalNo(digits))
        } else {
            Err(FieldError::new(
                "number",
                "証明書取得用Noは12桁の数字です（メールに記載されています）。",
            ))
        }
    }

    /// How people read it.
    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }

    /// What is stored to find it again (SHA-256, hex).
    pub fn hash(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for RetrievalNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RetrievalNo(…)")
    }
}

/// A one-time password for a retrieval No.
#[derive(Clone, PartialEq, Eq)]
pub struct VoucherPassword(String);

impl VoucherPassword {
    pub fn generate() -> VoucherPassword {
        let n = PASSWORD_ALPHABET.len() as u32;
        VoucherPassword(
            (0..12)
                .map(|_| char::from(PASSWORD_ALPHABET[below(n) as usize]))
                .collect(),
        )
    }

    /// As typed (full-width letters are fine; spaces around are dropped).
    pub fn parse(input: &str) -> VoucherPassword {
        VoucherPassword(input.nfkc().filter(|c| !c.is_whitespace()).collect())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for VoucherPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VoucherPassword(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_twelve_digits_and_parse_as_typed() {
        let n = RetrievalNo::generate();
        let shown = n.display();
        assert_eq!(shown.len(), 14);
        assert_eq!(RetrievalNo::parse(&shown).unwrap(), n);
        let full_width: String = shown
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(c as u32 + 0xFEE0).unwrap()
                } else {
                    'ー'
                }
            })
            .collect();
        assert_eq!(RetrievalNo::parse(&full_width).unwrap(), n);
        assert!(RetrievalNo::parse("1234-5678-901").is_err());
        assert!(RetrievalNo::parse("1234-5678-901a").is_err());
        assert_eq!(format!("{n:?}"), "RetrievalNo(…)");
    }

    #[test]
    fn passwords_avoid_look_alikes_and_differ() {
        let a = VoucherPassword::generate();
        let b = VoucherPassword::generate();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 12);
        assert!(!a.expose().contains(['0', 'O', '1', 'l', 'I']));
        assert_eq!(VoucherPassword::parse(&format!(" {} ", a.expose())), a);
        assert_eq!(format!("{a:?}"), "VoucherPassword(…)");
    }

    #[test]
    fn digits_are_spread_evenly() {
        let mut seen = [0u32; 10];
        for _ in 0..500 {
            for c in RetrievalNo::generate().0.chars() {
                seen[c as usize - '0' as usize] += 1;
            }
        }
        // 6,000 digits: each about 600; a broken generator (always 0, modulo skew) fails.
        assert!(seen.iter().all(|&n| (450..750).contains(&n)), "{seen:?}");
    }
}
