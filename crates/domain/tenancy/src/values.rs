//! Value types that parse, rather than validate: once you hold an
//! [`EmailAddress`] (shared with leads, from the kernel) it is normalized
//! and well-formed, forever.

pub use frontdesk_kernel::EmailAddress;

use std::fmt;

/// A plain-text password that meets the policy. Never logged: `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Bcrypt ignores everything after 72 bytes, so longer passwords are refused
    /// rather than silently truncated.
    pub const MAX_BYTES: usize = 72;

    /// Checks the policy: at least 8 characters with an upper-case letter,
    /// a lower-case letter and a digit; at most 72 bytes.
    ///
    /// # Errors
    /// A message listing what is missing.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut missing = Vec::new();
        if input.chars().count() < 8 {
            missing.push("at least 8 characters");
        }
        if !input.chars().any(char::is_uppercase) {
            missing.push("an upper-case letter");
        }
        if !input.chars().any(char::is_lowercase) {
            missing.push("a lower-case letter");
        }
        if !input.chars().any(|c| c.is_ascii_digit()) {
            missing.push("a digit");
        }
        if input.len() > Self::MAX_BYTES {
            return Err(format!("must be at most {} bytes", Self::MAX_BYTES));
        }
        if missing.is_empty() { Ok(Self(input.to_owned())) } else { Err(format!("needs {}", missing.join(", "))) }
    }

    /// The secret itself, for the hasher only.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

frontdesk_kernel::bounded_text!(
    /// A person's display name (1–200 characters).
    PersonName,
    200
);
frontdesk_kernel::bounded_text!(
    /// A sub-account's name (1–120 characters).
    TenantName,
    120
);

/// An IANA time zone (`Europe/Paris`); availability is computed in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// Parses an IANA name.
    ///
    /// # Errors
    /// A message naming the accepted form.
    pub fn parse(input: &str) -> Result<Self, String> {
        input
            .trim()
            .parse::<chrono_tz::Tz>()
            .map(Self)
            .map_err(|_| format!("{input:?} is not an IANA time zone such as \"America/New_York\""))
    }

    /// The zone.
    #[must_use]
    pub const fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    /// The IANA name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_lists_everything_missing() {
        let err = Password::parse("abc").unwrap_err();
        assert_eq!(err, "needs at least 8 characters, an upper-case letter, a digit");
        assert!(Password::parse("Secret123").is_ok());
    }

    #[test]
    fn password_over_72_bytes_is_refused_not_truncated() {
        let long = format!("Aa1{}", "x".repeat(70));
        assert!(Password::parse(&long).unwrap_err().contains("72 bytes"));
    }

    #[test]
    fn password_debug_never_shows_the_secret() {
        let password = Password::parse("Secret123").expect("valid");
        assert!(!format!("{password:?}").contains("Secret"));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ana ").expect("valid").as_str(), "Ana");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(201)).is_err());
        assert!(TenantName::parse(&"x".repeat(120)).is_ok());
        assert!(TenantName::parse("bad\u{0}name").is_err());
    }

    #[test]
    fn time_zone_must_be_iana() {
        assert_eq!(TimeZone::parse("Europe/Paris").expect("valid").name(), "Europe/Paris");
        assert!(TimeZone::parse("Mars/Olympus").unwrap_err().contains("IANA"));
    }
}
