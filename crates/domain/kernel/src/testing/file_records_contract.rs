//! The [`FileRecords`] contract, run against the fake and the SQL adapter.
//!
//! `tenants` must exist where the adapter has foreign keys.

use crate::TenantId;
use crate::files::{FileError, FileId, FilePurpose, FileRecord, FileRecords};
use crate::page::PageRequest;
use chrono::{DateTime, TimeZone, Utc};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + secs, 0).single().unwrap()
}

fn record(tenant: TenantId, folder: &str, secs: i64) -> FileRecord {
    let id = FileId::new();
    FileRecord {
        id,
        tenant_id: tenant,
        key: format!("files/{tenant}/{folder}{id}.png"),
        name: "Logo \u{e9}t\u{e9} \"2026\".png".into(),
        folder: folder.into(),
        content_type: "image/png".into(),
        size: 5_000_000_000,
        purpose: if folder.is_empty() { FilePurpose::Upload } else { FilePurpose::Recording },
        created_by: None,
        created_at: at(secs),
    }
}

/// Runs every check.
pub async fn file_records(records: &dyn FileRecords, tenants: [TenantId; 2]) {
    let [a, b] = tenants;
    let root = record(a, "", 0);
    let call = record(a, "recordings/", 1);
    let deep = record(a, "recordings/2026/", 2);
    let near = record(a, "recordings_x/", 3);
    let other = record(b, "recordings/", 4);
    for r in [&root, &call, &deep, &near, &other] {
        records.insert(r).await.unwrap();
    }
    assert_eq!(records.get(a, call.id).await.unwrap(), call, "stored as given");
    assert!(matches!(records.get(b, call.id).await, Err(FileError::NotFound)), "another tenant's id");
    assert_eq!(records.by_key(&deep.key).await.unwrap().as_ref(), Some(&deep));
    assert_eq!(records.by_key("files/none").await.unwrap(), None);

    let ids = |p: crate::Page<FileRecord>| p.data.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all = records.list(a, "", PageRequest::default()).await.unwrap();
    assert_eq!((all.total, ids(all)), (4, vec![near.id, deep.id, call.id, root.id]), "newest first");
    let recordings = records.list(a, "recordings/", PageRequest::default()).await.unwrap();
    assert_eq!((recordings.total, ids(recordings)), (2, vec![deep.id, call.id]), "`_` is not a wildcard");
    let second = records.list(a, "", PageRequest::new(Some(2), Some(3)).unwrap()).await.unwrap();
    assert_eq!((second.total, ids(second)), (4, vec![root.id]));
    assert_eq!(records.list(b, "", PageRequest::default()).await.unwrap().total, 1);

    assert!(!records.delete(b, call.id).await.unwrap(), "not across tenants");
    assert!(records.delete(a, call.id).await.unwrap());
    assert!(!records.delete(a, call.id).await.unwrap(), "twice is fine");
    assert!(matches!(records.get(a, call.id).await, Err(FileError::NotFound)));
}
