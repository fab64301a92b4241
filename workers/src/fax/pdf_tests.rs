//! Unit tests of the PDF image filters and polarities.

use super::*;
use lopdf::{dictionary, Stream};

/// A one-page PDF whose page is one 8×2 image with the given dictionary entries and data.
fn pdf_with_image(extra: Dictionary, data: Vec<u8>, flate: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut dict =
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 8, "Height" => 2 };
    dict.extend(&extra);
    let mut stream = Stream::new(dict, data);
    if flate {
        stream.compress().unwrap();
    }
    let img = doc.add_object(stream);
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"q 8 0 0 2 0 0 cm /Im1 Do Q".to_vec(),
    ));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content,
        // Small enough that 8 pixels count as a full-page scan, not a logo.
        "MediaBox" => vec![0.into(), 0.into(), 8.into(), 2.into()],
        "Resources" => dictionary! { "XObject" => dictionary! { "Im1" => img } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn pages_of(pdf: &[u8], limits: &Limits) -> Vec<Result<Page, PageError>> {
    let mut pages = Vec::new();
    super::pages(pdf, limits, &mut |p| pages.push(p)).unwrap();
    pages
}

fn first_row(pdf: &[u8]) -> Vec<u8> {
    let pages = pages_of(pdf, &Limits::default());
    let page = pages.into_iter().next().unwrap().unwrap();
    page.image.data[..8].to_vec()
}

const BW: [u8; 8] = [0, 0, 255, 255, 0, 255, 0, 255];

#[test]
fn one_bit_grey_zero_is_black_and_decode_swaps_it() {
    let gray = dictionary! { "BitsPerComponent" => 1, "ColorSpace" => "DeviceGray" };
    assert_eq!(
        first_row(&pdf_with_image(gray.clone(), vec![0b0011_0101, 0], false)),
        BW
    );
    let mut inverted = gray;
    inverted.set("Decode", vec![1.into(), 0.into()]);
    let swapped: Vec<u8> = BW.iter().map(|v| 255 - v).collect();
    assert_eq!(
        first_row(&pdf_with_image(inverted, vec![0b0011_0101, 0], true)),
        swapped,
        "with Flate too"
    );
}

#[test]
fn stencil_masks_paint_zero_unless_decoded_otherwise() {
    let mask = dictionary! { "ImageMask" => true, "BitsPerComponent" => 1 };
    assert_eq!(
        first_row(&pdf_with_image(mask.clone(), vec![0b0011_0101, 0], false)),
        BW
    );
    let mut flipped = mask;
    flipped.set("Decode", vec![1.into(), 0.into()]);
    assert_eq!(
        first_row(&pdf_with_image(flipped, vec![0b1100_1010, 0], false)),
        BW
    );
}

#[test]
fn eight_bit_grey_and_rgb_become_luma() {
    let gray = dictionary! { "BitsPerComponent" => 8, "ColorSpace" => "DeviceGray" };
    let data: Vec<u8> = BW.iter().chain(BW.iter()).copied().collect();
    assert_eq!(first_row(&pdf_with_image(gray, data, true)), BW);
    let rgb = dictionary! { "BitsPerComponent" => 8, "ColorSpace" => "DeviceRGB" };
    let data: Vec<u8> = BW
        .iter()
        .chain(BW.iter())
        .flat_map(|&v| [v, v, v])
        .collect();
    assert_eq!(first_row(&pdf_with_image(rgb, data, false)), BW);
}

/// Two all-white G4 rows (each one vertical-mode V0 code, bit 1). What shows depends on
/// BlackIs1 and /Decode [1 0] together: black exactly when one of them is set.
#[test]
fn ccitt_polarity_follows_black_is_1_xor_decode() {
    for black_is_1 in [false, true] {
        for decode in [false, true] {
            let mut d = dictionary! {
                "BitsPerComponent" => 1, "ColorSpace" => "DeviceGray", "Filter" => "CCITTFaxDecode",
                "DecodeParms" => dictionary! { "K" => -1, "Columns" => 8, "Rows" => 2, "BlackIs1" => black_is_1 },
            };
            if decode {
                d.set("Decode", vec![1.into(), 0.into()]);
            }
            let want = if black_is_1 != decode { 0 } else { 255 };
            assert_eq!(
                first_row(&pdf_with_image(d, vec![0b1100_0000], false)),
                vec![want; 8],
                "BlackIs1 {black_is_1}, Decode inverted {decode}"
            );
        }
    }
}

#[test]
fn short_and_unsupported_images_are_page_errors() {
    let gray = dictionary! { "BitsPerComponent" => 1, "ColorSpace" => "DeviceGray" };
    let pages = pages_of(&pdf_with_image(gray, vec![0], false), &Limits::default());
    assert!(matches!(pages[0], Err(PageError::Corrupt(_))));
    let jbig2 = dictionary! { "BitsPerComponent" => 1, "Filter" => "JBIG2Decode" };
    let pages = pages_of(
        &pdf_with_image(jbig2, vec![0; 4], false),
        &Limits::default(),
    );
    assert!(matches!(pages[0], Err(PageError::Corrupt(_))), "{pages:?}");
    let tiny = Limits {
        max_pixels: 10,
        ..Limits::default()
    };
    let gray = dictionary! { "BitsPerComponent" => 8, "ColorSpace" => "DeviceGray" };
    let pages = pages_of(&pdf_with_image(gray, vec![0; 16], false), &tiny);
    assert!(matches!(pages[0], Err(PageError::TooLarge(_))));
}

#[test]
fn pages_we_cannot_take_apart_are_drawn_instead() {
    // A filter the fast path does not take (JPEG 2000, here broken) is left to the rasteriser,
    // which draws what it can: a blank page, read as a page and not lost.
    let jpx = dictionary! { "BitsPerComponent" => 8, "ColorSpace" => "DeviceGray", "Filter" => "JPXDecode" };
    let pages = pages_of(&pdf_with_image(jpx, vec![0; 16], false), &Limits::default());
    let page = pages[0].as_ref().expect("drawn");
    assert!(page.image.width >= 10 && page.image.data.iter().all(|&v| v > 200));
}
