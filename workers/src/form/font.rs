//! The form's font: IPAex Gothic, shipped in `forms/fonts/` under the IPA Font License, compiled
//! in so no system font is needed. Read once per process by `sfnt` (its tables located, its
//! Unicode cmap mapped).

use std::sync::OnceLock;

use super::sfnt::Sfnt;

static BYTES: &[u8] = include_bytes!("../../../forms/fonts/ipaexg.ttf");

pub struct FormFont {
    /// The font's tables and its characters' glyphs, for measuring text and cutting the font
    /// per document.
    pub sfnt: Sfnt,
}

/// The whole font.
pub fn font() -> &'static FormFont {
    static FONT: OnceLock<FormFont> = OnceLock::new();
    FONT.get_or_init(|| FormFont::from_bytes(BYTES).expect("the bundled IPAex Gothic parses"))
}

/// The font cut down once per process to ASCII and Windows-31J (JIS X 0208 with the NEC and IBM
/// extensions: every character a Japanese office PC types), its glyphs in Windows-31J's order so
/// that a form's cut of it (see `sfnt`) ends early. None if it could not be built; forms then use
/// the whole font.
pub fn base() -> Option<&'static FormFont> {
    static BASE: OnceLock<Option<FormFont>> = OnceLock::new();
    BASE.get_or_init(|| build_base(font())).as_ref()
}

/// The cheapest font that draws every character of `text`.
pub fn for_text<'a>(text: impl IntoIterator<Item = &'a str>) -> &'static FormFont {
    match base() {
        Some(b)
            if text
                .into_iter()
                .all(|s| s.chars().all(|c| c.is_whitespace() || b.glyph(c).is_some())) =>
        {
            b
        }
        _ => font(),
    }
}

fn build_base(full: &FormFont) -> Option<FormFont> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{subset, CmapTarget, SubsetProfile};
    let mut chars: Vec<char> = (0x20u8..0x7f).map(char::from).collect();
    for lead in (0x81u8..=0x9f).chain(0xe0..=0xfc) {
        for trail in (0x40u8..=0xfc).filter(|&t| t != 0x7f) {
            let pair = [lead, trail];
            let (s, _, bad) = encoding_rs::SHIFT_JIS.decode(&pair);
            if !bad {
                chars.extend(s.chars());
            }
        }
    }
    // In Windows-31J's order (ASCII, kana, JIS level 1, level 2, the extensions): a form's
    // glyphs then have low ids, and a cut of this font ends early (see `sfnt`).
    let mut ids: Vec<u16> = vec![0];
    let mut seen = std::collections::HashSet::from([0u16]);
    for c in chars {
        if let Some((g, _)) = full.glyph(c) {
            if seen.insert(g) {
                ids.push(g);
            }
        }
    }
    let scope = ReadScope::new(BYTES);
    let file = scope.read::<FontData<'_>>().ok()?;
    let provider = file.table_provider(0).ok()?;
    let bytes = subset(
        &provider,
        &ids,
        &SubsetProfile::Minimal,
        CmapTarget::Unicode,
    )
    .ok()?;
    FormFont::from_bytes(bytes)
}

impl FormFont {
    fn from_bytes(bytes: impl Into<std::borrow::Cow<'static, [u8]>>) -> Option<FormFont> {
        Some(FormFont {
            sfnt: Sfnt::parse(bytes)?,
        })
    }

    /// Advance width of `c` at `size_pt`, in millimetres. A missing glyph measures as a full em,
    /// but [`FormFont::missing`] refuses such text before it is drawn.
    pub fn width_mm(&self, c: char, size_pt: f32) -> f32 {
        self.glyph(c).map_or(1.0, |(_, em)| em) * size_pt * 25.4 / 72.0
    }

    /// The glyph id of `c` and its advance in em, or None when the font has no glyph for it.
    pub fn glyph(&self, c: char) -> Option<(u16, f32)> {
        self.sfnt.glyph(c)
    }

    pub fn text_width_mm(&self, s: &str, size_pt: f32) -> f32 {
        s.chars().map(|c| self.width_mm(c, size_pt)).sum()
    }

    /// Characters of `s` the font cannot draw (外字 such as 𠮷), in order, without repeats.
    pub fn missing(&self, s: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in s.chars() {
            let absent = !c.is_whitespace() && self.glyph(c).is_none();
            if absent && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_font_covers_office_japanese_with_the_same_widths() {
        let base = base().expect("the base subset builds");
        let text =
            "山田 花子 ヤマダ　ハナコ 髙橋 﨑 ①② 茨城県ひたちなか市石川町20-32 「電子@連絡帳」";
        assert!(
            std::ptr::eq(for_text([text]), base),
            "Windows-31J text uses the base font"
        );
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            assert_eq!(base.width_mm(c, 10.5), font().width_mm(c, 10.5), "{c}");
        }
        assert!(
            std::ptr::eq(for_text(["𠮷田"]), font()),
            "beyond it, the whole font"
        );
        for v in super::super::template::builtin_versions() {
            let (_, text) = super::super::template::builtin(v).unwrap();
            let missing: Vec<char> = text
                .chars()
                .filter(|&c| !c.is_whitespace() && base.glyph(c).is_none())
                .collect();
            assert!(
                missing.is_empty(),
                "v{v} uses {missing:?}, which the base font lacks"
            );
        }
    }

    #[test]
    fn common_text_is_covered_and_gaiji_is_found() {
        let f = font();
        assert!(f
            .missing("山田 花子 ヤマダ　ハナコ 茨城県ひたちなか市石川町20-32 「電子@連絡帳」")
            .is_empty());
        assert_eq!(f.missing("𠮷田𠮷"), vec!['𠮷']);
        let w = f.width_mm('山', 10.5);
        assert!(
            (w - 10.5 * 25.4 / 72.0).abs() < 0.01,
            "full-width is one em: {w}"
        );
        let digit = f.width_mm('1', 10.5);
        assert!(
            digit < w * 0.7 && digit > w * 0.3,
            "digits are narrow: {digit} vs {w}"
        );
    }
}
