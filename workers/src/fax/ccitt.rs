//! CCITT Group 3 (1-D and 2-D) and Group 4 data, as FAX TIFFs and PDFs carry it, decoded with
//! hayro-ccitt into a page.

use hayro_ccitt::{DecodeSettings, Decoder, DecoderContext, EncodingMode};

use super::gray::Gray;
use super::PageError;

/// The parameters PDF's CCITTFaxDecode and TIFF's tags describe.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// < 0: Group 4; 0: Group 3 1-D; > 0: Group 3 2-D.
    pub k: i32,
    pub columns: u32,
    /// 0 when unknown: decode until the data ends.
    pub rows: u32,
    pub byte_align: bool,
    pub end_of_line: bool,
    pub end_of_block: bool,
    /// Show the decoded black runs as white (BlackIs1 XOR /Decode [1 0], or TIFF min-is-black).
    pub invert: bool,
}

impl Params {
    pub fn new(k: i32, columns: u32, rows: u32) -> Params {
        Params {
            k,
            columns,
            rows,
            byte_align: false,
            end_of_line: false,
            end_of_block: true,
            invert: false,
        }
    }
}

struct Rows {
    rows: Vec<Vec<u32>>,
    max: usize,
}

impl Decoder for Rows {
    fn push_row(&mut self, changes: &[u32]) {
        if self.rows.len() < self.max {
            self.rows.push(changes.to_vec());
        }
    }
}

/// Decodes one CCITT stream. Rows past `max_rows` are dropped (a bomb cannot grow the page).
/// A stream that breaks off after some rows still yields those rows; one that yields none fails.
pub fn decode(data: &[u8], p: &Params, max_rows: u32) -> Result<Gray, PageError> {
    if p.columns == 0 || p.columns > 20_000 {
        return Err(PageError::Corrupt(format!(
            "CCITT width {} is not plausible",
            p.columns
        )));
    }
    let encoding = match p.k {
        k if k < 0 => EncodingMode::Group4,
        0 => EncodingMode::Group3_1D,
        _ => EncodingMode::Group3_2D,
    };
    let settings = DecodeSettings {
        columns: p.columns,
        rows: p.rows.min(max_rows),
        end_of_block: p.end_of_block,
        end_of_line: p.end_of_line,
        rows_are_byte_aligned: p.byte_align,
        encoding,
        strict: false,
    };
    let mut ctx = DecoderContext::new(settings);
    let mut rows = Rows {
        rows: Vec::new(),
        max: max_rows as usize,
    };
    let result = hayro_ccitt::decode(data, &mut rows, &mut ctx);
    if rows.rows.is_empty() {
        let why = result
            .err()
            .map(|e| format!("{e:?}"))
            .unwrap_or_else(|| "no rows".into());
        return Err(PageError::Corrupt(format!(
            "CCITT data could not be decoded: {why}"
        )));
    }
    let mut g = Gray::from_changes(p.columns, &rows.rows);
    if p.invert {
        g.invert();
    }
    Ok(g)
}
