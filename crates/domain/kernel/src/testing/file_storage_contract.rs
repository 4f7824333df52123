//! The [`FileStorage`] contract: every adapter (and the in-memory fake) must
//! pass all of these. Each function takes a fresh, empty storage.

use crate::files::{FileError, FileStorage};

/// Runs the whole contract on an empty storage.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn run_all(storage: &dyn FileStorage) {
    stores_reads_replaces_and_deletes(storage).await;
    lists_a_folder_with_write_times(storage).await;
    deletes_a_folder_and_nothing_else(storage).await;
    keys_that_could_escape_the_root_are_refused(storage).await;
}

/// `put` replaces, `get` reads back exactly, `delete` removes (absent is fine).
pub async fn stores_reads_replaces_and_deletes(storage: &dyn FileStorage) {
    storage.put("c/one/a.csv", b"one".to_vec(), "text/csv").await.expect("put");
    storage.put("c/one/a.csv", b"\x00two\xff".to_vec(), "text/csv").await.expect("put again");
    assert_eq!(storage.get("c/one/a.csv").await.expect("get"), b"\x00two\xff");
    storage.delete("c/one/a.csv").await.expect("delete");
    assert!(matches!(storage.get("c/one/a.csv").await, Err(FileError::NotFound)));
    storage.delete("c/one/a.csv").await.expect("deleting an absent key is fine");
}

/// `list` reports every file under a folder (nested ones too), with a write
/// time, and nothing from a folder whose name merely starts the same.
pub async fn lists_a_folder_with_write_times(storage: &dyn FileStorage) {
    let before = chrono::Utc::now() - chrono::Duration::seconds(2);
    storage.put("l/t1/a.csv", b"a".to_vec(), "text/csv").await.expect("put");
    storage.put("l/t1/deep/b.csv", b"b".to_vec(), "text/csv").await.expect("put");
    storage.put("l/t10/c.csv", b"c".to_vec(), "text/csv").await.expect("put");
    let after = chrono::Utc::now() + chrono::Duration::seconds(2);
    let mut listed = storage.list("l/t1").await.expect("list");
    listed.sort_by(|a, b| a.key.cmp(&b.key));
    let keys: Vec<&str> = listed.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["l/t1/a.csv", "l/t1/deep/b.csv"]);
    assert!(listed.iter().all(|f| f.modified > before && f.modified < after), "{listed:?}");
    assert!(storage.list("l/none").await.expect("list").is_empty(), "an absent folder lists nothing");
}

/// `delete_prefix` removes a folder's files, counts them, and leaves the rest.
pub async fn deletes_a_folder_and_nothing_else(storage: &dyn FileStorage) {
    storage.put("d/t1/a.csv", b"a".to_vec(), "text/csv").await.expect("put");
    storage.put("d/t1/deep/b.csv", b"b".to_vec(), "text/csv").await.expect("put");
    storage.put("d/t10/c.csv", b"c".to_vec(), "text/csv").await.expect("put");
    assert_eq!(storage.delete_prefix("d/t1").await.expect("delete_prefix"), 2);
    assert!(matches!(storage.get("d/t1/a.csv").await, Err(FileError::NotFound)));
    assert!(storage.list("d/t1").await.expect("list").is_empty());
    assert_eq!(storage.get("d/t10/c.csv").await.expect("other folders stay"), b"c");
    assert_eq!(storage.delete_prefix("d/t1").await.expect("again"), 0, "an absent folder is fine");
}

/// Absolute paths, `..`, `.`, empty segments and backslashes are `InvalidKey` everywhere.
pub async fn keys_that_could_escape_the_root_are_refused(storage: &dyn FileStorage) {
    for key in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a\\b", "./a"] {
        let invalid = |result: Result<(), FileError>| matches!(result, Err(FileError::InvalidKey(_)));
        assert!(invalid(storage.put(key, b"x".to_vec(), "text/plain").await), "put {key:?}");
        assert!(invalid(storage.get(key).await.map(|_| ())), "get {key:?}");
        assert!(invalid(storage.delete(key).await), "delete {key:?}");
        assert!(invalid(storage.list(key).await.map(|_| ())), "list {key:?}");
        assert!(invalid(storage.delete_prefix(key).await.map(|_| ())), "delete_prefix {key:?}");
    }
}
