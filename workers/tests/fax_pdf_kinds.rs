//! PDFs that are not the usual one-CCITT-image-a-page: JBIG2 pages (made from ghostscript's G4
//! output, wrapped as an MMR-coded JBIG2 region, since Debian has no JBIG2 encoder), the vector
//! form itself mailed back (rasterised by hayro), and the per-page report the intake stores.

mod common;
use common::tools;

use std::process::Command;

use consentflow_workers::fax::{self, jbig2_build, Limits};
use consentflow_workers::form::{self, template, SigningKey};
use lopdf::{dictionary, Document, Object, Stream};

const KEY: &[u8] = b"kinds-key";

fn form() -> form::Rendered {
    let (t, _) = template::builtin(1).unwrap();
    form::render(
        &t,
        &form::demo_data(3, 20),
        &SigningKey {
            id: 'K',
            key: KEY.to_vec(),
        },
    )
    .unwrap()
}

fn key(k: char) -> Option<&'static [u8]> {
    (k == 'K').then_some(KEY)
}

/// A one-page-per-image PDF of A4 pages; each image dictionary gets `extra`.
fn image_pdf(images: Vec<(u32, u32, Vec<u8>, lopdf::Dictionary)>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for (w, h, data, extra) in images {
        let mut dict = dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
            "BitsPerComponent" => 1, "ColorSpace" => "DeviceGray",
        };
        dict.extend(&extra);
        let img = doc.add_object(Stream::new(dict, data));
        let content = doc.add_object(Stream::new(
            dictionary! {},
            b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec(),
        ));
        kids.push(Object::Reference(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content,
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img } },
        })));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// Each page of a G4 TIFF as (width, height, one-strip G4 data).
fn g4_strips(path: &std::path::Path) -> Vec<(u32, u32, Vec<u8>)> {
    use tiff::decoder::Decoder;
    use tiff::tags::Tag;
    let bytes = std::fs::read(path).unwrap();
    let mut dec = Decoder::new(std::io::Cursor::new(&bytes)).unwrap();
    let mut out = Vec::new();
    loop {
        let (w, h) = dec.dimensions().unwrap();
        let offsets = dec.get_tag_u32_vec(Tag::StripOffsets).unwrap();
        let counts = dec.get_tag_u32_vec(Tag::StripByteCounts).unwrap();
        assert_eq!(offsets.len(), 1, "tiffcp -r makes one strip");
        let (o, c) = (offsets[0] as usize, counts[0] as usize);
        out.push((w, h, bytes[o..o + c].to_vec()));
        if !dec.more_images() {
            break;
        }
        dec.next_image().unwrap();
    }
    out
}

#[test]
fn jbig2_pages_decode_in_both_polarities() {
    if !tools(&["gs", "tiffcp"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("form.pdf");
    let r = form();
    std::fs::write(&pdf, &r.pdf).unwrap();
    let g4 = dir.path().join("g4.tif");
    let one = dir.path().join("one.tif");
    let gs = Command::new("gs")
        .args(["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg4"])
        .arg("-r204x196")
        .arg(format!("-sOutputFile={}", g4.display()))
        .arg(&pdf)
        .status()
        .unwrap();
    assert!(gs.success());
    let cp = Command::new("tiffcp")
        .args(["-c", "g4", "-r", "100000"])
        .arg(&g4)
        .arg(&one)
        .status()
        .unwrap();
    assert!(cp.success());
    let strips = g4_strips(&one);
    assert_eq!(strips.len(), r.payloads.len());
    for inverted in [false, true] {
        let images = strips
            .iter()
            .map(|(w, h, g4)| {
                let mut extra = dictionary! { "Filter" => "JBIG2Decode" };
                if inverted {
                    // A set bit is black in JBIG2; with /Decode [1 0] the page reads as its negative.
                    extra.set("Decode", vec![1.into(), 0.into()]);
                }
                (*w, *h, jbig2_build::mmr_page(*w, *h, g4), extra)
            })
            .collect();
        let pages = fax::read(&image_pdf(images), None, &Limits::default()).unwrap();
        assert_eq!(pages.len(), strips.len());
        for (i, page) in pages.into_iter().enumerate() {
            let mut page = page.unwrap_or_else(|e| panic!("page {}: {e}", i + 1));
            assert_eq!(page.row_factor, 1, "fine mode is square already");
            if inverted {
                page.image.invert();
            }
            let s = fax::scan(&page.image, &key, Limits::default().time_per_page);
            let p = s
                .verified()
                .next()
                .unwrap_or_else(|| panic!("JBIG2 page {} (inverted {inverted})", i + 1));
            assert_eq!(p.page as usize, i + 1);
        }
    }
}

#[test]
fn the_vector_form_mailed_back_is_rasterised_and_read() {
    let r = form();
    let reports =
        fax::read_document(&r.pdf, None, &Limits::default(), &key).expect("the form is a PDF");
    assert_eq!(reports.len(), r.payloads.len());
    for (i, report) in reports.iter().enumerate() {
        assert_eq!(report.number as usize, i + 1);
        let page = report.outcome.as_ref().expect("page drawn");
        // Drawn at 200 dpi on A4.
        assert!(
            (1600..1700).contains(&page.width) && (2300..2400).contains(&page.height),
            "{}×{}",
            page.width,
            page.height
        );
        let found: Vec<String> = page.scan.found.iter().map(|f| f.text.clone()).collect();
        assert_eq!(found, vec![r.payloads[i].clone()], "page {}", i + 1);
        assert!(page.scan.verified().next().is_some());
        assert!(page.scan.stage.is_some() && !page.scan.timed_out);
        // The images for the UI are PNGs of the page and of its thumbnail.
        for (png, width) in [
            (&page.image_png, page.width),
            (&page.thumb_png, fax::THUMB_WIDTH),
        ] {
            let info = png::Decoder::new(std::io::Cursor::new(png.as_slice()))
                .read_info()
                .unwrap()
                .info()
                .clone();
            assert!(
                info.width <= width && info.width > width / 2,
                "{}",
                info.width
            );
        }
    }
}

#[test]
fn a_page_a_foreign_key_signed_is_reported_but_not_verified() {
    let r = form();
    let reports = fax::read_document(&r.pdf, None, &Limits::default(), &|_| None).unwrap();
    let page = reports[0].outcome.as_ref().unwrap();
    assert_eq!(page.scan.found.len(), 1);
    assert!(page.scan.verified().next().is_none());
    assert!(matches!(
        page.scan.found[0].verdict,
        Err(consentflow_workers::PayloadError::UnknownKey(_))
    ));
}
