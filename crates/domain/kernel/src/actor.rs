//! Who is acting: the authenticated principal every use case receives.
//!
//! The tenant an actor works in always comes from here (from the verified
//! token), never from a request body, so a client cannot reach another
//! tenant's data by editing JSON.

use crate::id::{TenantId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Whether the account belongs to a business or to the platform operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// A business user; works inside one sub-account.
    User,
    /// A platform operator; may act across tenants.
    Admin,
}

/// A role. `Owner|Manager|Agent` apply to users inside a sub-account,
/// `Admin|SuperAdmin` to admins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Handles leads and conversations.
    Agent,
    /// Manages users and invitations of the sub-account.
    Manager,
    /// Owns the sub-account; may delete it.
    Owner,
    /// Platform administrator.
    Admin,
    /// Platform administrator who may also create admins.
    SuperAdmin,
}

impl Role {
    /// The account type a role belongs to.
    #[must_use]
    pub const fn account_type(self) -> AccountType {
        match self {
            Self::Agent | Self::Manager | Self::Owner => AccountType::User,
            Self::Admin | Self::SuperAdmin => AccountType::Admin,
        }
    }

    /// The stable string form (`owner`, `super_admin`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Manager => "manager",
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::SuperAdmin => "super_admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "agent" => Self::Agent,
            "manager" => Self::Manager,
            "owner" => Self::Owner,
            "admin" => Self::Admin,
            "super_admin" => Self::SuperAdmin,
            other => {
                return Err(format!("unknown role {other:?}; expected owner, manager, agent, admin or super_admin"));
            }
        })
    }
}

/// The authenticated principal of a request or job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The acting account.
    pub user_id: UserId,
    /// User or admin.
    pub account_type: AccountType,
    /// The role within the tenant (users) or platform (admins); `None` while onboarding.
    pub role: Option<Role>,
    /// The tenant the actor works in; `None` for users still onboarding and for admins.
    pub tenant: Option<TenantId>,
}

impl Actor {
    /// True for platform admins, who may act on any tenant.
    #[must_use]
    pub const fn is_admin(&self) -> bool {
        matches!(self.account_type, AccountType::Admin)
    }

    /// True for the sub-account's owners and managers, and for platform admins:
    /// those who may change the receptionist, export leads and manage the trash.
    #[must_use]
    pub fn may_manage(&self) -> bool {
        self.is_admin() || self.has_at_least(Role::Manager)
    }

    /// True when the actor holds `role` or a stronger one of the same account type.
    #[must_use]
    pub fn has_at_least(&self, role: Role) -> bool {
        self.role.is_some_and(|own| own.account_type() == role.account_type() && own >= role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: UserId::new(),
            account_type: role.account_type(),
            role: Some(role),
            tenant: Some(TenantId::new()),
        }
    }

    #[test]
    fn onboarding_users_hold_no_role_at_all() {
        let onboarding = Actor { user_id: UserId::new(), account_type: AccountType::User, role: None, tenant: None };
        assert!(!onboarding.has_at_least(Role::Agent));
    }

    #[test]
    fn owners_managers_and_admins_manage_agents_do_not() {
        for (role, manages) in [
            (Role::Agent, false),
            (Role::Manager, true),
            (Role::Owner, true),
            (Role::Admin, true),
            (Role::SuperAdmin, true),
        ] {
            assert_eq!(actor(role).may_manage(), manages, "{role}");
        }
    }

    #[test]
    fn roles_rank_within_their_account_type() {
        assert!(actor(Role::Owner).has_at_least(Role::Manager));
        assert!(actor(Role::Manager).has_at_least(Role::Manager));
        assert!(!actor(Role::Agent).has_at_least(Role::Manager));
        assert!(actor(Role::SuperAdmin).has_at_least(Role::Admin));
    }

    #[test]
    fn admin_roles_do_not_count_as_tenant_roles() {
        assert!(!actor(Role::SuperAdmin).has_at_least(Role::Owner));
        assert!(actor(Role::Admin).is_admin());
        assert!(!actor(Role::Owner).is_admin());
    }

    #[test]
    fn roles_parse_from_their_string_form() {
        for role in [Role::Agent, Role::Manager, Role::Owner, Role::Admin, Role::SuperAdmin] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("boss".parse::<Role>().unwrap_err().contains("boss"));
    }
}
