//! The batch's own tests: one font, the same text on every page, and page by page when a form is not ours.

use super::*;
use crate::form::{self, template};
use lopdf::dictionary;

fn forms() -> Vec<Vec<u8>> {
    let (t, _) = template::builtin(1).unwrap();
    let key = form::SigningKey {
        id: 'A',
        key: b"k".to_vec(),
    };
    // Different people (different characters), and a team long enough for two pages.
    [1u8, 2, 3]
        .iter()
        .map(|&seed| {
            form::render(&t, &form::demo_data(seed, 3), &key)
                .unwrap()
                .pdf
        })
        .chain([form::render(&t, &form::tests::sample(25), &key)
            .unwrap()
            .pdf])
        .collect()
}

fn texts(pdf: &[u8]) -> Vec<String> {
    let doc = Document::load_mem(pdf).unwrap();
    let n = doc.get_pages().len() as u32;
    (1..=n).map(|p| doc.extract_text(&[p]).unwrap()).collect()
}

fn font_programs(pdf: &[u8]) -> usize {
    pdf::font_programs(pdf).unwrap()
}

#[test]
fn a_batch_shares_one_font_and_every_page_says_what_its_form_said() {
    let pdfs = forms();
    let (joined, how) = merge(&pdfs).unwrap();
    assert_eq!(how, Joined::SharedFont);
    let expected: Vec<String> = pdfs.iter().flat_map(|p| texts(p)).collect();
    assert!(
        expected.len() > pdfs.len(),
        "a form of two pages is in the batch"
    );
    assert_eq!(texts(&joined), expected);
    assert_eq!(font_programs(&joined), 1);
    let page_by_page = pdf::merge(&pdfs).unwrap();
    assert_eq!(font_programs(&page_by_page), pdfs.len());
    assert!(
        joined.len() * 2 < page_by_page.len(),
        "{} bytes against {}",
        joined.len(),
        page_by_page.len()
    );
}

#[test]
fn a_form_it_cannot_read_is_joined_page_by_page() {
    let mut pdfs = forms();
    // A PDF with a standard font (as a hand-made blank form would have): no ToUnicode.
    let mut doc = Document::with_version("1.5");
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let content = doc.add_object(lopdf::Stream::new(
        Dictionary::new(),
        b"BT /F1 12 Tf 72 720 Td (plain) Tj ET".to_vec(),
    ));
    let pages_id = doc.new_object_id();
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        "Contents" => content,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut plain = Vec::new();
    doc.save_to(&mut plain).unwrap();
    pdfs.push(plain);
    let (joined, how) = merge(&pdfs).unwrap();
    assert!(matches!(how, Joined::PageByPage(_)), "{how:?}");
    let expected: usize = pdfs.iter().map(|p| pdf::page_count(p).unwrap()).sum();
    assert_eq!(pdf::page_count(&joined), Some(expected));
    assert!(matches!(merge(&[]), Err(MergeError::Empty)));
}

/// A form with a character beyond Windows-31J (鷗) is cut from the whole font, whose glyph ids
/// differ from the base font's: its text is re-encoded for the shared font, and reads the same.
#[test]
fn a_form_in_the_whole_font_is_re_encoded_for_the_shared_one() {
    let (t, _) = template::builtin(1).unwrap();
    let key = form::SigningKey {
        id: 'A',
        key: b"k".to_vec(),
    };
    let mut rare = form::demo_data(4, 2);
    rare.subject.as_mut().unwrap().name = "森 鷗子".into();
    let mut pdfs = forms();
    pdfs.insert(1, form::render(&t, &rare, &key).unwrap().pdf);
    let (joined, how) = merge(&pdfs).unwrap();
    assert_eq!(how, Joined::SharedFont);
    let expected: Vec<String> = pdfs.iter().flat_map(|p| texts(p)).collect();
    assert!(
        expected.iter().any(|t| t.contains("森 鷗子")),
        "{expected:?}"
    );
    assert_eq!(texts(&joined), expected);
    assert_eq!(font_programs(&joined), 1);
}

/// A form as printpdf wrote it before #23 (stored in the database of every city that printed
/// then): its own glyph numbering, read back through its ToUnicode map by our parser.
#[test]
fn a_form_printpdf_wrote_joins_a_batch_of_new_ones() {
    let old = include_bytes!("../../tests/golden/printpdf-form.pdf").to_vec();
    let mut pdfs = forms();
    pdfs.insert(0, old);
    let (joined, how) = merge(&pdfs).unwrap();
    assert_eq!(how, Joined::SharedFont);
    let expected: Vec<String> = pdfs.iter().flat_map(|p| texts(p)).collect();
    assert!(expected[0].contains("山田"), "{}", expected[0]);
    assert_eq!(texts(&joined), expected);
    assert_eq!(font_programs(&joined), 1);
}
