//! The tenant ("sub-account"): one business whose data is isolated from every other.

use crate::values::{TenantName, TimeZone};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{Country, TenantId, ValidationErrors};

/// A sub-account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// The business's name.
    pub name: TenantName,
    /// The zone business hours and availability are expressed in.
    pub timezone: TimeZone,
    /// Where the business is: national phone numbers of its leads are read
    /// in this country. `None` means numbers must be international.
    pub country: Option<Country>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Raw input for a new tenant, as a client sent it.
#[derive(Clone, Debug, Default)]
pub struct NewTenant {
    /// Name, 1–120 characters.
    pub name: String,
    /// IANA time zone; `UTC` when absent.
    pub timezone: Option<String>,
    /// ISO 3166-1 alpha-2 country code; none when absent or blank.
    pub country: Option<String>,
}

impl Tenant {
    /// Validates `input` and builds a tenant created at `now`.
    ///
    /// # Errors
    /// Every invalid field (`name`, `timezone`, `country`).
    pub fn create(input: NewTenant, now: DateTime<Utc>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", TenantName::parse(&input.name));
        let timezone = errors.check("timezone", TimeZone::parse(input.timezone.as_deref().unwrap_or("UTC")));
        let country = errors.check("country", parse_country(input.country.as_deref()));
        match (name, timezone, country) {
            (Some(name), Some(timezone), Some(country)) if errors.is_empty() => {
                Ok(Self { id: TenantId::new(), name, timezone, country, created_at: now, updated_at: now })
            }
            _ => Err(errors),
        }
    }
}

/// An optional country: absent or blank is `None`.
///
/// # Errors
/// When the code is not a known ISO 3166-1 alpha-2 code.
pub fn parse_country(raw: Option<&str>) -> Result<Option<Country>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(code) => Country::parse(code).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_tenant_defaulting_to_utc() {
        let now = Utc::now();
        let tenant = Tenant::create(
            NewTenant { name: " Acme Roofing ".into(), timezone: None, country: Some("us".into()) },
            now,
        )
        .expect("valid");
        assert_eq!(tenant.name.as_str(), "Acme Roofing");
        assert_eq!(tenant.timezone.name(), "UTC");
        assert_eq!(tenant.country.map(|c| c.to_string()).as_deref(), Some("US"));
        assert_eq!(tenant.created_at, now);
    }

    #[test]
    fn reports_every_invalid_field() {
        let errors = Tenant::create(
            NewTenant { name: String::new(), timezone: Some("Nowhere".into()), country: Some("ZZ".into()) },
            Utc::now(),
        )
        .unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "timezone", "country"]);
    }
}
