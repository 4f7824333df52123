//! Membership: a user's place (and role) in a sub-account.

use chrono::{DateTime, Utc};
use frontdesk_kernel::{AccountType, Role, TenantId, UserId, ValidationErrors};

/// A user belonging to a tenant with a tenant role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The member.
    pub user_id: UserId,
    /// `owner`, `manager` or `agent`.
    pub role: Role,
    /// When the user joined.
    pub created_at: DateTime<Utc>,
}

impl Membership {
    /// A membership with a tenant role.
    ///
    /// # Errors
    /// `role` when it is an admin role: admins act across tenants, they are never members.
    pub fn new(tenant_id: TenantId, user_id: UserId, role: Role, now: DateTime<Utc>) -> Result<Self, ValidationErrors> {
        if role.account_type() != AccountType::User {
            return Err(ValidationErrors::single("role", "must be owner, manager or agent"));
        }
        Ok(Self { tenant_id, user_id, role, created_at: now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_hold_tenant_roles_only() {
        let (tenant, user) = (TenantId::new(), UserId::new());
        assert!(Membership::new(tenant, user, Role::Manager, Utc::now()).is_ok());
        let err = Membership::new(tenant, user, Role::Admin, Utc::now()).unwrap_err();
        assert_eq!(err.messages(), ["role: must be owner, manager or agent"]);
    }
}
