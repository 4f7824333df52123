//! User and admin accounts.

use crate::values::{EmailAddress, Password, PersonName};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{AccountType, Role, UserId, ValidationErrors};
use std::fmt;

/// A password hash as produced by the [`crate::PasswordHasher`]. Opaque and redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a stored hash.
    #[must_use]
    pub fn from_stored(hash: String) -> Self {
        Self(hash)
    }

    /// The encoded hash, for storage.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// An account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Login email, normalized; unique across the deployment.
    pub email: EmailAddress,
    /// Display name.
    pub name: PersonName,
    /// The bcrypt hash of the password.
    pub password_hash: PasswordHash,
    /// User or admin.
    pub account_type: AccountType,
    /// For admins, `admin` or `super_admin`; users take their role from their membership.
    pub admin_role: Option<Role>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Raw sign-up input. `Debug` omits the password.
#[derive(Clone, Default)]
pub struct NewUser {
    /// Email as typed.
    pub email: String,
    /// Plain-text password as typed.
    pub password: String,
    /// Display name.
    pub name: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser").field("email", &self.email).field("name", &self.name).finish_non_exhaustive()
    }
}

/// A sign-up whose fields are valid, ready for hashing.
#[derive(Debug)]
pub struct ValidSignUp {
    /// The normalized email.
    pub email: EmailAddress,
    /// The password that passed the policy.
    pub password: Password,
    /// The display name.
    pub name: PersonName,
}

impl NewUser {
    /// Checks every field at once.
    ///
    /// # Errors
    /// Every invalid field (`email`, `password`, `name`).
    pub fn validate(&self) -> Result<ValidSignUp, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let password = errors.check("password", Password::parse(&self.password));
        let name = errors.check("name", PersonName::parse(&self.name));
        match (email, password, name) {
            (Some(email), Some(password), Some(name)) => Ok(ValidSignUp { email, password, name }),
            _ => Err(errors),
        }
    }
}

impl User {
    /// A business user (no sub-account yet: the onboarding state).
    #[must_use]
    pub fn new_user(sign_up: &ValidSignUp, password_hash: PasswordHash, now: DateTime<Utc>) -> Self {
        Self {
            id: UserId::new(),
            email: sign_up.email.clone(),
            name: sign_up.name.clone(),
            password_hash,
            account_type: AccountType::User,
            admin_role: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// A platform admin with `role` (`admin` or `super_admin`).
    ///
    /// # Errors
    /// `role` when it is a tenant role.
    pub fn new_admin(
        sign_up: &ValidSignUp,
        password_hash: PasswordHash,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationErrors> {
        if role.account_type() != AccountType::Admin {
            return Err(ValidationErrors::single("role", "must be admin or super_admin"));
        }
        Ok(Self {
            account_type: AccountType::Admin,
            admin_role: Some(role),
            ..Self::new_user(sign_up, password_hash, now)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_up() -> ValidSignUp {
        NewUser { email: "Owner@Acme.test".into(), password: "Secret123".into(), name: "Olga".into() }
            .validate()
            .expect("valid")
    }

    #[test]
    fn sign_up_reports_every_bad_field() {
        let errors =
            NewUser { email: "nope".into(), password: "short".into(), name: String::new() }.validate().unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "password", "name"]);
    }

    #[test]
    fn new_users_start_without_admin_role() {
        let user = User::new_user(&sign_up(), PasswordHash::from_stored("h".into()), Utc::now());
        assert_eq!(user.account_type, AccountType::User);
        assert_eq!(user.admin_role, None);
        assert_eq!(user.email.as_str(), "owner@acme.test");
    }

    #[test]
    fn admins_need_an_admin_role() {
        let hash = PasswordHash::from_stored("h".into());
        assert!(User::new_admin(&sign_up(), hash.clone(), Role::Owner, Utc::now()).is_err());
        let admin = User::new_admin(&sign_up(), hash, Role::SuperAdmin, Utc::now()).expect("admin");
        assert_eq!(admin.account_type, AccountType::Admin);
        assert_eq!(admin.admin_role, Some(Role::SuperAdmin));
    }

    #[test]
    fn sign_up_input_debug_never_shows_the_password() {
        let input = NewUser { email: "a@b.co".into(), password: "Secret123".into(), name: "A".into() };
        assert!(!format!("{input:?}").contains("Secret123"));
    }

    #[test]
    fn password_hash_is_redacted_in_debug() {
        let hash = PasswordHash::from_stored("$2b$12$secret".into());
        assert!(!format!("{hash:?}").contains("secret"));
    }
}
