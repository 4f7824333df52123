//! Value types that parse, rather than validate: a [`PhoneNumber`] or
//! [`EmailAddress`] you hold is already normalized, so per-tenant
//! uniqueness is a plain equality check in every backend.
//!
//! Phone numbers are strict E.164 for now (`+`, then 8–15 digits, the first
//! non-zero, after stripping spaces, dashes, dots and parentheses). A later
//! issue swaps in a real phone-number library with a per-tenant default
//! region; only [`PhoneNumber::parse`] changes then.
//!
//! [`EmailAddress`] is the kernel's, the same parser tenancy uses for
//! logins. [`JsonObject`] is the bounded free-form JSON used for lead
//! metadata, and reused by the receptionist and integrations crates.

pub use frontdesk_kernel::EmailAddress;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number in E.164 form (`+14155550123`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Fewest digits after the `+`.
    pub const MIN_DIGITS: usize = 8;
    /// Most digits after the `+` (the E.164 maximum).
    pub const MAX_DIGITS: usize = 15;

    /// Strips spaces, dashes, dots and parentheses, then requires strict E.164.
    ///
    /// # Errors
    /// A message naming the expected form.
    pub fn parse(input: &str) -> Result<Self, String> {
        let compact: String =
            input.chars().filter(|c| !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')'))).collect();
        if compact.is_empty() {
            return Err("is required".into());
        }
        let valid = compact.strip_prefix('+').is_some_and(|digits| {
            (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0')
        });
        if valid {
            Ok(Self(compact))
        } else {
            Err("must be an international number: + and country code, 8 to 15 digits (e.g. +14155550123)".into())
        }
    }

    /// The E.164 string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A lead's display name: trimmed, 1–200 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LeadName(String);

impl LeadName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 200;

    /// Trims and checks the length.
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

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LeadName {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LeadName> for String {
    fn from(value: LeadName) -> Self {
        value.0
    }
}

/// A JSON object of at most 16 KiB serialized: free-form data that must
/// stay small enough to load with every row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value", into = "serde_json::Value")]
pub struct JsonObject(serde_json::Map<String, serde_json::Value>);

impl JsonObject {
    /// Largest accepted size, in bytes of compact JSON.
    pub const MAX_BYTES: usize = 16 * 1024;

    /// Accepts an object whose compact serialization fits [`Self::MAX_BYTES`].
    ///
    /// # Errors
    /// When `value` is not an object, or is too large.
    pub fn parse(value: serde_json::Value) -> Result<Self, String> {
        let serde_json::Value::Object(map) = value else {
            return Err("must be a JSON object".into());
        };
        let size = serde_json::to_vec(&map).map_or(usize::MAX, |bytes| bytes.len());
        if size > Self::MAX_BYTES {
            return Err(format!("must be at most {} bytes of JSON", Self::MAX_BYTES));
        }
        Ok(Self(map))
    }

    /// The fields.
    #[must_use]
    pub fn as_map(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.0
    }

    /// The field `key`, if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }

    /// The object as a JSON value, for storage.
    #[must_use]
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.clone())
    }
}

impl Default for JsonObject {
    fn default() -> Self {
        Self(serde_json::Map::new())
    }
}

impl TryFrom<serde_json::Value> for JsonObject {
    type Error = String;
    fn try_from(value: serde_json::Value) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<JsonObject> for serde_json::Value {
    fn from(value: JsonObject) -> Self {
        Self::Object(value.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phone_strips_separators_and_keeps_e164() {
        let phone = PhoneNumber::parse(" +1 (415) 555-01.23 ").unwrap();
        assert_eq!(phone.as_str(), "+14155550123");
    }

    #[test]
    fn phone_accepts_eight_to_fifteen_digits() {
        assert!(PhoneNumber::parse("+12345678").is_ok());
        assert!(PhoneNumber::parse("+123456789012345").is_ok());
        assert!(PhoneNumber::parse("+1234567").is_err());
        assert!(PhoneNumber::parse("+1234567890123456").is_err());
    }

    #[test]
    fn phone_rejects_national_formats_and_junk() {
        for bad in ["4155550123", "+04155550123", "+1415555012a", "++14155550123", "00 1 415 555 0123"] {
            assert!(PhoneNumber::parse(bad).unwrap_err().contains("international"), "{bad:?} should be rejected");
        }
        assert_eq!(PhoneNumber::parse(" - ").unwrap_err(), "is required");
    }

    #[test]
    fn lead_name_is_trimmed_and_bounded() {
        assert_eq!(LeadName::parse("  Ana Lopez ").unwrap().as_str(), "Ana Lopez");
        assert_eq!(LeadName::parse("   ").unwrap_err(), "is required");
        assert!(LeadName::parse(&"é".repeat(200)).is_ok());
        assert!(LeadName::parse(&"é".repeat(201)).is_err());
        assert!(LeadName::parse("bad\u{7}name").is_err());
    }

    #[test]
    fn json_object_must_be_an_object_of_at_most_16_kib() {
        assert!(JsonObject::parse(json!({"utm": "ads"})).is_ok());
        assert_eq!(JsonObject::parse(json!([1, 2])).unwrap_err(), "must be a JSON object");
        let fits = "x".repeat(JsonObject::MAX_BYTES - r#"{"k":""}"#.len());
        assert!(JsonObject::parse(json!({ "k": fits })).is_ok());
        let too_big = "x".repeat(JsonObject::MAX_BYTES);
        assert!(JsonObject::parse(json!({ "k": too_big })).unwrap_err().contains("16384 bytes"));
    }

    #[test]
    fn values_deserialize_through_their_parsers() {
        let phone: PhoneNumber = serde_json::from_value(json!("+44 20 7946 0958")).unwrap();
        assert_eq!(phone.as_str(), "+442079460958");
        assert!(serde_json::from_value::<PhoneNumber>(json!("020 7946 0958")).is_err());
        assert!(serde_json::from_value::<JsonObject>(json!("text")).is_err());
    }
}
