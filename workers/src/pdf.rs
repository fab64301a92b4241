//! Joining PDFs: batch printing puts many stored forms into one file, page order kept.

use lopdf::{Dictionary, Document, Object, ObjectId};

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("document {index} cannot be read: {message}")]
    Unreadable { index: usize, message: String },
    #[error("nothing to merge")]
    Empty,
    #[error("writing the merged PDF failed: {0}")]
    Write(String),
}

/// Attributes a page may inherit from its page-tree parents (PDF 7.7.3.4).
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// Merges whole documents, in order, into one.
pub fn merge(pdfs: &[Vec<u8>]) -> Result<Vec<u8>, MergeError> {
    if pdfs.is_empty() {
        return Err(MergeError::Empty);
    }
    let mut out = Document::with_version("1.7");
    let pages_id = out.new_object_id();
    let mut next_id = out.max_id + 1;
    let mut kids: Vec<Object> = Vec::new();
    for (index, bytes) in pdfs.iter().enumerate() {
        let unreadable = |e: lopdf::Error| MergeError::Unreadable {
            index,
            message: e.to_string(),
        };
        let mut doc = Document::load_mem(bytes).map_err(unreadable)?;
        doc.renumber_objects_with(next_id);
        next_id = doc.max_id + 1;
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        // Copy what each page inherits onto the page itself, since its old parents are dropped.
        for &pid in &pages {
            let inherited = inherited_attributes(&doc, pid);
            if let Ok(Object::Dictionary(page)) = doc.get_object_mut(pid) {
                for (key, value) in inherited {
                    if !page.has(&key) {
                        page.set(key, value);
                    }
                }
                page.set("Parent", pages_id);
            }
            kids.push(Object::Reference(pid));
        }
        for (id, object) in doc.objects {
            let tree_node = matches!(object.type_name(), Ok(b"Catalog") | Ok(b"Pages"));
            if !tree_node {
                out.objects.insert(id, object);
            }
        }
    }
    out.max_id = next_id;
    close_tree(&mut out, pages_id, kids);
    let mut buf = Vec::new();
    out.save_to(&mut buf)
        .map_err(|e| MergeError::Write(e.to_string()))?;
    Ok(buf)
}

/// Gives `out` its page tree (`kids` under `pages_id`) and catalog.
pub(crate) fn close_tree(out: &mut Document, pages_id: ObjectId, kids: Vec<Object>) {
    let mut pages = Dictionary::new();
    pages.set("Type", "Pages");
    pages.set("Count", kids.len() as i64);
    pages.set("Kids", kids);
    out.objects.insert(pages_id, Object::Dictionary(pages));
    let mut catalog = Dictionary::new();
    catalog.set("Type", "Catalog");
    catalog.set("Pages", pages_id);
    let catalog_id = out.add_object(catalog);
    out.trailer.set("Root", catalog_id);
}

pub(crate) fn inherited_attributes(doc: &Document, page: ObjectId) -> Vec<(Vec<u8>, Object)> {
    let mut found: Vec<(Vec<u8>, Object)> = Vec::new();
    let mut node = doc
        .get_dictionary(page)
        .ok()
        .and_then(|d| d.get(b"Parent").ok())
        .and_then(|p| p.as_reference().ok());
    let mut depth = 0;
    while let Some(id) = node {
        let Ok(dict) = doc.get_dictionary(id) else {
            break;
        };
        for key in INHERITED {
            if !found.iter().any(|(k, _)| k == key) {
                if let Ok(v) = dict.get(key) {
                    found.push((key.to_vec(), v.clone()));
                }
            }
        }
        node = dict.get(b"Parent").ok().and_then(|p| p.as_reference().ok());
        depth += 1;
        if depth > 32 {
            break; // a loop in a hostile page tree
        }
    }
    found
}

/// How many font programs a PDF embeds (a print batch should have one), for checks.
pub fn font_programs(pdf: &[u8]) -> Option<usize> {
    let doc = Document::load_mem(pdf).ok()?;
    let n = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.has(b"FontFile2") || d.has(b"FontFile3"))
        .count();
    Some(n)
}

/// Number of pages, for checks and progress.
pub fn page_count(pdf: &[u8]) -> Option<usize> {
    Document::load_mem(pdf).ok().map(|d| d.get_pages().len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{self, template};

    #[test]
    fn forms_merge_in_order_with_every_page() {
        let (t, _) = template::builtin(1).unwrap();
        let key = form::SigningKey {
            id: 'A',
            key: b"k".to_vec(),
        };
        let one = form::render(&t, &form::tests::sample(2), &key).unwrap().pdf;
        let two = form::render(&t, &form::tests::sample(25), &key)
            .unwrap()
            .pdf;
        let (n1, n2) = (page_count(&one).unwrap(), page_count(&two).unwrap());
        let merged = merge(&[one, two.clone(), two]).unwrap();
        assert_eq!(page_count(&merged).unwrap(), n1 + 2 * n2);
        assert!(matches!(merge(&[]), Err(MergeError::Empty)));
        assert!(matches!(
            merge(&[b"not a pdf".to_vec()]),
            Err(MergeError::Unreadable { index: 0, .. })
        ));
    }
}
