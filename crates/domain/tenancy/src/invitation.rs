//! Invitations: how a user joins an existing sub-account.
//!
//! An invitation is bound to one email and one role, expires after seven
//! days and can be used once. Its code is shown to the inviter once; only
//! its SHA-256 is stored, like refresh tokens.

use crate::session::TokenHash;
use crate::values::EmailAddress;
use chrono::{DateTime, Duration, Utc};
use frontdesk_kernel::{Role, TenantId, UserId, ValidationErrors, define_id};

define_id!(
    /// One invitation.
    InvitationId,
    "invitation id"
);

/// A stored invitation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// Its id.
    pub id: InvitationId,
    /// The sub-account to join.
    pub tenant_id: TenantId,
    /// Only this email may use it.
    pub email: EmailAddress,
    /// The role the invitee gets (`manager` or `agent`).
    pub role: Role,
    /// SHA-256 of the code.
    pub code_hash: TokenHash,
    /// Who invited.
    pub invited_by: UserId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
}

/// Why an invitation cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationProblem {
    /// Already used.
    Used,
    /// Past its expiry.
    Expired,
    /// Presented by an account with another email.
    WrongEmail,
}

impl Invitation {
    /// Invitations live seven days.
    pub const LIFETIME_DAYS: i64 = 7;

    /// A new invitation, validating the role (owners are not invited: ownership is not shared by invitation).
    ///
    /// # Errors
    /// `role` when it is not `manager` or `agent`.
    pub fn new(
        tenant_id: TenantId,
        email: EmailAddress,
        role: Role,
        code_hash: TokenHash,
        invited_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationErrors> {
        if !matches!(role, Role::Manager | Role::Agent) {
            return Err(ValidationErrors::single("role", "must be manager or agent"));
        }
        Ok(Self {
            id: InvitationId::new(),
            tenant_id,
            email,
            role,
            code_hash,
            invited_by,
            created_at: now,
            expires_at: now + Duration::days(Self::LIFETIME_DAYS),
            used_at: None,
        })
    }

    /// Whether the invitation can be used at `now` (by anyone).
    #[must_use]
    pub fn problem_at(&self, now: DateTime<Utc>) -> Option<InvitationProblem> {
        if self.used_at.is_some() {
            Some(InvitationProblem::Used)
        } else if now >= self.expires_at {
            Some(InvitationProblem::Expired)
        } else {
            None
        }
    }

    /// Whether `email` may use it at `now`.
    #[must_use]
    pub fn problem_for(&self, email: &EmailAddress, now: DateTime<Utc>) -> Option<InvitationProblem> {
        self.problem_at(now).or((&self.email != email).then_some(InvitationProblem::WrongEmail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(now: DateTime<Utc>) -> Invitation {
        Invitation::new(
            TenantId::new(),
            EmailAddress::parse("agent@example.com").unwrap_or_else(|e| panic!("{e}")),
            Role::Agent,
            TokenHash::from_hex(&"ab".repeat(32)).unwrap_or_else(|e| panic!("{e}")),
            UserId::new(),
            now,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn invitations_are_valid_for_seven_days_for_their_email_only() {
        let now = Utc::now();
        let inv = invitation(now);
        let email = EmailAddress::parse("agent@example.com").unwrap_or_else(|e| panic!("{e}"));
        let other = EmailAddress::parse("other@example.com").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(inv.problem_for(&email, now + Duration::days(6)), None);
        assert_eq!(inv.problem_for(&other, now), Some(InvitationProblem::WrongEmail));
        assert_eq!(inv.problem_for(&email, now + Duration::days(7)), Some(InvitationProblem::Expired));
    }

    #[test]
    fn a_used_invitation_cannot_be_used_again() {
        let now = Utc::now();
        let mut inv = invitation(now);
        inv.used_at = Some(now);
        assert_eq!(inv.problem_at(now), Some(InvitationProblem::Used));
    }

    #[test]
    fn owners_and_admins_cannot_be_invited() {
        let now = Utc::now();
        let email = EmailAddress::parse("x@example.com").unwrap_or_else(|e| panic!("{e}"));
        let hash = TokenHash::from_hex(&"cd".repeat(32)).unwrap_or_else(|e| panic!("{e}"));
        for role in [Role::Owner, Role::Admin, Role::SuperAdmin] {
            assert!(Invitation::new(TenantId::new(), email.clone(), role, hash.clone(), UserId::new(), now).is_err());
        }
    }
}
