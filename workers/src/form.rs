//! Consent-form rendering. For now a placeholder page that names the enrollment; the real 別紙1
//! (Japanese text, layout, QR codes) replaces it.

use printpdf::{
    BuiltinFont, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem,
};

use crate::EnrollmentCode;

/// Renders a one-page A4 placeholder naming the enrollment code and form version.
pub fn render_placeholder(code: &EnrollmentCode, form_version: &str) -> Vec<u8> {
    let line = |y: f32, size: f32, text: String| {
        vec![
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point::new(Mm(25.0), Mm(y)),
            },
            Op::SetFont {
                font: PdfFontHandle::Builtin(BuiltinFont::Helvetica),
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text)],
            },
            Op::EndTextSection,
        ]
    };
    let mut ops = Vec::new();
    ops.extend(line(
        260.0,
        20.0,
        "consentflow: consent form (placeholder)".into(),
    ));
    ops.extend(line(240.0, 28.0, format!("Enrollment {code}")));
    ops.extend(line(
        225.0,
        12.0,
        format!("Form bessi1 version {form_version}"),
    ));
    let page = PdfPage::new(Mm(210.0), Mm(297.0), ops);
    let mut doc = PdfDocument::new("consentflow consent form");
    doc.with_pages(vec![page])
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_is_a_pdf_naming_the_code() {
        let code = EnrollmentCode::from_random([9, 8, 7, 6, 5, 4]);
        let pdf = render_placeholder(&code, "v1");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 300);
    }
}
