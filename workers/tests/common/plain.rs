//! The city's plain 別紙1, made from ours: both QR codes and the printed enrollment code taken
//! away, so the page carries nothing but what is written on it (as the form downloaded from the
//! city's site, or printed before the service existed). Shared by the OCR corpus and the
//! service's integration tests (`#[path]`).

use consentflow_workers::fax::Gray;
use consentflow_workers::form::marks;
use consentflow_workers::form::template::Template;

/// White over the rectangle (mm) of a 200 dpi page.
pub fn erase(g: &mut Gray, x0: f32, y0: f32, x1: f32, y1: f32) {
    let k = 200.0 / 25.4;
    let (w, h) = (g.width as usize, g.height as usize);
    for y in ((y0.max(0.0) * k) as usize)..((y1 * k) as usize).min(h) {
        for x in ((x0.max(0.0) * k) as usize)..((x1 * k) as usize).min(w) {
            g.data[y * w + x] = 255;
        }
    }
}

/// Takes our marks off a front page rendered from `t` at 200 dpi, whose first code's text is
/// `payload`: the top code with the enrollment code printed beside it, and the bottom code
/// with its caption.
pub fn strip_codes(g: &mut Gray, t: &Template, payload: &str) {
    let m = marks::front(t, marks::modules(payload));
    let bbox = |c: &marks::CodeMarks| {
        let xs = c.iter().map(|p| p.0);
        let ys = c.iter().map(|p| p.1);
        (
            xs.clone().fold(f32::MAX, f32::min),
            ys.clone().fold(f32::MAX, f32::min),
            xs.fold(0.0, f32::max),
            ys.fold(0.0, f32::max),
        )
    };
    let (x0, _, _, y1) = bbox(&m.codes[0]);
    erase(g, x0 - 45.0, 0.0, 210.0, y1 + 2.0);
    let (x0, y0, x1, y1) = bbox(&m.codes[1]);
    erase(g, x0 - 3.0, y0 - 3.0, x1 + 3.0, y1 + 3.0);
    erase(g, x1 + 3.0, y0 - 3.0, 210.0, y0 + 11.0);
}
