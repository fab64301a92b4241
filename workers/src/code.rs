//! The enrollment code: the short identifier printed on every consent form, in its QR codes and
//! large beside them for a person to read when the QR cannot be decoded.
//!
//! Six symbols of Crockford's base-32 alphabet (no I, L, O, U, so nothing is misread) and one
//! Luhn mod 32 check symbol, which catches every single-symbol typo and almost every swap of
//! neighbours. The whole code stays within QR alphanumeric mode.

use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols of the random part.
pub const BODY_LEN: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("an enrollment code has {expected} characters, this one has {found}")]
    Length { expected: usize, found: usize },
    #[error("'{0}' cannot appear in an enrollment code")]
    Symbol(char),
    #[error("the check character does not match: a character is probably misread")]
    Check,
}

/// A parsed, checked enrollment code such as `7K2Q9XM`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EnrollmentCode(String);

fn value_of(c: char) -> Result<u32, CodeError> {
    // Crockford's decoding: case-insensitive, and the look-alikes O, I, L read as 0, 1, 1.
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u32)
        .ok_or(CodeError::Symbol(c))
}

/// Luhn mod N over the symbol values, N = 32.
fn check_symbol(values: &[u32]) -> u32 {
    let n = ALPHABET.len() as u32;
    let mut factor = 2;
    let mut sum = 0;
    for &v in values.iter().rev() {
        let addend = factor * v;
        sum += addend / n + addend % n;
        factor = if factor == 2 { 1 } else { 2 };
    }
    (n - sum % n) % n
}

impl EnrollmentCode {
    /// Builds a code from six body values (each taken modulo 32), adding the check symbol.
    /// The caller supplies the randomness, so this crate stays free of I/O.
    pub fn from_random(body: [u8; BODY_LEN]) -> Self {
        let values: Vec<u32> = body.iter().map(|b| u32::from(*b) % 32).collect();
        let mut s: String = values
            .iter()
            .map(|&v| ALPHABET[v as usize] as char)
            .collect();
        s.push(ALPHABET[check_symbol(&values) as usize] as char);
        EnrollmentCode(s)
    }

    /// Parses what a person typed or a scanner read: spaces and hyphens are ignored, case and
    /// Crockford look-alikes are forgiven, the check symbol must match.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let chars: Vec<char> = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if chars.len() != BODY_LEN + 1 {
            return Err(CodeError::Length {
                expected: BODY_LEN + 1,
                found: chars.len(),
            });
        }
        let values = chars
            .iter()
            .map(|&c| value_of(c))
            .collect::<Result<Vec<_>, _>>()?;
        if check_symbol(&values[..BODY_LEN]) != values[BODY_LEN] {
            return Err(CodeError::Check);
        }
        Ok(EnrollmentCode(
            values
                .iter()
                .map(|&v| ALPHABET[v as usize] as char)
                .collect(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EnrollmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EnrollmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EnrollmentCode({})", self.0)
    }
}

impl TryFrom<String> for EnrollmentCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        EnrollmentCode::parse(&s)
    }
}

impl From<EnrollmentCode> for String {
    fn from(c: EnrollmentCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back() {
        for seed in 0u8..=255 {
            let body = [seed, seed.wrapping_mul(7), 3, seed ^ 0x55, 31, seed / 3];
            let code = EnrollmentCode::from_random(body);
            assert_eq!(code.as_str().len(), 7);
            assert_eq!(EnrollmentCode::parse(code.as_str()).unwrap(), code);
        }
    }

    #[test]
    fn every_single_symbol_error_is_caught() {
        let code = EnrollmentCode::from_random([1, 2, 3, 4, 5, 6]);
        let s: Vec<char> = code.as_str().chars().collect();
        for i in 0..s.len() {
            for &a in ALPHABET {
                let a = a as char;
                if a == s[i] {
                    continue;
                }
                let mut t = s.clone();
                t[i] = a;
                let t: String = t.into_iter().collect();
                assert_eq!(EnrollmentCode::parse(&t), Err(CodeError::Check), "{t}");
            }
        }
    }

    #[test]
    fn human_input_is_forgiven() {
        let code = EnrollmentCode::from_random([0, 1, 0, 1, 10, 20]);
        let typed = code
            .as_str()
            .to_lowercase()
            .replace('0', "o")
            .replace('1', "l");
        let typed = format!(" {}-{} ", &typed[..3], &typed[3..]);
        assert_eq!(EnrollmentCode::parse(&typed).unwrap(), code);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert!(matches!(
            EnrollmentCode::parse("ABC"),
            Err(CodeError::Length { found: 3, .. })
        ));
        assert_eq!(
            EnrollmentCode::parse("ABCDEU1"),
            Err(CodeError::Symbol('U'))
        );
        assert_eq!(
            EnrollmentCode::parse("ＡＢＣＤＥＦ1"),
            Err(CodeError::Symbol('Ａ'))
        );
    }
}
