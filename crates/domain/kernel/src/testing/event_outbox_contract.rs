//! The [`EventOutbox`] contract, run against the fake and the SQL adapter.
//!
//! `tenants` must exist where the adapter has foreign keys.

use crate::TenantId;
use crate::events::{DomainEvent, EventOutbox};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0).single().unwrap()
}

/// Runs every check.
pub async fn event_outbox(outbox: &dyn EventOutbox, tenants: [TenantId; 2]) {
    let [a, b] = tenants;
    let first = DomainEvent::new(a, "lead.created", json!({"id": "1", "name": "Ana"}), at(0));
    let second = DomainEvent::new(a, "lead.updated", json!({"id": "1"}), at(1));
    let other = DomainEvent::new(b, "lead.created", json!({"id": "2"}), at(2));
    outbox.append(&[second.clone(), first.clone()]).await.unwrap();
    outbox.append(&[other.clone(), first.clone()]).await.unwrap(); // a known id is skipped

    let pending = outbox.pending(10).await.unwrap();
    let mine: Vec<_> = pending.iter().filter(|e| [first.id, second.id, other.id].contains(&e.id)).collect();
    assert_eq!(mine.iter().map(|e| e.id).collect::<Vec<_>>(), [first.id, second.id, other.id], "oldest first");
    assert_eq!(mine[0], &first, "stored as given (data, kind, time)");

    outbox.mark_relayed(&[first.id, second.id], at(3)).await.unwrap();
    let pending = outbox.pending(1000).await.unwrap();
    assert!(pending.iter().any(|e| e.id == other.id));
    assert!(!pending.iter().any(|e| e.id == first.id || e.id == second.id), "relayed events are not pending");

    assert_eq!(outbox.get(a, first.id).await.unwrap().as_ref(), Some(&first));
    assert_eq!(outbox.get(b, first.id).await.unwrap(), None, "another tenant's event is not found");

    let kinds = ["lead.created".to_owned(), "lead.updated".to_owned()];
    let range = outbox.between(a, &kinds, at(0), at(1), 10).await.unwrap();
    assert_eq!(range.iter().map(|e| e.id).collect::<Vec<_>>(), [first.id], "from inclusive, to exclusive");
    let range = outbox.between(a, &kinds[1..], at(-10), at(10), 10).await.unwrap();
    assert_eq!(range.iter().map(|e| e.id).collect::<Vec<_>>(), [second.id], "only the kinds asked for");
    assert!(outbox.between(b, &kinds, at(0), at(1), 10).await.unwrap().is_empty(), "only the tenant's events");

    let purged = outbox.purge(at(1) + Duration::milliseconds(1)).await.unwrap();
    assert!(purged >= 2);
    assert_eq!(outbox.get(a, first.id).await.unwrap(), None, "relayed and old: purged");
    assert!(outbox.get(b, other.id).await.unwrap().is_some(), "never purged before it is relayed");
}
