//! Pages that are not one scanned image, such as the vector PDF of the form mailed back as it was
//! printed, rasterised with hayro (pure Rust) at FAX fine resolution.
//!
//! hayro is built without its embedded standard fonts: text in fonts the PDF does not embed is
//! not drawn. Our forms embed theirs, and the codes are drawn as paths.

use std::sync::Arc;

use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::Pdf;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::{render, PixmapSettings, RenderCache, RenderSettings};

use super::gray::Gray;
use super::{DocError, Limits, PageError};

/// Fine-mode FAX resolution: what the codes were measured to survive.
pub const DPI: f32 = 200.0;

/// One parsed PDF, for rasterising any of its pages.
pub struct Rasteriser {
    pdf: Pdf,
}

impl Rasteriser {
    pub fn new(bytes: &[u8]) -> Result<Rasteriser, DocError> {
        let pdf = Pdf::new(Arc::new(bytes.to_vec()))
            .map_err(|e| DocError::Unreadable(format!("PDF: {e:?}")))?;
        Ok(Rasteriser { pdf })
    }

    /// Renders page `index` (0-based) on white at [`DPI`], or less where the page is so large
    /// that the pixel limit would be passed. Returns the image and its resolution.
    pub fn page(&self, index: usize, limits: &Limits) -> Result<(Gray, f32), PageError> {
        let page = self
            .pdf
            .pages()
            .get(index)
            .ok_or_else(|| PageError::Corrupt(format!("no page {}", index + 1)))?;
        let (w, h) = page.render_dimensions();
        if !(w.is_finite() && h.is_finite() && w >= 1.0 && h >= 1.0) {
            return Err(PageError::Corrupt(format!("page size {w}×{h}")));
        }
        let mut scale = DPI / 72.0;
        let pixels = f64::from(w * scale) * f64::from(h * scale);
        if pixels > limits.max_pixels as f64 {
            scale *= (limits.max_pixels as f64 / pixels).sqrt() as f32;
        }
        // The renderer's canvas is at most 65,535 pixels a side.
        scale = scale.min(65_000.0 / w.max(h));
        if w * scale < 1.0 || h * scale < 1.0 {
            return Err(PageError::TooLarge(format!(
                "a {w}×{h} pt page cannot be drawn within the pixel limit"
            )));
        }
        let pixmap = render(
            page,
            &RenderCache::new(),
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            &PixmapSettings {
                x_scale: scale,
                y_scale: scale,
                bg_color: WHITE,
            },
        );
        let data = pixmap
            .data_as_u8_slice()
            .chunks_exact(4)
            .map(|p| {
                // Premultiplied over an opaque white background: alpha is 255.
                ((u32::from(p[0]) * 77 + u32::from(p[1]) * 150 + u32::from(p[2]) * 29) >> 8) as u8
            })
            .collect();
        Ok((
            Gray::new(u32::from(pixmap.width()), u32::from(pixmap.height()), data),
            scale * 72.0,
        ))
    }
}
