//! Japanese line breaking with kinsoku shori (禁則処理).
//!
//! Greedy filling by measured width; a break is moved earlier (追い出し) so that no line starts
//! with closing punctuation, small kana or the prolonged sound mark, no line ends with opening
//! brackets, and runs of ASCII letters and digits (numbers, addresses, e-mail) are not split.

/// May not begin a line.
const NO_START: &str = "、。，．,.・：；:;？！?!゛゜ヽヾゝゞ々〻ー―‐～）)」』】〕〉》］]｝}〙〗〟’”ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ%％";
/// May not end a line.
const NO_END: &str = "「『（(【〔〈《［[｛{〘〖〝‘“";

fn glued(a: char, b: char) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || "-@._/+#".contains(c);
    word(a) && word(b)
}

/// Whether a line may break between `a` and `b`.
pub fn can_break(a: char, b: char) -> bool {
    !NO_START.contains(b) && !NO_END.contains(a) && !glued(a, b)
}

/// Splits `text` into lines no wider than `max` (in the units `width` returns). Explicit newlines
/// start new lines. A run that cannot be broken legally is broken where it must, so text is never
/// lost and never overflows.
pub fn wrap(text: &str, max: f32, width: impl Fn(char) -> f32) -> Vec<String> {
    wrap_varying(text, |_| max, width)
}

/// Like [`wrap`], with the width of each line given by its index (to flow around a figure).
pub fn wrap_varying(
    text: &str,
    max_of: impl Fn(usize) -> f32,
    width: impl Fn(char) -> f32,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for para in text.split('\n') {
        let chars: Vec<char> = para.chars().collect();
        let mut start = 0;
        while start < chars.len() {
            let max = max_of(lines.len());
            let mut w = 0.0;
            let mut end = start;
            while end < chars.len() && (end == start || w + width(chars[end]) <= max) {
                w += width(chars[end]);
                end += 1;
            }
            if end < chars.len() {
                let mut b = end;
                while b > start + 1 && !can_break(chars[b - 1], chars[b]) {
                    b -= 1;
                }
                if b > start + 1 {
                    end = b;
                }
            }
            lines.push(chars[start..end].iter().collect());
            start = end;
        }
        if chars.is_empty() {
            lines.push(String::new());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one unit wide, so tests read as character counts.
    fn wrap_n(text: &str, n: usize) -> Vec<String> {
        wrap(text, n as f32, |_| 1.0)
    }

    #[test]
    fn punctuation_never_starts_a_line() {
        let lines = wrap_n("あいうえお、かきくけこ。さしすせそ", 5);
        assert_eq!(
            lines,
            vec!["あいうえ", "お、かきく", "けこ。さし", "すせそ"]
        );
        for text in [
            "ああああ」いい",
            "ああああーいい",
            "ああああっいい",
            "ああああ）いい",
        ] {
            for l in wrap_n(text, 4).iter().skip(1) {
                let first = l.chars().next().unwrap();
                assert!(
                    !NO_START.contains(first),
                    "{text}: line starts with {first}"
                );
            }
        }
    }

    #[test]
    fn opening_brackets_never_end_a_line() {
        let lines = wrap_n("あいう「えお」かき", 4);
        assert_eq!(lines, vec!["あいう", "「えお」", "かき"]);
        for l in wrap_n("ああ（いい）うう（ええ）", 3) {
            let last = l.chars().last().unwrap();
            assert!(!NO_END.contains(last), "line ends with {last}");
        }
    }

    #[test]
    fn numbers_stay_whole() {
        let lines = wrap_n("FAX 029-212-3752 まで", 10);
        assert_eq!(lines[0], "FAX ");
        assert_eq!(
            lines[1], "029-212-37",
            "too long for any line: broken where it must"
        );
        let lines = wrap_n("電話は029-212-3751です", 12);
        assert_eq!(lines, vec!["電話は", "029-212-3751", "です"]);
    }

    #[test]
    fn nothing_is_lost_and_nothing_overflows() {
        let text = "【同意の撤回】この同意は、いつでも撤回できます。「」（）ーー、、。。";
        for n in 1..12 {
            let lines = wrap_n(text, n);
            assert_eq!(lines.concat(), text);
            assert!(lines.iter().all(|l| l.chars().count() <= n));
        }
        assert_eq!(wrap_n("あ\n\nい", 5), vec!["あ", "", "い"]);
        let narrow_first = wrap_varying(
            "あいうえおかきくけこ",
            |i| if i == 0 { 2.0 } else { 4.0 },
            |_| 1.0,
        );
        assert_eq!(narrow_first, vec!["あい", "うえおか", "きくけこ"]);
    }
}
