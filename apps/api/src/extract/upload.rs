//! Reading a multipart upload within its bounds: the declared
//! `Content-Length` is refused before a byte is read, then every part is
//! counted as it streams (junk parts beside a small file count too), so no
//! upload is ever buffered past its limit. Only named parts are accepted:
//! one file part, and small text fields.

use crate::error::ApiError;
use actix_multipart::Multipart;
use actix_web::HttpRequest;
use frontdesk_kernel::{Code, ValidationErrors};
use futures_util::StreamExt;
use std::collections::HashMap;

/// Room for part headers and small text fields beside the file.
const OVERHEAD: usize = 64 * 1024;
/// The longest text field.
const MAX_FIELD: usize = 1024;

/// What a form held.
pub struct Upload {
    /// The file part's `filename`, if it gave one.
    pub file_name: Option<String>,
    /// The file part's declared content type, if any (a hint at most: never trusted for what the bytes are).
    pub content_type: Option<String>,
    /// The file.
    pub bytes: Vec<u8>,
    /// The text fields, by name.
    pub fields: HashMap<String, String>,
}

/// The bounds of one form.
pub struct UploadRules<'a> {
    /// The file part's name (`file`).
    pub file_part: &'a str,
    /// The text fields allowed beside it.
    pub fields: &'a [&'a str],
    /// The largest file.
    pub max_file: usize,
    /// How the 413 names the limit (`import uploads are limited to 20 MB in all; split the file`).
    pub too_large: &'a str,
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(Code::BadRequest, message)
}

/// Reads `form` under `rules`.
///
/// # Errors
/// 413 over the limits; 400 for an unexpected, repeated or missing part or
/// an interrupted body.
pub async fn read(req: &HttpRequest, mut form: Multipart, rules: &UploadRules<'_>) -> Result<Upload, ApiError> {
    let max_body = rules.max_file + OVERHEAD;
    let too_large = || ApiError::new(Code::PayloadTooLarge, rules.too_large);
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max_body) {
        return Err(too_large());
    }
    let mut total = 0usize;
    let mut file: Option<(Option<String>, Option<String>, Vec<u8>)> = None;
    let mut fields = HashMap::new();
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|e| bad_request(format!("unreadable multipart body: {e}")))?;
        let name = part.name().unwrap_or_default().to_owned();
        let is_file = name == rules.file_part && file.is_none();
        let is_field = rules.fields.contains(&name.as_str()) && !fields.contains_key(&name);
        if !is_file && !is_field {
            let shown = name.chars().filter(|c| !c.is_control()).take(60).collect::<String>();
            let expected = std::iter::once(rules.file_part).chain(rules.fields.iter().copied()).collect::<Vec<_>>();
            return Err(ApiError::field(
                if shown.is_empty() { "body" } else { &shown },
                &format!("unexpected part (or a repeated one): send at most one of each of {}", expected.join(", ")),
            ));
        }
        let limit = if is_file { rules.max_file } else { MAX_FIELD };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| bad_request(format!("upload interrupted: {e}")))?;
            total += chunk.len();
            if total > max_body || bytes.len() + chunk.len() > limit {
                if is_file || total > max_body {
                    return Err(too_large());
                }
                return Err(ApiError::field(&name, &format!("must be at most {MAX_FIELD} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            let file_name = part.content_disposition().and_then(|cd| cd.get_filename()).map(str::to_owned);
            file = Some((file_name, part.content_type().map(ToString::to_string), bytes));
        } else {
            let text = String::from_utf8(bytes).map_err(|_| ApiError::field(&name, "must be UTF-8 text"))?;
            frontdesk_kernel::text::check_text(&text).map_err(|message| ApiError::field(&name, &message))?;
            fields.insert(name, text);
        }
    }
    let (file_name, content_type, bytes) = file.ok_or_else(|| {
        ApiError::validation(&ValidationErrors::single(
            rules.file_part,
            format!("is required (a multipart part named `{}`)", rules.file_part),
        ))
    })?;
    Ok(Upload { file_name, content_type, bytes, fields })
}
