//! The form's font: IPAex Gothic, shipped in `forms/fonts/` under the IPA Font License, compiled
//! in so no system font is needed. Parsed once per process (7–12 ms).

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

use printpdf::ParsedFont;

static BYTES: &[u8] = include_bytes!("../../../forms/fonts/ipaexg.ttf");

pub struct FormFont {
    pub parsed: ParsedFont,
    units_per_em: f32,
    /// Advance widths in em, by character. Looking a glyph up in the font's cmap is slow
    /// (a scan over thousands of segments), and layout measures the same characters often.
    widths: RwLock<HashMap<char, Option<(u16, f32)>>>,
}

pub fn font() -> &'static FormFont {
    static FONT: OnceLock<FormFont> = OnceLock::new();
    FONT.get_or_init(|| {
        let parsed = ParsedFont::from_bytes(BYTES, 0, &mut Vec::new())
            .expect("the bundled IPAex Gothic parses");
        let units_per_em = f32::from(parsed.font_metrics.units_per_em.max(1));
        FormFont {
            parsed,
            units_per_em,
            widths: RwLock::new(HashMap::new()),
        }
    })
}

impl FormFont {
    /// Advance width of `c` at `size_pt`, in millimetres. A missing glyph measures as a full em,
    /// but [`FormFont::missing`] refuses such text before it is drawn.
    pub fn width_mm(&self, c: char, size_pt: f32) -> f32 {
        self.glyph(c).map_or(1.0, |(_, em)| em) * size_pt * 25.4 / 72.0
    }

    /// The glyph id of `c` and its advance in em, or None when the font has no glyph for it.
    pub fn glyph(&self, c: char) -> Option<(u16, f32)> {
        if let Some(w) = self.widths.read().ok().and_then(|m| m.get(&c).copied()) {
            return w;
        }
        let w = self
            .parsed
            .lookup_glyph_index(c as u32)
            .filter(|g| *g != 0)
            .map(|g| {
                (
                    g,
                    f32::from(self.parsed.get_horizontal_advance(g)) / self.units_per_em,
                )
            });
        if let Ok(mut m) = self.widths.write() {
            m.insert(c, w);
        }
        w
    }

    pub fn text_width_mm(&self, s: &str, size_pt: f32) -> f32 {
        s.chars().map(|c| self.width_mm(c, size_pt)).sum()
    }

    /// Characters of `s` the font cannot draw (外字 such as 𠮷), in order, without repeats.
    pub fn missing(&self, s: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in s.chars() {
            let absent = !c.is_whitespace()
                && self
                    .parsed
                    .lookup_glyph_index(c as u32)
                    .is_none_or(|g| g == 0);
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
