//! CSV for Excel, the one way every export writes a cell: a value that a spreadsheet would take
//! for a formula (starting with `=`, `+`, `-`, `@`, TAB or CR; OWASP's CSV injection) gets a `'`
//! in front, and a value with a comma, quote or line break is quoted.

/// One cell, safe to open in Excel.
pub fn cell(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// A row of cells, ended with CRLF.
pub fn row<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let cells: Vec<String> = values.into_iter().map(cell).collect();
    format!("{}\r\n", cells.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_specials_quoted() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("+81 29"), "'+81 29");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("柴田介護保険事務所"), "柴田介護保険事務所");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("2026-11-20"), "2026-11-20", "a date inside is fine");
        assert_eq!(row(["a", "=1"]), "a,'=1\r\n");
    }
}
