//! The font cutter's tests: IPAex Gothic, and a made-up font with a composite glyph.

use super::*;

#[test]
fn a_cut_keeps_ids_outlines_and_metrics() {
    let bytes: &'static [u8] = include_bytes!("../../../forms/fonts/ipaexg.ttf");
    let full = Sfnt::parse(bytes).expect("IPAex Gothic parses");
    let used = [40u16, 1200, 3];
    let cut = Sfnt::parse(full.cut(used)).expect("the cut parses");
    assert_eq!(cut.glyph_count(), 1201, "up to the highest glyph used");
    for g in 0..1201u16 {
        let (a, b) = (&full.loca[usize::from(g)], &cut.loca[usize::from(g)]);
        if used.contains(&g) && a.is_empty() {
            assert!(b.is_empty(), "glyph {g} draws nothing (a space)");
        } else if used.contains(&g) {
            // The outline as it was, without its hinting instructions.
            let (orig, kept) = (&full.bytes[a.clone()], &cut.bytes[b.clone()]);
            let at = 10 + 2 * usize::from(u16_at(orig, 0).unwrap());
            let hints = usize::from(u16_at(orig, at).unwrap());
            assert!(hints > 0, "glyph {g} of IPAex Gothic has instructions");
            assert_eq!(kept[..at], orig[..at], "glyph {g}: its contours");
            assert_eq!(u16_at(kept, at), Some(0), "glyph {g}: no instructions");
            let rest = &orig[at + 2 + hints..];
            assert_eq!(
                &kept[at + 2..at + 2 + rest.len()],
                rest,
                "glyph {g}: points"
            );
            assert!(
                kept[at + 2 + rest.len()..].iter().all(|&b| b == 0),
                "padding"
            );
        } else if g == 0 {
            assert!(!b.is_empty(), ".notdef is kept");
        } else {
            assert!(b.is_empty(), "glyph {g} is left out");
        }
        assert_eq!(full.advance_1000(g), cut.advance_1000(g), "advance of {g}");
    }
    assert_eq!(
        checksum(&full.cut(used)),
        0xB1B0_AFBA,
        "the file's checksum"
    );
}

/// A font of four glyphs: .notdef, two simple ones, and one built from the second (as
/// fonts other than IPAex Gothic have, for accented letters).
fn composite_font() -> Vec<u8> {
    let simple = |tag: u8| {
        let mut g = vec![0, 1, 0, 0, 0, 0, 0, 10, 0, 10]; // one contour, its box
        g.extend_from_slice(&[0, 0, 0, 0, 1, tag, 0, 0]); // end point, no hinting, a flag
        g
    };
    let mut composite = vec![0xff, 0xff, 0, 0, 0, 0, 0, 10, 0, 10];
    composite.extend_from_slice(&[0, 0, 0, 2, 5, 5]); // last component: glyph 2, at (5, 5)
    let glyphs = [Vec::new(), simple(1), simple(2), composite];
    let (mut glyf, mut loca) = (Vec::new(), Vec::new());
    for g in &glyphs {
        loca.extend_from_slice(&(glyf.len() as u32).to_be_bytes());
        glyf.extend_from_slice(g);
    }
    loca.extend_from_slice(&(glyf.len() as u32).to_be_bytes());
    let mut head = vec![0u8; 54];
    head[18..20].copy_from_slice(&1000u16.to_be_bytes());
    head[50..52].copy_from_slice(&1u16.to_be_bytes());
    let mut hhea = vec![0u8; 36];
    hhea[34..36].copy_from_slice(&4u16.to_be_bytes());
    let maxp = vec![0, 0, 0x50, 0, 0, 4];
    let hmtx: Vec<u8> = [500u16, 600, 700, 800]
        .iter()
        .flat_map(|a| [a.to_be_bytes(), [0, 0]].concat())
        .collect();
    write(&[
        (*b"glyf", glyf),
        (*b"head", head),
        (*b"hhea", hhea),
        (*b"hmtx", hmtx),
        (*b"loca", loca),
        (*b"maxp", maxp),
    ])
}

#[test]
fn a_cut_keeps_the_glyphs_a_composite_is_built_from() {
    let font = Sfnt::parse(composite_font()).expect("the made-up font parses");
    assert!(font.composites);
    let cut = Sfnt::parse(font.cut([3])).expect("the cut parses");
    let kept: Vec<bool> = cut.loca.iter().map(|r| !r.is_empty()).collect();
    assert_eq!(
        kept,
        [false, false, true, true],
        "glyph 2 is kept for glyph 3"
    );
    assert_eq!(cut.advance_1000(2), 700);
}
