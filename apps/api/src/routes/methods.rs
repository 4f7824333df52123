//! Which methods each route accepts, for `405 Method Not Allowed` + `Allow`.
//!
//! actix matches a route by path *and* method, so a known path with the
//! wrong method would fall through to the 404 default service. The table
//! here is built from the OpenAPI document — itself collected from the
//! routes the server mounts — so it cannot drift from what is served.

use serde_json::Value;

/// The methods of the OpenAPI path-item keys, upper-cased.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Path templates (`/api/v1/leads/{id}`) and the methods each accepts.
#[derive(Debug, Default)]
pub struct AllowedMethods {
    routes: Vec<(Vec<Segment>, Vec<String>)>,
}

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param,
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .trim_matches('/')
        .split('/')
        .map(|s| if s.starts_with('{') && s.ends_with('}') { Segment::Param } else { Segment::Literal(s.to_owned()) })
        .collect()
}

impl AllowedMethods {
    /// From the `paths` of an OpenAPI document, plus routes served outside it.
    #[must_use]
    pub fn from_document(doc: &Value, extra: &[(&str, &[&str])]) -> Self {
        let mut routes = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for (template, item) in paths {
                let methods: Vec<String> =
                    METHODS.iter().filter(|m| item.get(**m).is_some()).map(|m| m.to_ascii_uppercase()).collect();
                routes.push((segments(template), methods));
            }
        }
        for (template, methods) in extra {
            routes.push((segments(template), methods.iter().map(|m| (*m).to_owned()).collect()));
        }
        Self { routes }
    }

    /// The `Allow` value for `path` when a route has this path (`GET, POST`), `None` for an unknown path.
    #[must_use]
    pub fn allow(&self, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        // The router prefers literal segments (`/leads/import` over `/leads/{id}`):
        // only the templates with the most literal matches name this path's methods.
        let mut best = None;
        let mut allowed: Vec<&str> = Vec::new();
        for (template, methods) in &self.routes {
            let matches = template.len() == parts.len()
                && template.iter().zip(&parts).all(|(seg, part)| match seg {
                    Segment::Param => !part.is_empty(),
                    Segment::Literal(lit) => lit == part,
                });
            if !matches {
                continue;
            }
            let literals = template.iter().filter(|s| matches!(s, Segment::Literal(_))).count();
            if best.is_none_or(|b| literals > b) {
                best = Some(literals);
                allowed.clear();
            }
            if best == Some(literals) {
                allowed.extend(methods.iter().map(String::as_str));
            }
        }
        allowed.sort_unstable();
        allowed.dedup();
        (!allowed.is_empty()).then(|| allowed.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_paths_list_their_methods_and_unknown_paths_none() {
        let doc = json!({"paths": {
            "/api/v1/leads": {"get": {}, "post": {}},
            "/api/v1/leads/{id}": {"get": {}, "patch": {}, "delete": {}},
            "/api/v1/leads/import": {"post": {}},
        }});
        let table = AllowedMethods::from_document(&doc, &[("/openapi.json", &["GET"])]);
        assert_eq!(table.allow("/api/v1/leads").as_deref(), Some("GET, POST"));
        assert_eq!(table.allow("/api/v1/leads/abc").as_deref(), Some("DELETE, GET, PATCH"));
        // A literal segment beats a parameter, as in the router.
        assert_eq!(table.allow("/api/v1/leads/import").as_deref(), Some("POST"));
        assert_eq!(table.allow("/openapi.json").as_deref(), Some("GET"));
        assert_eq!(table.allow("/api/v1/nothing"), None);
        assert_eq!(table.allow("/api/v1/leads/a/b"), None);
    }
}
