//! The audit trail of security-relevant events.
//!
//! Use cases append an [`AuditEntry`] after the change they describe
//! succeeded. A failure to write the trail is logged and does not undo or
//! refuse the change: losing an audit line is better than locking every
//! user out while the audit table is unavailable.

use crate::auth::ClientInfo;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{TenantId, UserId};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    /// A user signed up.
    SignUp,
    /// An admin account was created.
    AdminCreated,
    /// A login succeeded.
    LoginSucceeded,
    /// A login failed (wrong password or unknown email).
    LoginFailed,
    /// Repeated failures locked an email.
    LockedOut,
    /// A password was changed.
    PasswordChanged,
    /// A sub-account was created.
    SubAccountCreated,
    /// A sub-account was deleted.
    SubAccountDeleted,
    /// An invitation was created.
    InvitationCreated,
    /// An invitation was used to join.
    InvitationAccepted,
    /// A member's role changed.
    RoleChanged,
    /// A member was removed.
    UserRemoved,
}

impl AuditAction {
    /// The stable name stored in the trail.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::AdminCreated => "admin_created",
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::LockedOut => "locked_out",
            Self::PasswordChanged => "password_changed",
            Self::SubAccountCreated => "sub_account_created",
            Self::SubAccountDeleted => "sub_account_deleted",
            Self::InvitationCreated => "invitation_created",
            Self::InvitationAccepted => "invitation_accepted",
            Self::RoleChanged => "role_changed",
            Self::UserRemoved => "user_removed",
        }
    }
}

/// One line of the trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who acted (absent for failed logins of unknown emails).
    pub actor: Option<UserId>,
    /// The tenant concerned, if any.
    pub tenant: Option<TenantId>,
    /// What happened.
    pub action: AuditAction,
    /// What it happened to (a user id, an email, a role…), free text ≤ 256 characters.
    pub target: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Client User-Agent.
    pub user_agent: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl AuditEntry {
    /// An entry for `action` by `actor` from `client` at `at`.
    #[must_use]
    pub fn new(action: AuditAction, actor: Option<UserId>, client: &ClientInfo, at: DateTime<Utc>) -> Self {
        Self {
            actor,
            tenant: None,
            action,
            target: None,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            at,
        }
    }

    /// Sets the tenant.
    #[must_use]
    pub const fn tenant(mut self, tenant: TenantId) -> Self {
        self.tenant = Some(tenant);
        self
    }

    /// Sets the target.
    #[must_use]
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into().chars().take(256).collect());
        self
    }
}

/// Writes the trail.
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync + 'static {
    /// Appends an entry.
    ///
    /// # Errors
    /// `Storage`.
    async fn record(&self, entry: &AuditEntry) -> crate::Result<()>;

    /// The newest entries of a tenant, newest first (for admins and tests).
    ///
    /// # Errors
    /// `Storage`.
    async fn recent(&self, tenant: Option<TenantId>, limit: usize) -> crate::Result<Vec<AuditEntry>>;

    /// Deletes entries older than `before` (the retention purge); returns how many.
    ///
    /// # Errors
    /// `Storage`.
    async fn purge_before(&self, before: DateTime<Utc>) -> crate::Result<u64>;
}

/// Appends `entry`, logging instead of failing (see the module docs).
pub async fn append(log: &dyn AuditLog, entry: AuditEntry) {
    if let Err(err) = log.record(&entry).await {
        tracing::warn!(action = entry.action.as_str(), error = %err, "audit entry could not be written");
    }
}
