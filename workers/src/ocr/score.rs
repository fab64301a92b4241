//! People waiting for a copy, ranked against what a page's text says: kana by edit distance,
//! names by the characters they share, the birth date and the phone number exactly.

use chrono::NaiveDate;

use super::fields::{squash, OcrFields};

/// A person waiting for a copy, as the service knows them.
#[derive(Debug, Clone)]
pub struct Person<'a> {
    pub name: &'a str,
    pub kana: &'a str,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<&'a str>,
}

/// How well a person agrees with a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// 0 to 1: the weighted share of the fields read that agree.
    pub total: f64,
    /// The fields that agreed, by their labels (氏名, フリガナ, 生年月日, 電話番号).
    pub agreed: Vec<&'static str>,
}

/// A person's index among those ranked, with their score.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub index: usize,
    pub score: Score,
}

/// Levenshtein distance over characters.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// 1 for the same kana, falling with each edit.
fn kana_similarity(read: &str, known: &str) -> f64 {
    let a: Vec<char> = read.chars().collect();
    let b: Vec<char> = squash(known)
        .chars()
        .filter(|c| matches!(c, 'ァ'..='ヺ' | 'ー'))
        .collect();
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 0.0;
    }
    1.0 - distance(&a, &b) as f64 / longest as f64
}

/// The share of characters the names have in common (Dice over characters, each counted once
/// per occurrence), so one misread character costs little.
fn name_similarity(read: &str, known: &str) -> f64 {
    let a: Vec<char> = read.chars().collect();
    let mut b: Vec<char> = squash(known).chars().collect();
    let total = a.len() + b.len();
    if total == 0 {
        return 0.0;
    }
    let mut common = 0;
    for c in &a {
        if let Some(i) = b.iter().position(|x| x == c) {
            b.swap_remove(i);
            common += 1;
        }
    }
    2.0 * common as f64 / total as f64
}

const W_KANA: f64 = 3.0;
const W_NAME: f64 = 3.0;
const W_BIRTH: f64 = 4.0;
const W_PHONE: f64 = 2.0;

/// How well `p` agrees with the page's fields.
pub fn score(read: &OcrFields, p: &Person<'_>) -> Score {
    let mut got = 0.0;
    let mut weight = 0.0;
    let mut agreed = Vec::new();
    let mut add = |label, w: f64, sim: f64, agree_at: f64| {
        weight += w;
        got += w * sim;
        if sim >= agree_at {
            agreed.push(label);
        }
    };
    if let Some(k) = &read.kana {
        add("フリガナ", W_KANA, kana_similarity(k, p.kana), 0.8);
    }
    if let Some(n) = &read.name {
        add("氏名", W_NAME, name_similarity(n, p.name), 0.75);
    }
    if let Some(d) = read.birth_date {
        add(
            "生年月日",
            W_BIRTH,
            f64::from(u8::from(p.birth_date == Some(d))),
            1.0,
        );
    }
    if let (Some(t), Some(known)) = (&read.phone, p.phone) {
        let digits: String = known.chars().filter(char::is_ascii_digit).collect();
        add("電話番号", W_PHONE, f64::from(u8::from(*t == digits)), 1.0);
    }
    Score {
        total: if weight > 0.0 { got / weight } else { 0.0 },
        agreed,
    }
}

/// Everyone who agrees at all, best first (ties by their order given).
pub fn rank(read: &OcrFields, people: &[Person<'_>]) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = people
        .iter()
        .enumerate()
        .map(|(index, p)| Ranked {
            index,
            score: score(read, p),
        })
        .filter(|r| r.score.total > 0.0)
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total
            .total_cmp(&a.score.total)
            .then(a.index.cmp(&b.index))
    });
    out
}

/// A page may be assigned without a person only when its best candidate agrees on nearly
/// everything and is this far ahead of the next (what the corpus showed gives no wrong
/// assignment; `ocr_corpus`).
pub const SURE_TOTAL: f64 = 0.9;
pub const SURE_MARGIN: f64 = 0.25;

/// Whether the ranking is decisive enough to assign the page to its first: nearly everything
/// agrees, the birth date among at least three fields (one field read alone, however well it
/// agrees, never decides), and the next is far behind.
pub fn decisive(ranked: &[Ranked]) -> bool {
    match ranked {
        [first, rest @ ..] => {
            let second = rest.first().map_or(0.0, |r| r.score.total);
            let agreed = &first.score.agreed;
            first.score.total >= SURE_TOTAL
                && first.score.total - second >= SURE_MARGIN
                && agreed.len() >= 3
                && agreed.contains(&"生年月日")
        }
        [] => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn the_person_written_ranks_first_among_look_alikes() {
        let people = [
            Person {
                name: "斉藤 花子",
                kana: "サイトウ ハナコ",
                birth_date: d(1940, 4, 1),
                phone: None,
            },
            Person {
                name: "斎藤 花子",
                kana: "サイトウ ハナコ",
                birth_date: d(1941, 4, 1),
                phone: None,
            },
            Person {
                name: "斎藤 華子",
                kana: "サイトウ ハナコ",
                birth_date: d(1940, 4, 1),
                phone: Some("029-270-1000"),
            },
            Person {
                name: "佐藤 一郎",
                kana: "サトウ イチロウ",
                birth_date: d(1935, 1, 2),
                phone: None,
            },
        ];
        // OCR misread one character of the name.
        let read = OcrFields {
            is_consent_form: true,
            is_addition_form: false,
            name: Some("斎藤華予".into()),
            kana: Some("サイトウハナコ".into()),
            birth_date: d(1940, 4, 1),
            phone: Some("0292701000".into()),
            obtainer: None,
        };
        let r = rank(&read, &people);
        assert_eq!(r[0].index, 2, "{r:?}");
        assert_eq!(
            r[0].score.agreed,
            vec!["フリガナ", "氏名", "生年月日", "電話番号"]
        );
        assert!(r[0].score.total > r[1].score.total);
        assert_eq!(r.last().unwrap().index, 3, "佐藤 一郎 agrees least");
        assert!(!decisive(&r[1..]), "a look-alike's lead is not enough");
        assert!(
            !decisive(&r),
            "a look-alike with the same kana and birth date is too close"
        );
        let without_her: Vec<Person> = people[1..].to_vec();
        let r = rank(&read, &without_her);
        assert!(decisive(&r), "all four agree, far ahead: {r:?}");
        // The kana alone, read perfectly, of the one person who has it: never decisive.
        let alone = OcrFields {
            kana: Some("サトウイチロウ".into()),
            ..OcrFields::default()
        };
        let r = rank(&alone, &people);
        assert_eq!((r[0].index, r[0].score.total), (3, 1.0));
        assert!(!decisive(&r));
    }

    #[test]
    fn edit_distance_counts_each_change() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(distance(&c("サイトウ"), &c("サトウ")), 1);
        assert_eq!(distance(&c(""), &c("アイ")), 2);
        assert_eq!(distance(&c("ハナコ"), &c("ハナコ")), 0);
        assert!(rank(&OcrFields::default(), &[]).is_empty());
        assert!(!decisive(&[]));
    }
}
