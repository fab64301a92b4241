//! Predictor tests: hand-worked vectors, and rows filtered by the `png` crate's encoder (an
//! independent implementation) at every filter and bit depth, unfiltered here.

use super::*;
use std::io::Read;

fn png_params(colors: usize, bits: usize, columns: usize) -> Predictor {
    Predictor {
        kind: 15,
        colors,
        bits,
        columns,
    }
}

#[test]
fn paeth_by_hand() {
    // Row 0 unfiltered; row 1 Paeth: 12-10, 25-20, 27-30 (mod 256), worked out on paper.
    let data = [0, 10, 20, 30, 4, 2, 5, 253];
    assert_eq!(
        undo(&data, &png_params(1, 8, 3)).unwrap(),
        [10, 20, 30, 12, 25, 27]
    );
}

#[test]
fn sub_up_and_average_by_hand() {
    // Sub: 1, 1+2, 3+3; Up: 1+1, 3+1, 6+1; Average: 2+(0+2)/2, 3+(3+4)/2, 1+(6+7)/2.
    let data = [1, 1, 2, 3, 2, 1, 1, 1, 3, 2, 3, 1];
    assert_eq!(
        undo(&data, &png_params(1, 8, 3)).unwrap(),
        [1, 3, 6, 2, 4, 7, 3, 6, 7]
    );
}

#[test]
fn an_unknown_filter_type_is_named() {
    let e = undo(&[255, 0], &png_params(1, 1, 8)).unwrap_err();
    assert!(e.contains("(255)"), "{e}");
}

#[test]
fn tiff_predictor_adds_the_sample_to_the_left() {
    let p = |bits, colors, columns| Predictor {
        kind: 2,
        colors,
        bits,
        columns,
    };
    assert_eq!(undo(&[10, 5, 250], &p(8, 1, 3)).unwrap(), [10, 15, 9]);
    // 1 bit: differences 1,0,0,1 accumulate to 1,1,1,0.
    assert_eq!(undo(&[0b1001_0000], &p(1, 1, 4)).unwrap(), [0b1110_0000]);
    // RGB: each colour from its own left neighbour.
    assert_eq!(
        undo(&[1, 2, 3, 1, 1, 1], &p(8, 3, 2)).unwrap(),
        [1, 2, 3, 2, 3, 4]
    );
    // 16 bits, big-endian, with a carry into the high byte.
    assert_eq!(undo(&[0, 255, 0, 1], &p(16, 1, 2)).unwrap(), [0, 255, 1, 0]);
    // 4 bits wrap within the sample.
    assert_eq!(undo(&[0xF1], &p(4, 1, 2)).unwrap(), [0xF0]);
}

#[test]
fn samples_scale_to_eight_bits() {
    assert_eq!(to_8bit(&[0b0001_1011], 2, 4, 1).unwrap(), [0, 85, 170, 255]);
    assert_eq!(to_8bit(&[0b1010_0000], 1, 3, 1).unwrap(), [255, 0, 255]);
    assert_eq!(to_8bit(&[0x0F, 0xAB], 4, 3, 1).unwrap(), [0, 255, 170]);
    assert_eq!(to_8bit(&[0x12, 0x34], 16, 1, 1).unwrap(), [0x12]);
    assert!(to_8bit(&[0], 1, 9, 1).is_err(), "9 pixels need 2 bytes");
}

/// Deterministic noise with runs, like a scan's rows.
fn rows(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 7 < 3 {
                (x >> 24) as u8
            } else {
                0xFF
            }
        })
        .collect()
}

/// The zlib data of a PNG's IDAT chunks, inflated: rows with their filter bytes.
fn filtered_rows(png: &[u8]) -> Vec<u8> {
    let mut at = 8;
    let mut idat = Vec::new();
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        if &png[at + 4..at + 8] == b"IDAT" {
            idat.extend_from_slice(&png[at + 8..at + 8 + len]);
        }
        at += 12 + len;
    }
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn encoded(
    data: &[u8],
    w: u32,
    h: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    f: png::Filter,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, w, h);
    e.set_color(color);
    e.set_depth(depth);
    e.set_filter(f);
    let mut writer = e.write_header().unwrap();
    writer.write_image_data(data).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn rows_filtered_by_the_png_crate_come_back() {
    use png::{BitDepth, ColorType, Filter};
    let filters = [
        Filter::NoFilter,
        Filter::Sub,
        Filter::Up,
        Filter::Avg,
        Filter::Paeth,
        Filter::Adaptive,
    ];
    let cases = [
        (ColorType::Grayscale, 1, BitDepth::One, 1),
        (ColorType::Grayscale, 1, BitDepth::Two, 2),
        (ColorType::Grayscale, 1, BitDepth::Four, 4),
        (ColorType::Grayscale, 1, BitDepth::Eight, 8),
        (ColorType::Grayscale, 1, BitDepth::Sixteen, 16),
        (ColorType::Rgb, 3, BitDepth::Eight, 8),
        (ColorType::Rgb, 3, BitDepth::Sixteen, 16),
    ];
    let mut types_seen = [false; 5];
    for (color, colors, depth, bits) in cases {
        // FAX widths: 1728 (A4 at 204 dpi), and two that are not a multiple of 8.
        for w in [1687usize, 1688, 1728] {
            let h = 5;
            let p = png_params(colors, bits, w);
            let raw = rows(p.row_bytes() * h, (w * bits) as u64);
            for f in filters {
                let png = encoded(&raw, w as u32, h as u32, color, depth, f);
                let filtered = filtered_rows(&png);
                for row in filtered.chunks(p.row_bytes() + 1) {
                    types_seen[usize::from(row[0]).min(4)] = true;
                }
                let back = undo(&filtered, &p).unwrap();
                // Padding bits at the end of a row are not the image's: compare whole samples.
                let got = to_8bit(&back, bits, w * colors, h).unwrap();
                let want = to_8bit(&raw, bits, w * colors, h).unwrap();
                assert!(
                    got == want,
                    "{bits} bits, {colors} colours, {w} wide, {f:?}"
                );
            }
        }
    }
    assert_eq!(types_seen, [true; 5], "every filter type was exercised");
}
