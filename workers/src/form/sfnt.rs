//! A TrueType font read once, and cut per form to the glyphs the form draws.
//!
//! The cut keeps every glyph at its own id: unused glyphs stay as empty slots up to the highest
//! one used. A form's text can then be written with the font's own glyph ids, every form cut from
//! the same font numbers its glyphs the same way (a print batch joins them without re-encoding
//! text), and cutting is copying: no table is parsed again and no glyph renumbered. The base font
//! orders its glyphs as Windows-31J does (kana, then JIS level 1, then level 2), so the empty
//! slots of a common form end early.

use std::borrow::Cow;
use std::collections::BTreeSet;

use rustc_hash::FxHashMap;
use std::ops::Range;

/// The tables a PDF's embedded TrueType program needs (PDF 32000-1, 9.9), found in the font.
pub struct Sfnt {
    /// The font file: the compiled-in one borrowed, a cut of it owned.
    bytes: Cow<'static, [u8]>,
    /// Each character's glyph, from the font's Unicode cmap (Fx-hashed: every character a form
    /// draws is looked up here, and SipHash was a tenth of the drawing).
    cmap: FxHashMap<char, u16>,
    tables: Vec<([u8; 4], Range<usize>)>,
    /// Each glyph's bytes in `glyf`, by glyph id.
    loca: Vec<Range<usize>>,
    /// Each glyph's advance and left side bearing, by glyph id.
    metrics: Vec<(u16, i16)>,
    /// Whether any glyph is built from others (IPAex Gothic has none).
    composites: bool,
    pub units_per_em: u16,
    /// xMin, yMin, xMax, yMax, in font units.
    pub bbox: [i16; 4],
    /// hhea's ascender and descender, in font units.
    pub ascent: i16,
    pub descent: i16,
}

/// Tables copied as they are. `cmap`, `post` and `loca`, `glyf`, `hmtx` are written anew;
/// layout tables (GSUB, GPOS, vertical metrics) are left out: a PDF positions every glyph itself.
/// So are the hinting programs (`fpgm`, `prep`, `cvt `): the cut glyphs carry no instructions.
const COPIED: [&[u8; 4]; 4] = [b"OS/2", b"head", b"hhea", b"maxp"];

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

impl Sfnt {
    /// Reads a TrueType font (glyf outlines). None for anything else.
    pub fn parse(bytes: impl Into<Cow<'static, [u8]>>) -> Option<Sfnt> {
        let bytes = bytes.into();
        let n = usize::from(u16_at(&bytes, 4)?);
        let mut tables = Vec::with_capacity(n);
        for i in 0..n {
            let rec = 12 + 16 * i;
            let tag: [u8; 4] = bytes.get(rec..rec + 4)?.try_into().ok()?;
            let off = u32_at(&bytes, rec + 8)? as usize;
            let len = u32_at(&bytes, rec + 12)? as usize;
            bytes.get(off..off.checked_add(len)?)?;
            tables.push((tag, off..off + len));
        }
        let find = |t: &[u8; 4]| tables.iter().find(|(k, _)| k == t).map(|(_, r)| r.clone());
        let (head, hhea, maxp) = (find(b"head")?, find(b"hhea")?, find(b"maxp")?);
        let cmap = find(b"cmap").map_or_else(FxHashMap::default, |r| unicode_cmap(&bytes[r]));
        let (loca_t, glyf, hmtx) = (find(b"loca")?, find(b"glyf")?, find(b"hmtx")?);
        let glyphs = usize::from(u16_at(&bytes, maxp.start + 4)?);
        let long = u16_at(&bytes, head.start + 50)? == 1;
        let at = |i: usize| -> Option<usize> {
            if long {
                u32_at(&bytes, loca_t.start + 4 * i).map(|o| o as usize)
            } else {
                u16_at(&bytes, loca_t.start + 2 * i).map(|o| 2 * usize::from(o))
            }
        };
        let mut loca = Vec::with_capacity(glyphs);
        for g in 0..glyphs {
            let (s, e) = (at(g)?, at(g + 1)?);
            if s > e || e > glyf.len() {
                return None;
            }
            loca.push(glyf.start + s..glyf.start + e);
        }
        let long_metrics = usize::from(u16_at(&bytes, hhea.start + 34)?).clamp(1, glyphs.max(1));
        let mut metrics = Vec::with_capacity(glyphs);
        let mut advance = 0;
        for g in 0..glyphs {
            if g < long_metrics {
                advance = u16_at(&bytes, hmtx.start + 4 * g)?;
                metrics.push((advance, u16_at(&bytes, hmtx.start + 4 * g + 2)? as i16));
            } else {
                let at = hmtx.start + 4 * long_metrics + 2 * (g - long_metrics);
                metrics.push((advance, u16_at(&bytes, at).unwrap_or(0) as i16));
            }
        }
        let i16_at = |at: usize| u16_at(&bytes, at).map(|v| v as i16);
        let composites = loca
            .iter()
            .any(|r| r.len() >= 10 && i16_at(r.start).is_some_and(|n| n < 0));
        Some(Sfnt {
            units_per_em: u16_at(&bytes, head.start + 18)?.max(16),
            bbox: [
                i16_at(head.start + 36)?,
                i16_at(head.start + 38)?,
                i16_at(head.start + 40)?,
                i16_at(head.start + 42)?,
            ],
            ascent: i16_at(hhea.start + 4)?,
            descent: i16_at(hhea.start + 6)?,
            tables: tables
                .into_iter()
                .filter(|(t, _)| COPIED.contains(&t))
                .collect(),
            loca,
            metrics,
            composites,
            cmap,
            bytes,
        })
    }

    pub fn glyph_count(&self) -> usize {
        self.loca.len()
    }

    /// The glyph of `c` (None for none, or .notdef) and its advance in em.
    pub fn glyph(&self, c: char) -> Option<(u16, f32)> {
        let g = *self.cmap.get(&c).filter(|&&g| g != 0)?;
        let adv = self.metrics.get(usize::from(g))?.0;
        Some((g, f32::from(adv) / f32::from(self.units_per_em)))
    }

    /// The advance of glyph `gid` in thousandths of an em, as a PDF's /W gives it.
    pub fn advance_1000(&self, gid: u16) -> u32 {
        let adv = self.metrics.get(usize::from(gid)).map_or(0, |m| m.0);
        (u32::from(adv) * 1000 + u32::from(self.units_per_em) / 2) / u32::from(self.units_per_em)
    }

    /// The glyph ids a composite glyph is built from (none for a simple glyph).
    fn components(&self, gid: u16) -> Vec<u16> {
        let Some(r) = self.loca.get(usize::from(gid)) else {
            return Vec::new();
        };
        let g = &self.bytes[r.clone()];
        if g.len() < 10 || (u16_at(g, 0).unwrap_or(0) as i16) >= 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut at = 10;
        while let (Some(flags), Some(id)) = (u16_at(g, at), u16_at(g, at + 2)) {
            out.push(id);
            at += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            at += match flags {
                f if f & 0x0008 != 0 => 2,
                f if f & 0x0040 != 0 => 4,
                f if f & 0x0080 != 0 => 8,
                _ => 0,
            };
            if flags & 0x0020 == 0 {
                break;
            }
        }
        out
    }

    /// The font with only `used` glyphs (and the glyphs they are built from, and .notdef) drawn,
    /// each at its own id.
    pub fn cut(&self, used: impl IntoIterator<Item = u16>) -> Vec<u8> {
        let mut keep: BTreeSet<u16> = BTreeSet::from([0]);
        let mut todo: Vec<u16> = used.into_iter().collect();
        while let Some(g) = todo.pop() {
            if usize::from(g) < self.glyph_count() && keep.insert(g) && self.composites {
                todo.extend(self.components(g));
            }
        }
        let n = usize::from(*keep.last().unwrap_or(&0)) + 1;
        let mut glyf = Vec::new();
        let mut loca = Vec::with_capacity(4 * (n + 1));
        let mut hmtx = Vec::with_capacity(4 * n);
        for g in 0..n {
            loca.extend_from_slice(&(glyf.len() as u32).to_be_bytes());
            if keep.contains(&(g as u16)) {
                push_unhinted(&mut glyf, &self.bytes[self.loca[g].clone()]);
                glyf.resize(glyf.len().next_multiple_of(4), 0);
            }
            let (adv, lsb) = self.metrics[g];
            hmtx.extend_from_slice(&adv.to_be_bytes());
            hmtx.extend_from_slice(&lsb.to_be_bytes());
        }
        loca.extend_from_slice(&(glyf.len() as u32).to_be_bytes());
        let mut tables: Vec<([u8; 4], Vec<u8>)> = self
            .tables
            .iter()
            .map(|(tag, r)| {
                let mut t = self.bytes[r.clone()].to_vec();
                match tag {
                    b"head" => {
                        t[8..12].fill(0); // checkSumAdjustment, set below
                        t[50..52].copy_from_slice(&1u16.to_be_bytes()); // long loca
                    }
                    b"hhea" => t[34..36].copy_from_slice(&(n as u16).to_be_bytes()),
                    b"maxp" => t[4..6].copy_from_slice(&(n as u16).to_be_bytes()),
                    _ => {}
                }
                (*tag, t)
            })
            .collect();
        tables.extend([
            (*b"cmap", EMPTY_CMAP.to_vec()),
            (*b"glyf", glyf),
            (*b"hmtx", hmtx),
            (*b"loca", loca),
            (*b"post", POST_V3.to_vec()),
        ]);
        tables.sort_by_key(|(t, _)| *t);
        write(&tables)
    }
}

/// The Unicode subtable of a `cmap` (format 12, else format 4) as a map.
fn unicode_cmap(t: &[u8]) -> FxHashMap<char, u16> {
    let mut best: Option<(u16, usize)> = None;
    for i in 0..usize::from(u16_at(t, 2).unwrap_or(0)) {
        let rec = 4 + 8 * i;
        let (Some(platform), Some(encoding), Some(off)) =
            (u16_at(t, rec), u16_at(t, rec + 2), u32_at(t, rec + 4))
        else {
            break;
        };
        let unicode = platform == 0 || (platform == 3 && (encoding == 1 || encoding == 10));
        let format = u16_at(t, off as usize).unwrap_or(0);
        if unicode && (format == 12 || format == 4) && best.is_none_or(|(f, _)| f == 4) {
            best = Some((format, off as usize));
        }
    }
    let mut map = FxHashMap::default();
    match best {
        Some((12, at)) => {
            for i in 0..u32_at(t, at + 12).unwrap_or(0) as usize {
                let g = at + 16 + 12 * i;
                let (Some(first), Some(last), Some(gid)) =
                    (u32_at(t, g), u32_at(t, g + 4), u32_at(t, g + 8))
                else {
                    break;
                };
                for (k, code) in (first..=last.min(0x10ffff)).enumerate() {
                    if let (Some(c), Ok(gid)) =
                        (char::from_u32(code), u16::try_from(gid as usize + k))
                    {
                        map.insert(c, gid);
                    }
                }
            }
        }
        Some((_, at)) => {
            let segs = usize::from(u16_at(t, at + 6).unwrap_or(0) / 2);
            let (ends, starts) = (at + 14, at + 16 + 2 * segs);
            let (deltas, offsets) = (starts + 2 * segs, starts + 4 * segs);
            for s in 0..segs {
                let (Some(end), Some(start), Some(delta), Some(range)) = (
                    u16_at(t, ends + 2 * s),
                    u16_at(t, starts + 2 * s),
                    u16_at(t, deltas + 2 * s),
                    u16_at(t, offsets + 2 * s),
                ) else {
                    break;
                };
                for code in start..=end.min(0xfffe) {
                    let gid = if range == 0 {
                        code.wrapping_add(delta)
                    } else {
                        let at =
                            offsets + 2 * s + usize::from(range) + 2 * usize::from(code - start);
                        match u16_at(t, at) {
                            Some(0) | None => continue,
                            Some(g) => g.wrapping_add(delta),
                        }
                    };
                    if let Some(c) = char::from_u32(u32::from(code)) {
                        map.insert(c, gid);
                    }
                }
            }
        }
        None => {}
    }
    map
}

/// Appends glyph `g` without its hinting instructions (a simple glyph's; a composite's are kept).
/// In IPAex Gothic they are almost half of every glyph's bytes, and they only fit outlines to a
/// screen's pixel grid at small sizes: PDF viewers mostly ignore them, and printers and FAX
/// machines work at resolutions where they change nothing. The outlines are kept as they are.
fn push_unhinted(out: &mut Vec<u8>, g: &[u8]) {
    let contours = u16_at(g, 0).map_or(-1, |n| n as i16);
    let at = 10 + 2 * usize::try_from(contours).unwrap_or(0);
    let end = u16_at(g, at).map(|len| at + 2 + usize::from(len));
    match end {
        Some(end) if contours >= 0 && end <= g.len() => {
            out.extend_from_slice(&g[..at]);
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&g[end..]);
        }
        _ => out.extend_from_slice(g),
    }
}

/// A cmap that maps nothing (format 4, the one closing segment): the PDF maps glyphs itself,
/// but some readers want the table to be there.
const EMPTY_CMAP: [u8; 36] = [
    0, 0, 0, 1, // version, one subtable
    0, 3, 0, 1, 0, 0, 0, 12, // Windows Unicode BMP, at 12
    0, 4, 0, 24, 0, 0, // format 4, length 24, language
    0, 2, 0, 2, 0, 0, 0, 0, // segCountX2, searchRange, entrySelector, rangeShift
    0xff, 0xff, 0, 0, 0xff, 0xff, 0, 1, 0, 0, // end, pad, start, delta, rangeOffset
];

/// post version 3: no glyph names.
const POST_V3: [u8; 32] = [
    0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn checksum(b: &[u8]) -> u32 {
    let words = b.chunks_exact(4);
    let mut tail = [0u8; 4];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    words.fold(u32::from_be_bytes(tail), |sum, w| {
        sum.wrapping_add(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
    })
}

/// The tables, sorted by tag, as a font file with its directory and checksums.
fn write(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = tables.len() as u16;
    let pow = 1u16 << (15 - n.max(1).leading_zeros());
    let mut out = Vec::with_capacity(tables.iter().map(|t| t.1.len() + 20).sum::<usize>() + 12);
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, pow * 16, pow.trailing_zeros() as u16, n * 16 - pow * 16] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    for (tag, t) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(t).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(t.len() as u32).to_be_bytes());
        offset += t.len().next_multiple_of(4);
    }
    let mut head_at = None;
    for (tag, t) in tables {
        if tag == b"head" {
            head_at = Some(out.len());
        }
        out.extend_from_slice(t);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(h) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[h + 8..h + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    out
}

#[cfg(test)]
#[path = "sfnt_tests.rs"]
mod tests;
