//! Lead value types that parse, rather than validate.
//!
//! The values other domains share — [`PhoneNumber`], [`EmailAddress`],
//! [`JsonObject`] — are the kernel's (bookings, the receptionist and
//! integrations hold them without depending on leads); they are re-exported
//! here so lead code names them in one place. [`LeadName`] is the leads' own.

pub use frontdesk_kernel::{EmailAddress, JsonObject, PhoneNumber};

frontdesk_kernel::bounded_text!(
    /// A lead's display name: trimmed, 1–200 characters, no control characters.
    LeadName,
    200
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_name_is_trimmed_and_bounded() {
        assert_eq!(LeadName::parse("  Ana Lopez ").unwrap().as_str(), "Ana Lopez");
        assert_eq!(LeadName::parse("   ").unwrap_err(), "is required");
        assert!(LeadName::parse(&"é".repeat(200)).is_ok());
        assert!(LeadName::parse(&"é".repeat(201)).is_err());
        assert!(LeadName::parse("bad\u{7}name").is_err());
    }
}
