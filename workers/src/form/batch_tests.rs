//! The batch's own tests: one font, the same text on every page, and page by page when a form is not ours.

use super::*;
use crate::form::{self, template};

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
    let mut doc = printpdf::PdfDocument::new("plain");
    let page = PdfPage::new(
        Mm(210.0),
        Mm(297.0),
        vec![
            printpdf::Op::StartTextSection,
            printpdf::Op::SetFont {
                font: printpdf::PdfFontHandle::Builtin(printpdf::BuiltinFont::Helvetica),
                size: printpdf::Pt(12.0),
            },
            printpdf::Op::ShowText {
                items: vec![printpdf::TextItem::Text("plain".into())],
            },
            printpdf::Op::EndTextSection,
        ],
    );
    let plain = doc
        .with_pages(vec![page])
        .save(&printpdf::PdfSaveOptions::default(), &mut Vec::new());
    pdfs.push(plain);
    let (joined, how) = merge(&pdfs).unwrap();
    assert!(matches!(how, Joined::PageByPage(_)), "{how:?}");
    let expected: usize = pdfs.iter().map(|p| pdf::page_count(p).unwrap()).sum();
    assert_eq!(pdf::page_count(&joined), Some(expected));
    assert!(matches!(merge(&[]), Err(MergeError::Empty)));
}
