//! Files: the storage port (local disk in the embedded profile, S3/R2
//! later) and the tabular codec port (CSV/XLSX), so imports and exports
//! are domain code that never touches a file format or a disk.

use async_trait::async_trait;

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
    /// The key is not acceptable (absolute, `..`, empty).
    #[error("invalid file key {0:?}")]
    InvalidKey(String),
    /// The backend failed.
    #[error("file storage unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl FileError {
    /// Wraps a backend error.
    pub fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(err))
    }
}

impl crate::DomainError for FileError {}

impl crate::ErrorCode for FileError {
    fn code(&self) -> crate::Code {
        match self {
            Self::NotFound => crate::Code::NotFound,
            Self::Unreadable { .. } | Self::InvalidKey(_) => crate::Code::ValidationFailed,
            Self::Unavailable(_) => crate::Code::DependencyUnavailable,
        }
    }
}

/// Byte storage by key (`imports/{tenant}/{id}.csv`).
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

/// Reads and writes [`Table`]s in a [`TabularFormat`].
pub trait TabularCodec: Send + Sync + 'static {
    /// Parses `bytes` (first row = headers; for XLSX, the first sheet).
    ///
    /// # Errors
    /// `Unreadable`.
    fn read(&self, format: TabularFormat, bytes: &[u8]) -> Result<Table, FileError>;

    /// Writes `table`.
    ///
    /// # Errors
    /// `Unavailable` when the encoder fails.
    fn write(&self, format: TabularFormat, table: &Table) -> Result<Vec<u8>, FileError>;
}
