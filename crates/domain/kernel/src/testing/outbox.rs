//! An in-memory outbox: the [`OutboundMessenger`] and [`Outbox`] fake,
//! idempotent per tenant and dedupe key like the SQL outbox.

use crate::messaging::{
    MessageChannel, MessageId, MessageLedger, MessagingError, OutboundMessage, OutboundMessenger, Outbox, Sent,
    SentMessage,
};
use crate::testing::{lock, page_of};
use crate::{Page, PageRequest, TenantId};
use async_trait::async_trait;
use chrono::Utc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Messages kept in memory, oldest first.
#[derive(Debug, Default)]
pub struct InMemoryOutbox {
    sent: Mutex<Vec<SentMessage>>,
    down: AtomicBool,
}

impl InMemoryOutbox {
    /// Every message sent so far, oldest first.
    #[must_use]
    pub fn all(&self) -> Vec<SentMessage> {
        lock(&self.sent).clone()
    }

    /// Makes every later send fail with `Unavailable` (`true`) or work again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

#[async_trait]
impl OutboundMessenger for InMemoryOutbox {
    async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(MessagingError::unavailable(std::io::Error::other("outbox is down (test switch)")));
        }
        let mut sent = lock(&self.sent);
        if sent.iter().any(|m| m.message.tenant_id == message.tenant_id && m.message.dedupe_key == message.dedupe_key) {
            return Ok(Sent::Duplicate);
        }
        let id = MessageId::new();
        sent.push(SentMessage { id, message: message.clone(), created_at: Utc::now() });
        Ok(Sent::New(id))
    }
}

#[async_trait]
impl MessageLedger for InMemoryOutbox {
    async fn forget(&self, tenant: TenantId, dedupe_key: &str) -> Result<(), MessagingError> {
        lock(&self.sent).retain(|m| !(m.message.tenant_id == tenant && m.message.dedupe_key == dedupe_key));
        Ok(())
    }
}

#[async_trait]
impl Outbox for InMemoryOutbox {
    async fn list(
        &self,
        tenant: TenantId,
        channel: Option<MessageChannel>,
        page: PageRequest,
    ) -> Result<Page<SentMessage>, MessagingError> {
        let mine: Vec<SentMessage> = lock(&self.sent)
            .iter()
            .rev()
            .filter(|m| m.message.tenant_id == tenant && channel.is_none_or(|c| c == m.message.channel))
            .cloned()
            .collect();
        Ok(page_of(&mine, page))
    }
}

#[cfg(test)]
mod tests {
    use super::InMemoryOutbox;
    use crate::TenantId;

    #[tokio::test]
    async fn the_in_memory_outbox_keeps_the_contract() {
        let outbox = InMemoryOutbox::default();
        crate::testing::outbox_contract::outbox(&outbox, &outbox, [TenantId::new(), TenantId::new()]).await;
        let ledger = std::sync::Arc::new(InMemoryOutbox::default());
        crate::testing::outbox_contract::ledger(ledger, [TenantId::new(), TenantId::new()]).await;
    }
}
