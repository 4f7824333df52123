//! [`PasswordHasher`] on bcrypt.
//!
//! bcrypt is deliberately slow (≈ 250 ms at cost 12), so hashing and
//! verifying run on a [`HashingPool`]: a fixed set of low-priority threads,
//! one per core. An async worker thread is never held for the duration of
//! a hash, and a burst of logins queues for those threads instead of
//! stalling unrelated requests.
//!
//! Passwords are never truncated. bcrypt only reads 72 bytes; [`Password`]
//! already refuses longer passwords, and a candidate longer than 72 bytes
//! simply does not match, instead of matching on its first 72 bytes. (The
//! crate's `non_truncating_*` functions are not used: they count bcrypt's
//! trailing NUL and so refuse a legitimate 72-byte password.)
//!
//! [`BcryptPasswordHasher::dummy_verify`] exists for login: when the email
//! is unknown there is no hash to check, and answering at once would let
//! anyone time the response to learn which emails have accounts. Running a
//! bcrypt verification of the same cost against a fixed dummy hash makes
//! "unknown email" cost the same as "wrong password".

use crate::error::CryptoError;
use crate::hashing_pool::HashingPool;
use async_trait::async_trait;
use frontdesk_tenancy::{Password, PasswordHash, PasswordHasher, TenancyError};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The password behind the dummy hash. Its value is irrelevant: it only has
/// to be hashed once, at the hasher's cost.
const DUMMY_PASSWORD: &str = "frontdesk-timing-equaliser";

/// Hashes and verifies passwords with bcrypt at a fixed cost.
#[derive(Clone)]
pub struct BcryptPasswordHasher {
    cost: u32,
    /// A bcrypt hash of [`DUMMY_PASSWORD`] at `cost`, computed once (on first
    /// use or by [`Self::warm_up`]) and shared by clones.
    dummy_hash: Arc<OnceCell<String>>,
    pool: HashingPool,
}

impl fmt::Debug for BcryptPasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BcryptPasswordHasher").field("cost", &self.cost).finish_non_exhaustive()
    }
}

/// Verifies without truncating: a candidate over 72 bytes is a mismatch, not an error.
fn check(candidate: &SecretString, hash: &str) -> Result<bool, CryptoError> {
    let candidate = candidate.expose_secret();
    if candidate.len() > Password::MAX_BYTES {
        return Ok(false);
    }
    bcrypt::verify(candidate, hash).map_err(CryptoError::Bcrypt)
}

impl BcryptPasswordHasher {
    /// The cheapest cost bcrypt accepts (tests only).
    pub const MIN_COST: u32 = 4;
    /// The dearest cost bcrypt accepts.
    pub const MAX_COST: u32 = 31;
    /// The production default (≈ 250 ms per hash).
    pub const DEFAULT_COST: u32 = bcrypt::DEFAULT_COST;

    /// A hasher at `cost` (bcrypt's log₂ work factor) on one hashing
    /// thread per core. Does no hashing.
    ///
    /// # Errors
    /// [`CryptoError::InvalidCost`] outside `4..=31`; [`CryptoError::Worker`] when no thread starts.
    pub fn new(cost: u32) -> Result<Self, CryptoError> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self::with_threads(cost, cores)
    }

    /// A hasher at `cost` on `threads` hashing threads (`BCRYPT_THREADS`).
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn with_threads(cost: u32, threads: usize) -> Result<Self, CryptoError> {
        if !(Self::MIN_COST..=Self::MAX_COST).contains(&cost) {
            return Err(CryptoError::InvalidCost { cost });
        }
        Ok(Self { cost, dummy_hash: Arc::new(OnceCell::new()), pool: HashingPool::start(threads)? })
    }

    /// The cost of new hashes.
    #[must_use]
    pub const fn cost(&self) -> u32 {
        self.cost
    }

    /// Computes the dummy hash now (call at start-up), so that even the first
    /// [`Self::dummy_verify`] takes no longer than a real verification.
    ///
    /// # Errors
    /// [`CryptoError::Bcrypt`] or [`CryptoError::Worker`] if hashing fails.
    pub async fn warm_up(&self) -> Result<(), CryptoError> {
        self.dummy_hash().await.map(|_| ())
    }

    async fn dummy_hash(&self) -> Result<String, CryptoError> {
        let cost = self.cost;
        self.dummy_hash
            .get_or_try_init(|| self.pool.run(move || bcrypt::hash(DUMMY_PASSWORD, cost).map_err(CryptoError::Bcrypt)))
            .await
            .cloned()
    }

    /// Spends the time of a real verification, then answers `false`. Use it
    /// when the account does not exist, so timing does not reveal which
    /// emails are registered (see the module docs).
    ///
    /// # Errors
    /// `Storage` if the dummy hash cannot be computed.
    pub async fn dummy_verify(&self, candidate: &str) -> frontdesk_tenancy::Result<bool> {
        let hash = self.dummy_hash().await.map_err(TenancyError::storage)?;
        let candidate = SecretString::from(candidate.to_owned());
        let outcome = self.pool.run(move || check(&candidate, &hash)).await;
        // Whatever the dummy comparison says (it cannot match a real password), the answer is "no".
        std::hint::black_box(outcome).map(|_| false).map_err(TenancyError::storage)
    }
}

#[async_trait]
impl PasswordHasher for BcryptPasswordHasher {
    async fn hash(&self, password: &Password) -> frontdesk_tenancy::Result<PasswordHash> {
        let cost = self.cost;
        let password = SecretString::from(password.expose().to_owned());
        self.pool
            .run(move || bcrypt::hash(password.expose_secret(), cost).map_err(CryptoError::Bcrypt))
            .await
            .map(PasswordHash::from_stored)
            .map_err(TenancyError::storage)
    }

    async fn dummy_verify(&self, candidate: &str) -> frontdesk_tenancy::Result<bool> {
        Self::dummy_verify(self, candidate).await
    }

    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> frontdesk_tenancy::Result<bool> {
        let candidate = SecretString::from(candidate.to_owned());
        let hash = hash.as_str().to_owned();
        self.pool.run(move || check(&candidate, &hash)).await.map_err(TenancyError::storage)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text).expect("meets the policy")
    }

    #[test]
    fn cost_must_be_within_bcrypt_range() {
        assert!(matches!(BcryptPasswordHasher::new(3), Err(CryptoError::InvalidCost { cost: 3 })));
        assert!(matches!(BcryptPasswordHasher::new(32), Err(CryptoError::InvalidCost { cost: 32 })));
        // Construction does no hashing, so even cost 31 is instant.
        assert_eq!(BcryptPasswordHasher::new(31).unwrap().cost(), 31);
        assert_eq!(BcryptPasswordHasher::new(4).unwrap().cost(), 4);
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = BcryptPasswordHasher::new(4).unwrap();
        let hash = hasher.hash(&password("Secret123")).await.unwrap();
        assert!(hash.as_str().starts_with("$2b$04$"), "bcrypt at cost 4");
        assert!(hasher.verify("Secret123", &hash).await.unwrap());
        assert!(!hasher.verify("Secret124", &hash).await.unwrap());
        assert!(!hasher.verify("", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_are_salted() {
        let hasher = BcryptPasswordHasher::new(4).unwrap();
        let a = hasher.hash(&password("Secret123")).await.unwrap();
        let b = hasher.hash(&password("Secret123")).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn a_hash_from_another_cost_still_verifies() {
        let old = BcryptPasswordHasher::new(5).unwrap().hash(&password("Secret123")).await.unwrap();
        assert!(old.as_str().starts_with("$2b$05$"));
        let current = BcryptPasswordHasher::new(4).unwrap();
        assert!(current.verify("Secret123", &old).await.unwrap());
        assert!(!current.verify("Secret12", &old).await.unwrap());
    }

    #[tokio::test]
    async fn candidates_longer_than_72_bytes_never_match() {
        let hasher = BcryptPasswordHasher::new(4).unwrap();
        let exact = format!("Aa1{}", "x".repeat(69));
        assert_eq!(exact.len(), 72);
        let hash = hasher.hash(&password(&exact)).await.unwrap();
        assert!(hasher.verify(&exact, &hash).await.unwrap());
        // Plain bcrypt would accept this: it ignores everything after byte 72.
        assert!(!hasher.verify(&format!("{exact}tail"), &hash).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_hash_is_a_storage_error() {
        let hasher = BcryptPasswordHasher::new(4).unwrap();
        let err = hasher.verify("Secret123", &PasswordHash::from_stored("not-a-hash".into())).await.unwrap_err();
        assert!(matches!(err, TenancyError::Storage(_)));
    }

    #[tokio::test]
    async fn dummy_verify_always_says_no_at_the_same_cost() {
        let hasher = BcryptPasswordHasher::new(4).unwrap();
        hasher.warm_up().await.unwrap();
        assert!(hasher.dummy_hash().await.unwrap().starts_with("$2b$04$"));
        assert!(!hasher.dummy_verify("Secret123").await.unwrap());
        assert!(!hasher.dummy_verify(DUMMY_PASSWORD).await.unwrap());
        // Clones share the one dummy hash.
        assert_eq!(hasher.clone().dummy_hash().await.unwrap(), hasher.dummy_hash().await.unwrap());
    }
}
