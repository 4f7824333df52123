//! `/api/v1/files`: a sub-account's file library — upload (multipart,
//! bounded before it is read, kind sniffed from the bytes), list by folder
//! prefix, read, a time-limited download link, delete — and
//! `GET /files/download`, where the api serves the links it signed itself
//! when files are on local disk (S3 serves its own presigned links).
//!
//! Every member may upload and read (agents attach files to leads); owners
//! and managers delete. Another sub-account's id is 404.

use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use crate::extract::upload::UploadRules;
use crate::routes::path_id;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use frontdesk_kernel::PageRequest;
use frontdesk_kernel::files::{FileId, FileLibrary, FilePurpose, FileRecord, NewFile};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A file in the library.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileBody {
    id: String,
    /// The storage key (`files/{subAccountId}/{folder}{id}.{ext}`).
    key: String,
    /// The name shown and offered on download.
    name: String,
    /// `""` or `/`-separated segments ending with `/`.
    folder: String,
    /// Bytes.
    size: u64,
    /// Sniffed from the content, never taken from the client.
    content_type: String,
    /// `upload` or `recording`.
    purpose: String,
    /// Who uploaded it (none for files the system stored).
    created_by: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<FileRecord> for FileBody {
    fn from(r: FileRecord) -> Self {
        Self {
            id: r.id.to_string(),
            key: r.key,
            name: r.name,
            folder: r.folder,
            size: r.size,
            content_type: r.content_type,
            purpose: r.purpose.as_str().to_owned(),
            created_by: r.created_by.map(|u| u.to_string()),
            created_at: r.created_at,
        }
    }
}

/// Upload form: one `file` part and an optional `folder` part.
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the multipart form for the OpenAPI document")]
pub struct UploadForm {
    /// The file (at most `FILES_MAX_UPLOAD_MB`, default 50 MB): PNG, JPEG,
    /// GIF, WebP, PDF, MP3, WAV, OGG, M4A/MP4, XLSX, DOCX, CSV or plain UTF-8
    /// text, recognised from its content. Its part's file name is kept as the name.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Up to 8 `/`-separated segments of letters, digits, `.`, `_`, `-` (`contracts/2026`).
    folder: Option<String>,
}

/// Paging and the folder prefix.
#[derive(Deserialize, IntoParams)]
pub struct FileListQuery {
    /// 1-based page (default 1).
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Only files in this folder or below it (`recordings` holds `recordings/2026/…`, not `recordings2/…`).
    prefix: Option<String>,
}

/// How long the link should work.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct LinkQuery {
    /// Seconds, 1–604800 (default 3600); capped at `FILES_MAX_LINK_SECONDS` (default 86400).
    #[param(minimum = 1, maximum = 604_800)]
    pub(crate) expires_in: Option<u64>,
}

/// A time-limited download link.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileLinkBody {
    /// GET it without credentials until `expiresAt`; refused afterwards.
    url: String,
    expires_at: DateTime<Utc>,
}

impl FileLinkBody {
    /// The body of `link`.
    #[must_use]
    pub fn new(given: frontdesk_kernel::files::FileLink) -> Self {
        Self { url: given.url, expires_at: given.expires_at }
    }
}

/// A signed download link, as the api issued it.
#[derive(Deserialize, IntoParams)]
pub struct DownloadQuery {
    /// The file's storage key.
    key: String,
    /// Unix seconds after which the link is refused.
    expires: i64,
    /// The api's signature of `key` and `expires`.
    signature: String,
}

/// Stores a file; its kind is read from its bytes and must be on the allow-list.
#[utoipa::path(tag = "files", request_body(content = UploadForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses((status = 201, body = FileBody),
        (status = 400, description = "no `file` part, an empty file, a bad `folder`, or an unexpected part", body = crate::error::ErrorBody),
        (status = 413, description = "over `FILES_MAX_UPLOAD_MB`", body = crate::error::ErrorBody),
        (status = 415, description = "the content is not an allowed kind (HTML, SVG, executables, archives…)", body = crate::error::ErrorBody)))]
#[post("/api/v1/files")]
async fn upload(
    files: web::Data<FileLibrary>,
    scope: TenantScope,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let max_file = files.policy().max_bytes;
    let too_large = format!("files are limited to {} MB", max_file / (1024 * 1024));
    let rules = UploadRules { file_part: "file", fields: &["folder"], max_file, too_large: &too_large };
    let mut upload = crate::extract::upload::read(&req, form, &rules).await?;
    let file = NewFile {
        id: None,
        name: upload.file_name,
        folder: upload.fields.remove("folder"),
        bytes: upload.bytes,
        purpose: FilePurpose::Upload,
        created_by: Some(scope.actor.user_id),
    };
    let stored = files.upload(scope.tenant, file).await?;
    Ok(HttpResponse::Created().json(FileBody::from(stored)))
}

/// The sub-account's files, newest first, optionally under a folder.
#[utoipa::path(tag = "files", params(FileListQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of files", body = crate::routes::paged::Paged<FileBody>),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/api/v1/files")]
async fn list(
    files: web::Data<FileLibrary>,
    scope: TenantScope,
    query: web::Query<FileListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let found = files.list(scope.tenant, query.prefix.as_deref().unwrap_or(""), page).await?;
    Ok(HttpResponse::Ok().json(found.map(FileBody::from)))
}

/// One file's details.
#[utoipa::path(tag = "files", security(("bearer" = [])),
    responses((status = 200, body = FileBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/files/{id}")]
async fn get(
    files: web::Data<FileLibrary>,
    scope: TenantScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = files.get(scope.tenant, path_id::<FileId>(&id, "file")?).await?;
    Ok(HttpResponse::Ok().json(FileBody::from(found)))
}

/// A link that downloads the file without credentials until it expires
/// (an S3 presigned URL, or on local storage a link the api signs and serves).
#[utoipa::path(tag = "files", params(LinkQuery), security(("bearer" = [])),
    responses((status = 200, body = FileLinkBody), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/files/{id}/url")]
async fn link(
    files: web::Data<FileLibrary>,
    scope: TenantScope,
    id: web::Path<String>,
    query: web::Query<LinkQuery>,
) -> Result<HttpResponse, ApiError> {
    let found = files.link(scope.tenant, path_id::<FileId>(&id, "file")?, query.expires_in).await?;
    Ok(HttpResponse::Ok().json(FileLinkBody::new(found)))
}

/// Deletes the file; links to it stop working.
#[utoipa::path(tag = "files", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/files/{id}")]
async fn remove(
    files: web::Data<FileLibrary>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    files.delete(scope.tenant, path_id::<FileId>(&id, "file")?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The `Content-Disposition` of a download named `name` (RFC 6266: an ASCII
/// fallback and the UTF-8 name percent-encoded).
fn disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && !"\"\\;%".contains(c) || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A file behind a link the api signed (local storage only): no credentials,
/// the signature is the authority. Served as an attachment, never rendered.
#[utoipa::path(tag = "files", params(DownloadQuery),
    responses((status = 200, description = "the file"),
        (status = 403, description = "the signature does not match", body = crate::error::ErrorBody),
        (status = 404, description = "the file was deleted", body = crate::error::ErrorBody),
        (status = 410, description = "the link expired; ask for a new one", body = crate::error::ErrorBody)))]
#[get("/files/download")]
async fn download(files: web::Data<FileLibrary>, query: web::Query<DownloadQuery>) -> Result<HttpResponse, ApiError> {
    let file = files.open_link(&query.key, query.expires, &query.signature).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition(&file.name)))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("Content-Security-Policy", "default-src 'none'; sandbox"))
        .body(file.bytes))
}

/// Registers the routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(upload).service(list).service(get).service(link).service(remove).service(download);
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn download_names_cannot_break_out_of_the_header() {
        assert_eq!(disposition("a b.png"), "attachment; filename=\"a b.png\"; filename*=UTF-8''a%20b.png");
        let hostile = disposition("x\";\r\nSet-Cookie: a=b.pdf");
        assert!(!hostile.contains('\r') && !hostile.contains('\n'), "{hostile}");
        assert!(hostile.starts_with("attachment; filename=\"x__"), "{hostile}");
        assert!(disposition("caf\u{e9}.txt").ends_with("caf%C3%A9.txt"));
    }
}
