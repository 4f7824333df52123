//! `files`: where uploads and exports are kept, what an import may hold, how long an export lives.

use super::reader::Reader;
use frontdesk_kernel::files::ReadLimits;
use std::path::PathBuf;
use std::time::Duration;

/// File storage and the bounds of imports.
#[derive(Clone, Debug)]
pub struct FileSettings {
    /// `FILES_DIR`: where uploaded and exported files are kept (default `./data/files`).
    pub dir: PathBuf,
    /// What an import file may hold: `IMPORT_MAX_ROWS` (default 200,000),
    /// `IMPORT_MAX_COLUMNS` (200), `IMPORT_MAX_CELLS` (5,000,000),
    /// `IMPORT_MAX_UNCOMPRESSED_BYTES` (256 MiB, an XLSX inflated) and
    /// `IMPORT_MAX_ZIP_ENTRIES` (1,000).
    pub import_limits: ReadLimits,
    /// `EXPORT_TTL_HOURS`: how long an export's file can be downloaded before it is purged (default 24).
    pub export_ttl: Duration,
}

impl FileSettings {
    pub(super) fn read(r: &mut Reader<'_>) -> Self {
        let defaults = ReadLimits::default();
        let import_limits = ReadLimits {
            max_rows: r.parsed("IMPORT_MAX_ROWS", defaults.max_rows, "a number of rows").max(2),
            max_columns: r.parsed("IMPORT_MAX_COLUMNS", defaults.max_columns, "a number of columns").max(1),
            max_cells: r.parsed("IMPORT_MAX_CELLS", defaults.max_cells, "a number of cells").max(1),
            max_uncompressed_bytes: r
                .parsed("IMPORT_MAX_UNCOMPRESSED_BYTES", defaults.max_uncompressed_bytes, "a number of bytes")
                .max(1),
            max_zip_entries: r
                .parsed("IMPORT_MAX_ZIP_ENTRIES", defaults.max_zip_entries, "a number of zip entries")
                .max(1),
        };
        Self {
            dir: PathBuf::from(r.raw("FILES_DIR").unwrap_or("./data/files")),
            import_limits,
            export_ttl: Duration::from_secs(r.parsed("EXPORT_TTL_HOURS", 24u64, "a number of hours").max(1) * 3600),
        }
    }
}
