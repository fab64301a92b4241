//! Versioned form templates from `forms/<kind>/vN/form.toml`, compiled into the binary: 別紙1
//! (`bessi1`) and the 支援チームメンバー追加同意書 (`tsuika`). The service prints the newest
//! version; older ones stay for codes already on paper.

use serde::Deserialize;

use crate::payload::FormKind;

/// Every issued version, oldest first. Adding v2 means adding a line here and a directory there.
const BESSI1: &[(u16, &str)] = &[(1, include_str!("../../../forms/bessi1/v1/form.toml"))];
const TSUIKA: &[(u16, &str)] = &[(1, include_str!("../../../forms/tsuika/v1/form.toml"))];

fn issued(kind: FormKind) -> &'static [(u16, &'static str)] {
    match kind {
        FormKind::Bessi1 => BESSI1,
        FormKind::MemberAddition => TSUIKA,
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    pub kind: String,
    pub version: u16,
    pub attachment: String,
    pub title: String,
    pub addressee: String,
    pub paragraphs: Vec<String>,
    pub labels: Labels,
    pub layout: Layout,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Labels {
    pub subject: String,
    pub name: String,
    pub kana: String,
    pub birth_date: String,
    pub sex: String,
    pub address: String,
    pub phone: String,
    pub team: String,
    pub team_continued: String,
    pub office: String,
    pub profession: String,
    pub member: String,
    pub member_phone: String,
    pub obtainer: String,
    pub consent_date: String,
    pub signature: String,
    pub proxy_signature: String,
    pub relationship: String,
    pub proxy_note: String,
    pub code: String,
    pub page: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Layout {
    pub margin_mm: f32,
    pub qr_module_mm: f32,
    pub quiet_modules: u32,
    pub edge_mm: f32,
    pub title_pt: f32,
    pub body_pt: f32,
    pub small_pt: f32,
    pub code_pt: f32,
    pub line_factor: f32,
    pub row_mm: f32,
    pub blank_team_rows: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("form version {0} does not exist")]
    UnknownVersion(u16),
    #[error("form template v{version} is broken: {message}")]
    Broken { version: u16, message: String },
}

/// Parses a 別紙1 template text (the compiled-in ones, or a city's own from a folder).
pub fn parse(version: u16, text: &str) -> Result<Template, TemplateError> {
    parse_kind(FormKind::Bessi1, version, text)
}

/// Parses a template text of form kind `kind`.
pub fn parse_kind(kind: FormKind, version: u16, text: &str) -> Result<Template, TemplateError> {
    let t: Template = toml::from_str(text).map_err(|e| TemplateError::Broken {
        version,
        message: e.to_string(),
    })?;
    if t.version != version || t.kind != kind.template_kind() {
        return Err(TemplateError::Broken {
            version,
            message: format!("declares {} v{}", t.kind, t.version),
        });
    }
    Ok(t)
}

impl Template {
    /// The kind of form it prints (parsing checked that it is one).
    pub fn form_kind(&self) -> FormKind {
        FormKind::of_template(&self.kind).unwrap_or(FormKind::Bessi1)
    }
}

/// The compiled-in 別紙1 versions, oldest first.
pub fn builtin_versions() -> Vec<u16> {
    builtin_versions_of(FormKind::Bessi1)
}

pub fn builtin_versions_of(kind: FormKind) -> Vec<u16> {
    issued(kind).iter().map(|(v, _)| *v).collect()
}

/// The compiled-in 別紙1 text of a version, with its SHA-256 for the record of what was issued.
pub fn builtin(version: u16) -> Result<(Template, &'static str), TemplateError> {
    builtin_of(FormKind::Bessi1, version)
}

pub fn builtin_of(kind: FormKind, version: u16) -> Result<(Template, &'static str), TemplateError> {
    let (_, text) = issued(kind)
        .iter()
        .find(|(v, _)| *v == version)
        .ok_or(TemplateError::UnknownVersion(version))?;
    Ok((parse_kind(kind, version, text)?, text))
}

pub fn latest_builtin() -> u16 {
    latest_builtin_of(FormKind::Bessi1)
}

pub fn latest_builtin_of(kind: FormKind) -> u16 {
    issued(kind).last().map(|(v, _)| *v).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_version_parses() {
        for kind in FormKind::ALL {
            for v in builtin_versions_of(kind) {
                let (t, _) = builtin_of(kind, v).unwrap();
                assert_eq!((t.version, t.form_kind()), (v, kind));
                assert!(t.layout.body_pt >= 10.5, "body text at least 10.5 pt");
                assert!(t.layout.edge_mm >= 15.0, "nothing within 15 mm of an edge");
            }
        }
        assert_eq!(builtin(99).unwrap_err(), TemplateError::UnknownVersion(99));
        let (_, addition) = builtin_of(FormKind::MemberAddition, 1).unwrap();
        assert!(
            matches!(parse(1, addition), Err(TemplateError::Broken { .. })),
            "an addition template is not a 別紙1"
        );
    }

    /// Issued versions are frozen: what was printed must stay explainable. Changing the wording
    /// or layout means a new version directory, never an edit here.
    const ISSUED: &[(FormKind, u16, &str)] = &[
        (
            FormKind::Bessi1,
            1,
            "cd8a398b4946980d21dceef258c90c9201e2916ce6923e57a47951a7f7547528",
        ),
        (
            FormKind::MemberAddition,
            1,
            "84702eb75c96837e5bf32017abae77480558d71996dbf7a66282efacb3cdfa85",
        ),
    ];

    #[test]
    fn issued_versions_are_never_edited() {
        use sha2::{Digest, Sha256};
        for (kind, v, pinned) in ISSUED {
            let (_, text) = builtin_of(*kind, *v).unwrap();
            let h: String = Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                &h,
                pinned,
                "forms/{}/v{v}/form.toml was edited after issue: add v{} instead",
                kind.folder(),
                v + 1
            );
        }
        let all: usize = FormKind::ALL
            .iter()
            .map(|k| builtin_versions_of(*k).len())
            .sum();
        assert_eq!(ISSUED.len(), all, "pin every built-in version");
    }

    #[test]
    fn a_broken_template_is_reported() {
        assert!(matches!(
            parse(2, "kind = 1"),
            Err(TemplateError::Broken { version: 2, .. })
        ));
        let (_, text) = builtin(1).unwrap();
        assert!(
            matches!(parse(2, text), Err(TemplateError::Broken { .. })),
            "version must match its slot"
        );
    }
}
