//! The consent-form versions this service can print, loaded once at start: the built-in ones and
//! a city's own from `forms_dir`.

use std::collections::BTreeMap;
use std::path::Path;

use std::sync::{Arc, OnceLock};

use consentflow_workers::check::Printed;
use consentflow_workers::form::{template, Template};
use consentflow_workers::FormKind;
use sha2::{Digest, Sha256};

/// One template version and the hash of its text, recorded with every form issued from it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub template: Template,
    pub sha256: String,
    /// What the form prints in its checked fields, rendered at the first check (#20).
    printed: Arc<OnceLock<Option<Printed>>>,
}

impl Entry {
    fn new(template: Template, sha256: String) -> Entry {
        Entry {
            template,
            sha256,
            printed: Arc::default(),
        }
    }

    /// What the form prints in its checked fields: rendered once (some 40 ms of CPU; call it
    /// off the async threads), then kept. `None` when the form cannot be drawn.
    pub fn printed(&self) -> Option<&Printed> {
        self.printed
            .get_or_init(|| Printed::of(&self.template))
            .as_ref()
    }
}

/// The form versions this service can print: the built-in ones, plus a city's own from
/// `forms_dir`. The newest is printed; older ones remain for forms already on paper.
#[derive(Debug, Clone)]
pub struct FormRegistry {
    versions: BTreeMap<u16, Entry>,
    /// The 支援チームメンバー追加同意書's versions (built in only).
    additions: BTreeMap<u16, Entry>,
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

impl FormRegistry {
    pub fn load(dir: Option<&Path>) -> anyhow::Result<FormRegistry> {
        let mut versions = BTreeMap::new();
        for v in template::builtin_versions() {
            let (t, text) = template::builtin(v)?;
            versions.insert(v, Entry::new(t, sha256_hex(text)));
        }
        if let Some(dir) = dir {
            let folder = dir.join("bessi1");
            for e in std::fs::read_dir(&folder)
                .map_err(|e| anyhow::anyhow!("{}: {e}", folder.display()))?
            {
                let path = e?.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let Some(v) = name.strip_prefix('v').and_then(|n| n.parse::<u16>().ok()) else {
                    continue;
                };
                let text = std::fs::read_to_string(path.join("form.toml"))?;
                let t = template::parse(v, &text)?;
                let sha = sha256_hex(&text);
                if let Some(existing) = versions.get(&v) {
                    anyhow::ensure!(existing.sha256 == sha, "forms_dir v{v} differs from the built-in v{v}: give it a new version number");
                }
                versions.insert(v, Entry::new(t, sha));
            }
        }
        let mut additions = BTreeMap::new();
        for v in template::builtin_versions_of(FormKind::MemberAddition) {
            let (t, text) = template::builtin_of(FormKind::MemberAddition, v)?;
            additions.insert(v, Entry::new(t, sha256_hex(text)));
        }
        Ok(FormRegistry {
            versions,
            additions,
        })
    }

    pub fn latest(&self) -> u16 {
        self.versions.keys().next_back().copied().unwrap_or(1)
    }

    pub fn get(&self, v: u16) -> Option<&Entry> {
        self.versions.get(&v)
    }

    /// Version `v` of form kind `kind`.
    pub fn get_of(&self, kind: FormKind, v: u16) -> Option<&Entry> {
        match kind {
            FormKind::Bessi1 => self.versions.get(&v),
            FormKind::MemberAddition => self.additions.get(&v),
        }
    }
}
