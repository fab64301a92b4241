//! The FAX reader against real FAX encodings of our own forms, made here with Debian's
//! ghostscript (tiffg3, tiffg32d, tiffg4, faxg3 at standard and fine resolution), wrapped by
//! tiff2pdf and img2pdf, turned 180° and sprinkled with noise. Every page must yield its code.
//! Without the tools these skip with a notice; `CONSENTFLOW_REQUIRE_TOOLS=1` (CI) fails them.

mod common;
use common::tools;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use consentflow_workers::fax::{self, Kind, Limits, Page};
use consentflow_workers::form::{self, template, SigningKey};

const KEY: &[u8] = b"corpus-key";

fn form_pdf(dir: &Path, team: usize) -> (PathBuf, usize) {
    let data = form::demo_data(7, team);
    let (t, _) = template::builtin(1).unwrap();
    let r = form::render(
        &t,
        &data,
        &SigningKey {
            id: 'A',
            key: KEY.to_vec(),
        },
    )
    .unwrap();
    let path = dir.join(format!("form{team}.pdf"));
    std::fs::write(&path, &r.pdf).unwrap();
    (path, r.payloads.len())
}

fn gs(pdf: &Path, out: &Path, device: &str, res: &str, turn: bool) {
    gs_turned(pdf, out, device, res, if turn { 180 } else { 0 });
}

fn gs_turned(pdf: &Path, out: &Path, device: &str, res: &str, degrees: u32) {
    let mut c = Command::new("gs");
    c.args([
        "-q",
        "-dNOPAUSE",
        "-dBATCH",
        "-dSAFER",
        &format!("-sDEVICE={device}"),
        &format!("-r{res}"),
    ]);
    c.arg(format!("-sOutputFile={}", out.display()));
    if degrees != 0 {
        let ps = format!("<</BeginPage{{pop 297.64 420.945 translate {degrees} rotate -297.64 -420.945 translate}}>> setpagedevice");
        c.args(["-c", &ps, "-f"]);
    }
    let st = c.arg(pdf).status().unwrap();
    assert!(st.success(), "gs {device}");
}

/// Flips about one pixel in 200, deterministically.
fn sprinkle(page: &mut Page) {
    let mut x: u32 = 12345;
    for v in page.image.data.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if x.is_multiple_of(200) {
            *v = 255 - *v;
        }
    }
}

fn check(bytes: &[u8], kind: Option<Kind>, pages: usize, what: &str, noise: bool) {
    let read = fax::read(bytes, kind, &Limits::default()).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(read.len(), pages, "{what}: page count");
    for (i, page) in read.into_iter().enumerate() {
        let mut page = page.unwrap_or_else(|e| panic!("{what} page {}: {e}", i + 1));
        if noise {
            sprinkle(&mut page);
        }
        let s = fax::scan(
            &page.image,
            &|k| (k == 'A').then_some(KEY),
            Duration::from_secs(20),
        );
        let p = s.verified().next().unwrap_or_else(|| {
            panic!(
                "{what} page {}: no code ({:?}, {:?})",
                i + 1,
                page.image,
                s.found
            )
        });
        assert_eq!(
            (p.page as usize, p.pages as usize),
            (i + 1, pages),
            "{what}"
        );
        eprintln!(
            "{what} page {}: stage {:?} in {:?}",
            i + 1,
            s.stage,
            s.elapsed
        );
    }
}

#[test]
fn every_fax_encoding_of_our_form_decodes() {
    if !tools(&["gs"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for team in [3, 20] {
        let (pdf, pages) = form_pdf(dir.path(), team);
        for device in ["tiffg3", "tiffg32d", "tiffg4", "faxg3"] {
            for (res, fine) in [("204x98", false), ("204x196", true)] {
                let out = dir.path().join(format!("{device}-{res}-{team}"));
                gs(&pdf, &out, device, res, false);
                let bytes = std::fs::read(&out).unwrap();
                let what = format!("{device} {res} team {team}");
                if device == "faxg3" {
                    // One raw G3 file per page is what such gateways send; gs writes them joined.
                    if pages == 1 {
                        check(&bytes, Some(Kind::RawG3 { fine }), 1, &what, false);
                    }
                } else {
                    check(&bytes, None, pages, &what, false);
                }
            }
        }
    }
}

#[test]
fn wrapped_turned_and_noisy_pages_decode() {
    if !tools(&["gs", "tiff2pdf", "img2pdf"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (pdf, pages) = form_pdf(dir.path(), 20);
    for (res, name) in [("204x196", "fine"), ("204x98", "standard")] {
        let tif = dir.path().join(format!("g4-{name}.tif"));
        gs(&pdf, &tif, "tiffg4", res, false);
        let wrapped = dir.path().join(format!("g4-{name}.pdf"));
        let st = Command::new("tiff2pdf")
            .arg("-o")
            .arg(&wrapped)
            .arg(&tif)
            .status()
            .unwrap();
        assert!(st.success());
        check(
            &std::fs::read(&wrapped).unwrap(),
            None,
            pages,
            &format!("tiff2pdf {name}"),
            false,
        );
        check(
            &std::fs::read(&tif).unwrap(),
            None,
            pages,
            &format!("tiffg4 {name} with noise"),
            true,
        );
    }
    let turned = dir.path().join("turned.tif");
    gs(&pdf, &turned, "tiffg4", "204x196", true);
    check(
        &std::fs::read(&turned).unwrap(),
        None,
        pages,
        "turned 180°",
        false,
    );

    // A scanner's PNG and JPEG (one page each), wrapped as a PDF by img2pdf (Flate and DCT).
    let (pdf, _) = form_pdf(dir.path(), 3);
    let png = dir.path().join("scan.png");
    gs(&pdf, &png, "pnggray", "200", false);
    let one = dir.path().join("scan-1.pdf");
    let st = Command::new("img2pdf")
        .args(["--engine=internal", "--nodate"])
        .arg(&png)
        .arg("-o")
        .arg(&one)
        .status()
        .unwrap();
    assert!(st.success());
    check(&std::fs::read(&one).unwrap(), None, 1, "img2pdf PNG", false);
    check(&std::fs::read(&png).unwrap(), None, 1, "PNG", false);
    let jpg = dir.path().join("scan.jpg");
    gs(&pdf, &jpg, "jpeggray", "200", false);
    let two = dir.path().join("scan-2.pdf");
    let st = Command::new("img2pdf")
        .args(["--engine=internal", "--nodate"])
        .arg(&jpg)
        .arg("-o")
        .arg(&two)
        .status()
        .unwrap();
    assert!(st.success());
    check(
        &std::fs::read(&two).unwrap(),
        None,
        1,
        "img2pdf JPEG",
        false,
    );
    check(&std::fs::read(&jpg).unwrap(), None, 1, "JPEG", false);
}

/// Other TIFF compressions and bit orders scanners and gateways write: LZW, PackBits, none (1-bit,
/// grey and RGB), FillOrder 2 (via tiffcp), and a page fed crooked by a few degrees.
#[test]
fn other_tiff_flavours_and_crooked_pages_decode() {
    if !tools(&["gs", "tiffcp"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (pdf, pages) = form_pdf(dir.path(), 3);
    for device in ["tifflzw", "tiffpack", "tiffgray", "tiff24nc"] {
        let out = dir.path().join(format!("{device}.tif"));
        gs(&pdf, &out, device, "200", false);
        check(&std::fs::read(&out).unwrap(), None, pages, device, false);
    }
    let g4 = dir.path().join("g4.tif");
    gs(&pdf, &g4, "tiffg4", "204x196", false);
    for (codec, name) in [("g4", "G4"), ("g3:2d", "G3 2-D"), ("g3", "G3 1-D")] {
        let lsb = dir.path().join(format!("lsb-{name}.tif"));
        let st = Command::new("tiffcp")
            .args(["-f", "lsb2msb", "-c", codec])
            .arg(&g4)
            .arg(&lsb)
            .status()
            .unwrap();
        assert!(st.success());
        check(
            &std::fs::read(&lsb).unwrap(),
            None,
            pages,
            &format!("FillOrder 2 {name}"),
            false,
        );
    }
    for degrees in [2, 358] {
        let out = dir.path().join(format!("turned-{degrees}.tif"));
        gs_turned(&pdf, &out, "tiffg4", "204x196", degrees);
        check(
            &std::fs::read(&out).unwrap(),
            None,
            pages,
            &format!("turned {degrees}°"),
            false,
        );
    }
    // A scan saved sideways (landscape), both ways round.
    let page = fax::read(&std::fs::read(&g4).unwrap(), None, &Limits::default())
        .unwrap()
        .remove(0)
        .unwrap();
    for (name, image) in [
        ("90°", page.image.rotate90()),
        ("270°", page.image.rotate90().rotate180()),
    ] {
        let s = fax::scan(
            &image,
            &|k| (k == 'A').then_some(KEY),
            Duration::from_secs(20),
        );
        assert!(
            s.verified().next().is_some(),
            "sideways {name}: {:?}",
            s.found
        );
        eprintln!("sideways {name}: stage {:?} in {:?}", s.stage, s.elapsed);
    }
}

#[test]
fn a_page_out_of_time_says_so() {
    let page = fax::Gray::new(400, 400, vec![255; 160_000]);
    let s = fax::scan(&page, &|_| None, Duration::ZERO);
    assert!(s.timed_out && s.found.is_empty() && s.stage.is_none());
    let s = fax::scan(&page, &|_| None, Duration::from_secs(5));
    assert!(
        !s.timed_out && s.found.is_empty(),
        "a blank page is simply unreadable"
    );
}

#[test]
fn hostile_documents_are_refused_with_a_reason() {
    let limits = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    assert_eq!(
        fax::read(&[0u8; 2000], None, &limits).unwrap_err(),
        fax::DocError::TooLarge(1000)
    );
    assert_eq!(
        fax::read(b"hello", None, &Limits::default()).unwrap_err(),
        fax::DocError::UnknownFormat
    );
    assert!(matches!(
        fax::read(b"%PDF-1.4 garbage", None, &Limits::default()),
        Err(fax::DocError::Unreadable(_))
    ));
    // A TIFF whose first directory is cut off: refused whole, or its page refused.
    match fax::read(b"II*\0\x08\0\0\0\xff\xff", None, &Limits::default()) {
        Err(_) => {}
        Ok(pages) => assert!(pages.iter().all(Result::is_err), "{pages:?}"),
    }
    let page = fax::read(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], None, &Limits::default()).unwrap();
    assert!(page[0].is_err(), "a broken JPEG is a page error");
}
