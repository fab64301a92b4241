//! Pages drawn by [`Canvas`](super::draw::Canvas) written as one PDF, with lopdf: the pages'
//! content streams, and one font cut to the glyphs they draw, each at its own id
//! ([`Sfnt::cut`](super::sfnt::Sfnt::cut)), so the text needs no re-encoding and the font no
//! glyph renumbering. Streams are deflated at zlib's fastest level. The same pages always give
//! the same bytes: the file's /ID is a hash of what it holds.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use lopdf::{dictionary, Dictionary, Document, Object, Stream, StringFormat};
use sha2::{Digest, Sha256};

use super::draw::{Page, FONT_NAME, PAGE_H, PAGE_W};
use super::font::FormFont;

const MM: f32 = 72.0 / 25.4;

fn deflated(dict: Dictionary, data: &[u8]) -> Result<Stream, String> {
    let mut z = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 2),
        flate2::Compression::fast(),
    );
    z.write_all(data).map_err(|e| e.to_string())?;
    let packed = z.finish().map_err(|e| e.to_string())?;
    let mut dict = dict;
    dict.set("Filter", "FlateDecode");
    Ok(Stream::new(dict, packed).with_compression(false))
}

/// The ToUnicode CMap: each glyph's character.
pub(super) fn to_unicode(glyphs: &BTreeMap<u16, char>) -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let all: Vec<(&u16, &char)> = glyphs.iter().collect();
    for chunk in all.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for (gid, c) in chunk {
            let _ = write!(s, "<{gid:04X}> <");
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(s, "{unit:04X}");
            }
            s.push_str(">\n");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

/// /W: the advance of every glyph that is not a full em, in runs of consecutive ids.
fn widths(face: &FormFont, glyphs: &BTreeMap<u16, char>) -> Vec<Object> {
    let mut out = Vec::new();
    let mut run: Vec<Object> = Vec::new();
    let mut next = None;
    for &gid in glyphs.keys() {
        let w = face.sfnt.advance_1000(gid);
        if w == 1000 {
            continue;
        }
        if next != Some(gid) && !run.is_empty() {
            out.push(Object::Array(std::mem::take(&mut run)));
        }
        if run.is_empty() {
            out.push(Object::Integer(i64::from(gid)));
        }
        run.push(Object::Integer(i64::from(w)));
        next = gid.checked_add(1);
    }
    if !run.is_empty() {
        out.push(Object::Array(run));
    }
    out
}

/// Six capitals for the subset's name (PDF 9.6.4), from the glyphs it holds.
fn subset_tag(glyphs: &BTreeMap<u16, char>) -> String {
    let mut h = Sha256::new();
    for g in glyphs.keys() {
        h.update(g.to_be_bytes());
    }
    h.finalize()[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// The Type0 font for `glyphs`, added to `doc`.
fn font(
    doc: &mut Document,
    face: &FormFont,
    glyphs: &BTreeMap<u16, char>,
) -> Result<Object, String> {
    let s = &face.sfnt;
    let program = s.cut(glyphs.keys().copied());
    let length1 = program.len() as i64;
    let file = doc.add_object(deflated(dictionary! { "Length1" => length1 }, &program)?);
    let scale = |v: i16| (f32::from(v) * 1000.0 / f32::from(s.units_per_em)).round() as i64;
    let name = format!("{}+IPAexGothic", subset_tag(glyphs));
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => Object::Name(name.clone().into_bytes()),
        "Flags" => 4,
        "FontBBox" => s.bbox.iter().map(|&v| Object::Integer(scale(v))).collect::<Vec<_>>(),
        "ItalicAngle" => 0,
        "Ascent" => scale(s.ascent),
        "Descent" => scale(s.descent),
        "CapHeight" => scale(s.ascent),
        "StemV" => 80,
        "FontFile2" => file,
    });
    let cid_font = dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => Object::Name(name.clone().into_bytes()),
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "DW" => 1000,
        "W" => widths(face, glyphs),
        "CIDToGIDMap" => "Identity",
    };
    let cmap = doc.add_object(deflated(Dictionary::new(), to_unicode(glyphs).as_bytes())?);
    Ok(doc
        .add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => Object::Name(name.into_bytes()),
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![Object::Dictionary(cid_font)],
            "ToUnicode" => cmap,
        })
        .into())
}

/// `title` as a PDF text string (UTF-16BE with its byte order mark).
fn text_string(title: &str) -> Object {
    let mut b = vec![0xfe, 0xff];
    for u in title.encode_utf16() {
        b.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(b, StringFormat::Hexadecimal)
}

/// Writes `pages`, drawn in `face`, as an A4 PDF titled `title`.
pub(crate) fn save(title: &str, face: &FormFont, pages: &[Page]) -> Result<Vec<u8>, String> {
    let mut doc = Document::with_version("1.7");
    let glyphs: BTreeMap<u16, char> = pages.iter().flat_map(|p| p.glyphs.clone()).collect();
    let font = font(&mut doc, face, &glyphs)?;
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { FONT_NAME => font },
    });
    let pages_id = doc.new_object_id();
    let mut id = Sha256::new();
    id.update(title.as_bytes());
    let mut kids = Vec::with_capacity(pages.len());
    for p in pages {
        id.update(&p.content);
        let content = doc.add_object(deflated(Dictionary::new(), &p.content)?);
        kids.push(Object::from(doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), Object::Real(PAGE_W * MM), Object::Real(PAGE_H * MM)],
            "Resources" => resources,
            "Contents" => content,
        })));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info = doc.add_object(dictionary! { "Title" => text_string(title), "Producer" => Object::string_literal("consentflow") });
    for g in glyphs.keys() {
        id.update(g.to_be_bytes());
    }
    let digest = id.finalize()[..16].to_vec();
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    doc.trailer.set(
        "ID",
        vec![
            Object::String(digest.clone(), StringFormat::Hexadecimal),
            Object::String(digest, StringFormat::Hexadecimal),
        ],
    );
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tounicode_maps_each_glyph_and_astral_characters_as_pairs() {
        let cmap = to_unicode(&BTreeMap::from([(0x12, '山'), (0x7fff, '𩸽')]));
        assert!(
            cmap.contains("2 beginbfchar\n<0012> <5C71>\n<7FFF> <D867DE3D>\n"),
            "{cmap}"
        );
    }
}
