//! Reading variables: every problem is collected, each naming its variable.

use std::collections::HashMap;
use std::time::Duration;

/// A variable map being read; `errors` holds one line per invalid variable.
pub(crate) struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    pub(crate) errors: Vec<String>,
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(vars: &'a HashMap<String, String>) -> Self {
        Self { vars, errors: Vec::new() }
    }

    /// The trimmed value; unset and blank are the same.
    pub(crate) fn raw(&self, name: &str) -> Option<&'a str> {
        self.vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Records a problem with `name`.
    pub(crate) fn error(&mut self, name: &str, problem: impl std::fmt::Display) {
        self.errors.push(format!("{name}: {problem}"));
    }

    pub(crate) fn parsed<T: std::str::FromStr>(&mut self, name: &str, default: T, expected: &str) -> T {
        match self.raw(name) {
            None => default,
            Some(value) => value.parse().unwrap_or_else(|_| {
                self.errors.push(format!("{name}: expected {expected}, got {value:?}"));
                default
            }),
        }
    }

    /// A count that must be at least 1.
    pub(crate) fn positive<T: std::str::FromStr + PartialEq + From<u8>>(
        &mut self,
        name: &str,
        default: T,
        expected: &str,
    ) -> T {
        let value = self.parsed(name, default, expected);
        if value == T::from(0) {
            self.error(name, "must be at least 1");
        }
        value
    }

    pub(crate) fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.raw(name).map(str::to_ascii_lowercase).as_deref() {
            None => default,
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(other) => {
                self.errors.push(format!("{name}: expected true or false, got {other:?}"));
                default
            }
        }
    }

    pub(crate) fn seconds(&mut self, name: &str, default: u64) -> Duration {
        Duration::from_secs(self.parsed(name, default, "a number of seconds"))
    }

    /// A number of days (at least 1).
    pub(crate) fn days(&mut self, name: &str, default: u64) -> Duration {
        let days = self.positive(name, default, "a number of days");
        Duration::from_secs(days.saturating_mul(24 * 3600))
    }
}
