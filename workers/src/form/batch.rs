//! A print batch as one document whose pages share one font (#23).
//!
//! Each stored form embeds its own subset of IPAex Gothic (most of a form's 80 KB), so 200 forms
//! joined page by page were 17 MB. Here the stored forms are joined as they are — every page,
//! code and line exactly as issued — with one font cut for every character of the batch.
//! Forms written since #23 keep the base font's glyph ids (`sfnt`), so their text is the shared
//! font's as it stands. A form whose font numbers its glyphs another way (one printed before, or
//! one needing the whole font for a rarer character) has its text re-encoded: each glyph is read
//! back as its character (the font's ToUnicode map) and written as that character's glyph in
//! the shared font. Anything this does not expect (another kind of font, a glyph standing for
//! two characters) joins the batch page by page instead, as before.

use std::collections::{BTreeSet, HashMap};

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::{draw, font, retext, save, tounicode};
use crate::pdf::{self, close_tree, inherited_attributes, MergeError};

/// How a batch was joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Joined {
    /// One font for every page.
    SharedFont,
    /// Each form with its own font: what in a form was not as expected.
    PageByPage(String),
}

/// Joins stored forms, in order, into one document sharing one font where it can.
pub fn merge(pdfs: &[Vec<u8>]) -> Result<(Vec<u8>, Joined), MergeError> {
    if pdfs.is_empty() {
        return Err(MergeError::Empty);
    }
    match shared(pdfs) {
        Ok(bytes) => Ok((bytes, Joined::SharedFont)),
        Err(why) => Ok((pdf::merge(pdfs)?, Joined::PageByPage(why))),
    }
}

/// A font's glyphs (2-byte CIDs) by the character each draws.
pub(super) type Glyphs = HashMap<u16, char>;

/// One input form, renumbered into the output's object space.
struct Form {
    doc: Document,
    /// Each page with the fonts its resources name (read before any is changed: pages may
    /// share one resources dictionary).
    pages: Vec<(ObjectId, HashMap<Vec<u8>, ObjectId>)>,
    /// The glyph map of each font.
    fonts: HashMap<ObjectId, Glyphs>,
}

fn shared(pdfs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut out = Document::with_version("1.7");
    let pages_id = out.new_object_id();
    let mut next_id = out.max_id + 1;
    let mut forms = Vec::with_capacity(pdfs.len());
    let mut chars = BTreeSet::new();
    for bytes in pdfs {
        let mut doc = Document::load_mem(bytes).map_err(|e| e.to_string())?;
        doc.renumber_objects_with(next_id);
        next_id = doc.max_id + 1;
        let mut pages = Vec::new();
        let mut fonts = HashMap::new();
        for p in doc.get_pages().into_values() {
            let names: HashMap<Vec<u8>, ObjectId> = page_fonts(&doc, p)?.into_iter().collect();
            for &id in names.values() {
                if let std::collections::hash_map::Entry::Vacant(v) = fonts.entry(id) {
                    let glyphs = glyphs_of(&doc, id)?;
                    chars.extend(glyphs.values().copied());
                    v.insert(glyphs);
                }
            }
            pages.push((p, names));
        }
        forms.push(Form { doc, pages, fonts });
    }
    let (font_objects, font_id, by_char) = shared_font(&chars, next_id)?;
    out.objects.extend(font_objects);
    let mut kids = Vec::new();
    for mut form in forms {
        let pages = std::mem::take(&mut form.pages);
        for (p, names) in pages {
            reencode_page(&mut form, p, &names, &by_char, font_id)?;
            let inherited = inherited_attributes(&form.doc, p);
            if let Ok(Object::Dictionary(page)) = form.doc.get_object_mut(p) {
                for (key, value) in inherited {
                    if !page.has(&key) {
                        page.set(key, value);
                    }
                }
                page.set("Parent", pages_id);
            }
            kids.push(Object::Reference(p));
        }
        for (id, object) in form.doc.objects {
            if !matches!(object.type_name(), Ok(b"Catalog") | Ok(b"Pages")) {
                out.objects.insert(id, object);
            }
        }
    }
    out.max_id = out.objects.keys().map(|k| k.0).max().unwrap_or(1);
    close_tree(&mut out, pages_id, kids);
    // The forms' own fonts are no longer referenced.
    out.prune_objects();
    let mut buf = Vec::new();
    out.save_to(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

/// The fonts page `p` names, each an indirect Type0 font.
fn page_fonts(doc: &Document, p: ObjectId) -> Result<Vec<(Vec<u8>, ObjectId)>, String> {
    let resources = resources_of(doc, p).ok_or("a page without resources")?;
    let Ok(fonts) = resources.get(b"Font") else {
        return Ok(Vec::new());
    };
    let fonts = match fonts {
        Object::Reference(id) => doc.get_dictionary(*id).map_err(|e| e.to_string())?,
        Object::Dictionary(d) => d,
        _ => return Err("a font resource that is not a dictionary".into()),
    };
    fonts
        .iter()
        .map(|(name, v)| {
            let id = v.as_reference().map_err(|_| "a direct font dictionary")?;
            Ok((name.clone(), id))
        })
        .collect()
}

/// The page's own resources dictionary (direct or indirect), or its inherited one.
fn resources_of(doc: &Document, p: ObjectId) -> Option<&Dictionary> {
    let page = doc.get_dictionary(p).ok()?;
    let r = match page.get(b"Resources") {
        Ok(r) => r.clone(),
        Err(_) => {
            inherited_attributes(doc, p)
                .into_iter()
                .find(|(k, _)| k == b"Resources")?
                .1
        }
    };
    match r {
        Object::Reference(id) => doc.get_dictionary(id).ok(),
        Object::Dictionary(_) => page.get(b"Resources").ok()?.as_dict().ok(),
        _ => None,
    }
}

/// What each glyph of a Type0 font draws, from its ToUnicode map: one character per glyph.
fn glyphs_of(doc: &Document, font: ObjectId) -> Result<Glyphs, String> {
    let dict = doc.get_dictionary(font).map_err(|e| e.to_string())?;
    let name = |key: &[u8]| dict.get(key).and_then(Object::as_name).ok();
    if name(b"Subtype") != Some(b"Type0") || name(b"Encoding") != Some(b"Identity-H") {
        return Err("not an Identity-H Type0 font".into());
    }
    let to_unicode = dict
        .get(b"ToUnicode")
        .and_then(Object::as_reference)
        .and_then(|id| doc.get_object(id))
        .and_then(Object::as_stream)
        .map_err(|e| e.to_string())?;
    let text = to_unicode
        .decompressed_content()
        .unwrap_or_else(|_| to_unicode.content.clone());
    let cmap = tounicode::parse(&String::from_utf8_lossy(&text))?;
    let mut glyphs = HashMap::new();
    for (cid, chars) in cmap {
        let (Ok(cid), [one]) = (u16::try_from(cid), chars.as_slice()) else {
            return Err("a glyph for more than one character".into());
        };
        glyphs.insert(cid, *one);
    }
    Ok(glyphs)
}

/// One subset for `chars`, as objects numbered from `first`: its objects, the Type0 font's id,
/// and each character's glyph in it.
#[allow(clippy::type_complexity)]
fn shared_font(
    chars: &BTreeSet<char>,
    first: u32,
) -> Result<(Vec<(ObjectId, Object)>, ObjectId, HashMap<char, u16>), String> {
    let text: Vec<String> = chars
        .iter()
        .copied()
        .filter(|c| !c.is_control())
        .collect::<Vec<char>>()
        .chunks(40)
        .map(|c| c.iter().collect())
        .collect();
    let face = font::for_text(text.iter().map(String::as_str));
    let mut canvas = draw::Canvas::new(face);
    for (i, line) in text.iter().enumerate() {
        canvas.text(10.0, 10.0 + i as f32 * 0.1, 10.0, line);
    }
    let bytes = save("batch font", face, &[canvas.finish()])?;
    let mut doc = Document::load_mem(&bytes).map_err(|e| e.to_string())?;
    doc.renumber_objects_with(first);
    let page = *doc.get_pages().values().next().ok_or("no page")?;
    let (_, font_id) = page_fonts(&doc, page)?
        .into_iter()
        .next()
        .ok_or("no font on the font page")?;
    let by_char: HashMap<char, u16> = glyphs_of(&doc, font_id)?
        .into_iter()
        .map(|(cid, c)| (c, cid))
        .collect();
    let objects = doc
        .objects
        .into_iter()
        .filter(|(_, o)| !matches!(o.type_name(), Ok(b"Catalog") | Ok(b"Pages") | Ok(b"Page")))
        .collect();
    Ok((objects, font_id, by_char))
}

/// Rewrites page `p`'s text for the shared font and points its font names at it.
fn reencode_page(
    form: &mut Form,
    p: ObjectId,
    names: &HashMap<Vec<u8>, ObjectId>,
    by_char: &HashMap<char, u16>,
    shared: ObjectId,
) -> Result<(), String> {
    let fonts: HashMap<&[u8], &Glyphs> = names
        .iter()
        .filter_map(|(name, id)| Some((name.as_slice(), form.fonts.get(id)?)))
        .collect();
    // Forms cut from the same font as the shared one number their glyphs as it does (see
    // `sfnt`): their text stays as it is.
    let same_ids = fonts
        .values()
        .all(|g| g.iter().all(|(cid, c)| by_char.get(c) == Some(cid)));
    if !same_ids {
        let content = form.doc.get_page_content(p);
        let content = retext::page(&content, &fonts, by_char)?;
        set_content(&mut form.doc, p, &content)?;
    }
    let font_dict = font_dict_mut(&mut form.doc, p).ok_or("no font dictionary")?;
    for name in names.keys() {
        font_dict.set(name.clone(), Object::Reference(shared));
    }
    Ok(())
}

/// Replaces page `p`'s content with `content`, deflated at zlib's level 3: a form's own is
/// deflated at the fastest (1), but in a batch of 200 forms level 3 makes 3.2 MB 2.0 MB for
/// 0.6 ms a page (level 6: 1.9 MB, 1 ms a page).
fn set_content(doc: &mut Document, p: ObjectId, content: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(3));
    z.write_all(content).map_err(|e| e.to_string())?;
    let packed = z.finish().map_err(|e| e.to_string())?;
    let mut dict = Dictionary::new();
    dict.set("Filter", "FlateDecode");
    // Into the page's (first) content stream's place: a new object here could take a number
    // the next form was given.
    let page = doc.get_dictionary_mut(p).map_err(|e| e.to_string())?;
    let id = match page.get(b"Contents").map_err(|e| e.to_string())? {
        Object::Reference(id) => *id,
        Object::Array(a) => a
            .first()
            .and_then(|o| o.as_reference().ok())
            .ok_or("a page without content")?,
        _ => return Err("a page without content".into()),
    };
    page.set("Contents", Object::Reference(id));
    doc.objects
        .insert(id, Object::Stream(lopdf::Stream::new(dict, packed)));
    Ok(())
}

/// The page's font dictionary, to change (its resources and font dictionary may be indirect).
fn font_dict_mut(doc: &mut Document, p: ObjectId) -> Option<&mut Dictionary> {
    let page = doc.get_dictionary(p).ok()?;
    let resources_ref = page.get(b"Resources").ok()?.as_reference().ok();
    let fonts_ref = {
        let r = match resources_ref {
            Some(id) => doc.get_dictionary(id).ok()?,
            None => page.get(b"Resources").ok()?.as_dict().ok()?,
        };
        r.get(b"Font").ok()?.as_reference().ok()
    };
    if let Some(id) = fonts_ref {
        return doc.get_dictionary_mut(id).ok();
    }
    let resources = match resources_ref {
        Some(id) => doc.get_dictionary_mut(id).ok()?,
        None => doc
            .get_dictionary_mut(p)
            .ok()?
            .get_mut(b"Resources")
            .ok()?
            .as_dict_mut()
            .ok()?,
    };
    resources.get_mut(b"Font").ok()?.as_dict_mut().ok()
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
