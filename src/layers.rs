//! The rule that keeps the modules in layers: a module may use modules of lower layers only,
//! never one of its own layer or above. The test reads every `crate::…` path in `src/` and
//! names each import that runs the wrong way by file and line.
//!
//! ```text
//! cli
//! seed
//! demo
//! app
//! serve
//! web, api
//! http
//! jobs
//! intake, schedule
//! service
//! outbox
//! context
//! queue, mailer, form_versions
//! config
//! store
//! error
//! domain, secret, memory, clock, snapshot
//! ```

/// Lowest first. Modules on one line are peers: neither may use the other.
const LAYERS: &[&[&str]] = &[
    &["domain", "secret", "memory", "clock", "snapshot"],
    &["error"],
    &["store"],
    &["config"],
    &["queue", "mailer", "form_versions"],
    &["context"],
    &["outbox"],
    &["service"],
    &["intake", "schedule"],
    &["jobs"],
    &["http"],
    &["web", "api"],
    &["serve"],
    &["app"],
    &["demo"],
    &["seed"],
    &["cli"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level modules a line of `file`'s text names through `crate::` or `$crate::`:
/// `crate::a::b`, `crate::{a, b::c}` (the group may run over several lines).
fn used_modules(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find("crate::") {
        let start = from + at + "crate::".len();
        from = start;
        // `mycrate::` is not `crate::`.
        let before = (from - "crate::".len()).checked_sub(1).map(|i| bytes[i]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let line = text[..start].matches('\n').count() + 1;
        if text[start..].starts_with('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (i, ch) in text[start..].char_indices() {
                match ch {
                    '{' => {
                        depth += 1;
                        item_start = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && (c.is_alphanumeric() || c == '_') => {
                        let rest = &text[start + i..];
                        let end = rest
                            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .unwrap_or(rest.len());
                        let l = text[..start + i].matches('\n').count() + 1;
                        out.push((l, rest[..end].to_string()));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let rest = &text[start..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push((line, rest[..end].to_string()));
        }
    }
    out
}

/// Every import of `module`'s file that runs upward or sideways, as `file:line: a → b`.
fn violations(file: &str, module: &str, text: &str) -> Vec<String> {
    let Some(own) = layer(module) else {
        return vec![format!(
            "{file}: module `{module}` has no layer in src/layers.rs"
        )];
    };
    used_modules(text)
        .into_iter()
        // `crate::db!` is the store's macro, exported at the crate's root.
        .map(|(line, used)| (line, if used == "db" { "store".into() } else { used }))
        .filter(|(_, used)| used != module && used != "self" && used != "super")
        .filter_map(|(line, used)| match layer(&used) {
            Some(l) if l < own => None,
            Some(_) => Some(format!(
                "{file}:{line}: `{module}` uses `{used}`, which is not below it"
            )),
            None => Some(format!(
                "{file}:{line}: `{module}` uses `{used}`, which has no layer"
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("src is readable") {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_import_in_src_points_down() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut all = Vec::new();
        files(&src, &mut all);
        let mut wrong = Vec::new();
        for path in all {
            let rel = path.strip_prefix(&src).expect("under src");
            let first = rel.components().next().expect("a component");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if module == "lib" || module == "main" || module == "layers" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source is readable");
            wrong.extend(violations(
                &format!("src/{}", rel.display()),
                &module,
                &text,
            ));
        }
        assert!(
            wrong.is_empty(),
            "imports that run upward:\n{}",
            wrong.join("\n")
        );
    }

    /// One clock: the machine's time is read in `clock.rs` only; everything else asks the
    /// context's clock (or the `now` of its transaction).
    #[test]
    fn only_the_clock_reads_the_machines_time() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut all = Vec::new();
        files(&src, &mut all);
        let reads: Vec<String> = all
            .iter()
            .filter(|p| !p.ends_with("clock.rs") && !p.ends_with("layers.rs"))
            .flat_map(|p| {
                let text = std::fs::read_to_string(p).expect("source is readable");
                text.lines()
                    .enumerate()
                    .filter(|(_, l)| l.contains("Utc::now()") || l.contains("Local::now()"))
                    .map(|(i, _)| format!("{}:{}", p.display(), i + 1))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(
            reads.is_empty(),
            "the time read past the clock:\n{}",
            reads.join("\n")
        );
    }

    #[test]
    fn an_upward_import_is_named_by_file_and_line() {
        let text = "use crate::store::Conn;\n\nfn f() { crate::web::local_time(); }\n";
        assert_eq!(
            violations("src/service/x.rs", "service", text),
            vec!["src/service/x.rs:3: `service` uses `web`, which is not below it"]
        );
    }

    #[test]
    fn a_group_over_several_lines_is_read_item_by_item() {
        let text = "use crate::{\n    domain::Actor,\n    jobs::{a, b},\n};\n";
        assert_eq!(
            used_modules(text),
            vec![(2, "domain".to_string()), (3, "jobs".to_string())]
        );
        assert_eq!(violations("src/store/x.rs", "store", text).len(), 1);
    }

    #[test]
    fn a_peer_is_not_below() {
        let text = "use crate::api::router;\n";
        assert_eq!(violations("src/web/mod.rs", "web", text).len(), 1);
        assert!(violations("src/api/mod.rs", "api", "use crate::http::AppState;\n").is_empty());
    }
}
