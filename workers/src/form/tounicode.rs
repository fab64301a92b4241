//! Reading a font's ToUnicode CMap (PDF 32000-1, 9.10.3): the characters each glyph code stands
//! for, from its `bfchar` and `bfrange` sections. Enough for the forms a print batch joins: ours,
//! and those printpdf wrote before #23.

use std::collections::BTreeMap;

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Hex(Vec<u8>),
    Open,
    Close,
    Word(&'a str),
}

/// A range longer than this is refused rather than expanded (a hostile CMap's memory).
const MAX_RANGE: u32 = 0x1_0000;

fn tokens(s: &str) -> Result<Vec<Token<'_>>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c if c.is_ascii_whitespace() => i += 1,
            b'%' => i = s[i..].find('\n').map_or(b.len(), |n| i + n),
            b'[' | b']' => {
                out.push(if b[i] == b'[' {
                    Token::Open
                } else {
                    Token::Close
                });
                i += 1;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => i += 2,
            b'>' if b.get(i + 1) == Some(&b'>') => i += 2,
            b'<' => {
                let end = s[i..].find('>').ok_or("an unclosed hex string")? + i;
                let digits: Vec<u8> = b[i + 1..end]
                    .iter()
                    .copied()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect();
                if !digits.len().is_multiple_of(2) {
                    return Err("a hex string of odd length".into());
                }
                let hex = std::str::from_utf8(&digits).map_err(|e| e.to_string())?;
                let bytes = (0..digits.len())
                    .step_by(2)
                    .map(|k| u8::from_str_radix(&hex[k..k + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|e| e.to_string())?;
                out.push(Token::Hex(bytes));
                i = end + 1;
            }
            b'(' => i = s[i..].find(')').map_or(b.len(), |n| i + n + 1),
            _ => {
                let end = s[i..]
                    .find(|c: char| c.is_ascii_whitespace() || "[]<>()%".contains(c))
                    .map_or(b.len(), |n| i + n.max(1));
                out.push(Token::Word(&s[i..end]));
                i = end;
            }
        }
    }
    Ok(out)
}

fn code(bytes: &[u8]) -> Result<u32, String> {
    if bytes.is_empty() || bytes.len() > 4 {
        return Err("a code of more than four bytes".into());
    }
    Ok(bytes.iter().fold(0, |v, &b| (v << 8) | u32::from(b)))
}

fn text(bytes: &[u8]) -> Result<Vec<char>, String> {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
        .collect();
    Ok(String::from_utf16(&units)
        .map_err(|e| e.to_string())?
        .chars()
        .collect())
}

/// Each code's characters.
pub(super) fn parse(s: &str) -> Result<BTreeMap<u32, Vec<char>>, String> {
    let t = tokens(s)?;
    let mut map = BTreeMap::new();
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            Token::Word("beginbfchar") => {
                i += 1;
                while let (Some(Token::Hex(src)), Some(Token::Hex(dst))) = (t.get(i), t.get(i + 1))
                {
                    map.insert(code(src)?, text(dst)?);
                    i += 2;
                }
            }
            Token::Word("beginbfrange") => {
                i += 1;
                while let (Some(Token::Hex(lo)), Some(Token::Hex(hi))) = (t.get(i), t.get(i + 1)) {
                    let (lo, hi) = (code(lo)?, code(hi)?);
                    if hi < lo || hi - lo >= MAX_RANGE {
                        return Err(format!("a bfrange from {lo:X} to {hi:X}"));
                    }
                    i += 2;
                    match t.get(i) {
                        Some(Token::Hex(first)) => {
                            let mut dst = first.clone();
                            for c in lo..=hi {
                                map.insert(c, text(&dst)?);
                                // The last byte counts up (PDF 9.10.3).
                                if let Some(last) = dst.last_mut() {
                                    *last = last.wrapping_add(1);
                                }
                            }
                            i += 1;
                        }
                        Some(Token::Open) => {
                            i += 1;
                            let mut c = lo;
                            while let Some(Token::Hex(dst)) = t.get(i) {
                                if c <= hi {
                                    map.insert(c, text(dst)?);
                                }
                                c += 1;
                                i += 1;
                            }
                            if t.get(i) != Some(&Token::Close) {
                                return Err("an unclosed bfrange array".into());
                            }
                            i += 1;
                        }
                        _ => return Err("a bfrange without its destination".into()),
                    }
                }
            }
            _ => i += 1,
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chars_and_both_kinds_of_range_are_read() {
        let cmap = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap
            /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
            1 begincodespacerange <0000> <FFFF> endcodespacerange
            2 beginbfchar\n<0012> <5C71>\n<7FFF> <D867DE3D>\nendbfchar % a comment
            2 beginbfrange <0041> <0043> <0061> <0050> <0051> [<0066> <00660066>] endbfrange
            endcmap";
        let m = parse(cmap).unwrap();
        let one = |c: char| vec![c];
        assert_eq!(m[&0x12], one('山'));
        assert_eq!(m[&0x7fff], one('𩸽'));
        assert_eq!(
            (m[&0x41].clone(), m[&0x42].clone(), m[&0x43].clone()),
            (one('a'), one('b'), one('c'))
        );
        assert_eq!(m[&0x50], one('f'));
        assert_eq!(
            m[&0x51],
            vec!['f', 'f'],
            "a ligature stands for two characters"
        );
        assert_eq!(m.len(), 7);
    }

    #[test]
    fn our_own_cmap_reads_back() {
        let glyphs = BTreeMap::from([(3u16, 'A'), (1744, '山'), (9000, '鷗')]);
        let m = parse(&super::super::emit::to_unicode(&glyphs)).unwrap();
        let back: BTreeMap<u16, char> = m.iter().map(|(k, v)| (*k as u16, v[0])).collect();
        assert_eq!(back, glyphs);
    }

    #[test]
    fn hostile_ranges_and_broken_hex_are_refused() {
        assert!(parse("beginbfrange <0000> <FFFFFF> <0041> endbfrange").is_err());
        assert!(parse("beginbfrange <0010> <0001> <0041> endbfrange").is_err());
        assert!(parse("beginbfchar <00G1> <0041> endbfchar").is_err());
        assert!(parse("beginbfchar <001> <0041> endbfchar").is_err());
    }
}
