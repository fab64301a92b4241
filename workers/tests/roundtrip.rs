//! The form through real tools: poppler rasterises it (at print and at FAX resolutions), rxing
//! reads both codes on every page, pdftotext finds the person, pdffonts sees one subset font.
//! Without poppler-utils these skip with a notice; `CONSENTFLOW_REQUIRE_TOOLS=1` (CI) fails them.

mod common;
use common::tools;

use std::process::Command;

use consentflow_workers::form::{self, template, FormData, SigningKey};
use consentflow_workers::Payload;
use rxing::{BarcodeFormat, DecodeHints};

fn data(team: usize) -> FormData {
    // 昭和15年4月1日 (1940) is seed 10.
    form::demo_data(10, team)
}

const KEY: &[u8] = b"roundtrip-key";

fn render(team: usize) -> (tempfile::TempDir, std::path::PathBuf, form::Rendered) {
    let (t, _) = template::builtin(template::latest_builtin()).unwrap();
    let r = form::render(
        &t,
        &data(team),
        &SigningKey {
            id: 'A',
            key: KEY.to_vec(),
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("form.pdf");
    std::fs::write(&pdf, &r.pdf).unwrap();
    (dir, pdf, r)
}

/// A binary PGM (P5) page as luma bytes.
fn read_pgm(path: &std::path::Path) -> (Vec<u8>, u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8(bytes[start..i].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (u32, u32) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (bytes[i + 1..].to_vec(), w, h)
}

/// Decodes the QR code in rows `from..to` of the page.
fn decode_band(luma: &[u8], w: u32, from: u32, to: u32) -> Option<String> {
    let band = &luma[(from * w) as usize..(to * w) as usize];
    let mut hints = DecodeHints::default().with(rxing::DecodeHintValue::TryHarder(true));
    rxing::helpers::detect_in_luma_slice_with_hints(
        band,
        w,
        to - from,
        Some(BarcodeFormat::QR_CODE),
        &mut hints,
    )
    .ok()
    .map(|r| r.getText().to_string())
}

/// Rasterises with `pdftoppm` extra args, then reads the top and bottom code of every page.
/// `fax` thresholds every pixel to black or white, as a FAX machine does.
fn codes_on_pages(
    pdf: &std::path::Path,
    dir: &std::path::Path,
    args: &[&str],
    fax: bool,
    double_rows: bool,
) -> Vec<[Option<String>; 2]> {
    let prefix = dir.join("page");
    let st = Command::new("pdftoppm")
        .args(args)
        .arg("-gray")
        .arg(pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(st.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pgm"))
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| {
            let (mut luma, w, mut h) = read_pgm(p);
            std::fs::remove_file(p).unwrap();
            if fax {
                luma.iter_mut()
                    .for_each(|v| *v = if *v < 128 { 0 } else { 255 });
            }
            if double_rows {
                // Standard FAX pixels are twice as tall as wide: make them square first.
                luma = luma
                    .chunks(w as usize)
                    .flat_map(|r| [r, r])
                    .flatten()
                    .copied()
                    .collect();
                h *= 2;
            }
            let band = h * 2 / 5;
            [
                decode_band(&luma, w, 0, band),
                decode_band(&luma, w, h - band, h),
            ]
        })
        .collect()
}

fn check(codes: Vec<[Option<String>; 2]>, r: &form::Rendered, what: &str) {
    assert_eq!(codes.len(), r.payloads.len(), "{what}: page count");
    let n = codes.len() as u8;
    for (i, pair) in codes.into_iter().enumerate() {
        for (corner, text) in ["top", "bottom"].iter().zip(pair) {
            let text =
                text.unwrap_or_else(|| panic!("{what}: page {} {corner} code unreadable", i + 1));
            let p = Payload::verify(&text, |k| (k == 'A').then_some(KEY)).expect("MAC verifies");
            assert_eq!((p.page, p.pages), (i as u8 + 1, n), "{what}");
            assert_eq!(text, r.payloads[i]);
        }
    }
}

#[test]
fn both_codes_read_back_on_every_page_at_print_and_fax_resolutions() {
    if !tools(&["pdftoppm"]) {
        return;
    }
    let (dir, pdf, r) = render(12);
    assert!(r.payloads.len() >= 2, "a long team makes a second page");
    check(
        codes_on_pages(&pdf, dir.path(), &["-r", "150"], false, false),
        &r,
        "150 dpi grey",
    );
    check(
        codes_on_pages(&pdf, dir.path(), &["-rx", "204", "-ry", "196"], true, false),
        &r,
        "FAX fine",
    );
    check(
        codes_on_pages(&pdf, dir.path(), &["-rx", "204", "-ry", "98"], true, true),
        &r,
        "FAX standard",
    );
}

#[test]
fn text_and_font_are_real() {
    if !tools(&["pdftotext", "pdffonts"]) {
        return;
    }
    let (_dir, pdf, r) = render(2);
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "山田 花子",
        "ヤマダ",
        "ハナコ",
        "登録申込兼同意書",
        "昭和15年4月1日",
        "029-212-3752",
    ] {
        assert!(text.contains(needle), "pdftotext lacks {needle}:\n{text}");
    }
    let out = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 1, "one font:\n{fonts}");
    let cols: Vec<&str> = rows[0].split_whitespace().collect();
    assert!(cols[0].contains('+'), "subset tag: {fonts}");
    let n = cols.len();
    assert_eq!(
        &cols[n - 5..n - 2],
        &["yes", "yes", "yes"],
        "embedded, subset, unicode:\n{fonts}"
    );
    assert!(r.pdf.len() < 120_000, "{} bytes", r.pdf.len());
}

/// The demo form, rasterised at 50 dpi, against `tests/golden/demo-form.png`, allowing a small
/// share of pixels to differ (anti-aliasing across poppler versions). `UPDATE_GOLDEN=1` rewrites it.
#[test]
fn demo_form_matches_the_golden_image() {
    if !tools(&["pdftoppm"]) {
        return;
    }
    let (dir, pdf, _) = render(3);
    let out = dir.path().join("demo");
    let st = Command::new("pdftoppm")
        .args(["-r", "50", "-gray", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let got = std::fs::read(out.with_extension("png")).unwrap();
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/demo-form.png");
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &got).unwrap();
    }
    let (a, aw, ah) = decode_png(&got);
    let (b, bw, bh) =
        decode_png(&std::fs::read(&golden).expect("golden image (UPDATE_GOLDEN=1 makes it)"));
    assert_eq!((aw, ah), (bw, bh), "page size");
    let differing = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.abs_diff(**y) > 64)
        .count();
    let share = differing as f64 / a.len() as f64;
    assert!(
        share < 0.002,
        "{differing} pixels ({:.3}%) differ from the golden image",
        share * 100.0
    );
}

fn decode_png(bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    // pdftoppm may write grey as RGB; keep one channel.
    let channels = info.color_type.samples();
    (
        buf.iter().step_by(channels).copied().collect(),
        info.width,
        info.height,
    )
}

/// Nothing is printed within 15 mm of any edge (FAX machines lose the edges), and only black and
/// white are used.
#[test]
fn nothing_within_15_mm_of_an_edge_and_black_only() {
    if !tools(&["pdftoppm"]) {
        return;
    }
    let (dir, pdf, _) = render(25);
    let prefix = dir.path().join("edge");
    let st = Command::new("pdftoppm")
        .args(["-r", "100", "-png"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(st.success());
    let mut pages = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "png") {
            continue;
        }
        pages += 1;
        let bytes = std::fs::read(&path).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&bytes[..]))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let ch = info.color_type.samples();
        let (w, h) = (info.width as usize, info.height as usize);
        let band = (15.0 / 25.4 * 100.0_f32).floor() as usize - 1;
        for y in 0..h {
            for x in 0..w {
                let px = &buf[(y * w + x) * ch..(y * w + x) * ch + ch];
                if ch >= 3 {
                    let spread = px[..3].iter().max().unwrap() - px[..3].iter().min().unwrap();
                    assert!(spread < 8, "colour at ({x},{y}) on {}", path.display());
                }
                let near_edge = x < band || y < band || x >= w - band || y >= h - band;
                if near_edge {
                    assert!(
                        px[0] > 250,
                        "ink at ({x},{y}), within 15 mm of the edge, on {}",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(pages >= 2);
}
