//! Text that is safe to store: no NUL and no other control characters.
//!
//! PostgreSQL refuses NUL in `text` and `jsonb` (the statement fails, which
//! used to surface as a 500 and made a whole import retry and die), and
//! other C0 controls in names and notes only serve to hide or forge text in
//! logs and exports. Tab, line feed and carriage return stay allowed: notes
//! and template bodies span lines. The api checks every JSON body and query
//! string with these; domain values check again, so imports and any other
//! path into storage get the same rule with the row and field named.

use serde_json::Value;

/// The first forbidden character of `text` (C0 controls except tab, LF, CR; and DEL).
#[must_use]
pub fn forbidden_control(text: &str) -> Option<char> {
    text.chars().find(|c| c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// `text` without the forbidden characters: what a vendor relays from a
/// caller (speech, a text, an email) is kept, minus what cannot be stored —
/// answering the vendor 400 would only make it retry the same message.
#[must_use]
pub fn strip_controls(text: &str) -> String {
    text.chars().filter(|c| !c.is_ascii_control() || matches!(c, '\t' | '\n' | '\r')).collect()
}

/// `Err` naming the character when `text` holds a forbidden control character.
///
/// # Errors
/// A message fit for a [`crate::ValidationErrors`] entry.
pub fn check_text(text: &str) -> Result<(), String> {
    match forbidden_control(text) {
        None => Ok(()),
        Some(c) => Err(format!(
            "must not contain control characters (found U+{:04X}); only tab and line breaks are allowed",
            u32::from(c)
        )),
    }
}

/// Every string and key inside `value` that holds a forbidden character, as
/// `(path, message)` with dotted paths below `root` (`metadata.note`, `tags.2`).
#[must_use]
pub fn json_problems(value: &Value, root: &str) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    walk(value, root, &mut problems);
    problems
}

fn join(root: &str, key: &str) -> String {
    if root.is_empty() { key.to_owned() } else { format!("{root}.{key}") }
}

fn walk(value: &Value, path: &str, problems: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            if let Err(message) = check_text(s) {
                problems.push((if path.is_empty() { "body".to_owned() } else { path.to_owned() }, message));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &join(path, &i.to_string()), problems);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let shown: String = key.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
                let child = join(path, &shown);
                if let Err(message) = check_text(key) {
                    problems.push((child.clone(), format!("key {message}")));
                }
                walk(item, &child, problems);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Declares a trimmed, length-bounded text value (a name, a title): 1 to
/// `$max` characters after trimming, no control character at all, with
/// serde going through the parser. Used by every domain crate so all such
/// values accept and refuse the same input with the same messages.
#[macro_export]
macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, $max:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims and checks the length (1 to `MAX_CHARS` characters, no control characters).
            ///
            /// # Errors
            /// A message saying what is wrong.
            pub fn parse(input: &str) -> Result<Self, String> {
                let value = input.trim();
                if value.is_empty() {
                    return Err("is required".into());
                }
                if value.chars().count() > Self::MAX_CHARS {
                    return Err(format!("must be at most {} characters", Self::MAX_CHARS));
                }
                if value.chars().any(char::is_control) {
                    return Err("must not contain control characters".into());
                }
                Ok(Self(value.to_owned()))
            }

            /// The text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_and_c0_controls_are_refused_but_tab_and_line_breaks_are_not() {
        assert!(check_text("two\tcolumns\r\nand lines").is_ok());
        for bad in ["a\0b", "\u{1}", "bell\u{7}", "esc\u{1b}[31m", "del\u{7f}"] {
            assert!(check_text(bad).is_err(), "{bad:?}");
        }
        assert!(check_text("a\0b").unwrap_err().contains("U+0000"));
    }

    #[test]
    fn every_bad_string_and_key_is_named_by_its_path() {
        let body = json!({
            "name": "ok",
            "notes": "nul\u{0}here",
            "metadata": {"k\u{0}ey": "v", "deep": {"list": ["fine", "bad\u{1}"]}},
        });
        let mut paths: Vec<String> = json_problems(&body, "").into_iter().map(|(p, _)| p).collect();
        paths.sort();
        assert_eq!(paths, ["metadata.deep.list.1", "metadata.k?ey", "notes"]);
    }

    #[test]
    fn every_code_point_is_classified_as_the_rule_says() {
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            let forbidden = (c <= '\u{1f}' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}';
            assert_eq!(check_text(&format!("a{c}b")).is_err(), forbidden, "U+{:04X}", u32::from(c));
        }
    }
}
