//! A tenant's file library (`/api/v1/files`): uploads checked by what they
//! are, stored under a key that starts with the tenant, listed by folder,
//! shared through time-limited links, deleted. Call recordings land here too.
//!
//! The bytes live in [`FileStorage`]; what the API shows (name, folder, size,
//! type, who uploaded) lives in [`FileRecords`], so listing never walks a
//! bucket and another tenant's id is simply not found. A record is written
//! only after its bytes are stored: a crash in between leaves an orphan
//! object (harmless; swept with the tenant), never a record without bytes.

use super::sniff::{ALLOWED, sniff};
use super::{FileError, FileLinks, FileStorage};
use crate::clock::Clock;
use crate::page::{Page, PageRequest};
use crate::validation::ValidationErrors;
use crate::{TenantId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

crate::define_id!(
    /// A file in a tenant's library.
    FileId,
    "file id"
);

crate::string_enum!(
    /// Why a file is in the library.
    FilePurpose, "purpose" {
        /// Uploaded through `POST /api/v1/files`.
        Upload => "upload",
        /// A call recording or voicemail fetched from the voice provider.
        Recording => "recording",
    }
);

/// A stored file as the API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// Its id.
    pub id: FileId,
    /// Whose it is.
    pub tenant_id: TenantId,
    /// The storage key (`files/{tenant}/{folder}{id}.{ext}`).
    pub key: String,
    /// The file name shown and offered on download.
    pub name: String,
    /// Its folder: empty, or `/`-separated segments ending with `/` (`recordings/2026/`).
    pub folder: String,
    /// The sniffed MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// Why it is here.
    pub purpose: FilePurpose,
    /// Who uploaded it (none for files the system stored).
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Where file records are kept.
#[async_trait]
pub trait FileRecords: Send + Sync + 'static {
    /// Stores a new record.
    ///
    /// # Errors
    /// `Storage`.
    async fn insert(&self, record: &FileRecord) -> Result<(), FileError>;

    /// The record `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` (also for another tenant's id), `Storage`.
    async fn get(&self, tenant: TenantId, id: FileId) -> Result<FileRecord, FileError>;

    /// The record stored under `key`, if any.
    ///
    /// # Errors
    /// `Storage`.
    async fn by_key(&self, key: &str) -> Result<Option<FileRecord>, FileError>;

    /// `tenant`'s records whose folder starts with `prefix` (a folder as
    /// [`FileRecord::folder`] writes it, or empty for all), newest first.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, prefix: &str, page: PageRequest) -> Result<Page<FileRecord>, FileError>;

    /// Removes the record; whether there was one.
    ///
    /// # Errors
    /// `Storage`.
    async fn delete(&self, tenant: TenantId, id: FileId) -> Result<bool, FileError>;
}

/// The library's bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilePolicy {
    /// Largest file (`FILES_MAX_UPLOAD_MB`, default 50 MB).
    pub max_bytes: usize,
    /// Link lifetime when the client names none (1 hour).
    pub default_link: Duration,
    /// Longest link lifetime (`FILES_MAX_LINK_SECONDS`, default 24 hours): longer asks are capped to it.
    pub max_link: Duration,
}

impl Default for FilePolicy {
    fn default() -> Self {
        Self {
            max_bytes: 50 * 1024 * 1024,
            default_link: Duration::from_secs(3600),
            max_link: Duration::from_secs(24 * 3600),
        }
    }
}

/// The longest lifetime a client may ask for (S3's presigning maximum, 7 days).
pub const MAX_ASKED_LINK_SECONDS: u64 = 7 * 24 * 3600;

/// The lifetime a client asked for as `expiresIn` (`default` when it named
/// none); each caller then caps it by its own limits.
///
/// # Errors
/// `expiresIn` outside 1..=[`MAX_ASKED_LINK_SECONDS`].
pub fn asked_lifetime(seconds: Option<u64>, default: Duration) -> Result<Duration, ValidationErrors> {
    match seconds {
        None => Ok(default),
        Some(s) if (1..=MAX_ASKED_LINK_SECONDS).contains(&s) => Ok(Duration::from_secs(s)),
        Some(_) => Err(ValidationErrors::single(
            "expiresIn",
            format!("must be between 1 and {MAX_ASKED_LINK_SECONDS} seconds"),
        )),
    }
}

/// A file on its way in.
#[derive(Clone, Debug)]
pub struct NewFile {
    /// Its id when the caller fixes it (a job storing a file uses its own
    /// id, so a re-run finds the file instead of storing a second copy).
    pub id: Option<FileId>,
    /// The name the client gave (the multipart part's file name).
    pub name: Option<String>,
    /// The folder (`recordings/2026`), if any.
    pub folder: Option<String>,
    /// The content.
    pub bytes: Vec<u8>,
    /// Why.
    pub purpose: FilePurpose,
    /// Who.
    pub created_by: Option<UserId>,
}

/// A time-limited download link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLink {
    /// The URL (works without our credentials until `expires_at`).
    pub url: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// The longest file name kept (characters).
const MAX_NAME: usize = 255;
/// The longest folder (characters) and its deepest nesting.
const MAX_FOLDER: usize = 200;
const MAX_DEPTH: usize = 8;

/// A folder as stored (`a/b/`), or the errors naming `field`.
///
/// # Errors
/// A segment outside `[A-Za-z0-9._-]`, `.`/`..`, too long or too deep.
pub fn folder(raw: &str, field: &str) -> Result<String, ValidationErrors> {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let segments: Vec<&str> = trimmed.split('/').collect();
    let good = |s: &&str| {
        !s.is_empty() && *s != "." && *s != ".." && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    if trimmed.len() > MAX_FOLDER || segments.len() > MAX_DEPTH || !segments.iter().all(good) {
        return Err(ValidationErrors::single(
            field,
            format!(
                "must be up to {MAX_DEPTH} `/`-separated segments of letters, digits, `.`, `_` or `-` \
                 ({MAX_FOLDER} characters at most), such as `recordings/2026`"
            ),
        ));
    }
    Ok(format!("{trimmed}/"))
}

/// Characters that reorder or hide text (bidi overrides, zero-width marks):
/// `invoice\u{202E}fdp.exe` must not read as `invoice.exe.pdf`.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// The extensions a sniffed kind may keep (`photo.jpeg` stays, `notes.md` stays text).
fn fits(given: &str, extension: &str) -> bool {
    let given = given.to_ascii_lowercase();
    given == extension
        || matches!((extension, given.as_str()), ("jpg", "jpeg") | ("txt", "md" | "log" | "text") | ("mp4", "m4v"))
}

/// The name kept for a file: the client's, without path, control or
/// invisible characters, at most [`MAX_NAME`] characters, and ending with an
/// extension of the kind its content *is* (`invoice.pdf.bat` holding text is
/// kept as `invoice.pdf.bat.txt`, so no download opens as a script);
/// `file.{ext}` when it gave no name.
fn file_name(given: Option<&str>, extension: &str) -> String {
    let base = given.map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n)).unwrap_or_default();
    let clean: String =
        base.chars().filter(|c| !c.is_control() && !is_invisible(*c) && *c != '"').take(MAX_NAME - 6).collect();
    let clean = clean.trim().trim_end_matches('.');
    if clean.is_empty() || clean == "." || clean == ".." {
        return format!("file.{extension}");
    }
    match clean.rsplit_once('.') {
        Some((_, given)) if fits(given, extension) => clean.to_owned(),
        _ => format!("{clean}.{extension}"),
    }
}

/// The storage folder holding every file of `tenant`'s library.
#[must_use]
pub fn library_folder(tenant: TenantId) -> String {
    format!("files/{tenant}")
}

/// The parts of a [`FileLibrary`].
pub struct FileLibraryParts {
    /// Records.
    pub records: Arc<dyn FileRecords>,
    /// Bytes.
    pub storage: Arc<dyn FileStorage>,
    /// Links.
    pub links: Arc<dyn FileLinks>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Bounds.
    pub policy: FilePolicy,
}

/// The file library use cases.
pub struct FileLibrary {
    parts: FileLibraryParts,
}

impl FileLibrary {
    /// The library over `parts`.
    #[must_use]
    pub const fn new(parts: FileLibraryParts) -> Self {
        Self { parts }
    }

    /// The bounds (the api caps uploads with them before reading a byte).
    #[must_use]
    pub const fn policy(&self) -> FilePolicy {
        self.parts.policy
    }

    /// Stores `file` for `tenant` when its content is an allowed kind.
    ///
    /// # Errors
    /// `UploadTooLarge`, `Validation` (folder, empty file), `NotAllowed` (not on
    /// the allow-list), `Unavailable`/`Storage`.
    pub async fn upload(&self, tenant: TenantId, file: NewFile) -> Result<FileRecord, FileError> {
        let max = self.parts.policy.max_bytes;
        if file.bytes.len() > max {
            return Err(FileError::UploadTooLarge { limit_mb: max / (1024 * 1024) });
        }
        let mut errors = ValidationErrors::new();
        let folder = errors.check("folder", folder(file.folder.as_deref().unwrap_or(""), "folder")).unwrap_or_default();
        if file.bytes.is_empty() {
            errors.add("file", "is empty");
        }
        errors.into_result().map_err(FileError::Validation)?;
        let kind = sniff(&file.bytes, file.name.as_deref().unwrap_or("")).ok_or_else(|| FileError::NotAllowed {
            message: format!("the file's content is not an allowed kind; send {ALLOWED}"),
        })?;
        if let Some(id) = file.id {
            match self.parts.records.get(tenant, id).await {
                Ok(stored) => return Ok(stored),
                Err(FileError::NotFound) => {}
                Err(other) => return Err(other),
            }
        }
        let id = file.id.unwrap_or_default();
        let record = FileRecord {
            id,
            tenant_id: tenant,
            key: format!("{}/{folder}{id}.{}", library_folder(tenant), kind.extension),
            name: file_name(file.name.as_deref(), kind.extension),
            folder,
            content_type: kind.content_type.to_owned(),
            size: file.bytes.len() as u64,
            purpose: file.purpose,
            created_by: file.created_by,
            created_at: self.parts.clock.now(),
        };
        self.parts.storage.put(&record.key, file.bytes, kind.content_type).await?;
        self.parts.records.insert(&record).await?;
        tracing::info!(tenant.id = %tenant, file.id = %id, size = record.size, content_type = kind.content_type, "file stored");
        Ok(record)
    }

    /// `tenant`'s files under `prefix` (a folder; empty for all), newest first.
    ///
    /// # Errors
    /// `Validation` (prefix), `Storage`.
    pub async fn list(&self, tenant: TenantId, prefix: &str, page: PageRequest) -> Result<Page<FileRecord>, FileError> {
        let prefix = folder(prefix, "prefix").map_err(FileError::Validation)?;
        self.parts.records.list(tenant, &prefix, page).await
    }

    /// One of `tenant`'s files.
    ///
    /// # Errors
    /// `NotFound`, `Storage`.
    pub async fn get(&self, tenant: TenantId, id: FileId) -> Result<FileRecord, FileError> {
        self.parts.records.get(tenant, id).await
    }

    /// A link to `tenant`'s file `id`, valid for `seconds` (default one
    /// hour) capped at the policy's longest lifetime.
    ///
    /// # Errors
    /// `Validation` (seconds outside 1..=604800), `NotFound`, `Unavailable`.
    pub async fn link(&self, tenant: TenantId, id: FileId, seconds: Option<u64>) -> Result<FileLink, FileError> {
        let policy = self.parts.policy;
        let lifetime =
            asked_lifetime(seconds, policy.default_link).map_err(FileError::Validation)?.min(policy.max_link);
        let record = self.parts.records.get(tenant, id).await?;
        let url = self.parts.links.link(&record.key, lifetime).await?;
        let expires_at = self.parts.clock.now() + chrono::Duration::from_std(lifetime).unwrap_or_default();
        Ok(FileLink { url, expires_at })
    }

    /// Deletes `tenant`'s file `id`: the bytes, then the record (a failure
    /// in between leaves the record, so the delete can be retried).
    ///
    /// # Errors
    /// `NotFound`, `Unavailable`, `Storage`.
    pub async fn delete(&self, tenant: TenantId, id: FileId) -> Result<(), FileError> {
        let record = self.parts.records.get(tenant, id).await?;
        self.parts.storage.delete(&record.key).await?;
        if self.parts.records.delete(tenant, id).await? {
            tracing::info!(tenant.id = %tenant, file.id = %id, "file deleted");
        }
        Ok(())
    }

    /// The file behind a link the api signed itself (local storage), when
    /// `signature` is valid for `key` and `expires` (unix seconds) is still
    /// ahead. The signature is the authority: a key with no library record
    /// (a lead export) is served under its own file name.
    ///
    /// # Errors
    /// `LinkRefused` (bad signature, or links this backend does not sign),
    /// `LinkExpired`, `NotFound`, `Unavailable`.
    pub async fn open_link(&self, key: &str, expires: i64, signature: &str) -> Result<LinkedFile, FileError> {
        if !self.parts.links.verify(key, expires, signature) {
            return Err(FileError::LinkRefused);
        }
        if expires <= self.parts.clock.now().timestamp() {
            return Err(FileError::LinkExpired);
        }
        let record = self.parts.records.by_key(key).await?;
        let bytes = self.parts.storage.get(key).await?;
        Ok(match record {
            Some(record) => LinkedFile { name: record.name, content_type: record.content_type, bytes },
            None => {
                let name = key.rsplit('/').next().unwrap_or(key).to_owned();
                let content_type = name
                    .rsplit_once('.')
                    .and_then(|(_, ext)| ext.parse::<super::TabularFormat>().ok())
                    .map_or("application/octet-stream", super::TabularFormat::content_type);
                LinkedFile { name, content_type: content_type.to_owned(), bytes }
            }
        })
    }
}

/// A file served through a signed link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedFile {
    /// The name offered on download.
    pub name: String,
    /// Its MIME type.
    pub content_type: String,
    /// The content.
    pub bytes: Vec<u8>,
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Code;
    use crate::ErrorCode;
    use crate::testing::{InMemoryFileRecords, InMemoryFileStorage, ManualClock, SignedTestLinks};

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    struct Fixture {
        library: FileLibrary,
        storage: Arc<InMemoryFileStorage>,
        clock: Arc<ManualClock>,
    }

    fn fixture() -> Fixture {
        let storage = Arc::new(InMemoryFileStorage::default());
        let clock = Arc::new(ManualClock::at(chrono::TimeZone::timestamp_opt(&Utc, 1_800_000_000, 0).unwrap()));
        let library = FileLibrary::new(FileLibraryParts {
            records: Arc::new(InMemoryFileRecords::default()),
            storage: storage.clone(),
            links: Arc::new(SignedTestLinks),
            clock: clock.clone(),
            policy: FilePolicy { max_bytes: 1024, ..FilePolicy::default() },
        });
        Fixture { library, storage, clock }
    }

    fn upload(bytes: &[u8], name: &str, folder: Option<&str>) -> NewFile {
        NewFile {
            id: None,
            name: Some(name.into()),
            folder: folder.map(Into::into),
            bytes: bytes.to_vec(),
            purpose: FilePurpose::Upload,
            created_by: None,
        }
    }

    #[tokio::test]
    async fn an_upload_is_stored_under_the_tenant_with_its_sniffed_type() {
        let f = fixture();
        let tenant = TenantId::new();
        let file = f.library.upload(tenant, upload(PNG, "../../etc/logo.txt", Some("/brand/2026/"))).await.unwrap();
        assert_eq!(file.content_type, "image/png", "the content decides, not the name");
        assert_eq!(file.name, "logo.txt.png", "path parts dropped, and the name ends as what the content is");
        assert_eq!(file.folder, "brand/2026/");
        assert_eq!(file.key, format!("files/{tenant}/brand/2026/{}.png", file.id));
        assert_eq!(file.size, PNG.len() as u64);
        assert_eq!(f.storage.get(&file.key).await.unwrap(), PNG);
        assert_eq!(f.library.get(tenant, file.id).await.unwrap(), file);
    }

    #[tokio::test]
    async fn an_upload_with_a_fixed_id_is_stored_once() {
        let f = fixture();
        let tenant = TenantId::new();
        let id = FileId::new();
        let first = f.library.upload(tenant, NewFile { id: Some(id), ..upload(PNG, "a.png", None) }).await.unwrap();
        let again = f.library.upload(tenant, NewFile { id: Some(id), ..upload(PNG, "b.png", None) }).await.unwrap();
        assert_eq!((first.id, again), (id, first.clone()), "the re-run finds the first");
        assert_eq!(f.library.list(tenant, "", PageRequest::default()).await.unwrap().total, 1);
    }

    #[tokio::test]
    async fn refused_uploads_store_nothing() {
        let f = fixture();
        let tenant = TenantId::new();
        let html = f.library.upload(tenant, upload(b"<html><script>x</script>", "a.png", None)).await.unwrap_err();
        assert_eq!(html.code(), Code::UnsupportedMediaType);
        let big = f.library.upload(tenant, upload(&[b'a'; 1025], "a.txt", None)).await.unwrap_err();
        assert_eq!(big.code(), Code::PayloadTooLarge);
        let FileError::Validation(errors) =
            f.library.upload(tenant, upload(b"", "a.txt", Some("../up"))).await.unwrap_err()
        else {
            panic!("expected validation")
        };
        assert_eq!(errors.errors().iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["folder", "file"]);
        assert!(f.storage.list("files").await.unwrap().is_empty(), "nothing stored");
        let page = f.library.list(tenant, "", PageRequest::default()).await.unwrap();
        assert_eq!(page.total, 0);
    }

    #[tokio::test]
    async fn lists_by_folder_prefix_newest_first_and_never_across_tenants() {
        let f = fixture();
        let (a, b) = (TenantId::new(), TenantId::new());
        let root = f.library.upload(a, upload(b"root", "r.txt", None)).await.unwrap();
        f.clock.advance(chrono::Duration::seconds(1));
        let call = f.library.upload(a, upload(b"call", "c.txt", Some("recordings"))).await.unwrap();
        f.clock.advance(chrono::Duration::seconds(1));
        let deep = f.library.upload(a, upload(b"deep", "d.txt", Some("recordings/2026"))).await.unwrap();
        f.library.upload(a, upload(b"near", "n.txt", Some("recordings2"))).await.unwrap();
        f.library.upload(b, upload(b"other", "o.txt", Some("recordings"))).await.unwrap();

        let ids = |p: Page<FileRecord>| p.data.into_iter().map(|r| r.id).collect::<Vec<_>>();
        let all = f.library.list(a, "", PageRequest::default()).await.unwrap();
        assert_eq!(all.total, 4);
        assert_eq!(ids(f.library.list(a, "recordings", PageRequest::default()).await.unwrap()), [deep.id, call.id]);
        assert_eq!(ids(f.library.list(a, "/recordings/2026/", PageRequest::default()).await.unwrap()), [deep.id]);
        assert!(ids(all).contains(&root.id));
        assert!(matches!(f.library.list(a, "../x", PageRequest::default()).await, Err(FileError::Validation(_))));
        assert!(matches!(f.library.get(b, call.id).await, Err(FileError::NotFound)), "another tenant's id");
        assert!(matches!(f.library.delete(b, call.id).await, Err(FileError::NotFound)));
        assert!(matches!(f.library.link(b, call.id, None).await, Err(FileError::NotFound)));
    }

    #[tokio::test]
    async fn links_are_capped_signed_and_expire() {
        let f = fixture();
        let tenant = TenantId::new();
        let file = f.library.upload(tenant, upload(PNG, "logo.png", None)).await.unwrap();
        let now = f.clock.now();
        let link = f.library.link(tenant, file.id, None).await.unwrap();
        assert_eq!(link.expires_at, now + chrono::Duration::hours(1));
        let capped = f.library.link(tenant, file.id, Some(MAX_ASKED_LINK_SECONDS)).await.unwrap();
        assert_eq!(capped.expires_at, now + chrono::Duration::hours(24), "capped to the policy");
        for bad in [0, MAX_ASKED_LINK_SECONDS + 1] {
            assert!(matches!(f.library.link(tenant, file.id, Some(bad)).await, Err(FileError::Validation(_))));
        }

        let expires = link.expires_at.timestamp();
        let signature = SignedTestLinks::sign(&file.key, expires);
        let opened = f.library.open_link(&file.key, expires, &signature).await.unwrap();
        assert_eq!(
            (opened.name.as_str(), opened.content_type.as_str(), opened.bytes.as_slice()),
            ("logo.png", "image/png", PNG)
        );
        // A key outside the library (a lead export), signed: served under its own name.
        f.storage.put("exports/t/job.csv", b"name\n".to_vec(), "text/csv").await.unwrap();
        let export = f
            .library
            .open_link("exports/t/job.csv", expires, &SignedTestLinks::sign("exports/t/job.csv", expires))
            .await;
        let export = export.unwrap();
        assert_eq!((export.name.as_str(), export.content_type.as_str()), ("job.csv", "text/csv"));
        let forged = f.library.open_link(&file.key, expires + 3600, &signature).await.unwrap_err();
        assert!(matches!(forged, FileError::LinkRefused), "a longer expiry is not signed");
        f.clock.advance(chrono::Duration::hours(1));
        let late = f.library.open_link(&file.key, expires, &signature).await.unwrap_err();
        assert!(matches!(late, FileError::LinkExpired));
    }

    #[tokio::test]
    async fn a_deleted_file_loses_its_bytes_record_and_links() {
        let f = fixture();
        let tenant = TenantId::new();
        let file = f.library.upload(tenant, upload(PNG, "logo.png", None)).await.unwrap();
        let expires = f.clock.now().timestamp() + 60;
        f.library.delete(tenant, file.id).await.unwrap();
        assert!(matches!(f.storage.get(&file.key).await, Err(FileError::NotFound)));
        assert!(matches!(f.library.get(tenant, file.id).await, Err(FileError::NotFound)));
        let open = f.library.open_link(&file.key, expires, &SignedTestLinks::sign(&file.key, expires)).await;
        assert!(matches!(open, Err(FileError::NotFound)));
    }

    #[tokio::test]
    async fn the_in_memory_records_meet_the_contract() {
        let records = InMemoryFileRecords::default();
        crate::testing::file_records_contract::file_records(&records, [TenantId::new(), TenantId::new()]).await;
    }

    #[test]
    fn names_end_with_the_kind_the_content_is() {
        assert_eq!(file_name(Some("logo.PNG"), "png"), "logo.PNG");
        assert_eq!(file_name(Some("photo.jpeg"), "jpg"), "photo.jpeg");
        assert_eq!(file_name(Some("invoice.pdf.bat"), "txt"), "invoice.pdf.bat.txt");
        assert_eq!(file_name(Some("page.html"), "txt"), "page.html.txt");
        assert_eq!(file_name(Some("invoice\u{202E}fdp.exe"), "txt"), "invoicefdp.exe.txt", "bidi override dropped");
        assert_eq!(file_name(Some("C:\\x\\call"), "mp3"), "call.mp3");
        assert_eq!(file_name(Some(" . "), "pdf"), "file.pdf");
        assert!(file_name(Some(&"a".repeat(400)), "pdf").chars().count() <= MAX_NAME);
    }

    #[test]
    fn folders_are_normalised_or_refused() {
        assert_eq!(folder(" /a/b.c_d-e/ ", "f").unwrap(), "a/b.c_d-e/");
        assert_eq!(folder("", "f").unwrap(), "");
        for bad in ["a/../b", "a//b", "a b", "ü", "a/./b", &"x/".repeat(9), &"x".repeat(201)] {
            assert!(folder(bad, "f").is_err(), "{bad}");
        }
    }
}
