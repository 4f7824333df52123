//! The crate dependency rules of `docs/architecture.md`, checked on `cargo metadata`.
//!
//! 1. A crate under `crates/domain/` depends (directly, as a normal or
//!    build dependency) on no I/O crate, and on tokio only without `net`.
//! 2. A crate under `crates/adapters/` never depends on an app (`apps/*`),
//!    and on no other adapter except `crypto`.
//! 3. A crate under `apps/` depends on no adapter: `crates/runtime` builds
//!    the adapters and the use cases (`runtime::services::Services`); apps only wire.
//! 4. No source, script or manifest refers to a path outside the repository
//!    (tests must pass in a clone with nothing beside it): [`paths`].
//!
//! The check runs as a test (`cargo test -p frontdesk-arch-check`), so the
//! normal test command enforces it; `cargo run -p frontdesk-arch-check`
//! prints the verdict for humans.

pub mod paths;

use serde_json::Value;

/// Name prefixes of whole families of I/O crates (`actix-*`, `bb8*`, `sqlx-*`…).
pub const IO_PREFIXES: &[&str] = &["actix-", "bb8", "sqlx", "sea-orm", "tokio-postgres", "aws-"];

/// Crates that do I/O and must stay out of the domain.
pub const IO_CRATES: &[&str] = &[
    "sea-orm",
    "sea-orm-migration",
    "sea-query",
    "sqlx",
    "tokio-postgres",
    "rusqlite",
    "actix-web",
    "actix-rt",
    "actix-http",
    "actix-cors",
    "hyper",
    "reqwest",
    "redis",
    "fred",
    "bb8",
    "bb8-redis",
    "ring",
    "rust-s3",
    "async-openai",
    "aws-lc-rs",
];

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The offending package.
    pub package: String,
    /// What it depends on and why that is not allowed.
    pub reason: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.package, self.reason)
    }
}

fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Applies the rules to `cargo metadata --format-version 1 --no-deps` output.
#[must_use]
pub fn check(metadata: &Value) -> Vec<Violation> {
    let packages = metadata.get("packages").and_then(Value::as_array).cloned().unwrap_or_default();
    // Workspace package name -> manifest path, to classify path dependencies.
    let manifest_of = |name: &str| {
        packages.iter().find(|p| str_field(p, "name") == name).map(|p| str_field(p, "manifest_path").replace('\\', "/"))
    };
    let mut violations = Vec::new();
    for package in &packages {
        let name = str_field(package, "name").to_owned();
        let path = str_field(package, "manifest_path").replace('\\', "/");
        let is_domain = path.contains("/crates/domain/");
        let is_adapter = path.contains("/crates/adapters/");
        let is_app = path.contains("/apps/");
        let deps = package.get("dependencies").and_then(Value::as_array).cloned().unwrap_or_default();
        for dep in deps {
            // Dev-dependencies may use real I/O (tests talk to real databases).
            if str_field(&dep, "kind") == "dev" {
                continue;
            }
            let dep_name = str_field(&dep, "name");
            let features: Vec<&str> = dep
                .get("features")
                .and_then(Value::as_array)
                .map(|f| f.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if is_domain {
                if IO_CRATES.contains(&dep_name) || IO_PREFIXES.iter().any(|p| dep_name.starts_with(p)) {
                    violations.push(Violation {
                        package: name.clone(),
                        reason: format!("domain crate depends on I/O crate {dep_name}"),
                    });
                }
                if let Some(dep_path) = manifest_of(dep_name)
                    && !dep_path.contains("/crates/domain/")
                {
                    violations.push(Violation {
                        package: name.clone(),
                        reason: format!("domain crate depends on non-domain workspace crate {dep_name}"),
                    });
                }
                if dep_name == "tokio" && features.iter().any(|f| matches!(*f, "net" | "full")) {
                    violations.push(Violation {
                        package: name.clone(),
                        reason: "domain crate enables tokio's `net` feature".into(),
                    });
                }
            }
            if is_app
                && let Some(dep_path) = manifest_of(dep_name)
                && dep_path.contains("/crates/adapters/")
            {
                violations.push(Violation {
                    package: name.clone(),
                    reason: format!("app depends on adapter {dep_name} (build it in crates/runtime)"),
                });
            }
            if is_adapter && let Some(dep_path) = manifest_of(dep_name) {
                if dep_path.contains("/apps/") {
                    violations.push(Violation {
                        package: name.clone(),
                        reason: format!("adapter depends on app {dep_name}"),
                    });
                }
                if dep_path.contains("/crates/adapters/") && !dep_path.contains("/crates/adapters/crypto/") {
                    violations.push(Violation {
                        package: name.clone(),
                        reason: format!("adapter depends on another adapter {dep_name} (only crypto is shared)"),
                    });
                }
            }
        }
    }
    violations
}

/// Runs `cargo metadata` for the workspace around this crate and checks it.
///
/// # Errors
/// When cargo cannot be run or its output is not JSON.
pub fn check_workspace() -> Result<Vec<Violation>, String> {
    let mut violations = check(&workspace_metadata()?);
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let root = root.canonicalize().map_err(|e| format!("repository root: {e}"))?;
    violations.extend(paths::check_paths(&root));
    Ok(violations)
}

/// `cargo metadata --no-deps` of the workspace around this crate.
///
/// # Errors
/// When cargo cannot be run or its output is not JSON.
pub fn workspace_metadata() -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let output = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline", "--manifest-path", manifest])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn package(name: &str, path: &str, deps: Value) -> Value {
        json!({"name": name, "manifest_path": format!("/repo/{path}/Cargo.toml"), "dependencies": deps})
    }

    fn dep(name: &str, kind: Option<&str>, features: &[&str]) -> Value {
        json!({"name": name, "kind": kind, "features": features})
    }

    #[test]
    fn the_workspace_obeys_the_dependency_rules() {
        // The check must have seen the crates it guards, or it proves nothing.
        let metadata = workspace_metadata().expect("cargo metadata");
        let names: Vec<&str> =
            metadata["packages"].as_array().unwrap().iter().filter_map(|p| p["name"].as_str()).collect();
        for expected in [
            "frontdesk-kernel",
            "frontdesk-tenancy",
            "frontdesk-leads",
            "frontdesk-bookings",
            "frontdesk-receptionist",
            "frontdesk-integrations",
            "frontdesk-sea-orm",
            "frontdesk-redis",
            "frontdesk-api",
        ] {
            assert!(names.contains(&expected), "{expected} missing from cargo metadata: {names:?}");
        }
        let violations = check(&metadata);
        assert!(
            violations.is_empty(),
            "dependency rules broken:\n{}",
            violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        );
    }

    #[test]
    fn io_families_and_adapter_dependencies_in_the_domain_are_flagged() {
        let metadata = json!({"packages": [
            package("frontdesk-redis", "crates/adapters/redis", json!([])),
            package("frontdesk-leads", "crates/domain/leads", json!([
                dep("actix-multipart", None, &[]),
                dep("bb8-postgres", None, &[]),
                dep("frontdesk-redis", None, &[]),
            ])),
        ]});
        let reasons: Vec<String> = check(&metadata).into_iter().map(|v| v.reason).collect();
        assert_eq!(
            reasons,
            [
                "domain crate depends on I/O crate actix-multipart",
                "domain crate depends on I/O crate bb8-postgres",
                "domain crate depends on non-domain workspace crate frontdesk-redis",
            ]
        );
    }

    #[test]
    fn an_app_depending_on_an_adapter_is_flagged_but_not_in_its_tests() {
        let metadata = json!({"packages": [
            package("frontdesk-sea-orm", "crates/adapters/sea-orm", json!([])),
            package("frontdesk-runtime", "crates/runtime", json!([])),
            package("frontdesk-api", "apps/api", json!([
                dep("frontdesk-runtime", None, &[]),
                dep("frontdesk-sea-orm", None, &[]),
                dep("frontdesk-sea-orm", Some("dev"), &["testing"]),
            ])),
        ]});
        let reasons: Vec<String> = check(&metadata).into_iter().map(|v| v.reason).collect();
        assert_eq!(reasons, ["app depends on adapter frontdesk-sea-orm (build it in crates/runtime)"]);
    }

    #[test]
    fn a_domain_crate_using_sea_orm_is_flagged() {
        let metadata = json!({"packages": [package("frontdesk-leads", "crates/domain/leads", json!([dep("sea-orm", None, &[])]))]});
        assert_eq!(
            check(&metadata),
            [Violation {
                package: "frontdesk-leads".into(),
                reason: "domain crate depends on I/O crate sea-orm".into()
            }]
        );
    }

    #[test]
    fn tokio_with_net_in_the_domain_is_flagged_but_dev_dependencies_are_not() {
        let metadata = json!({"packages": [package("frontdesk-kernel", "crates/domain/kernel", json!([
            dep("tokio", None, &["net"]),
            dep("redis", Some("dev"), &[]),
            dep("tokio", Some("dev"), &["full"]),
        ]))]});
        let violations = check(&metadata);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0].reason.contains("net"));
    }

    #[test]
    fn an_adapter_depending_on_an_app_or_a_sibling_adapter_is_flagged() {
        let metadata = json!({"packages": [
            package("frontdesk-api", "apps/api", json!([])),
            package("frontdesk-crypto", "crates/adapters/crypto", json!([])),
            package("frontdesk-redis", "crates/adapters/redis", json!([])),
            package("frontdesk-sea-orm", "crates/adapters/sea-orm", json!([
                dep("frontdesk-api", None, &[]),
                dep("frontdesk-redis", None, &[]),
                dep("frontdesk-crypto", None, &[]),
            ])),
        ]});
        let reasons: Vec<String> = check(&metadata).into_iter().map(|v| v.reason).collect();
        assert_eq!(
            reasons,
            [
                "adapter depends on app frontdesk-api",
                "adapter depends on another adapter frontdesk-redis (only crypto is shared)"
            ]
        );
    }
}
