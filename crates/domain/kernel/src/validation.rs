//! Field-level validation errors.
//!
//! Constructors collect *every* problem before failing, so an API client
//! fixing a form sees all bad fields at once (`["email: …", "name: …"]`)
//! instead of one per round trip.

use std::fmt;

/// One invalid field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field as the client named it (camelCase, dotted for nested fields).
    pub field: String,
    /// What to fix, in plain words.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A non-empty list of field errors.
#[derive(Clone, Debug, Default, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    /// An empty collector.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A single error.
    #[must_use]
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// Records a problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }

    /// Runs `check` and records its error under `field`, returning the value on success.
    pub fn check<T, E: fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.add(field, err.to_string());
                None
            }
        }
    }

    /// Merges another collector into this one.
    pub fn extend(&mut self, other: ValidationErrors) {
        self.0.extend(other.0);
    }

    /// True when nothing was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The recorded errors.
    #[must_use]
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok(())` when empty, otherwise `Err(self)`.
    ///
    /// # Errors
    /// Returns the collected errors when there is at least one.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The errors as `field: message` lines, the API's `message` array.
    #[must_use]
    pub fn messages(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.messages().join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_field_in_order() {
        let mut errors = ValidationErrors::new();
        errors.add("email", "not a valid email");
        let name: Option<u8> = errors.check("name", "x".parse::<u8>());
        assert!(name.is_none());
        assert_eq!(errors.errors().len(), 2);
        assert_eq!(errors.messages()[0], "email: not a valid email");
        assert!(errors.messages()[1].starts_with("name: "));
        assert!(errors.into_result().is_err());
    }

    #[test]
    fn empty_collector_is_ok() {
        assert_eq!(ValidationErrors::new().into_result(), Ok(()));
    }
}
