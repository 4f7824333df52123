//! An in-memory [`FileStorage`], for tests of code that stores files.

use crate::files::{FileError, FileStorage, StoredFile, is_valid_key};
use crate::testing::lock;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A stored file: its bytes and when it was written.
type Entry = (Vec<u8>, DateTime<Utc>);

/// Files in a map by key.
#[derive(Debug, Default)]
pub struct InMemoryFileStorage(Mutex<BTreeMap<String, Entry>>);

fn checked(key: &str) -> Result<&str, FileError> {
    if is_valid_key(key) { Ok(key) } else { Err(FileError::InvalidKey(key.to_owned())) }
}

/// Whether `key` lies in folder `prefix`.
fn in_folder(key: &str, prefix: &str) -> bool {
    key.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'))
}

#[async_trait]
impl FileStorage for InMemoryFileStorage {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), FileError> {
        lock(&self.0).insert(checked(key)?.to_owned(), (bytes, Utc::now()));
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        lock(&self.0).get(checked(key)?).map(|(bytes, _)| bytes.clone()).ok_or(FileError::NotFound)
    }

    async fn delete(&self, key: &str) -> Result<(), FileError> {
        lock(&self.0).remove(checked(key)?);
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<StoredFile>, FileError> {
        let prefix = checked(prefix)?;
        Ok(lock(&self.0)
            .iter()
            .filter(|(key, _)| in_folder(key, prefix))
            .map(|(key, (_, modified))| StoredFile { key: key.clone(), modified: *modified })
            .collect())
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, FileError> {
        let prefix = checked(prefix)?;
        let mut files = lock(&self.0);
        let before = files.len();
        files.retain(|key, _| !in_folder(key, prefix));
        Ok((before - files.len()) as u64)
    }
}
