//! Page layout of the 別紙1: what goes on which page, and drawing it.

use super::cells::{fitted_text, obtainer_text, team_cell_width, value_width};
use super::draw::{qr_code, Canvas, PAGE_H, PAGE_W};
use super::fit::PT_MM;
use super::font::FormFont;
use super::template::Template;
use super::{wareki, wrap, wrap_varying, FormData};

/// The flowing content stops here; below are the bottom QR code and the signature block.
const FLOW_END: f32 = 234.0;

/// What one page holds besides the fixed parts: the front page, or team rows continued.
pub enum Content {
    Front { team: std::ops::Range<usize> },
    TeamContinued { team: std::ops::Range<usize> },
}

use super::marks::qr_block;

fn fill(text: &str, d: &FormData) -> String {
    text.replace("{city}", &d.place.city)
        .replace("{centre_name}", &d.place.centre_name)
        .replace("{centre_address}", &d.place.centre_address)
        .replace("{centre_phone}", &d.place.centre_phone)
        .replace("{centre_fax}", &d.place.centre_fax)
}

pub(super) fn body_width(t: &Template) -> f32 {
    PAGE_W - 2.0 * t.layout.margin_mm
}

fn line_mm(t: &Template) -> f32 {
    t.layout.body_pt * t.layout.line_factor * PT_MM
}

/// Column x-offsets and widths of the team table.
pub(super) fn team_columns(t: &Template) -> [(f32, f32); 4] {
    let x = t.layout.margin_mm;
    let w = body_width(t);
    [
        (x, w * 0.36),
        (x + w * 0.36, w * 0.18),
        (x + w * 0.54, w * 0.24),
        (x + w * 0.78, w * 0.22),
    ]
}

/// Where the paragraphs begin, and the gap after each.
const PARA_TOP: f32 = 46.0;
const PARA_GAP: f32 = 1.2;

/// The paragraphs, wrapped; lines beside the top-right code are shortened to flow around it.
fn paragraphs(t: &Template, f: &FormFont, d: &FormData) -> Vec<Vec<String>> {
    let size = t.layout.body_pt;
    let qr_bottom = t.layout.edge_mm + qr_block(t);
    let narrow = PAGE_W - t.layout.edge_mm - qr_block(t) - 3.0 - t.layout.margin_mm;
    let mut out = Vec::new();
    let mut done = 0usize;
    for (k, p) in t.paragraphs.iter().enumerate() {
        let max_of = |i: usize| {
            let baseline = PARA_TOP + (done + i + 1) as f32 * line_mm(t) + k as f32 * PARA_GAP;
            // The line's top must clear the code's quiet zone.
            if baseline - size * PT_MM < qr_bottom {
                narrow
            } else {
                body_width(t)
            }
        };
        let lines = wrap_varying(&fill(p, d), max_of, |c| f.width_mm(c, size));
        done += lines.len();
        out.push(lines);
    }
    out
}

/// Fixed vertical positions of the front page's blocks, from the paragraphs' length.
struct Front {
    subject_y: f32,
    team_y: f32,
}

fn front_positions(t: &Template, f: &FormFont, d: &FormData) -> Front {
    let lines: usize = paragraphs(t, f, d).iter().map(Vec::len).sum();
    let paras = t.paragraphs.len() as f32;
    let subject_y = PARA_TOP + lines as f32 * line_mm(t) + paras * PARA_GAP + 2.0;
    let team_y = subject_y + 6.5 + 5.0 * t.layout.row_mm + 3.0;
    Front { subject_y, team_y }
}

/// Team rows that fit on the front page, below the table header and above the obtainer row
/// and the note.
fn front_team_rows(t: &Template, f: &FormFont, d: &FormData) -> usize {
    let p = front_positions(t, f, d);
    let note = wrap(&format!("※{}", t.labels.proxy_note), body_width(t), |c| {
        f.width_mm(c, t.layout.body_pt)
    })
    .len();
    let room = FLOW_END
        - (p.team_y + 6.5 + t.layout.row_mm)
        - (t.layout.row_mm + 3.0)
        - note as f32 * line_mm(t);
    (room / t.layout.row_mm).floor().max(1.0) as usize
}

pub fn plan(t: &Template, f: &FormFont, d: &FormData) -> Vec<Content> {
    let fit = front_team_rows(t, f, d);
    // The blank form is always one page: as many empty rows as fit, up to the template's count.
    let rows = if d.subject.is_none() {
        t.layout.blank_team_rows.min(fit)
    } else {
        d.team.len()
    };
    let first = fit.min(rows);
    let mut pages = vec![Content::Front { team: 0..first }];
    let per_page = ((FLOW_END - 62.0) / t.layout.row_mm).floor() as usize;
    let mut at = first;
    while at < rows {
        let end = (at + per_page).min(rows);
        pages.push(Content::TeamContinued { team: at..end });
        at = end;
    }
    pages
}

pub fn draw(
    t: &Template,
    c: &mut Canvas,
    d: &FormData,
    content: &Content,
    payload: &str,
    page: usize,
    pages: usize,
) {
    let l = &t.layout;
    let f = c.face();
    let m = l.margin_mm;
    let block = qr_block(t);
    // Codes in the top-right and bottom-left corners: staples and tears land top-left.
    let symbol = qr_code(payload);
    c.qr(
        PAGE_W - l.edge_mm - block,
        l.edge_mm,
        l.qr_module_mm,
        l.quiet_modules,
        &symbol,
    );
    let bottom_qr_y = PAGE_H - l.edge_mm - block;
    c.qr(
        l.edge_mm,
        bottom_qr_y,
        l.qr_module_mm,
        l.quiet_modules,
        &symbol,
    );

    let code = format!("{}-{}", &d.code.as_str()[..3], &d.code.as_str()[3..]);
    let footer = format!(
        "{}　第{}版　{}/{}{}",
        t.attachment, t.version, page, pages, t.labels.page
    );
    // Beside the top code: the label, the code large, the version and page.
    let right = PAGE_W - l.edge_mm - block - 2.0;
    let label_w = f.text_width_mm(&t.labels.code, l.small_pt);
    c.text(right - label_w, 24.0, l.small_pt, &t.labels.code);
    let code_w = f.text_width_mm(&code, l.code_pt);
    c.text(right - code_w, 31.0, l.code_pt, &code);
    let footer_w = f.text_width_mm(&footer, l.small_pt);
    c.text(right - footer_w, 37.0, l.small_pt, &footer);
    // Beside the bottom code.
    let bx = l.edge_mm + block + 4.0;
    c.text(
        bx,
        bottom_qr_y + 5.0,
        l.small_pt,
        &format!("{}　{}", t.labels.code, footer),
    );
    c.text(bx, bottom_qr_y + 11.5, l.code_pt, &code);

    c.text(m, 22.0, l.small_pt, &t.attachment);
    match content {
        Content::Front { team } => front(t, f, c, d, team.clone(), bx, bottom_qr_y),
        Content::TeamContinued { team } => {
            c.text(m, 31.0, l.title_pt, &t.title);
            c.text(m, 55.0, l.body_pt, &t.labels.team_continued);
            team_table(t, f, c, d, 58.0, team.clone());
        }
    }
}

fn front(
    t: &Template,
    f: &FormFont,
    c: &mut Canvas,
    d: &FormData,
    team: std::ops::Range<usize>,
    bx: f32,
    qr_y: f32,
) {
    let l = &t.layout;
    let m = l.margin_mm;
    let lab = &t.labels;
    c.text(m, 31.0, l.title_pt, &t.title);
    c.text(m, 40.0, l.body_pt, &fill(&t.addressee, d));
    let mut y = PARA_TOP;
    for para in paragraphs(t, f, d) {
        for line in para {
            y += line_mm(t);
            c.text(m, y, l.body_pt, &line);
        }
        y += PARA_GAP;
    }
    let pos = front_positions(t, f, d);
    // The subject.
    let s = d.subject.as_ref();
    let birth = s
        .map(|s| wareki::format_both(s.birth_date))
        .unwrap_or_else(|| "明・大・昭・平　　　年　　　月　　　日".into());
    let rows: [(&str, String); 5] = [
        (&lab.kana, s.map(|s| s.kana.clone()).unwrap_or_default()),
        (&lab.name, s.map(|s| s.name.clone()).unwrap_or_default()),
        (
            &lab.birth_date,
            format!(
                "{birth}　　{}　{}",
                lab.sex,
                s.map(|s| s.sex.as_str()).unwrap_or("男・女")
            ),
        ),
        (
            &lab.address,
            s.map(|s| s.address.clone()).unwrap_or_default(),
        ),
        (&lab.phone, s.map(|s| s.phone.clone()).unwrap_or_default()),
    ];
    c.text(
        m,
        pos.subject_y + 5.0,
        l.body_pt,
        &format!("■ {}", lab.subject),
    );
    let top = pos.subject_y + 6.5;
    labelled_rows(t, f, c, top, &rows);
    // The team.
    c.text(m, pos.team_y + 5.0, l.body_pt, &format!("■ {}", lab.team));
    let end = team_table(t, f, c, d, pos.team_y + 6.5, team);
    // The consent obtainer, and the note on proxies.
    let ob = d.obtainer.as_ref();
    let obtainer = ob.map(obtainer_text).unwrap_or_default();
    labelled_rows(t, f, c, end + 3.0, &[(&lab.obtainer, obtainer)]);
    let note_w = body_width(t);
    let mut ny = end + 3.0 + l.row_mm;
    for line in wrap(&format!("※{}", lab.proxy_note), note_w, |ch| {
        f.width_mm(ch, l.body_pt)
    }) {
        ny += line_mm(t);
        c.text(m, ny - 1.2, l.body_pt, &line);
    }
    // The signature block, right of the bottom code.
    let right = PAGE_W - m;
    c.text(bx, qr_y + 19.5, l.body_pt, &lab.consent_date);
    c.text(bx, qr_y + 28.0, l.body_pt, &lab.signature);
    c.line(bx + 24.0, qr_y + 29.0, right, qr_y + 29.0, 0.6);
    c.text(bx, qr_y + 36.5, l.body_pt, &lab.proxy_signature);
    c.line(bx + 24.0, qr_y + 37.5, right - 38.0, qr_y + 37.5, 0.6);
    c.text(right - 36.0, qr_y + 36.5, l.body_pt, &lab.relationship);
    c.line(right - 26.0, qr_y + 37.5, right, qr_y + 37.5, 0.6);
}

/// A two-column table of label and value, ruled. Returns the y below it.
fn labelled_rows(
    t: &Template,
    f: &FormFont,
    c: &mut Canvas,
    top: f32,
    rows: &[(&str, String)],
) -> f32 {
    let l = &t.layout;
    let (x, w) = (l.margin_mm, body_width(t));
    let mut y = top;
    for (label, value) in rows {
        c.rect(x, y, w, l.row_mm, 0.5);
        c.line(x + 30.0, y, x + 30.0, y + l.row_mm, 0.5);
        let baseline = y + l.row_mm - 2.2;
        c.text(x + 2.0, baseline, l.body_pt, label);
        fitted_text(c, f, t, x + 32.0, y, value_width(t), baseline, value);
        y += l.row_mm;
    }
    y
}

/// The team table: a header row, then the members in `range` (blank rows for the blank form).
fn team_table(
    t: &Template,
    f: &FormFont,
    c: &mut Canvas,
    d: &FormData,
    top: f32,
    range: std::ops::Range<usize>,
) -> f32 {
    let l = &t.layout;
    let lab = &t.labels;
    let cols = team_columns(t);
    let mut y = top;
    let header = [&lab.office, &lab.profession, &lab.member, &lab.member_phone];
    let blank = d.subject.is_none();
    let rows = std::iter::once(header.map(|s| s.to_string())).chain(range.map(|i| {
        match (blank, d.team.get(i)) {
            (false, Some(m)) => [
                m.office.clone(),
                m.profession.clone(),
                m.name.clone(),
                m.phone.clone(),
            ],
            _ => Default::default(),
        }
    }));
    for row in rows {
        for (&(x, w), cell) in cols.iter().zip(row.iter()) {
            c.rect(x, y, w, l.row_mm, 0.5);
            let width = team_cell_width((x, w));
            fitted_text(c, f, t, x + 1.5, y, width, y + l.row_mm - 2.2, cell);
        }
        y += l.row_mm;
    }
    y
}
