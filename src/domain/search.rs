//! What someone types into a search box, made ready for the queries: one term matched against
//! names, カナ and enrollment codes.

use unicode_normalization::UnicodeNormalization;

use consentflow_workers::EnrollmentCode;

/// A search, parsed. Names and kana are compared without spaces ("山田花子" finds
/// "山田 花子"), hiragana and half-width kana find katakana, and a code finds its enrollment
/// however it was typed (lower case, O for 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    /// `LIKE` pattern over the name without spaces.
    pub name_like: String,
    /// `LIKE` pattern over the kana without spaces.
    pub kana_like: String,
    /// The code, when the term is one.
    pub code: Option<String>,
}

impl SearchTerm {
    /// None for a blank search (which shows everything).
    pub fn parse(input: &str) -> Option<SearchTerm> {
        // NFKC: half-width kana to full width, full-width letters and digits to ASCII.
        let plain: String = input
            .nfkc()
            .filter(|c| !c.is_whitespace())
            // Invisible characters typed or pasted in are not part of what is looked for.
            .filter(|&c| !c.is_control() && !super::text::is_format_char(c))
            // LIKE's wildcards are taken literally by dropping them: nobody searches for them.
            .filter(|c| !matches!(c, '%' | '_' | '\\'))
            .take(40)
            .collect();
        if plain.is_empty() {
            return None;
        }
        let kana: String = plain
            .chars()
            .map(|c| match c {
                'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
                other => other,
            })
            .collect();
        Some(SearchTerm {
            name_like: format!("%{plain}%"),
            kana_like: format!("%{kana}%"),
            code: EnrollmentCode::parse(&plain)
                .ok()
                .map(|c| c.as_str().to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_what_people_type() {
        assert_eq!(SearchTerm::parse("  　"), None);
        let t = SearchTerm::parse("山田　花子").unwrap();
        assert_eq!(t.name_like, "%山田花子%");
        assert_eq!(t.code, None);
        let t = SearchTerm::parse("やまだ").unwrap();
        assert_eq!(t.kana_like, "%ヤマダ%");
        let t = SearchTerm::parse("ﾔﾏﾀﾞ").unwrap();
        assert_eq!(t.kana_like, "%ヤマダ%");
        let t = SearchTerm::parse("100%_").unwrap();
        assert_eq!(t.name_like, "%100%");
    }

    #[test]
    fn finds_a_code_however_typed() {
        let code = EnrollmentCode::from_random([0, 10, 20, 1, 31, 0]);
        let typed = code.as_str().to_lowercase().replace('0', "o");
        let t = SearchTerm::parse(&format!(" {typed} ")).unwrap();
        assert_eq!(t.code.as_deref(), Some(code.as_str()));
        // Full-width letters, as a Japanese IME types them.
        let wide: String = code
            .as_str()
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert_eq!(
            SearchTerm::parse(&wide).unwrap().code.as_deref(),
            Some(code.as_str())
        );
    }
}
