//! Integrations: a tenant's connection to an outside system.
//!
//! The status lifecycle is `pending → active ⇄ error → disconnected`:
//!
//! * `pending`: created, credentials not yet verified; becomes `active`
//!   once the first call succeeds;
//! * `active` and `error` alternate as calls fail and recover;
//! * any status may go to `disconnected` (the tenant removed it, or the
//!   provider revoked access), and `disconnected` is terminal: reconnecting
//!   creates a new integration with fresh credentials.
//!
//! A `pending` integration cannot go straight to `error`: until it has
//! worked once there is nothing to recover, and it simply stays pending.
//! Staying on the same status is not a transition.

use frontdesk_kernel::string_enum;

use crate::error::IntegrationsError;
use crate::secret::SealedSecret;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{TenantId, ValidationErrors, define_id};
use frontdesk_leads::JsonObject;

define_id!(
    /// An integration.
    IntegrationId,
    "integration id"
);

string_enum!(
    /// Which outside system an integration talks to.
    IntegrationKind, "integration kind" {
        /// The GoHighLevel CRM.
        GoHighLevel => "gohighlevel",
        /// Google Calendar (bookings mirrored as events).
        GoogleCalendar => "google_calendar",
        /// A tenant-defined HTTPS webhook.
        Webhook => "webhook",
    }
);

string_enum!(
    /// Where an integration is in its lifecycle (see the module docs).
    IntegrationStatus, "integration status" {
        /// Created; not yet verified.
        Pending => "pending",
        /// Working.
        Active => "active",
        /// Failing; retried until it recovers or is disconnected.
        Error => "error",
        /// Removed or revoked; terminal.
        Disconnected => "disconnected",
    }
);

impl IntegrationStatus {
    /// Whether an integration in `self` may move to `to`.
    #[must_use]
    pub const fn can_transition_to(self, to: Self) -> bool {
        matches!(
            (self, to),
            (Self::Pending, Self::Active)
                | (Self::Active, Self::Error)
                | (Self::Error, Self::Active)
                | (Self::Pending | Self::Active | Self::Error, Self::Disconnected)
        )
    }
}

/// A tenant's integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Integration {
    /// Its id.
    pub id: IntegrationId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Which system.
    pub kind: IntegrationKind,
    /// Shown in the dashboard, 1–120 characters.
    pub name: String,
    /// Where it is in its lifecycle.
    pub status: IntegrationStatus,
    /// Non-secret configuration (calendar id, webhook URL); a JSON object ≤ 16 KiB.
    pub settings: JsonObject,
    /// Credentials, encrypted.
    pub sealed_credentials: SealedSecret,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Raw input for a new integration (the credentials are sealed separately).
#[derive(Clone, Debug, Default)]
pub struct NewIntegration {
    /// `gohighlevel`, `google_calendar` or `webhook`.
    pub kind: String,
    /// Display name.
    pub name: String,
    /// Settings object (`{}` when absent).
    pub settings: Option<serde_json::Value>,
}

impl Integration {
    /// Longest name, in characters.
    pub const MAX_NAME_CHARS: usize = 120;

    /// Validates `input` and builds a `pending` integration created at `now`.
    ///
    /// # Errors
    /// Every invalid field (`kind`, `name`, `settings`).
    pub fn create(
        tenant_id: TenantId,
        input: NewIntegration,
        sealed_credentials: SealedSecret,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let kind = errors.check("kind", input.kind.trim().parse::<IntegrationKind>());
        let name = input.name.trim();
        if name.is_empty() {
            errors.add("name", "is required");
        } else if name.chars().count() > Self::MAX_NAME_CHARS {
            errors.add("name", format!("must be at most {} characters", Self::MAX_NAME_CHARS));
        }
        let settings =
            errors.check("settings", input.settings.map_or_else(|| Ok(JsonObject::default()), JsonObject::parse));
        match (kind, settings) {
            (Some(kind), Some(settings)) if errors.is_empty() => Ok(Self {
                id: IntegrationId::new(),
                tenant_id,
                kind,
                name: name.to_owned(),
                status: IntegrationStatus::Pending,
                settings,
                sealed_credentials,
                created_at: now,
                updated_at: now,
            }),
            _ => Err(errors),
        }
    }

    /// Moves the integration to `to` at `now`.
    ///
    /// # Errors
    /// `InvalidTransition` when the lifecycle forbids it.
    pub fn transition(&mut self, to: IntegrationStatus, now: DateTime<Utc>) -> Result<(), IntegrationsError> {
        if !self.status.can_transition_to(to) {
            return Err(IntegrationsError::InvalidTransition { from: self.status, to });
        }
        self.status = to;
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntegrationStatus::{Active, Disconnected, Error, Pending};
    use serde_json::json;

    #[test]
    fn every_lifecycle_edge_follows_the_documented_rule() {
        let table = [
            (Pending, [false, true, false, true]),
            (Active, [false, false, true, true]),
            (Error, [false, true, false, true]),
            (Disconnected, [false, false, false, false]),
        ];
        for (from, row) in table {
            for (to, expected) in IntegrationStatus::ALL.iter().zip(row) {
                assert_eq!(from.can_transition_to(*to), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn creates_a_pending_integration() {
        let now = Utc::now();
        let input = NewIntegration {
            kind: "google_calendar".into(),
            name: " Team calendar ".into(),
            settings: Some(json!({"calendarId": "primary"})),
        };
        let integration = Integration::create(TenantId::new(), input, SealedSecret::default(), now).unwrap();
        assert_eq!((integration.kind, integration.status), (IntegrationKind::GoogleCalendar, Pending));
        assert_eq!(integration.name, "Team calendar");
        assert_eq!(integration.settings.get("calendarId"), Some(&json!("primary")));
        assert_eq!((integration.created_at, integration.updated_at), (now, now));
    }

    #[test]
    fn reports_every_bad_field() {
        let input = NewIntegration { kind: "zapier".into(), name: "n".repeat(121), settings: Some(json!(1)) };
        let errors = Integration::create(TenantId::new(), input, SealedSecret::default(), Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "name", "settings"]);
        assert!(errors.messages()[0].contains("gohighlevel, google_calendar, webhook"));
    }

    #[test]
    fn transition_updates_the_timestamp_or_refuses_without_changing_anything() {
        let t0 = Utc::now();
        let input = NewIntegration { kind: "webhook".into(), name: "Zap".into(), settings: None };
        let mut integration = Integration::create(TenantId::new(), input, SealedSecret::default(), t0).unwrap();
        let t1 = t0 + chrono::Duration::minutes(1);
        integration.transition(Disconnected, t1).unwrap();
        assert_eq!((integration.status, integration.updated_at), (Disconnected, t1));
        let err = integration.transition(Active, t1 + chrono::Duration::minutes(1)).unwrap_err();
        assert!(matches!(err, IntegrationsError::InvalidTransition { from: Disconnected, to: Active }));
        assert_eq!(integration.updated_at, t1);
    }

    #[test]
    fn debug_output_redacts_the_credentials() {
        let input = NewIntegration { kind: "gohighlevel".into(), name: "CRM".into(), settings: None };
        let sealed = SealedSecret::from_bytes(b"top-secret".to_vec());
        let integration = Integration::create(TenantId::new(), input, sealed, Utc::now()).unwrap();
        assert!(format!("{integration:?}").contains("sealed_credentials: SealedSecret(<redacted 10 bytes>)"));
    }
}
