//! [`FileStorage`] on the local filesystem.

use async_trait::async_trait;
use frontdesk_kernel::files::{FileError, FileStorage, StoredFile};
use std::path::{Path, PathBuf};

/// Files under a root directory.
#[derive(Clone, Debug)]
pub struct LocalFileStorage {
    root: PathBuf,
}

impl LocalFileStorage {
    /// Storage under `root` (created on first write).
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The path of `key`, or `InvalidKey` when it could leave the root.
    fn path(&self, key: &str) -> Result<PathBuf, FileError> {
        if frontdesk_kernel::files::is_valid_key(key) {
            Ok(self.root.join(Path::new(key)))
        } else {
            Err(FileError::InvalidKey(key.to_owned()))
        }
    }
}

/// Every file under `dir` (recursively) with its key (`prefix/…`) and modification time.
fn walk(dir: &Path, prefix: &str, into: &mut Vec<StoredFile>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        let key = format!("{prefix}/{name}");
        let meta = entry.metadata()?;
        if meta.is_dir() {
            walk(&entry.path(), &key, into)?;
        } else if !name.ends_with(".partial") {
            let modified = meta.modified().map(chrono::DateTime::<chrono::Utc>::from)?;
            into.push(StoredFile { key, modified });
        }
    }
    Ok(())
}

#[async_trait]
impl FileStorage for LocalFileStorage {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), FileError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await.map_err(FileError::unavailable)?;
        }
        // Write to a temporary name and rename, so a reader never sees half a file.
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, bytes).await.map_err(FileError::unavailable)?;
        tokio::fs::rename(&partial, &path).await.map_err(FileError::unavailable)
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(FileError::NotFound),
            Err(err) => Err(FileError::unavailable(err)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), FileError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(FileError::unavailable(err)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<StoredFile>, FileError> {
        let (dir, prefix) = (self.path(prefix)?, prefix.to_owned());
        tokio::task::spawn_blocking(move || {
            let mut files = Vec::new();
            walk(&dir, &prefix, &mut files).map(|()| files)
        })
        .await
        .map_err(FileError::unavailable)?
        .map_err(FileError::unavailable)
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, FileError> {
        let files = self.list(prefix).await?.len() as u64;
        match tokio::fs::remove_dir_all(self.path(prefix)?).await {
            Ok(()) => Ok(files),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(err) => Err(FileError::unavailable(err)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use frontdesk_kernel::testing::{InMemoryFileStorage, file_storage_contract};

    #[tokio::test]
    async fn local_storage_meets_the_file_storage_contract() {
        let dir = tempfile::tempdir().unwrap();
        file_storage_contract::run_all(&LocalFileStorage::new(dir.path())).await;
    }

    #[tokio::test]
    async fn the_in_memory_fake_meets_the_file_storage_contract() {
        file_storage_contract::run_all(&InMemoryFileStorage::default()).await;
    }

    #[tokio::test]
    async fn a_half_written_file_is_never_listed() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalFileStorage::new(dir.path());
        storage.put("exports/t1/a.csv", b"a".to_vec(), "text/csv").await.unwrap();
        std::fs::write(dir.path().join("exports/t1/b.partial"), b"half").unwrap();
        let keys: Vec<String> = storage.list("exports/t1").await.unwrap().into_iter().map(|f| f.key).collect();
        assert_eq!(keys, ["exports/t1/a.csv"]);
    }
}
