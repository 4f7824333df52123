//! The `{{ variable }}` placeholder syntax every tenant-written text uses:
//! the receptionist's prompt templates and the booking messages.
//!
//! Placeholders are `{{`, optional whitespace, a dotted identifier
//! (`lead.firstName`), optional whitespace, `}}`. Parsing never fails:
//! malformed placeholders become [`Piece::Invalid`] with a message naming
//! the character offset, so validation can report them and rendering can
//! keep them as written. Rendering is one pass: an inserted value is never
//! scanned again, so a lead who types `{{business.name}}` as their name
//! cannot expand anything the template did not ask for.

use std::borrow::Cow;

/// One piece of a body, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text.
    Text(&'a str),
    /// A well-formed placeholder (the name, trimmed).
    Variable(&'a str),
    /// Malformed placeholder text, kept literally when rendering; `problem` says what and where.
    Invalid {
        /// The text as written.
        raw: &'a str,
        /// The message for the `body` field.
        problem: String,
    },
}

/// Longest placeholder text quoted back in an error message, in characters.
const MAX_QUOTED_CHARS: usize = 40;

/// Splits `body` into pieces. Never fails: malformed placeholders become
/// [`Piece::Invalid`], so validation can report them and rendering can keep them as text.
pub fn pieces(body: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut cursor = 0;
    while let Some(found) = body[cursor..].find("{{") {
        let open = cursor + found;
        if open > cursor {
            pieces.push(Piece::Text(&body[cursor..open]));
        }
        let inner_start = open + 2;
        let close = body[inner_start..].find("}}").map(|i| inner_start + i);
        let reopen = body[inner_start..].find("{{").map(|i| inner_start + i);
        let at = body[..open].chars().count();
        match close {
            Some(close) if reopen.is_none_or(|reopen| reopen > close) => {
                let raw = &body[open..close + 2];
                let name = body[inner_start..close].trim();
                pieces.push(if name.is_empty() {
                    Piece::Invalid { raw, problem: format!("has an empty placeholder at character offset {at}") }
                } else if is_dotted_identifier(name) {
                    Piece::Variable(name)
                } else {
                    let mut quoted: String = raw.chars().take(MAX_QUOTED_CHARS).collect();
                    if raw.chars().count() > MAX_QUOTED_CHARS {
                        quoted.push('…');
                    }
                    Piece::Invalid {
                        raw,
                        problem: format!(
                            "has an invalid placeholder {quoted} at character offset {at}: \
                             a name is a dotted identifier such as lead.firstName"
                        ),
                    }
                });
                cursor = close + 2;
            }
            _ => {
                let end = reopen.unwrap_or(body.len());
                pieces.push(Piece::Invalid {
                    raw: &body[open..end],
                    problem: format!("has an unclosed {{{{ at character offset {at}"),
                });
                cursor = end;
            }
        }
    }
    if cursor < body.len() {
        pieces.push(Piece::Text(&body[cursor..]));
    }
    pieces
}

/// `lead.firstName`: identifiers (a letter or `_`, then letters, digits or `_`) joined by dots.
pub fn is_dotted_identifier(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// `body` with every well-formed placeholder replaced by `value(name)`, in one pass.
#[must_use]
pub fn render<'a>(body: &str, value: impl Fn(&str) -> Cow<'a, str>) -> String {
    let mut out = String::with_capacity(body.len());
    for piece in pieces(body) {
        match piece {
            Piece::Text(text) | Piece::Invalid { raw: text, .. } => out.push_str(text),
            Piece::Variable(name) => out.push_str(&value(name)),
        }
    }
    out
}

/// The distinct variable names of `body`, in first-appearance order.
///
/// # Errors
/// The first malformed placeholder, with its offset.
pub fn variables(body: &str) -> Result<Vec<&str>, String> {
    let mut names: Vec<&str> = Vec::new();
    for piece in pieces(body) {
        match piece {
            Piece::Text(_) => {}
            Piece::Invalid { problem, .. } => return Err(problem),
            Piece::Variable(name) => {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    Ok(names)
}

/// Checks `body` against the names in `known`: the first syntax error, or
/// one message listing every unknown name.
///
/// # Errors
/// The problem, worded for the field that holds the body.
pub fn check(body: &str, known: &[&str]) -> Result<(), String> {
    let unknown: Vec<&str> = variables(body)?.into_iter().filter(|name| !known.contains(name)).collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!("unknown variables: {} (known: {})", unknown.join(", "), known.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_in_one_pass_and_keeps_malformed_text() {
        let value = |name: &str| Cow::Owned(if name == "a" { "{{b}}".to_owned() } else { "B".to_owned() });
        assert_eq!(render("x {{ a }} {{b}} {{ bad name }} {{open", value), "x {{b}} B {{ bad name }} {{open");
    }

    #[test]
    fn check_names_the_first_syntax_error_or_every_unknown_name() {
        assert_eq!(check("Hi {{lead.name}}", &["lead.name"]), Ok(()));
        assert!(check("Hi {{lead.name", &["lead.name"]).unwrap_err().contains("unclosed {{ at character offset 3"));
        let unknown = check("{{a}} {{b}} {{a}} {{c}}", &["c"]).unwrap_err();
        assert!(unknown.starts_with("unknown variables: a, b (known: c)"), "{unknown}");
    }
}
