//! `files`: where uploads and exports are kept, what an import may hold, how long an export lives.

use super::reader::Reader;
use frontdesk_kernel::files::{FilePolicy, ReadLimits};
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
    /// The file library (`/api/v1/files`): `FILES_MAX_UPLOAD_MB` (default 50,
    /// 1–1024) and `FILES_MAX_LINK_SECONDS`, the longest download link (default 86400, 60–604800).
    pub library: FilePolicy,
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
        let defaults = FilePolicy::default();
        let max_mb: usize = r.parsed("FILES_MAX_UPLOAD_MB", 50usize, "a number of megabytes");
        if !(1..=1024).contains(&max_mb) {
            r.error("FILES_MAX_UPLOAD_MB", format!("expected 1 to 1024 MB, got {max_mb}"));
        }
        let max_link: u64 = r.parsed("FILES_MAX_LINK_SECONDS", 86_400u64, "a number of seconds");
        if !(60..=604_800).contains(&max_link) {
            r.error("FILES_MAX_LINK_SECONDS", format!("expected 60 to 604800 seconds, got {max_link}"));
        }
        let library = FilePolicy {
            max_bytes: max_mb.clamp(1, 1024) * 1024 * 1024,
            max_link: Duration::from_secs(max_link.clamp(60, 604_800)),
            default_link: defaults.default_link.min(Duration::from_secs(max_link.clamp(60, 604_800))),
        };
        Self {
            dir: PathBuf::from(r.raw("FILES_DIR").unwrap_or("./data/files")),
            import_limits,
            export_ttl: Duration::from_secs(r.parsed("EXPORT_TTL_HOURS", 24u64, "a number of hours").max(1) * 3600),
            library,
        }
    }
}
