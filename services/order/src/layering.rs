//! The crate's layering, checked on its sources: a module uses only its own layer and those
//! below it (`grpc` → `service`, `expiry` → `saga` → `ports`, `moves`, `events` → `store` →
//! `domain`, `config`), and protobuf (`vici_proto`, `tonic`, `prost`) stops at `grpc` and the
//! wiring in `lib.rs`.
use std::path::{Path, PathBuf};

/// Every top-level module and its layer.
const LAYERS: &[(&str, u8)] = &[
    ("domain", 0),
    ("config", 0),
    ("store", 1),
    ("ports", 2),
    ("moves", 2),
    ("events", 2),
    ("saga", 3),
    ("service", 4),
    ("expiry", 4),
    ("grpc", 5),
];

/// The paging arithmetic every service's lists share: it carries no message.
const WIRE_ALLOWED: &[&str] = &["vici_proto::paging::Page"];
const WIRE: &[&str] = &["vici_proto::", "tonic::", "prost::"];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code without its comments and its unit tests (which close every file, and whose
/// `super::` is the file's own module), with the `super::` chains that name the crate root
/// written as `crate::`, so both spellings are checked alike.
fn code(text: &str, rel: &Path) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let parts: Vec<_> = rel.components().collect();
    let is_mod = rel.file_name().is_some_and(|f| f == "mod.rs");
    let depth = parts.len() - 1 - usize::from(is_mod);
    let root = "super::".repeat(depth + 1);
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
        .replace(&root, "crate::")
}

/// The top-level modules `code` names through `crate::` (one by one or in `crate::{a, b}`).
fn modules_named(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                found.extend(group.split(',').map(ident).filter(|m| !m.is_empty()));
            }
            None => found.push(ident(rest)),
        }
    }
    found
}

/// What `rel` (a path below `src/`) breaks of the layering.
fn violations(rel: &Path, text: &str) -> Vec<String> {
    let top = rel
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or_default()
        .trim_end_matches(".rs")
        .to_string();
    if top == "lib" || top == "layering" {
        return Vec::new();
    }
    let Some(own) = layer(&top) else {
        return vec![format!("{}: module `{top}` has no layer", rel.display())];
    };
    let code = code(text, rel);
    let mut broken: Vec<String> = modules_named(&code)
        .into_iter()
        .filter(|m| *m != top && layer(m).is_none_or(|l| l > own))
        .map(|m| format!("{}: `{top}` uses `crate::{m}`", rel.display()))
        .collect();
    if top != "grpc" {
        let mut wire = code.clone();
        for allowed in WIRE_ALLOWED {
            wire = wire.replace(allowed, "");
        }
        broken.extend(
            WIRE.iter()
                .filter(|w| wire.contains(*w))
                .map(|w| format!("{}: `{top}` uses `{w}` below the gRPC layer", rel.display())),
        );
    }
    broken
}

#[test]
fn every_file_imports_downward_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 20, "the sources were found");
    let broken: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).expect("a source file");
            violations(f.strip_prefix(&src).expect("below src"), &text)
        })
        .collect();
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn upward_imports_are_found_however_they_are_spelled() {
    let saga = Path::new("saga/flows.rs");
    assert_eq!(violations(saga, "use crate::{events, grpc};").len(), 1);
    assert_eq!(
        violations(saga, "let x = crate::service::Service;").len(),
        1
    );
    assert_eq!(
        violations(saga, "use super::super::grpc::convert;").len(),
        1
    );
    assert_eq!(
        violations(saga, "use super::steps::x; use crate::store::y;"),
        [""; 0]
    );
    assert_eq!(violations(saga, "// crate::grpc in a comment"), [""; 0]);
    let tested = "#[cfg(test)]\nmod tests {\n    use super::*;\n}";
    assert_eq!(violations(Path::new("moves.rs"), tested), [""; 0]);
    assert_eq!(
        violations(Path::new("moves.rs"), "use super::saga::Engine;").len(),
        1
    );
    assert_eq!(
        violations(saga, "use vici_proto::cart::v1 as cart;").len(),
        1
    );
    assert_eq!(violations(saga, "fn f(s: tonic::Status) {}").len(), 1);
    let store = Path::new("store/orders.rs");
    assert!(violations(store, "use vici_proto::paging::Page;").is_empty());
    assert!(violations(Path::new("grpc/mod.rs"), "use vici_proto::order::v1;").is_empty());
    assert_eq!(
        violations(Path::new("extra.rs"), "").len(),
        1,
        "a new module needs a layer"
    );
}
