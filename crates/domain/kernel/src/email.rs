//! Email addresses, shared by tenancy (logins) and leads (contacts).
//!
//! One parser, so a user's email and a lead's email are normalised the same
//! way: trimmed and lower-cased, which makes uniqueness a plain equality
//! check in every backend.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An email address, trimmed and lower-cased, so uniqueness is case-insensitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses and normalizes an address.
    ///
    /// # Errors
    /// A message saying what is wrong, when it is not a plausible address.
    pub fn parse(input: &str) -> Result<Self, String> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err("is required".into());
        }
        if email.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("not a valid email".into());
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok { Ok(Self(email)) } else { Err("not a valid email".into()) }
    }

    /// The normalized address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(EmailAddress::parse("  Ana.Lopez@Example.COM ").expect("valid").as_str(), "ana.lopez@example.com");
    }

    #[test]
    fn email_rejects_malformed_addresses() {
        for bad in ["", "plain", "@example.com", "a@", "a@localhost", "a b@example.com", "a..b@example.com", "a@-x.com"]
        {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
