//! [`FileRecords`] over `files`.
//!
//! A folder listing is `substr(folder, 1, n) = prefix` inside the tenant's
//! rows: exact on both backends (a `LIKE` would treat `_` in a folder name
//! as a wildcard) and served by the `(tenant_id, created_at, id)` index.

use crate::connection::SqlStore;
use crate::error::db;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use frontdesk_kernel::files::{FileError, FileId, FilePurpose, FileRecord, FileRecords};
use frontdesk_kernel::{Page, PageRequest, TenantId, UserId};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

const COLUMNS: &str =
    "id, tenant_id, storage_key, name, folder, content_type, size_bytes, purpose, created_by, created_at";

/// File records in SQL.
#[derive(Clone, Debug)]
pub struct SeaOrmFileRecords {
    store: SqlStore,
}

impl SeaOrmFileRecords {
    /// Records over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }

    async fn rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, FileError> {
        let db = self.store.conn();
        db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, FileError> {
        let db = self.store.conn();
        Ok(db.execute_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?.rows_affected())
    }
}

fn storage(err: sea_orm::DbErr) -> FileError {
    FileError::Storage(db(err))
}

fn corrupt(err: impl std::fmt::Display) -> FileError {
    FileError::Storage(Box::new(std::io::Error::other(format!("corrupt files row: {err}"))))
}

fn decode(row: &QueryResult) -> Result<FileRecord, FileError> {
    let text = |name: &str| -> Result<String, FileError> { row.try_get("", name).map_err(corrupt) };
    let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    let by: Option<Uuid> = row.try_get("", "created_by").map_err(corrupt)?;
    let size: i64 = row.try_get("", "size_bytes").map_err(corrupt)?;
    let created: i64 = row.try_get("", "created_at").map_err(corrupt)?;
    Ok(FileRecord {
        id: FileId::from_uuid(id),
        tenant_id: TenantId::from_uuid(tenant),
        key: text("storage_key")?,
        name: text("name")?,
        folder: text("folder")?,
        content_type: text("content_type")?,
        size: u64::try_from(size).map_err(corrupt)?,
        purpose: text("purpose")?.parse::<FilePurpose>().map_err(corrupt)?,
        created_by: by.map(UserId::from_uuid),
        created_at: Utc.timestamp_millis_opt(created).single().ok_or_else(|| corrupt("created_at out of range"))?,
    })
}

#[async_trait]
impl FileRecords for SeaOrmFileRecords {
    async fn insert(&self, r: &FileRecord) -> Result<(), FileError> {
        let sql = format!("INSERT INTO files ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        let values = vec![
            r.id.as_uuid().into(),
            r.tenant_id.as_uuid().into(),
            r.key.clone().into(),
            r.name.clone().into(),
            r.folder.clone().into(),
            r.content_type.clone().into(),
            i64::try_from(r.size).unwrap_or(i64::MAX).into(),
            r.purpose.as_str().into(),
            r.created_by.map(|u| u.as_uuid()).into(),
            r.created_at.timestamp_millis().into(),
        ];
        self.execute(&sql, values).await.map(|_| ())
    }

    async fn get(&self, tenant: TenantId, id: FileId) -> Result<FileRecord, FileError> {
        let sql = format!("SELECT {COLUMNS} FROM files WHERE tenant_id = $1 AND id = $2");
        let rows = self.rows(&sql, vec![tenant.as_uuid().into(), id.as_uuid().into()]).await?;
        rows.first().map(decode).transpose()?.ok_or(FileError::NotFound)
    }

    async fn by_key(&self, key: &str) -> Result<Option<FileRecord>, FileError> {
        let sql = format!("SELECT {COLUMNS} FROM files WHERE storage_key = $1");
        self.rows(&sql, vec![key.to_owned().into()]).await?.first().map(decode).transpose()
    }

    async fn list(&self, tenant: TenantId, prefix: &str, page: PageRequest) -> Result<Page<FileRecord>, FileError> {
        let length = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
        let filter = "tenant_id = $1 AND substr(folder, 1, $2) = $3";
        let scope = || vec![tenant.as_uuid().into(), length.into(), prefix.to_owned().into()];
        let count = self.rows(&format!("SELECT COUNT(*) AS n FROM files WHERE {filter}"), scope()).await?;
        let total: i64 = count.first().map(|r| r.try_get("", "n")).transpose().map_err(corrupt)?.unwrap_or(0);
        let sql =
            format!("SELECT {COLUMNS} FROM files WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5");
        let mut values = scope();
        values.extend([i64::from(page.limit()).into(), i64::try_from(page.offset()).unwrap_or(i64::MAX).into()]);
        let data = self.rows(&sql, values).await?.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::new(data, page, u64::try_from(total).unwrap_or(0)))
    }

    async fn delete(&self, tenant: TenantId, id: FileId) -> Result<bool, FileError> {
        let sql = "DELETE FROM files WHERE tenant_id = $1 AND id = $2";
        Ok(self.execute(sql, vec![tenant.as_uuid().into(), id.as_uuid().into()]).await? == 1)
    }
}
