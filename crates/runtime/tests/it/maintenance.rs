//! The file purge: exports expire after their TTL, uploads after a week.

use chrono::{Duration, Utc};
use frontdesk_kernel::files::FileStorage;
use frontdesk_kernel::testing::InMemoryFileStorage;
use frontdesk_runtime::maintenance::purge_expired_files;

async fn keys(files: &InMemoryFileStorage, folder: &str) -> Vec<String> {
    let mut keys: Vec<String> = files.list(folder).await.unwrap().into_iter().map(|f| f.key).collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn exports_go_after_their_ttl_and_orphaned_uploads_after_a_week() {
    let files = InMemoryFileStorage::default();
    for key in ["exports/t1/a.csv", "exports/t2/b.xlsx", "imports/t1/u.csv", "other/kept.txt"] {
        files.put(key, b"pii".to_vec(), "text/csv").await.unwrap();
    }
    let ttl = std::time::Duration::from_secs(24 * 3600);
    let now = Utc::now();

    assert_eq!(purge_expired_files(&files, ttl, now + Duration::hours(23)).await.unwrap(), 0, "all still fresh");
    assert_eq!(keys(&files, "exports").await.len(), 2);

    assert_eq!(purge_expired_files(&files, ttl, now + Duration::hours(25)).await.unwrap(), 2, "exports expired");
    assert_eq!(keys(&files, "exports").await, Vec::<String>::new());
    assert_eq!(keys(&files, "imports").await, ["imports/t1/u.csv"], "an upload may wait for its import a while");

    assert_eq!(purge_expired_files(&files, ttl, now + Duration::days(8)).await.unwrap(), 1, "orphaned upload");
    assert_eq!(keys(&files, "imports").await, Vec::<String>::new());
    assert_eq!(files.get("other/kept.txt").await.unwrap(), b"pii", "only exports and imports are purged");
}
