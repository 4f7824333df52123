//! [`FileStorage`] on the local filesystem.

use async_trait::async_trait;
use frontdesk_kernel::files::{FileError, FileStorage};
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
        let valid = !key.is_empty()
            && !key.starts_with('/')
            && !key.contains('\\')
            && key.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..");
        if valid { Ok(self.root.join(Path::new(key))) } else { Err(FileError::InvalidKey(key.to_owned())) }
    }
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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn stores_reads_replaces_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalFileStorage::new(dir.path());
        storage.put("imports/t1/a.csv", b"one".to_vec(), "text/csv").await.unwrap();
        storage.put("imports/t1/a.csv", b"two".to_vec(), "text/csv").await.unwrap();
        assert_eq!(storage.get("imports/t1/a.csv").await.unwrap(), b"two");
        storage.delete("imports/t1/a.csv").await.unwrap();
        assert!(matches!(storage.get("imports/t1/a.csv").await, Err(FileError::NotFound)));
        storage.delete("imports/t1/a.csv").await.unwrap();
    }

    #[tokio::test]
    async fn keys_cannot_escape_the_root() {
        let storage = LocalFileStorage::new("/tmp/never-used");
        for key in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a\\b", "./a"] {
            assert!(matches!(storage.get(key).await, Err(FileError::InvalidKey(_))), "{key:?}");
        }
    }
}
