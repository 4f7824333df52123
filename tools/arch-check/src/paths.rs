//! Rule 3: nothing in the repository reads a path outside it.
//!
//! Tests once read vectors from the team's shared folder beside the clone, and failed in
//! a clone with nothing beside it (CI's situation). Fixtures are copied into
//! `tests/fixtures/`; this check keeps it that way. It scans sources, scripts
//! and manifests for relative paths whose `..` segments climb above the
//! repository root (counted from the crate directory for Rust files, which
//! build paths from `CARGO_MANIFEST_DIR`, and from the file's own directory
//! otherwise), and for absolute paths into the team's shared folder.

use crate::Violation;
use std::path::{Path, PathBuf};

/// Directories never scanned (build output, VCS data, local data, copied fixtures).
const SKIPPED_DIRS: &[&str] = &["target", ".git", "node_modules", "data", "fixtures", ".venv", "__pycache__"];

/// Absolute homes of the team's shared folder (written split so this file does not match itself).
const SHARED_ROOTS: &[&str] = &[concat!("/work", "/shared")];

/// File kinds that can name a path a test or script opens.
fn scanned(path: &Path) -> bool {
    let in_ci = path.parent().and_then(Path::file_name).is_some_and(|d| d == ".ci");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    in_ci
        || name == "justfile"
        || matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "sh" | "toml" | "py" | "yml" | "yaml" | "js" | "json")
        )
}

/// How many directory levels a file may climb: its crate's (Rust) or its own directory's depth below `root`.
fn allowed_depth(root: &Path, file: &Path) -> usize {
    let dir = file.parent().unwrap_or(root);
    let base = if file.extension().is_some_and(|e| e == "rs") {
        dir.ancestors().take_while(|d| d.starts_with(root)).find(|d| d.join("Cargo.toml").is_file()).unwrap_or(dir)
    } else {
        dir
    };
    base.strip_prefix(root).map_or(0, |rel| rel.components().count())
}

/// The longest run of `..` path segments in a line (`../../x`, `"../.."`).
#[must_use]
pub fn longest_climb(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut best = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        let starts_segment = i == 0
            || (matches!(bytes[i - 1], b'/' | b'"' | b'\'' | b' ' | b'=' | b'(' | b'\t')
                && !(bytes[i - 1] == b'/' && i >= 2 && bytes[i - 2] == b'.'));
        if bytes[i] == b'.' && bytes[i + 1] == b'.' && starts_segment {
            let mut count = 0;
            let mut j = i;
            while j + 1 < bytes.len() && bytes[j] == b'.' && bytes[j + 1] == b'.' {
                let end = j + 2;
                let closes = end == bytes.len() || matches!(bytes[end], b'/' | b'"' | b'\'' | b' ' | b'\t' | b'`');
                if !closes {
                    break;
                }
                count += 1;
                if end < bytes.len() && bytes[end] == b'/' {
                    j = end + 1;
                } else {
                    break;
                }
            }
            best = best.max(count);
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    best
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !SKIPPED_DIRS.iter().any(|s| name == *s) {
                walk(&path, files);
            }
        } else if scanned(&path) {
            files.push(path);
        }
    }
}

/// Every line under `root` that refers to a path outside it.
#[must_use]
pub fn check_paths(root: &Path) -> Vec<Violation> {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut violations = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let allowed = allowed_depth(root, &file);
        let shown = file.strip_prefix(root).unwrap_or(&file).display().to_string();
        for (n, line) in text.lines().enumerate() {
            let climb = longest_climb(line);
            let absolute = SHARED_ROOTS.iter().any(|r| line.contains(r));
            if climb > allowed || absolute {
                violations.push(Violation {
                    package: format!("{shown}:{}", n + 1),
                    reason: format!(
                        "refers to a path outside the repository ({}); copy what it needs into tests/fixtures/",
                        line.trim()
                    ),
                });
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn climbs_are_counted_by_segment() {
        assert_eq!(longest_climb(&format!(r#"join("{}shared/vectors/x.json")"#, "../".repeat(4))), 4);
        assert_eq!(longest_climb(r#"concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")"#), 2);
        assert_eq!(longest_climb("cd ../.. && ls"), 2);
        assert_eq!(longest_climb("let x = &v[..]; (0..n).map(|_| ..Default::default())"), 0);
        assert_eq!(longest_climb("see ../design"), 1);
    }

    #[test]
    fn a_file_reaching_outside_the_repository_is_flagged() {
        let root = std::env::temp_dir().join(format!("arch-check-{}", std::process::id()));
        let krate = root.join("crates/adapters/x");
        std::fs::create_dir_all(krate.join("tests")).expect("dirs");
        std::fs::write(krate.join("Cargo.toml"), "[package]\n").expect("manifest");
        let inside = format!(r#"let p = "{}tests/fixtures/v.json";"#, "../".repeat(3));
        std::fs::write(krate.join("tests/inside.rs"), inside).expect("inside");
        let outside = format!(r#"let p = "{}shared/v.json";"#, "../".repeat(4));
        std::fs::write(krate.join("tests/outside.rs"), outside).expect("outside");
        let violations = check_paths(&root);
        std::fs::remove_dir_all(&root).ok();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].package.starts_with("crates/adapters/x/tests/outside.rs:1"), "{violations:?}");
    }

    #[test]
    fn the_repository_refers_to_nothing_outside_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let root = root.canonicalize().expect("repository root");
        let violations = check_paths(&root);
        assert!(
            violations.is_empty(),
            "paths outside the repository:\n{}",
            violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        );
    }
}
