//! Sub-account (tenant) use cases: create, read, change, delete, invite, join.
//!
//! Visibility rule: an admin sees every tenant; a user sees only the tenant
//! they belong to, and any other id answers `NotFound` (not `Forbidden`),
//! so ids of other businesses cannot be probed. Membership is read from the
//! store, not from the access token, so a token issued before a join or a
//! deletion cannot grant what the store no longer says.

use crate::access::{AccessChange, MembershipCache};
use crate::audit::{self, AuditAction, AuditEntry, AuditLog};
use crate::auth::ClientInfo;
use crate::error::{Result, TenancyError};
use crate::invitation::{Invitation, InvitationProblem};
use crate::membership::Membership;
use crate::ports::{
    InvitationRepository, IssuedRefreshToken, MembershipRepository, RefreshTokenGenerator, TenantEraser,
    TenantRepository, TenantSettingsChanged, UserRepository,
};
use crate::tenant::{NewTenant, Tenant};
use crate::values::{EmailAddress, TenantName, TimeZone};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{Actor, Clock, Page, PageRequest, Role, TenantId, UserId, ValidationErrors};
use std::sync::Arc;

/// The adapters a [`SubAccountService`] is built from.
pub struct SubAccountPorts {
    /// Tenants.
    pub tenants: Arc<dyn TenantRepository>,
    /// Memberships.
    pub memberships: Arc<dyn MembershipRepository>,
    /// Invitations.
    pub invitations: Arc<dyn InvitationRepository>,
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Invitation codes (same generator as refresh tokens: random, stored hashed).
    pub codes: Arc<dyn RefreshTokenGenerator>,
    /// The audit trail.
    pub audit: Arc<dyn AuditLog>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// A partial update of a tenant.
#[derive(Clone, Debug, Default)]
pub struct TenantPatch {
    /// New name.
    pub name: Option<String>,
    /// New IANA time zone.
    pub timezone: Option<String>,
    /// New country code; blank clears it.
    pub country: Option<String>,
}

/// Sub-account use cases.
#[derive(Clone)]
pub struct SubAccountService {
    tenants: Arc<dyn TenantRepository>,
    memberships: Arc<dyn MembershipRepository>,
    invitations: Arc<dyn InvitationRepository>,
    users: Arc<dyn UserRepository>,
    codes: Arc<dyn RefreshTokenGenerator>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    eraser: Option<Arc<dyn TenantEraser>>,
    settings_changed: Option<Arc<dyn TenantSettingsChanged>>,
    access: Option<Arc<MembershipCache>>,
}

impl SubAccountService {
    /// Builds the service.
    #[must_use]
    pub fn new(ports: SubAccountPorts) -> Self {
        let SubAccountPorts { tenants, memberships, invitations, users, codes, audit, clock } = ports;
        Self {
            tenants,
            memberships,
            invitations,
            users,
            codes,
            audit,
            clock,
            eraser: None,
            settings_changed: None,
            access: None,
        }
    }

    /// Erases what a deleted sub-account keeps outside the SQL store (files,
    /// cache entries) with `eraser`; without one, nothing is.
    #[must_use]
    pub fn with_eraser(mut self, eraser: Arc<dyn TenantEraser>) -> Self {
        self.eraser = Some(eraser);
        self
    }

    /// Tells `listener` after every change of a sub-account's settings.
    #[must_use]
    pub fn with_settings_listener(mut self, listener: Arc<dyn TenantSettingsChanged>) -> Self {
        self.settings_changed = Some(listener);
        self
    }

    /// Reads memberships through `cache` and announces every change of one
    /// (create, delete, join, role change, removal) to every api process.
    #[must_use]
    pub fn with_membership_cache(mut self, cache: Arc<MembershipCache>) -> Self {
        self.memberships = cache.wrap(self.memberships);
        self.access = Some(cache);
        self
    }

    /// Tells the membership cache (when there is one) that `change` is committed.
    async fn announce(&self, change: AccessChange) {
        if let Some(cache) = &self.access {
            cache.changed(change).await;
        }
    }

    /// The actor's current membership, from the store.
    async fn membership(&self, actor: &Actor) -> Result<Option<Membership>> {
        if actor.is_admin() { Ok(None) } else { self.memberships.find_for_user(actor.user_id).await }
    }

    /// The tenant if `actor` may see it, `NotFound` otherwise; with the actor's role in it.
    async fn visible(&self, actor: &Actor, id: TenantId) -> Result<(Tenant, Option<Role>)> {
        let role = if actor.is_admin() {
            actor.role
        } else {
            match self.membership(actor).await? {
                Some(m) if m.tenant_id == id => Some(m.role),
                Some(_) => return Err(TenancyError::NotFound { entity: "sub-account" }),
                // Same answer for every id, so it reveals nothing about other tenants.
                None => return Err(TenancyError::OnboardingRequired),
            }
        };
        Ok((self.tenants.get(id).await?, role))
    }

    /// Creates a sub-account. A user in onboarding becomes its owner; an admin creates it ownerless.
    ///
    /// # Errors
    /// `Validation` (every bad field), `Conflict` when the user already belongs to one, `Storage`.
    pub async fn create(&self, actor: &Actor, input: NewTenant, client: &ClientInfo) -> Result<Tenant> {
        let now = self.clock.now();
        let tenant = Tenant::create(input, now)?;
        let owner = if actor.is_admin() {
            None
        } else {
            if self.membership(actor).await?.is_some() {
                return Err(TenancyError::Conflict("you already belong to a sub-account"));
            }
            Some(Membership::new(tenant.id, actor.user_id, Role::Owner, now)?)
        };
        match self.tenants.create_with_owner(&tenant, owner.as_ref()).await {
            Err(TenancyError::Duplicate { field: "user" }) => {
                Err(TenancyError::Conflict("you already belong to a sub-account"))
            }
            Err(other) => Err(other),
            Ok(()) => {
                if owner.is_some() {
                    self.announce(AccessChange::User(actor.user_id)).await;
                }
                let entry = AuditEntry::new(AuditAction::SubAccountCreated, Some(actor.user_id), client, now);
                audit::append(self.audit.as_ref(), entry.tenant(tenant.id).target(tenant.name.as_str())).await;
                Ok(tenant)
            }
        }
    }

    /// Reads a sub-account the actor may see.
    ///
    /// # Errors
    /// `NotFound` for unknown ids and other tenants' ids alike.
    pub async fn get(&self, actor: &Actor, id: TenantId) -> Result<Tenant> {
        self.visible(actor, id).await.map(|(tenant, _)| tenant)
    }

    /// Every sub-account (admins only).
    ///
    /// # Errors
    /// `Forbidden` for users, `Storage`.
    pub async fn list(&self, actor: &Actor, page: PageRequest) -> Result<Page<Tenant>> {
        if !actor.is_admin() {
            return Err(TenancyError::Forbidden("only admins list sub-accounts"));
        }
        self.tenants.list(page).await
    }

    /// Renames or moves a sub-account to another time zone (owner or admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (not owner), `Validation` (every bad field).
    pub async fn update(&self, actor: &Actor, id: TenantId, patch: TenantPatch) -> Result<Tenant> {
        let (mut tenant, role) = self.visible(actor, id).await?;
        if !(actor.is_admin() || role == Some(Role::Owner)) {
            return Err(TenancyError::Forbidden("only the owner or an admin may change the sub-account"));
        }
        let mut errors = ValidationErrors::new();
        let zone_before = tenant.timezone;
        if let Some(name) = patch.name.as_deref().and_then(|n| errors.check("name", TenantName::parse(n))) {
            tenant.name = name;
        }
        if let Some(tz) = patch.timezone.as_deref().and_then(|t| errors.check("timezone", TimeZone::parse(t))) {
            tenant.timezone = tz;
        }
        if let Some(raw) = patch.country.as_deref()
            && let Some(country) = errors.check("country", crate::tenant::parse_country(Some(raw)))
        {
            tenant.country = country;
        }
        errors.into_result()?;
        tenant.updated_at = self.clock.now();
        self.tenants.update(&tenant).await?;
        if let Some(listener) = &self.settings_changed {
            listener.changed(&tenant, tenant.timezone != zone_before).await;
        }
        Ok(tenant)
    }

    /// Deletes a sub-account (owner or admin); its members return to onboarding,
    /// and its files and cache entries are erased (see [`Self::with_eraser`]).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete(&self, actor: &Actor, id: TenantId, client: &ClientInfo) -> Result<()> {
        let (_, role) = self.visible(actor, id).await?;
        if !(actor.is_admin() || role == Some(Role::Owner)) {
            return Err(TenancyError::Forbidden("only the owner or an admin may delete the sub-account"));
        }
        self.tenants.delete(id).await?;
        self.announce(AccessChange::Tenant(id)).await;
        if let Some(eraser) = &self.eraser
            && let Err(err) = eraser.erase(id).await
        {
            // The sub-account is gone either way; its leftovers expire with
            // the file purges (exports within a day) and the cache TTL.
            tracing::error!(tenant.id = %id, error = %err, "could not erase the deleted sub-account's files and cache entries");
        }
        let entry = AuditEntry::new(AuditAction::SubAccountDeleted, Some(actor.user_id), client, self.clock.now());
        audit::append(self.audit.as_ref(), entry.tenant(id)).await;
        Ok(())
    }

    /// The members of a tenant with their accounts (owner, manager or admin), oldest first.
    /// Two queries per page, whatever its size.
    ///
    /// # Errors
    /// `NotFound` (not the actor's tenant), `Forbidden` (agents), `Storage`.
    pub async fn members(
        &self,
        actor: &Actor,
        id: TenantId,
        page: PageRequest,
    ) -> Result<Page<(crate::user::User, Membership)>> {
        let (_, role) = self.visible(actor, id).await?;
        if !(actor.is_admin() || matches!(role, Some(Role::Owner | Role::Manager))) {
            return Err(TenancyError::Forbidden("only owners and managers list users"));
        }
        let memberships = self.memberships.list_for_tenant(id, page).await?;
        let ids: Vec<_> = memberships.data.iter().map(|m| m.user_id).collect();
        let mut users = self.users.get_many(&ids).await?;
        let total = memberships.total;
        let data = memberships
            .data
            .into_iter()
            .filter_map(|m| users.iter().position(|u| u.id == m.user_id).map(|i| (users.swap_remove(i), m)))
            .collect();
        Ok(Page {
            data,
            page: memberships.page,
            limit: memberships.limit,
            total,
            total_is_exact: true,
            next_cursor: None,
        })
    }

    /// Changes a member's role between `manager` and `agent` (owner or manager;
    /// admins too). Ownership is not granted this way (a tenant has exactly one
    /// owner, its creator), and nobody changes the owner's role or their own.
    ///
    /// # Errors
    /// `NotFound` (not a member of this tenant), `Forbidden`, `Validation`.
    pub async fn change_role(
        &self,
        actor: &Actor,
        id: TenantId,
        target: UserId,
        role: &str,
        client: &ClientInfo,
    ) -> Result<Membership> {
        let (_, actor_role) = self.visible(actor, id).await?;
        let role = role.parse::<Role>().map_err(|e| ValidationErrors::single("role", e))?;
        if !matches!(role, Role::Manager | Role::Agent) {
            return Err(ValidationErrors::single("role", "must be manager or agent").into());
        }
        let member = self.member(id, target).await?;
        if !(actor.is_admin() || matches!(actor_role, Some(Role::Owner | Role::Manager))) {
            return Err(TenancyError::Forbidden("only owners and managers change roles"));
        }
        if target == actor.user_id {
            return Err(TenancyError::Forbidden("you cannot change your own role"));
        }
        if member.role == Role::Owner {
            return Err(TenancyError::Forbidden("the owner's role cannot be changed"));
        }
        self.memberships.update_role(id, target, role).await?;
        let entry = AuditEntry::new(AuditAction::RoleChanged, Some(actor.user_id), client, self.clock.now());
        let change = format!("{target}: {} -> {role}", member.role);
        audit::append(self.audit.as_ref(), entry.tenant(id).target(change)).await;
        Ok(Membership { role, ..member })
    }

    /// Removes a member (owner or manager; admins too); the owner cannot be removed.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn remove_member(&self, actor: &Actor, id: TenantId, target: UserId, client: &ClientInfo) -> Result<()> {
        let (_, actor_role) = self.visible(actor, id).await?;
        let member = self.member(id, target).await?;
        if !(actor.is_admin() || matches!(actor_role, Some(Role::Owner | Role::Manager))) {
            return Err(TenancyError::Forbidden("only owners and managers remove users"));
        }
        if member.role == Role::Owner {
            return Err(TenancyError::Forbidden("the owner cannot be removed; delete the sub-account instead"));
        }
        self.memberships.remove(id, target).await?;
        let entry = AuditEntry::new(AuditAction::UserRemoved, Some(actor.user_id), client, self.clock.now());
        audit::append(self.audit.as_ref(), entry.tenant(id).target(target.to_string())).await;
        Ok(())
    }

    /// The membership of `target` in tenant `id`, or `NotFound` (members of other tenants included).
    async fn member(&self, id: TenantId, target: UserId) -> Result<Membership> {
        match self.memberships.find_for_user(target).await? {
            Some(m) if m.tenant_id == id => Ok(m),
            _ => Err(TenancyError::NotFound { entity: "user" }),
        }
    }

    /// Renames the actor (onboarding allowed).
    ///
    /// # Errors
    /// `Validation`, `NotFound`.
    pub async fn rename_self(&self, actor: &Actor, name: &str) -> Result<()> {
        let name = crate::values::PersonName::parse(name).map_err(|e| ValidationErrors::single("name", e))?;
        self.users.update_name(actor.user_id, &name, self.clock.now()).await
    }

    /// The actor's onboarding state, from the store.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn status(&self, actor: &Actor) -> Result<Option<Membership>> {
        self.membership(actor).await
    }

    /// Invites `email` as `role` (owner, manager or admin only). Returns the invitation and its code (shown once).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Validation`.
    pub async fn invite(
        &self,
        actor: &Actor,
        id: TenantId,
        email: &str,
        role: &str,
        client: &ClientInfo,
    ) -> Result<(Invitation, IssuedRefreshToken)> {
        let (_, actor_role) = self.visible(actor, id).await?;
        if !(actor.is_admin() || matches!(actor_role, Some(Role::Owner | Role::Manager))) {
            return Err(TenancyError::Forbidden("only owners and managers invite"));
        }
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", EmailAddress::parse(email));
        let role = errors.check("role", role.parse::<Role>());
        errors.into_result()?;
        let (Some(email), Some(role)) = (email, role) else { return Err(TenancyError::InvalidInvitation) };
        let (code, hash) = self.codes.generate()?;
        let invitation = Invitation::new(id, email, role, hash, actor.user_id, self.clock.now())?;
        self.invitations.insert(&invitation).await?;
        let entry = AuditEntry::new(AuditAction::InvitationCreated, Some(actor.user_id), client, invitation.created_at);
        let target = format!("{} as {}", invitation.email, invitation.role);
        audit::append(self.audit.as_ref(), entry.tenant(id).target(target)).await;
        Ok((invitation, code))
    }

    /// Whether a code can still be used, and the name of the sub-account it joins.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn validate(&self, code: &str) -> Result<Option<TenantName>> {
        let now = self.clock.now();
        match self.invitations.find_by_code(&self.codes.hash(code)).await? {
            Some(inv) if inv.problem_at(now).is_none() => Ok(Some(self.tenants.get(inv.tenant_id).await?.name)),
            _ => Ok(None),
        }
    }

    /// Joins the sub-account of an invitation addressed to the actor's email.
    ///
    /// # Errors
    /// `InvalidInvitation` (unknown, used, expired), `Forbidden` (sent to another email),
    /// `Conflict` (already a member somewhere), `Storage`.
    pub async fn join(&self, actor: &Actor, code: &str, client: &ClientInfo) -> Result<Membership> {
        if actor.is_admin() {
            return Err(TenancyError::Forbidden("admins do not join sub-accounts"));
        }
        if self.membership(actor).await?.is_some() {
            return Err(TenancyError::Conflict("you already belong to a sub-account"));
        }
        let now: DateTime<Utc> = self.clock.now();
        let invitation =
            self.invitations.find_by_code(&self.codes.hash(code)).await?.ok_or(TenancyError::InvalidInvitation)?;
        let user = self.users.get(actor.user_id).await?;
        match invitation.problem_for(&user.email, now) {
            Some(InvitationProblem::WrongEmail) => {
                return Err(TenancyError::Forbidden("this invitation was sent to another email"));
            }
            Some(_) => return Err(TenancyError::InvalidInvitation),
            None => {}
        }
        let membership = Membership::new(invitation.tenant_id, user.id, invitation.role, now)?;
        match self.invitations.accept(invitation.id, &membership, now).await {
            Ok(true) => {
                self.announce(AccessChange::User(user.id)).await;
                let entry = AuditEntry::new(AuditAction::InvitationAccepted, Some(user.id), client, now);
                let entry = entry.tenant(membership.tenant_id).target(membership.role.as_str());
                audit::append(self.audit.as_ref(), entry).await;
                Ok(membership)
            }
            Ok(false) => Err(TenancyError::InvalidInvitation),
            Err(TenancyError::Duplicate { .. }) => Err(TenancyError::Conflict("you already belong to a sub-account")),
            Err(other) => Err(other),
        }
    }
}
