//! Files: the storage port (local disk in the embedded profile, S3/R2 in
//! production, with presigned links) and the tabular codec port (CSV/XLSX), so imports and exports
//! are domain code that never touches a file format or a disk.

use async_trait::async_trait;

pub mod library;
pub mod sniff;

pub use library::{
    FileId, FileLibrary, FileLibraryParts, FileLink, FilePolicy, FilePurpose, FileRecord, FileRecords, NewFile,
};

/// Why a file operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No file under that key.
    #[error("file not found")]
    NotFound,
    /// The content is not what its format says (a corrupt XLSX, CSV with bad quoting).
    #[error("unreadable {format} file: {message}")]
    Unreadable {
        /// The format tried.
        format: &'static str,
        /// What the parser said (row/column when known).
        message: String,
    },
    /// The content exceeds a [`ReadLimits`] bound (too many rows, columns or
    /// cells; a zip that inflates too far or holds too many entries). Checked
    /// before the content is parsed, so a hostile file cannot exhaust memory.
    #[error("{format} file too large: {message}")]
    TooLarge {
        /// The format tried.
        format: &'static str,
        /// Which bound, and the file's figure.
        message: String,
    },
    /// The key is not acceptable (absolute, `..`, empty).
    #[error("invalid file key {0:?}")]
    InvalidKey(String),
    /// The backend failed.
    #[error("file storage unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Fields of a file request are invalid (each named).
    #[error("{0}")]
    Validation(crate::ValidationErrors),
    /// The content is not on the allow-list ([`sniff`]).
    #[error("{message}")]
    NotAllowed {
        /// What was sent and what is allowed.
        message: String,
    },
    /// An upload over the library's size limit.
    #[error("files are limited to {limit_mb} MB")]
    UploadTooLarge {
        /// The limit.
        limit_mb: usize,
    },
    /// A download link's signature is not ours.
    #[error("this link is not valid; ask for a new one")]
    LinkRefused,
    /// A download link's time is up.
    #[error("this link has expired; ask for a new one")]
    LinkExpired,
    /// The file records' database failed.
    #[error("file records unavailable")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl FileError {
    /// Wraps a backend error.
    pub fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(err))
    }
}

impl crate::DomainError for FileError {
    fn validation(&self) -> Option<&crate::ValidationErrors> {
        match self {
            Self::Validation(errors) => Some(errors),
            _ => None,
        }
    }
}

impl crate::ErrorCode for FileError {
    fn code(&self) -> crate::Code {
        match self {
            Self::NotFound => crate::Code::NotFound,
            Self::Unreadable { .. } | Self::InvalidKey(_) | Self::Validation(_) => crate::Code::ValidationFailed,
            Self::TooLarge { .. } => crate::Code::ValidationFailed,
            Self::UploadTooLarge { .. } => crate::Code::PayloadTooLarge,
            Self::NotAllowed { .. } => crate::Code::UnsupportedMediaType,
            Self::LinkRefused => crate::Code::Forbidden,
            Self::LinkExpired => crate::Code::Gone,
            Self::Unavailable(_) => crate::Code::DependencyUnavailable,
            Self::Storage(err) => crate::storage_code(err.as_ref()),
        }
    }
}

/// Whether `key` is acceptable to every [`FileStorage`]: relative,
/// `/`-separated, no empty, `.` or `..` segment, no backslash — so a key built
/// from user input can never reach outside the storage root.
#[must_use]
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && !key.contains('\\')
        && key.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// Byte storage by key (`imports/{tenant}/{id}.csv`). Keys must pass
/// [`is_valid_key`]; a folder is a key prefix ending at a `/`
/// (`exports/{tenant}` holds `exports/{tenant}/x.csv`, not `exports/{tenant}0/…`).
#[async_trait]
pub trait FileStorage: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing any previous content.
    ///
    /// # Errors
    /// `InvalidKey`, `Unavailable`.
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), FileError>;

    /// The bytes under `key`.
    ///
    /// # Errors
    /// `NotFound`, `InvalidKey`, `Unavailable`.
    async fn get(&self, key: &str) -> Result<Vec<u8>, FileError>;

    /// Removes `key` (absent is fine).
    ///
    /// # Errors
    /// `InvalidKey`, `Unavailable`.
    async fn delete(&self, key: &str) -> Result<(), FileError>;

    /// The keys under `prefix` (a `/`-separated folder such as
    /// `exports/{tenant}`), each with when it was last written, in no
    /// particular order; none when the folder does not exist.
    ///
    /// # Errors
    /// `InvalidKey`, `Unavailable`.
    async fn list(&self, prefix: &str) -> Result<Vec<StoredFile>, FileError>;

    /// Removes every key under `prefix` (a folder; absent is fine); returns how many files went.
    ///
    /// # Errors
    /// `InvalidKey`, `Unavailable`.
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, FileError>;
}

/// Time-limited links that download a stored file without our credentials
/// (presigned URLs on S3/R2).
#[async_trait]
pub trait FileLinks: Send + Sync + 'static {
    /// A URL that GETs `key` for `lifetime` (capped by the backend), then is refused.
    ///
    /// # Errors
    /// `InvalidKey`, `Unavailable`.
    async fn link(&self, key: &str, lifetime: std::time::Duration) -> Result<String, FileError>;

    /// Whether `signature` is this backend's own signature of `key` until
    /// `expires` (unix seconds), for links the api serves itself (local
    /// storage). Links a store serves (S3 presigned URLs) are checked by the
    /// store: never here, so the default refuses.
    fn verify(&self, _key: &str, _expires: i64, _signature: &str) -> bool {
        false
    }
}

/// A stored file as [`FileStorage::list`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// Its key.
    pub key: String,
    /// When it was last written.
    pub modified: chrono::DateTime<chrono::Utc>,
}

crate::string_enum!(
    /// A spreadsheet-like file format.
    TabularFormat, "format" {
        /// Comma-separated values, UTF-8.
        Csv => "csv",
        /// Excel 2007+ workbook (first sheet).
        Xlsx => "xlsx",
    }
);

impl TabularFormat {
    /// The MIME type.
    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A header row and data rows, every cell as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Column names, as in the file.
    pub headers: Vec<String>,
    /// Data rows (may be shorter or longer than `headers`).
    pub rows: Vec<Vec<String>>,
}

/// Bounds on what [`TabularCodec::read`] accepts. An upload is small (20 MB)
/// but what it describes need not be: a 1.6 KB workbook can declare a
/// 16,384 × 1,048,576 sheet, and a zip can inflate a thousandfold. Every
/// bound is checked before (or while) the content is parsed, never after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Rows, the header included (`IMPORT_MAX_ROWS`).
    pub max_rows: u32,
    /// Columns (`IMPORT_MAX_COLUMNS`).
    pub max_columns: u32,
    /// Non-empty cells (`IMPORT_MAX_CELLS`).
    pub max_cells: u64,
    /// Bytes a workbook's zip may inflate to, all entries together (`IMPORT_MAX_UNCOMPRESSED_BYTES`).
    pub max_uncompressed_bytes: u64,
    /// Entries in a workbook's zip (`IMPORT_MAX_ZIP_ENTRIES`).
    pub max_zip_entries: u32,
}

impl Default for ReadLimits {
    /// 200,000 rows × 200 columns, 5,000,000 cells, 256 MiB inflated, 1,000 zip entries.
    fn default() -> Self {
        Self {
            max_rows: 200_000,
            max_columns: 200,
            max_cells: 5_000_000,
            max_uncompressed_bytes: 256 * 1024 * 1024,
            max_zip_entries: 1_000,
        }
    }
}

/// Reads and writes [`Table`]s in a [`TabularFormat`].
#[async_trait]
pub trait TabularCodec: Send + Sync + 'static {
    /// Parses `bytes` (first row = headers; for XLSX, the first sheet) within
    /// the codec's [`ReadLimits`], off the async runtime (parsing is CPU-bound
    /// and an import file can take seconds): a parser that panics is reported
    /// as `Unreadable`, it never takes its caller down.
    ///
    /// # Errors
    /// `Unreadable`, `TooLarge`.
    async fn read(&self, format: TabularFormat, bytes: Vec<u8>) -> Result<Table, FileError>;

    /// Writes `table`.
    ///
    /// # Errors
    /// `Unavailable` when the encoder fails.
    fn write(&self, format: TabularFormat, table: &Table) -> Result<Vec<u8>, FileError>;
}
