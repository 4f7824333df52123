//! A country (ISO 3166-1 alpha-2), as a tenant's setting.
//!
//! Its one job today is to say which region a *national* phone number is
//! read in ("(415) 555-0123" means +1 415… only for a tenant in `US`), so
//! the accepted codes are exactly the regions the phone-number metadata
//! knows; a code it does not know could not be used anyway.

use phonenumber::country::Id;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An ISO 3166-1 alpha-2 country code, upper-case (`US`, `GB`, `DE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country(Id);

impl Country {
    /// Accepts a two-letter code in any case, surrounding spaces ignored.
    ///
    /// # Errors
    /// A message saying what is expected.
    pub fn parse(input: &str) -> Result<Self, String> {
        let code = input.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err("must be a two-letter ISO 3166-1 country code (e.g. US, GB)".into());
        }
        Id::from_str(&code).map(Self).map_err(|_| format!("{code} is not a known country code"))
    }

    /// The code, upper-case.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }

    /// The phone-number library's region id, for parsing national numbers.
    #[must_use]
    pub const fn phone_region(self) -> Id {
        self.0
    }
}

impl TryFrom<String> for Country {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Country> for String {
    fn from(value: Country) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_known_codes_in_any_case() {
        assert_eq!(Country::parse(" us ").unwrap().as_str(), "US");
        assert_eq!(Country::parse("gb").unwrap().to_string(), "GB");
    }

    #[test]
    fn rejects_unknown_and_malformed_codes() {
        assert_eq!(Country::parse("XX").unwrap_err(), "XX is not a known country code");
        for bad in ["USA", "U", "1A", ""] {
            assert!(Country::parse(bad).unwrap_err().contains("two-letter"), "{bad}");
        }
    }
}
