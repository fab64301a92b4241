//! Mail templates: Japanese text compiled in, each replaceable by a file of the same name in
//! `mail.templates_dir`. A template is a `Subject:` line, a blank line, and the body; `{{name}}`
//! marks a value. A placeholder nobody filled in is an error, so a typo in a city's own template
//! is caught at the first send rather than mailed out.

use std::path::Path;

macro_rules! builtin {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/mail/", $name, ".txt")))),*]
    };
}

const BUILTIN: &[(&str, &str)] = builtin![
    "resend_requested",
    "team_activated",
    "account_suspended",
    "copy_received",
    "copy_returned",
    "application_received",
    "application_ack",
    "application_rejected",
    "certificate_number",
    "certificate_password",
    "device_requested",
    "device_request_rejected",
    "training_before",
    "training_due",
    "training_overdue",
    "training_city",
    "copy_overdue",
    "resend_overdue",
    "activation_overdue",
    "voucher_expiring",
    "copy_incomplete",
    "copy_verified",
    "activation_waiting",
    "incident_reported",
    "member_removed",
    "member_replaced",
    "members_added",
    "addition_overdue",
    "obtainer_change_asked",
    "obtainer_changed",
    "request_declined",
    "staff_transfer_asked",
    "staff_transferred",
    "office_closure_asked",
    "office_closed",
    "_footer"
];

/// The names of the compiled-in templates.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTIN.iter().map(|(n, _)| *n)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    #[error("no mail template named {0}")]
    Unknown(String),
    #[error("mail template {0} has no 'Subject:' line")]
    NoSubject(String),
    #[error("mail template {template} leaves {{{{{name}}}}} unfilled")]
    Unfilled { template: String, name: String },
    #[error("mail template {0} could not be read: {1}")]
    Io(String, String),
}

fn source(dir: Option<&Path>, name: &str) -> Result<String, TemplateError> {
    if let Some(dir) = dir {
        let path = dir.join(format!("{name}.txt"));
        match std::fs::read_to_string(&path) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(TemplateError::Io(name.into(), e.to_string())),
        }
    }
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s.to_string())
        .ok_or_else(|| TemplateError::Unknown(name.into()))
}

fn fill(name: &str, text: &str, vars: &[(&str, &str)]) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len() + 256);
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let key = after[..end].trim();
        let value = vars
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| TemplateError::Unfilled {
                template: name.into(),
                name: key.into(),
            })?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders template `name` with `vars`, and the common footer.
pub fn render(
    dir: Option<&Path>,
    name: &str,
    vars: &[(&str, &str)],
) -> Result<Rendered, TemplateError> {
    let text = source(dir, name)?.replace("\r\n", "\n");
    let (head, body) = text
        .split_once("\n\n")
        .ok_or_else(|| TemplateError::NoSubject(name.into()))?;
    let subject = head
        .strip_prefix("Subject:")
        .ok_or_else(|| TemplateError::NoSubject(name.into()))?
        .trim();
    let footer = fill("_footer", &source(dir, "_footer")?, vars)?;
    Ok(Rendered {
        subject: fill(name, subject, vars)?,
        body: format!("{}{}", fill(name, body, vars)?.trim_end(), footer)
            .trim_end()
            .to_string()
            + "\n",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: &[(&str, &str)] = &[
        ("to_name", "山田 太郎"),
        ("code", "7K2Q9XM"),
        ("subject_initial", "ヤ様"),
        ("reason", "QRコードが読み取れません"),
        ("link", "http://127.0.0.1:8080/enrollments/7K2Q9XM"),
        ("office", "みなと居宅介護支援事業所"),
        ("centre_phone", "029-212-3751"),
        ("login", "caremgr"),
        ("user_name", "柴田 ケア"),
        ("city", "ひたちなか市"),
        ("kind", "訪問看護"),
        ("admin_name", "佐藤 恵"),
        ("at", "2026-11-26 10:00"),
        ("number", "1234-5678-9012"),
        ("purpose", "初回の証明書設定"),
        ("expires", "2026-12-10 10:00"),
        ("password", "Ab3dEf7hJk9m"),
        ("label", "受付のパソコン"),
        ("due", "2027年6月30日"),
        ("days", "30"),
        ("got", "1"),
        ("of", "2"),
        ("reporter", "港 看護"),
        ("occurred_at", "令和8年12月1日 18:30"),
        ("member", "訪問看護師 港 看護"),
        ("replacement", "訪問看護師 浜 看護"),
        ("what", "みなと訪問看護ステーションの利用廃止"),
        ("from_office", "はま居宅介護支援事業所"),
    ];

    #[test]
    fn every_builtin_template_renders() {
        for name in names().filter(|n| !n.starts_with('_')) {
            let r = render(None, name, VARS).unwrap();
            assert!(
                !r.subject.is_empty() && !r.subject.contains("{{"),
                "{name}: {}",
                r.subject
            );
            assert!(!r.body.contains("{{"), "{name}");
            assert!(r.body.contains("029-212-3751"), "{name}: footer");
        }
    }

    #[test]
    fn a_folder_overrides_and_typos_are_caught() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("team_activated.txt"),
            "Subject: 開始 {{code}}\n\n{{to_name}} さま\n",
        )
        .unwrap();
        let r = render(Some(dir.path()), "team_activated", VARS).unwrap();
        assert_eq!(r.subject, "開始 7K2Q9XM");
        assert!(r.body.starts_with("山田 太郎 さま\n"));
        // Other templates still come from the binary.
        assert!(render(Some(dir.path()), "resend_requested", VARS).is_ok());

        std::fs::write(
            dir.path().join("team_activated.txt"),
            "Subject: x\n\n{{to_nmae}}\n",
        )
        .unwrap();
        assert_eq!(
            render(Some(dir.path()), "team_activated", VARS),
            Err(TemplateError::Unfilled {
                template: "team_activated".into(),
                name: "to_nmae".into()
            })
        );
        assert!(matches!(
            render(None, "nope", VARS),
            Err(TemplateError::Unknown(_))
        ));
    }
}
