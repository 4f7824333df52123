//! An in-memory [`FileRecords`] and a [`FileLinks`] fake whose signatures a
//! test can forge on purpose.

use crate::TenantId;
use crate::files::{FileError, FileId, FileLinks, FileRecord, FileRecords};
use crate::page::{Page, PageRequest};
use crate::testing::{lock, page_of};
use async_trait::async_trait;
use std::sync::Mutex;

/// Records in a vector.
#[derive(Debug, Default)]
pub struct InMemoryFileRecords(Mutex<Vec<FileRecord>>);

#[async_trait]
impl FileRecords for InMemoryFileRecords {
    async fn insert(&self, record: &FileRecord) -> Result<(), FileError> {
        lock(&self.0).push(record.clone());
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: FileId) -> Result<FileRecord, FileError> {
        lock(&self.0).iter().find(|r| r.tenant_id == tenant && r.id == id).cloned().ok_or(FileError::NotFound)
    }

    async fn by_key(&self, key: &str) -> Result<Option<FileRecord>, FileError> {
        Ok(lock(&self.0).iter().find(|r| r.key == key).cloned())
    }

    async fn list(&self, tenant: TenantId, prefix: &str, page: PageRequest) -> Result<Page<FileRecord>, FileError> {
        let mut mine: Vec<FileRecord> =
            lock(&self.0).iter().filter(|r| r.tenant_id == tenant && r.folder.starts_with(prefix)).cloned().collect();
        mine.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
        Ok(page_of(&mine, page))
    }

    async fn delete(&self, tenant: TenantId, id: FileId) -> Result<bool, FileError> {
        let mut records = lock(&self.0);
        let before = records.len();
        records.retain(|r| !(r.tenant_id == tenant && r.id == id));
        Ok(records.len() < before)
    }
}

/// Links `test://{key}?expires=…&signature=…` signed by [`SignedTestLinks::sign`].
#[derive(Debug, Default)]
pub struct SignedTestLinks;

impl SignedTestLinks {
    /// The signature of `key` until `expires`.
    #[must_use]
    pub fn sign(key: &str, expires: i64) -> String {
        format!("signed:{expires}:{key}")
    }
}

#[async_trait]
impl FileLinks for SignedTestLinks {
    async fn link(&self, key: &str, lifetime: std::time::Duration) -> Result<String, FileError> {
        let expires = chrono::Utc::now().timestamp() + i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2);
        Ok(format!("test://{key}?expires={expires}&signature={}", Self::sign(key, expires)))
    }

    fn verify(&self, key: &str, expires: i64, signature: &str) -> bool {
        signature == Self::sign(key, expires)
    }
}
