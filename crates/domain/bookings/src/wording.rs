//! The tenant's wording of booking messages.
//!
//! Each [`BookingMessage`] has four texts — the SMS, the email's subject and
//! body, and the staff notice — written as `{{ variable }}` templates over
//! [`MESSAGE_VARIABLES`]. A sub-account that wrote none gets the built-in
//! wording ([`Wording::default_for`]); one that did gets its own, checked
//! when saved (every unknown variable and malformed placeholder named, so a
//! typo never reaches a customer as an empty string) and rendered by the
//! message job when it runs. An empty staff notice turns that notice off.

use crate::error::{BookingsError, Result};
use crate::messages::BookingMessage;
use async_trait::async_trait;
use frontdesk_kernel::{TenantId, ValidationErrors, template, text::check_text};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The variables booking message templates may use.
pub const MESSAGE_VARIABLES: &[&str] = &[
    "lead.name",
    "lead.firstName",
    "business.name",
    "appointment.type",
    "appointment.when",
    "appointment.manageUrl",
    "appointment.reason",
];

/// The four texts of one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Wording {
    /// The text message to a lead with a phone number.
    pub sms: String,
    /// The email subject to a lead without one.
    pub email_subject: String,
    /// The email body.
    pub email_body: String,
    /// The notice to the sub-account's staff; empty: none.
    pub staff: String,
}

/// Raw wording as a client sent it.
#[derive(Clone, Debug, Default)]
pub struct WordingInput {
    /// SMS template.
    pub sms: Option<String>,
    /// Email subject template.
    pub email_subject: Option<String>,
    /// Email body template.
    pub email_body: Option<String>,
    /// Staff notice template (may be empty).
    pub staff: Option<String>,
}

const CONFIRMATION: [&str; 4] = [
    "Hi {{lead.firstName}}, your {{appointment.type}} with {{business.name}} is booked for {{appointment.when}}. Manage it: {{appointment.manageUrl}}",
    "Your {{appointment.type}} with {{business.name}} is booked",
    "Hi {{lead.firstName}},\n\nyour {{appointment.type}} with {{business.name}} is booked for {{appointment.when}}.\nTo cancel or move it: {{appointment.manageUrl}}\n\n{{business.name}}",
    "New booking: {{lead.name}}, {{appointment.type}}, {{appointment.when}}",
];
const RESCHEDULED: [&str; 4] = [
    "Hi {{lead.firstName}}, your {{appointment.type}} with {{business.name}} has moved to {{appointment.when}}.",
    "Your {{appointment.type}} with {{business.name}} has moved",
    "Hi {{lead.firstName}},\n\nyour {{appointment.type}} with {{business.name}} is now on {{appointment.when}}.\n\n{{business.name}}",
    "Booking moved: {{lead.name}}, {{appointment.type}}, now {{appointment.when}}",
];
const CANCELLED: [&str; 4] = [
    "Hi {{lead.firstName}}, your {{appointment.type}} with {{business.name}} on {{appointment.when}} is cancelled.",
    "Your {{appointment.type}} with {{business.name}} is cancelled",
    "Hi {{lead.firstName}},\n\nyour {{appointment.type}} with {{business.name}} on {{appointment.when}} is cancelled.\n\n{{business.name}}",
    "Booking cancelled: {{lead.name}}, {{appointment.type}}, {{appointment.when}} {{appointment.reason}}",
];
const REMINDER: [&str; 4] = [
    "Reminder: your {{appointment.type}} with {{business.name}} is on {{appointment.when}}.",
    "Reminder: {{appointment.type}} with {{business.name}}",
    "Hi {{lead.firstName}},\n\na reminder that your {{appointment.type}} with {{business.name}} is on {{appointment.when}}.\n\n{{business.name}}",
    "",
];

impl Wording {
    /// Longest SMS template, in characters (two segments of GSM-7 after short variables).
    pub const MAX_SMS_CHARS: usize = 320;
    /// Longest email subject template.
    pub const MAX_SUBJECT_CHARS: usize = 200;
    /// Longest email body or staff notice template.
    pub const MAX_BODY_CHARS: usize = 5000;

    /// The built-in wording of `message`.
    #[must_use]
    pub fn default_for(message: BookingMessage) -> Self {
        let [sms, email_subject, email_body, staff] = match message {
            BookingMessage::Confirmation => CONFIRMATION,
            BookingMessage::Rescheduled => RESCHEDULED,
            BookingMessage::Cancelled => CANCELLED,
            BookingMessage::Reminder => REMINDER,
        };
        Self {
            sms: sms.into(),
            email_subject: email_subject.into(),
            email_body: email_body.into(),
            staff: staff.into(),
        }
    }

    /// Validates `input`; a field left out keeps the built-in text.
    ///
    /// # Errors
    /// Every bad field (`sms`, `emailSubject`, `emailBody`, `staff`): blank
    /// (all but `staff`), too long, control characters (line breaks only in
    /// the email body and staff notice), a malformed placeholder, unknown variables.
    pub fn parse(message: BookingMessage, input: WordingInput) -> std::result::Result<Self, ValidationErrors> {
        let base = Self::default_for(message);
        let mut errors = ValidationErrors::new();
        let mut field = |name: &str, raw: Option<String>, default: String, max: usize, lines: bool, blank: bool| {
            let text = raw.map_or(default, |t| t.trim().to_owned());
            let problem = if text.is_empty() && !blank {
                Some("is required".to_owned())
            } else if text.chars().count() > max {
                Some(format!("must be at most {max} characters"))
            } else if let Err(e) = check_text(&text) {
                Some(e)
            } else if !lines && text.contains(['\n', '\r', '\t']) {
                Some("must be one line".to_owned())
            } else {
                template::check(&text, MESSAGE_VARIABLES).err()
            };
            if let Some(problem) = problem {
                errors.add(name, problem);
            }
            text
        };
        let wording = Self {
            sms: field("sms", input.sms, base.sms, Self::MAX_SMS_CHARS, false, false),
            email_subject: field(
                "emailSubject",
                input.email_subject,
                base.email_subject,
                Self::MAX_SUBJECT_CHARS,
                false,
                false,
            ),
            email_body: field("emailBody", input.email_body, base.email_body, Self::MAX_BODY_CHARS, true, false),
            staff: field("staff", input.staff, base.staff, Self::MAX_BODY_CHARS, true, true),
        };
        errors.into_result().map(|()| wording)
    }
}

/// Stored wording, per sub-account and message.
#[async_trait]
pub trait WordingRepository: Send + Sync + 'static {
    /// The tenant's own wording of `message`, if it wrote one.
    ///
    /// # Errors
    /// `Storage`.
    async fn get(&self, tenant: TenantId, message: BookingMessage) -> Result<Option<Wording>>;
    /// Stores (replaces) it.
    ///
    /// # Errors
    /// `Storage`.
    async fn put(&self, tenant: TenantId, message: BookingMessage, wording: &Wording) -> Result<()>;
    /// Removes it (back to the built-in wording); `false` when there was none.
    ///
    /// # Errors
    /// `Storage`.
    async fn delete(&self, tenant: TenantId, message: BookingMessage) -> Result<bool>;
}

/// One message's wording as the tenant sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageWording {
    /// Which message.
    pub message: BookingMessage,
    /// The wording in force.
    pub wording: Wording,
    /// Whether it is the tenant's own (else built in).
    pub custom: bool,
}

/// Reading and writing the tenant's wording.
#[derive(Clone)]
pub struct MessageWordings {
    repo: Arc<dyn WordingRepository>,
}

impl MessageWordings {
    /// The use cases over `repo`.
    #[must_use]
    pub fn new(repo: Arc<dyn WordingRepository>) -> Self {
        Self { repo }
    }

    /// The wording in force for `message`.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn get(&self, tenant: TenantId, message: BookingMessage) -> Result<MessageWording> {
        Ok(match self.repo.get(tenant, message).await? {
            Some(wording) => MessageWording { message, wording, custom: true },
            None => MessageWording { message, wording: Wording::default_for(message), custom: false },
        })
    }

    /// Every message's wording in force.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn all(&self, tenant: TenantId) -> Result<Vec<MessageWording>> {
        let mut all = Vec::with_capacity(BookingMessage::ALL.len());
        for &message in BookingMessage::ALL {
            all.push(self.get(tenant, message).await?);
        }
        Ok(all)
    }

    /// Validates and stores the tenant's wording of `message`.
    ///
    /// # Errors
    /// `Validation` (every bad field); `Storage`.
    pub async fn put(&self, tenant: TenantId, message: BookingMessage, input: WordingInput) -> Result<MessageWording> {
        let wording = Wording::parse(message, input)?;
        self.repo.put(tenant, message, &wording).await?;
        Ok(MessageWording { message, wording, custom: true })
    }

    /// Back to the built-in wording.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn reset(&self, tenant: TenantId, message: BookingMessage) -> Result<MessageWording> {
        self.repo.delete(tenant, message).await?;
        Ok(MessageWording { message, wording: Wording::default_for(message), custom: false })
    }
}

/// What renders when the stored wording cannot be read: the built-in text.
pub(crate) async fn in_force(
    repo: &dyn WordingRepository,
    tenant: TenantId,
    message: BookingMessage,
) -> Result<Wording> {
    match repo.get(tenant, message).await {
        Ok(found) => Ok(found.unwrap_or_else(|| Wording::default_for(message))),
        Err(err @ BookingsError::Storage(_)) => Err(err),
        Err(_) => Ok(Wording::default_for(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_wording_is_valid() {
        for &message in BookingMessage::ALL {
            let built_in = Wording::default_for(message);
            assert_eq!(Wording::parse(message, WordingInput::default()).unwrap(), built_in);
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = WordingInput {
            sms: Some("Hi {{lead.fristName}} and {{ oops".into()),
            email_subject: Some("  ".into()),
            email_body: Some("x".repeat(Wording::MAX_BODY_CHARS + 1)),
            staff: Some("bell \u{7}".into()),
        };
        let errors = Wording::parse(BookingMessage::Confirmation, input).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sms", "emailSubject", "emailBody", "staff"], "{errors}");
        let unknown = Wording::parse(
            BookingMessage::Reminder,
            WordingInput { sms: Some("Hi {{lead.fristName}}, {{appointment.wen}}".into()), ..WordingInput::default() },
        )
        .unwrap_err();
        assert!(unknown.to_string().contains("unknown variables: lead.fristName, appointment.wen"), "{unknown}");
        let two_lines = WordingInput { sms: Some("a\nb".into()), ..WordingInput::default() };
        assert!(Wording::parse(BookingMessage::Reminder, two_lines).is_err());
    }

    #[test]
    fn an_empty_staff_notice_is_allowed_and_fields_left_out_keep_the_built_in_text() {
        let input = WordingInput {
            sms: Some(" Hey {{lead.name}} ".into()),
            staff: Some(String::new()),
            ..WordingInput::default()
        };
        let wording = Wording::parse(BookingMessage::Confirmation, input).unwrap();
        assert_eq!((wording.sms.as_str(), wording.staff.as_str()), ("Hey {{lead.name}}", ""));
        assert_eq!(wording.email_subject, Wording::default_for(BookingMessage::Confirmation).email_subject);
    }
}
