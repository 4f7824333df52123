//! In-memory adapters of the channels' ports, with the same rules as the
//! SQL ones (a number or address belongs to one sub-account; a blocked
//! number once per sub-account; an email id keeps its first conversation),
//! checked by the same contract suites (`testing::channels_contract`).

use crate::ConversationId;
use crate::channels::email::EmailThreads;
use crate::channels::routing::{
    BlockedNumber, BlockedNumberId, ChannelDirectory, InboundAddress, InboundAddressId, PhoneNumberId, PhoneNumberRoute,
};
use crate::channels::sms::OptOuts;
use crate::channels::widget::{ChatWidget, WidgetStore};
use crate::error::{ReceptionistError, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::testing::{lock, page_of};
use frontdesk_kernel::{Page, PageRequest, TenantId};
use std::sync::Mutex;

/// Numbers, addresses, blocks and opt-outs in `Vec`s.
#[derive(Debug, Default)]
pub struct InMemoryChannels {
    numbers: Mutex<Vec<PhoneNumberRoute>>,
    addresses: Mutex<Vec<InboundAddress>>,
    blocked: Mutex<Vec<BlockedNumber>>,
    opted_out: Mutex<Vec<(TenantId, String)>>,
}

fn take<T: Clone>(all: &Mutex<Vec<T>>, found: impl Fn(&T) -> bool, entity: &'static str) -> Result<T> {
    let mut all = lock(all);
    let at = all.iter().position(found).ok_or(ReceptionistError::NotFound { entity })?;
    Ok(all.remove(at))
}

#[async_trait]
impl ChannelDirectory for InMemoryChannels {
    async fn add_number(&self, route: &PhoneNumberRoute) -> Result<()> {
        let mut all = lock(&self.numbers);
        if all.iter().any(|r| r.number == route.number) {
            return Err(ReceptionistError::AlreadyExists { entity: "phone number" });
        }
        all.push(route.clone());
        Ok(())
    }

    async fn numbers(&self, tenant: TenantId, page: PageRequest) -> Result<Page<PhoneNumberRoute>> {
        Ok(page_of(&lock(&self.numbers).iter().filter(|r| r.tenant_id == tenant).cloned().collect::<Vec<_>>(), page))
    }

    async fn remove_number(&self, tenant: TenantId, id: PhoneNumberId) -> Result<PhoneNumberRoute> {
        take(&self.numbers, |r| r.tenant_id == tenant && r.id == id, "phone number")
    }

    async fn number(&self, number: &str) -> Result<Option<PhoneNumberRoute>> {
        Ok(lock(&self.numbers).iter().find(|r| r.number.as_str() == number).cloned())
    }

    async fn sms_number(&self, tenant: TenantId) -> Result<Option<PhoneNumberRoute>> {
        Ok(lock(&self.numbers).iter().find(|r| r.tenant_id == tenant && r.channel.sms()).cloned())
    }

    async fn add_address(&self, address: &InboundAddress) -> Result<()> {
        let mut all = lock(&self.addresses);
        if all.iter().any(|a| a.address == address.address) {
            return Err(ReceptionistError::AlreadyExists { entity: "inbound address" });
        }
        all.push(address.clone());
        Ok(())
    }

    async fn addresses(&self, tenant: TenantId, page: PageRequest) -> Result<Page<InboundAddress>> {
        Ok(page_of(&lock(&self.addresses).iter().filter(|a| a.tenant_id == tenant).cloned().collect::<Vec<_>>(), page))
    }

    async fn remove_address(&self, tenant: TenantId, id: InboundAddressId) -> Result<InboundAddress> {
        take(&self.addresses, |a| a.tenant_id == tenant && a.id == id, "inbound address")
    }

    async fn address(&self, address: &str) -> Result<Option<InboundAddress>> {
        Ok(lock(&self.addresses).iter().find(|a| a.address == address).cloned())
    }

    async fn block(&self, number: &BlockedNumber) -> Result<()> {
        let mut all = lock(&self.blocked);
        if all.iter().any(|b| b.tenant_id == number.tenant_id && b.number == number.number) {
            return Err(ReceptionistError::AlreadyExists { entity: "blocked number" });
        }
        all.push(number.clone());
        Ok(())
    }

    async fn blocked(&self, tenant: TenantId, page: PageRequest) -> Result<Page<BlockedNumber>> {
        Ok(page_of(&lock(&self.blocked).iter().filter(|b| b.tenant_id == tenant).cloned().collect::<Vec<_>>(), page))
    }

    async fn unblock(&self, tenant: TenantId, id: BlockedNumberId) -> Result<BlockedNumber> {
        take(&self.blocked, |b| b.tenant_id == tenant && b.id == id, "blocked number")
    }

    async fn is_blocked(&self, tenant: TenantId, number: &str) -> Result<bool> {
        Ok(lock(&self.blocked).iter().any(|b| b.tenant_id == tenant && b.number.as_str() == number))
    }
}

#[async_trait]
impl OptOuts for InMemoryChannels {
    async fn set(&self, tenant: TenantId, number: &str, opted_out: bool, _: DateTime<Utc>) -> Result<()> {
        let mut all = lock(&self.opted_out);
        all.retain(|(t, n)| !(*t == tenant && n == number));
        if opted_out {
            all.push((tenant, number.to_owned()));
        }
        Ok(())
    }

    async fn is_opted_out(&self, tenant: TenantId, number: &str) -> Result<bool> {
        Ok(lock(&self.opted_out).iter().any(|(t, n)| *t == tenant && n == number))
    }
}

/// One filed email id: tenant, message id, conversation, sender, subject key.
type Filed = (TenantId, String, ConversationId, String, String);

/// Email ids filed under conversations, in a `Vec` (oldest first).
#[derive(Debug, Default)]
pub struct InMemoryEmailThreads(Mutex<Vec<Filed>>);

#[async_trait]
impl EmailThreads for InMemoryEmailThreads {
    async fn find(&self, tenant: TenantId, ids: &[String]) -> Result<Option<ConversationId>> {
        let all = lock(&self.0);
        Ok(ids.iter().find_map(|id| all.iter().find(|(t, m, ..)| *t == tenant && m == id).map(|(_, _, c, ..)| *c)))
    }

    async fn by_subject(&self, tenant: TenantId, sender: &str, subject_key: &str) -> Result<Option<ConversationId>> {
        Ok(lock(&self.0)
            .iter()
            .rev()
            .find(|(t, _, _, s, k)| *t == tenant && s == sender && k == subject_key)
            .map(|(_, _, c, ..)| *c))
    }

    async fn remember(
        &self,
        tenant: TenantId,
        ids: &[String],
        conversation: ConversationId,
        sender: &str,
        subject_key: &str,
    ) -> Result<()> {
        let mut all = lock(&self.0);
        for id in ids {
            if !all.iter().any(|(t, m, ..)| *t == tenant && m == id) {
                all.push((tenant, id.clone(), conversation, sender.to_owned(), subject_key.to_owned()));
            }
        }
        Ok(())
    }
}

/// Chat widgets in a `Vec`.
#[derive(Debug, Default)]
pub struct InMemoryWidgets(Mutex<Vec<ChatWidget>>);

#[async_trait]
impl WidgetStore for InMemoryWidgets {
    async fn get(&self, tenant: TenantId) -> Result<Option<ChatWidget>> {
        Ok(lock(&self.0).iter().find(|w| w.tenant_id == tenant).cloned())
    }

    async fn by_key(&self, key: &str) -> Result<Option<ChatWidget>> {
        Ok(lock(&self.0).iter().find(|w| w.key == key).cloned())
    }

    async fn put(&self, widget: &ChatWidget) -> Result<()> {
        let mut all = lock(&self.0);
        match all.iter_mut().find(|w| w.tenant_id == widget.tenant_id) {
            Some(stored) => {
                let key = stored.key.clone();
                *stored = ChatWidget { key, created_at: stored.created_at, ..widget.clone() };
            }
            None => all.push(widget.clone()),
        }
        Ok(())
    }
}
