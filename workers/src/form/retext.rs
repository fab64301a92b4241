//! Re-encoding a page's text for another subset of the same font (a print batch's shared one):
//! each glyph is read back as its character and written as that character's glyph there.
//!
//! Only the text objects (`BT` … `ET`) are parsed; the rest of the page — mostly the paths of
//! its QR codes, 45 KB a page — is copied as it is (parsing and writing it all back took 6 ms a
//! page). A small lexer finds them, stepping over strings, dictionaries and comments so that
//! "BT" inside a string is not taken for one. An inline image (whose binary data a lexer cannot
//! step over) or text outside a text object is refused: the batch is then joined page by page.

use std::collections::HashMap;
use std::ops::Range;

use lopdf::content::Content;
use lopdf::Object;

use super::batch::Glyphs;

/// `content` with its text re-encoded: `fonts` are the page's font names with their glyphs,
/// `by_char` the shared font's glyph for each character.
pub(super) fn page(
    content: &[u8],
    fonts: &HashMap<&[u8], &Glyphs>,
    by_char: &HashMap<char, u16>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(content.len());
    let mut last = 0;
    // The font is graphics state: it carries from one text object to the next.
    let mut current: Option<&Glyphs> = None;
    for r in text_objects(content)? {
        out.extend_from_slice(&content[last..r.start]);
        let mut ops = Content::decode(&content[r.clone()]).map_err(|e| e.to_string())?;
        for op in &mut ops.operations {
            let strings: Vec<&mut Object> = match op.operator.as_str() {
                "Tf" => {
                    let name = op.operands.first().and_then(|n| n.as_name().ok());
                    current = name.and_then(|n| fonts.get(n)).copied();
                    continue;
                }
                "Tj" | "'" => op.operands.iter_mut().take(1).collect(),
                "\"" => op.operands.iter_mut().skip(2).take(1).collect(),
                "TJ" => match op.operands.first_mut() {
                    Some(Object::Array(items)) => items.iter_mut().collect(),
                    _ => Vec::new(),
                },
                _ => continue,
            };
            for s in strings {
                if let Object::String(bytes, _) = s {
                    let glyphs = current.ok_or("text before a font")?;
                    *bytes = reencode(bytes, glyphs, by_char)?;
                }
            }
        }
        out.extend(ops.encode().map_err(|e| e.to_string())?);
        last = r.end;
    }
    out.extend_from_slice(&content[last..]);
    Ok(out)
}

fn reencode(
    bytes: &[u8],
    glyphs: &Glyphs,
    by_char: &HashMap<char, u16>,
) -> Result<Vec<u8>, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err("an odd number of bytes for 2-byte glyphs".into());
    }
    let mut out = Vec::with_capacity(bytes.len());
    for pair in bytes.chunks(2) {
        let cid = u16::from_be_bytes([pair[0], pair[1]]);
        let c = glyphs.get(&cid).ok_or("a glyph with no character")?;
        let new = by_char
            .get(c)
            .ok_or("a character missing from the shared font")?;
        out.extend(new.to_be_bytes());
    }
    Ok(out)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\0')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// The byte ranges of the text objects of `content`, each from its `BT` to the end of its `ET`.
fn text_objects(content: &[u8]) -> Result<Vec<Range<usize>>, String> {
    let (n, mut i) = (content.len(), 0);
    let mut found = Vec::new();
    let mut open = None;
    while i < n {
        let b = content[i];
        if is_space(b) {
            i += 1;
        } else if b == b'%' {
            while i < n && !matches!(content[i], b'\n' | b'\r') {
                i += 1;
            }
        } else if b == b'(' {
            i = after_literal(content, i)?;
        } else if b == b'<' && content.get(i + 1) != Some(&b'<') {
            i += content[i..]
                .iter()
                .position(|&c| c == b'>')
                .ok_or("an open hex string")?
                + 1;
        } else if is_delimiter(b) && b != b'/' {
            i += 1; // << >> [ ] { } and a stray ')' or '>'
        } else {
            let start = i;
            i += 1;
            while i < n && !is_space(content[i]) && !is_delimiter(content[i]) {
                i += 1;
            }
            match (&content[start..i], open) {
                (b"BT", None) => open = Some(start),
                (b"ET", Some(s)) => {
                    found.push(s..i);
                    open = None;
                }
                (b"ID", _) => return Err("an inline image".into()),
                (b"Tf" | b"Tj" | b"TJ" | b"'" | b"\"", None) => {
                    return Err("text outside a text object".into())
                }
                _ => {}
            }
        }
    }
    match open {
        None => Ok(found),
        Some(_) => Err("a text object without its end".into()),
    }
}

/// The index just past the literal string that starts at `i` (nested parentheses, escapes).
fn after_literal(content: &[u8], mut i: usize) -> Result<usize, String> {
    let mut depth = 0usize;
    while i < content.len() {
        match content[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err("an open string".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_objects_are_found_and_strings_are_stepped_over() {
        let c = b"q 1 0 0 1 0 0 cm 10 10 m 20 20 l f\nBT /F1 9 Tf <0001> Tj ET\n\
            /P <</MCID 0>> BDC EMC % BT in a comment\nBT (a (BT) \\) ET) Tj ET";
        let found = text_objects(c).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(&c[found[0].clone()], b"BT /F1 9 Tf <0001> Tj ET");
        assert_eq!(&c[found[1].clone()], b"BT (a (BT) \\) ET) Tj ET");
        assert!(text_objects(b"BI /W 1 /H 1 ID \x00 EI").is_err());
        assert!(text_objects(b"/F1 9 Tf BT <01> Tj ET").is_err());
        assert!(text_objects(b"BT <0001> Tj").is_err());
    }

    #[test]
    fn glyphs_are_written_for_the_shared_font() {
        let glyphs: Glyphs = [(1, '山'), (2, '田')].into();
        let fonts: HashMap<&[u8], &Glyphs> = [(&b"CFFORM"[..], &glyphs)].into();
        let by_char: HashMap<char, u16> = [('田', 7), ('山', 9)].into();
        let c = b"0 0 m 1 1 l\nBT\n/CFFORM 9 Tf\n<00010002> Tj\nET\n2 2 m";
        let out = page(c, &fonts, &by_char).unwrap();
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with("0 0 m 1 1 l\n") && text.ends_with("\n2 2 m"),
            "{text}"
        );
        assert!(text.contains("<00090007> Tj"), "{text}");
        let unknown: Glyphs = [(1, '𠮷')].into();
        let fonts: HashMap<&[u8], &Glyphs> = [(&b"CFFORM"[..], &unknown)].into();
        assert!(page(c, &fonts, &by_char).is_err());
    }
}
