//! Which sub-account a webhook is for: the phone number called or texted
//! (`To`), the inbound email address, and the sub-account's blocklist.
//!
//! A number belongs to one sub-account across the whole deployment (the
//! store's unique index says so, not a read-then-write here), so a call to
//! tenant A's number can never be answered as tenant B. Lookups sit on the
//! path of every call and text, so [`Routes`] caches them in-process —
//! misses too, so a flood to an unknown number does not reach the
//! database — and drops an entry the moment it changes here. Another api
//! process sees a change after at most [`Routes::TTL`].

use crate::ReceptionistConfig;
use crate::error::{ReceptionistError, Result};
use crate::strategy::StrategyId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{
    EmailAddress, Page, PageRequest, PhoneNumber, TenantId, ValidationErrors, define_id, string_enum, text::check_text,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

define_id!(
    /// A routed phone number.
    PhoneNumberId,
    "phone number id"
);
define_id!(
    /// A routed inbound email address.
    InboundAddressId,
    "inbound address id"
);
define_id!(
    /// A blocked caller number.
    BlockedNumberId,
    "blocked number id"
);

string_enum!(
    /// What a number answers.
    NumberChannel, "channel" {
        /// Calls only.
        Voice => "voice",
        /// Texts only.
        Sms => "sms",
        /// Calls and texts.
        Both => "both",
    }
);

impl NumberChannel {
    /// Whether calls to the number are answered.
    #[must_use]
    pub const fn voice(self) -> bool {
        matches!(self, Self::Voice | Self::Both)
    }

    /// Whether texts to the number are answered.
    #[must_use]
    pub const fn sms(self) -> bool {
        matches!(self, Self::Sms | Self::Both)
    }
}

/// A number of a sub-account, answered by the receptionist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumberRoute {
    /// Its id.
    pub id: PhoneNumberId,
    /// The sub-account.
    pub tenant_id: TenantId,
    /// E.164.
    pub number: PhoneNumber,
    /// Calls, texts or both.
    pub channel: NumberChannel,
    /// The strategy its conversations use (the default one when absent).
    pub strategy_id: Option<StrategyId>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// An inbound email address (or Postmark mailbox hash) of a sub-account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundAddress {
    /// Its id.
    pub id: InboundAddressId,
    /// The sub-account.
    pub tenant_id: TenantId,
    /// A lower-case email address, or a mailbox hash (`[a-z0-9._-]`, ≤ 64).
    pub address: String,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// A caller the sub-account does not want to hear from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedNumber {
    /// Its id.
    pub id: BlockedNumberId,
    /// The sub-account.
    pub tenant_id: TenantId,
    /// E.164.
    pub number: PhoneNumber,
    /// Why (for the staff), ≤ 200 characters.
    pub reason: Option<String>,
    /// When it was blocked.
    pub created_at: DateTime<Utc>,
}

/// Raw input for a number.
#[derive(Clone, Debug, Default)]
pub struct NewPhoneNumber {
    /// The number, international form.
    pub number: String,
    /// `voice|sms|both` (default `both`).
    pub channel: Option<String>,
    /// A strategy of the sub-account.
    pub strategy_id: Option<StrategyId>,
}

/// Where numbers, addresses and blocks are kept.
#[async_trait]
pub trait ChannelDirectory: Send + Sync + 'static {
    /// Adds `route`. `AlreadyExists` when any sub-account has the number.
    async fn add_number(&self, route: &PhoneNumberRoute) -> Result<()>;
    /// The sub-account's numbers, oldest first.
    async fn numbers(&self, tenant: TenantId, page: PageRequest) -> Result<Page<PhoneNumberRoute>>;
    /// Removes and returns the number `id` of `tenant`; `NotFound` otherwise.
    async fn remove_number(&self, tenant: TenantId, id: PhoneNumberId) -> Result<PhoneNumberRoute>;
    /// The route of `number` (E.164), whoever owns it.
    async fn number(&self, number: &str) -> Result<Option<PhoneNumberRoute>>;
    /// The oldest number of `tenant` that answers texts (texts are sent from it).
    async fn sms_number(&self, tenant: TenantId) -> Result<Option<PhoneNumberRoute>>;
    /// Adds `address`. `AlreadyExists` when any sub-account has it.
    async fn add_address(&self, address: &InboundAddress) -> Result<()>;
    /// The sub-account's addresses, oldest first.
    async fn addresses(&self, tenant: TenantId, page: PageRequest) -> Result<Page<InboundAddress>>;
    /// Removes and returns the address `id` of `tenant`; `NotFound` otherwise.
    async fn remove_address(&self, tenant: TenantId, id: InboundAddressId) -> Result<InboundAddress>;
    /// The route of `address` (lower case), whoever owns it.
    async fn address(&self, address: &str) -> Result<Option<InboundAddress>>;
    /// Blocks `number` for its tenant. `AlreadyExists` when it is blocked there.
    async fn block(&self, number: &BlockedNumber) -> Result<()>;
    /// The sub-account's blocked numbers, oldest first.
    async fn blocked(&self, tenant: TenantId, page: PageRequest) -> Result<Page<BlockedNumber>>;
    /// Unblocks and returns `id` of `tenant`; `NotFound` otherwise.
    async fn unblock(&self, tenant: TenantId, id: BlockedNumberId) -> Result<BlockedNumber>;
    /// Whether `number` (E.164) is blocked by `tenant`.
    async fn is_blocked(&self, tenant: TenantId, number: &str) -> Result<bool>;
}

/// The number a sub-account texts from (the Twilio messenger's `From`).
#[async_trait]
pub trait SmsSenders: Send + Sync + 'static {
    /// `tenant`'s SMS number, if it has one.
    async fn sms_number(&self, tenant: TenantId) -> Result<Option<PhoneNumberRoute>>;
}

#[async_trait]
impl SmsSenders for Routes {
    async fn sms_number(&self, tenant: TenantId) -> Result<Option<PhoneNumberRoute>> {
        Routes::sms_number(self, tenant).await
    }
}

/// Normalises an inbound address: a lower-cased email, or a mailbox hash.
///
/// # Errors
/// What is wrong with it.
pub fn parse_address(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.contains('@') {
        return EmailAddress::parse(raw).map(|e| e.as_str().to_lowercase());
    }
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(raw.to_lowercase())
    } else {
        Err("must be an email address or a mailbox hash (letters, digits, . _ -; at most 64)".into())
    }
}

type Cached<K, V> = RwLock<HashMap<K, (V, Instant)>>;

/// The routing use cases, with the lookup cache.
pub struct Routes {
    directory: Arc<dyn ChannelDirectory>,
    config: Arc<ReceptionistConfig>,
    numbers: Cached<String, Option<PhoneNumberRoute>>,
    senders: Cached<TenantId, Option<PhoneNumberRoute>>,
    addresses: Cached<String, Option<InboundAddress>>,
    blocked: Cached<(TenantId, String), bool>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes").finish_non_exhaustive()
    }
}

/// At most this many entries per cache; a full cache is emptied (an attack
/// with random numbers cannot grow memory).
const MAX_ENTRIES: usize = 20_000;

fn cached<K: std::hash::Hash + Eq, V: Clone>(cache: &Cached<K, V>, key: &K) -> Option<V> {
    let map = cache.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    map.get(key).filter(|(_, at)| at.elapsed() < Routes::TTL).map(|(v, _)| v.clone())
}

fn remember<K: std::hash::Hash + Eq, V>(cache: &Cached<K, V>, key: K, value: V) {
    let mut map = cache.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, (value, Instant::now()));
}

fn forget<K: std::hash::Hash + Eq, V>(cache: &Cached<K, V>, key: &K) {
    cache.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
}

impl Routes {
    /// How long another process may answer from a stale entry.
    pub const TTL: Duration = Duration::from_secs(5);

    /// The use cases over `directory`; strategies are checked through `config`.
    #[must_use]
    pub fn new(directory: Arc<dyn ChannelDirectory>, config: Arc<ReceptionistConfig>) -> Self {
        Self {
            directory,
            config,
            numbers: RwLock::default(),
            senders: RwLock::default(),
            addresses: RwLock::default(),
            blocked: RwLock::default(),
        }
    }

    /// Routes a number to `tenant`.
    ///
    /// # Errors
    /// `Validation` (every bad field, a strategy of another tenant too); `AlreadyExists`; `Storage`.
    pub async fn add_number(&self, tenant: TenantId, input: NewPhoneNumber) -> Result<PhoneNumberRoute> {
        let mut errors = ValidationErrors::new();
        let number = errors.check("number", PhoneNumber::parse(&input.number));
        let channel = match input.channel.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            None => Some(NumberChannel::Both),
            Some(raw) => {
                errors.check("channel", raw.parse::<NumberChannel>().map_err(|_| "must be voice, sms or both"))
            }
        };
        if let Some(id) = input.strategy_id {
            match self.config.get_strategy(tenant, id).await {
                Ok(_) => {}
                Err(ReceptionistError::NotFound { .. }) => errors.add("strategyId", "no such strategy"),
                Err(other) => return Err(other),
            }
        }
        let (Some(number), Some(channel), true) = (number, channel, errors.is_empty()) else {
            return Err(errors.into());
        };
        let route = PhoneNumberRoute {
            id: PhoneNumberId::new(),
            tenant_id: tenant,
            number,
            channel,
            strategy_id: input.strategy_id,
            created_at: Utc::now(),
        };
        self.directory.add_number(&route).await?;
        forget(&self.numbers, &route.number.as_str().to_owned());
        forget(&self.senders, &tenant);
        Ok(route)
    }

    /// The numbers of `tenant`.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn numbers(&self, tenant: TenantId, page: PageRequest) -> Result<Page<PhoneNumberRoute>> {
        self.directory.numbers(tenant, page).await
    }

    /// Stops routing the number `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn remove_number(&self, tenant: TenantId, id: PhoneNumberId) -> Result<()> {
        let removed = self.directory.remove_number(tenant, id).await?;
        forget(&self.numbers, &removed.number.as_str().to_owned());
        forget(&self.senders, &tenant);
        Ok(())
    }

    /// Who answers `to` (any form of a number), from the cache when fresh.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn route_number(&self, to: &str) -> Result<Option<PhoneNumberRoute>> {
        let Ok(number) = PhoneNumber::parse(to) else { return Ok(None) };
        let key = number.as_str().to_owned();
        if let Some(hit) = cached(&self.numbers, &key) {
            return Ok(hit);
        }
        let found = self.directory.number(&key).await?;
        remember(&self.numbers, key, found.clone());
        Ok(found)
    }

    /// The number `tenant` texts from: its oldest SMS number.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn sms_number(&self, tenant: TenantId) -> Result<Option<PhoneNumberRoute>> {
        if let Some(hit) = cached(&self.senders, &tenant) {
            return Ok(hit);
        }
        let found = self.directory.sms_number(tenant).await?;
        remember(&self.senders, tenant, found.clone());
        Ok(found)
    }

    /// Routes an inbound address to `tenant`.
    ///
    /// # Errors
    /// `Validation`; `AlreadyExists`; `Storage`.
    pub async fn add_address(&self, tenant: TenantId, raw: &str) -> Result<InboundAddress> {
        let address = parse_address(raw).map_err(|e| ValidationErrors::single("address", e))?;
        let route = InboundAddress { id: InboundAddressId::new(), tenant_id: tenant, address, created_at: Utc::now() };
        self.directory.add_address(&route).await?;
        forget(&self.addresses, &route.address);
        Ok(route)
    }

    /// The addresses of `tenant`.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn addresses(&self, tenant: TenantId, page: PageRequest) -> Result<Page<InboundAddress>> {
        self.directory.addresses(tenant, page).await
    }

    /// Stops routing the address `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn remove_address(&self, tenant: TenantId, id: InboundAddressId) -> Result<()> {
        let removed = self.directory.remove_address(tenant, id).await?;
        forget(&self.addresses, &removed.address);
        Ok(())
    }

    /// Who receives mail at any of `candidates` (addresses or mailbox hashes), the first routed one.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn route_address<'a>(
        &self,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Result<Option<InboundAddress>> {
        for raw in candidates {
            let Ok(key) = parse_address(raw) else { continue };
            let found = match cached(&self.addresses, &key) {
                Some(hit) => hit,
                None => {
                    let found = self.directory.address(&key).await?;
                    remember(&self.addresses, key, found.clone());
                    found
                }
            };
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Blocks `number` for `tenant`.
    ///
    /// # Errors
    /// `Validation`; `AlreadyExists`; `Storage`.
    pub async fn block(&self, tenant: TenantId, number: &str, reason: Option<&str>) -> Result<BlockedNumber> {
        let mut errors = ValidationErrors::new();
        let parsed = errors.check("number", PhoneNumber::parse(number));
        let reason = reason.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
        if let Some(reason) = &reason {
            if reason.chars().count() > 200 {
                errors.add("reason", "must be at most 200 characters");
            } else if let Err(e) = check_text(reason) {
                errors.add("reason", e);
            }
        }
        let (Some(number), true) = (parsed, errors.is_empty()) else { return Err(errors.into()) };
        let blocked =
            BlockedNumber { id: BlockedNumberId::new(), tenant_id: tenant, number, reason, created_at: Utc::now() };
        self.directory.block(&blocked).await?;
        forget(&self.blocked, &(tenant, blocked.number.as_str().to_owned()));
        Ok(blocked)
    }

    /// The blocked numbers of `tenant`.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn blocked(&self, tenant: TenantId, page: PageRequest) -> Result<Page<BlockedNumber>> {
        self.directory.blocked(tenant, page).await
    }

    /// Unblocks `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn unblock(&self, tenant: TenantId, id: BlockedNumberId) -> Result<()> {
        let removed = self.directory.unblock(tenant, id).await?;
        forget(&self.blocked, &(tenant, removed.number.as_str().to_owned()));
        Ok(())
    }

    /// Whether `tenant` blocked `from` (a caller without a parsable number is never blocked by number).
    ///
    /// # Errors
    /// `Storage`.
    pub async fn is_blocked(&self, tenant: TenantId, from: &str) -> Result<bool> {
        let Ok(number) = PhoneNumber::parse(from) else { return Ok(false) };
        let key = (tenant, number.as_str().to_owned());
        if let Some(hit) = cached(&self.blocked, &key) {
            return Ok(hit);
        }
        let found = self.directory.is_blocked(tenant, &key.1).await?;
        remember(&self.blocked, key, found);
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_emails_or_mailbox_hashes() {
        assert_eq!(parse_address(" Desk@Acme.Example ").unwrap(), "desk@acme.example");
        assert_eq!(parse_address("acme-42").unwrap(), "acme-42");
        assert!(parse_address("").is_err());
        assert!(parse_address("a b").is_err());
        assert!(parse_address(&"x".repeat(65)).is_err());
        assert!(parse_address("not@valid@x").is_err());
    }

    #[test]
    fn channels_say_what_they_answer() {
        assert!(NumberChannel::Both.voice() && NumberChannel::Both.sms());
        assert!(NumberChannel::Voice.voice() && !NumberChannel::Voice.sms());
        assert!(!NumberChannel::Sms.voice() && NumberChannel::Sms.sms());
    }
}
