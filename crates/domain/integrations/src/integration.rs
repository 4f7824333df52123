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
//! Staying on the same status is not a transition. Changing an
//! integration's settings (not its name) sends it back to `pending`: the
//! new credentials are used only once a check succeeds with them.

use frontdesk_kernel::string_enum;

use crate::error::IntegrationsError;
use crate::secret::SealedSecret;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{JsonObject, TenantId, define_id};

define_id!(
    /// An integration.
    IntegrationId,
    "integration id"
);

string_enum!(
    /// Which outside system an integration talks to.
    IntegrationKind, "integration kind" {
        /// The GoHighLevel CRM (contacts, appointments, busy times).
        GoHighLevel => "gohighlevel",
        /// Google Calendar (busy times in, bookings out as events).
        GoogleCalendar => "google_calendar",
        /// The tenant's own Twilio account (calls and texts).
        Twilio => "twilio",
        /// The tenant's own Postmark server (email).
        Postmark => "postmark",
        /// The tenant's own OpenAI key (the receptionist's model).
        OpenAi => "openai",
        /// A tenant-defined HTTPS endpoint.
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
    /// Non-secret settings (calendar ids, account sid), as validated by the template.
    pub settings: JsonObject,
    /// Names of the secret settings that are set (their values are sealed).
    pub secret_fields: Vec<String>,
    /// The secret settings as a sealed JSON object; empty once disconnected.
    pub sealed_credentials: SealedSecret,
    /// What the last failed check or call said (never secret material).
    pub last_error: Option<String>,
    /// When that failure happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// When the credentials were last checked against the vendor.
    pub last_checked_at: Option<DateTime<Utc>>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Integration {
    /// Longest name, in characters.
    pub const MAX_NAME_CHARS: usize = 120;
    /// Longest stored error message, in characters.
    pub const MAX_ERROR_CHARS: usize = 500;

    /// A trimmed, valid display name, or the reason it is not.
    ///
    /// # Errors
    /// The message for the `name` field.
    pub fn check_name(name: &str) -> Result<String, String> {
        let name = name.trim();
        if name.is_empty() {
            Err("is required".into())
        } else if name.chars().count() > Self::MAX_NAME_CHARS {
            Err(format!("must be at most {} characters", Self::MAX_NAME_CHARS))
        } else if name.chars().any(char::is_control) {
            Err("must not contain control characters".into())
        } else {
            Ok(name.to_owned())
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

    /// Records the outcome of a check (or of a real call) made at `now`: a
    /// success makes a pending or failing integration active; a failure makes
    /// an active one `error` (a pending one stays pending — it never worked)
    /// and is kept as the last error with its time.
    ///
    /// # Errors
    /// `InvalidTransition` when the integration is disconnected.
    pub fn record_check(&mut self, failure: Option<&str>, now: DateTime<Utc>) -> Result<(), IntegrationsError> {
        use IntegrationStatus::{Active, Disconnected, Error, Pending};
        let to = match (self.status, failure) {
            (Disconnected, _) => return Err(IntegrationsError::InvalidTransition { from: Disconnected, to: Active }),
            (_, None) => Active,
            (Pending, Some(_)) => Pending,
            (Active | Error, Some(_)) => Error,
        };
        if let Some(message) = failure {
            let clean: String =
                frontdesk_kernel::text::strip_controls(message).chars().take(Self::MAX_ERROR_CHARS).collect();
            self.last_error = Some(clean);
            self.last_error_at = Some(now);
        }
        self.status = to;
        self.last_checked_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Disconnects at `now` and erases the sealed credentials: a removed
    /// integration keeps its history, never its secrets.
    ///
    /// # Errors
    /// `InvalidTransition` when it is disconnected already.
    pub fn disconnect(&mut self, now: DateTime<Utc>) -> Result<(), IntegrationsError> {
        self.transition(IntegrationStatus::Disconnected, now)?;
        self.sealed_credentials = SealedSecret::default();
        self.secret_fields.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntegrationStatus::{Active, Disconnected, Error, Pending};

    fn integration(status: IntegrationStatus) -> Integration {
        let now = Utc::now();
        Integration {
            id: IntegrationId::new(),
            tenant_id: TenantId::new(),
            kind: IntegrationKind::Twilio,
            name: "Phones".into(),
            status,
            settings: JsonObject::default(),
            secret_fields: vec!["authToken".into()],
            sealed_credentials: SealedSecret::new("k1", b"top-secret".to_vec()),
            last_error: None,
            last_error_at: None,
            last_checked_at: None,
            created_at: now,
            updated_at: now,
        }
    }

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
    fn names_are_trimmed_bounded_and_printable() {
        assert_eq!(Integration::check_name("  Team calendar ").unwrap(), "Team calendar");
        assert!(Integration::check_name(" ").is_err());
        assert!(Integration::check_name(&"n".repeat(121)).is_err());
        assert!(Integration::check_name("a\u{0}b").is_err());
    }

    #[test]
    fn checks_move_the_status_and_keep_the_last_error() {
        let t = Utc::now();
        let mut i = integration(Pending);
        i.record_check(Some("401 from the vendor"), t).unwrap();
        assert_eq!(
            (i.status, i.last_error.as_deref(), i.last_error_at),
            (Pending, Some("401 from the vendor"), Some(t))
        );
        i.record_check(None, t).unwrap();
        assert_eq!((i.status, i.last_checked_at), (Active, Some(t)));
        assert_eq!(i.last_error.as_deref(), Some("401 from the vendor"), "history is kept");
        i.record_check(Some("timeout\u{7}"), t).unwrap();
        assert_eq!((i.status, i.last_error.as_deref()), (Error, Some("timeout")));
        i.record_check(None, t).unwrap();
        assert_eq!(i.status, Active);
    }

    #[test]
    fn a_disconnected_integration_cannot_be_checked_and_holds_no_secrets() {
        let mut i = integration(Active);
        i.disconnect(Utc::now()).unwrap();
        assert!(i.sealed_credentials.is_empty() && i.secret_fields.is_empty());
        assert!(matches!(i.record_check(None, Utc::now()), Err(IntegrationsError::InvalidTransition { .. })));
        assert!(i.disconnect(Utc::now()).is_err());
    }

    #[test]
    fn transition_refuses_without_changing_anything() {
        let mut i = integration(Disconnected);
        let before = i.clone();
        let err = i.transition(Active, before.updated_at + chrono::Duration::minutes(1)).unwrap_err();
        assert!(matches!(err, IntegrationsError::InvalidTransition { from: Disconnected, to: Active }));
        assert_eq!(i, before);
    }

    #[test]
    fn debug_output_redacts_the_credentials() {
        let shown = format!("{:?}", integration(Active));
        assert!(shown.contains("<redacted 10 bytes>") && !shown.contains("top-secret"), "{shown}");
    }
}
