//! [`FileStorage`] on S3 or Cloudflare R2 (rust-s3), and time-limited
//! download links ([`FileLinks`]) as presigned GET URLs.
//!
//! Keys are the domain's (`exports/{tenant}/…`): already tenant-prefixed and
//! checked by [`is_valid_key`] before any request, so a key can never name
//! another tenant's object or escape its folder. A folder is a prefix ending
//! at `/`, as on disk. Endpoint, region, bucket and path-style addressing
//! come from configuration (R2: region `auto`, path style).

use async_trait::async_trait;
use frontdesk_kernel::files::{FileError, FileLinks, FileStorage, StoredFile, is_valid_key};
use s3::Bucket;
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::region::Region;
use std::time::Duration;

/// Where the bucket is and how to sign for it.
#[derive(Clone)]
pub struct S3Config {
    /// `https://s3.eu-west-1.amazonaws.com`, `https://<account>.r2.cloudflarestorage.com`, …
    pub endpoint: String,
    /// `eu-west-1`; `auto` on R2.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// Access key id.
    pub access_key: String,
    /// Secret access key.
    pub secret_key: String,
    /// Path-style addressing (`endpoint/bucket/key`): R2 and most S3-compatible servers.
    pub path_style: bool,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

/// Objects in one bucket.
#[derive(Clone, Debug)]
pub struct S3FileStorage {
    bucket: Box<Bucket>,
}

/// The longest a presigned URL may live (S3's own limit).
pub const MAX_LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

fn unavailable(err: S3Error) -> FileError {
    FileError::unavailable(err)
}

fn check(key: &str) -> Result<(), FileError> {
    if is_valid_key(key) { Ok(()) } else { Err(FileError::InvalidKey(key.to_owned())) }
}

impl S3FileStorage {
    /// Storage in `config`'s bucket (no request is made).
    ///
    /// # Errors
    /// `Unavailable` when the credentials or the bucket name are unusable.
    pub fn new(config: &S3Config) -> Result<Self, FileError> {
        let region = Region::Custom { region: config.region.clone(), endpoint: config.endpoint.clone() };
        let credentials = Credentials::new(Some(&config.access_key), Some(&config.secret_key), None, None, None)
            .map_err(FileError::unavailable)?;
        let mut bucket = Bucket::new(&config.bucket, region, credentials).map_err(unavailable)?;
        if config.path_style {
            bucket = bucket.with_path_style();
        }
        bucket.set_request_timeout(Some(config.timeout));
        Ok(Self { bucket })
    }

    /// Creates the bucket unless it exists (tests and first start on a private server).
    ///
    /// # Errors
    /// `Unavailable`.
    pub async fn ensure_bucket(&self) -> Result<(), FileError> {
        // Create and accept "already there" (409): listing every bucket to
        // look first needs more permissions, and some servers answer it oddly.
        let config = s3::BucketConfiguration::private();
        let created = if self.bucket.is_path_style() {
            Bucket::create_with_path_style(
                &self.bucket.name,
                self.bucket.region.clone(),
                self.credentials().await?,
                config,
            )
            .await
        } else {
            Bucket::create(&self.bucket.name, self.bucket.region.clone(), self.credentials().await?, config).await
        };
        match created {
            Ok(response) if (200..300).contains(&response.response_code) || response.response_code == 409 => Ok(()),
            Ok(response) => Err(FileError::unavailable(std::io::Error::other(format!(
                "the bucket could not be created ({}): {}",
                response.response_code, response.response_text
            )))),
            Err(S3Error::HttpFailWithBody(409, _)) => Ok(()),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn credentials(&self) -> Result<Credentials, FileError> {
        self.bucket.credentials().await.map_err(unavailable)
    }

    /// Every object under `prefix` (with the `/` that ends a folder).
    async fn objects(&self, folder: &str) -> Result<Vec<s3::serde_types::Object>, FileError> {
        check(folder)?;
        let results = self.bucket.list(format!("{folder}/"), None).await.map_err(unavailable)?;
        Ok(results.into_iter().flat_map(|r| r.contents).collect())
    }
}

#[async_trait]
impl FileStorage for S3FileStorage {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), FileError> {
        check(key)?;
        self.bucket.put_object_with_content_type(key, &bytes, content_type).await.map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        check(key)?;
        match self.bucket.get_object(key).await {
            Ok(response) => Ok(response.to_vec()),
            Err(S3Error::HttpFailWithBody(404, _)) => Err(FileError::NotFound),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), FileError> {
        check(key)?;
        match self.bucket.delete_object(key).await {
            Ok(_) | Err(S3Error::HttpFailWithBody(404, _)) => Ok(()),
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn list(&self, prefix: &str) -> Result<Vec<StoredFile>, FileError> {
        let objects = self.objects(prefix).await?;
        Ok(objects
            .into_iter()
            .map(|o| StoredFile {
                modified: chrono::DateTime::parse_from_rfc3339(&o.last_modified)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .unwrap_or_default(),
                key: o.key,
            })
            .collect())
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, FileError> {
        let objects = self.objects(prefix).await?;
        let mut deleted = 0;
        for object in objects {
            self.delete(&object.key).await?;
            deleted += 1;
        }
        Ok(deleted)
    }
}

#[async_trait]
impl FileLinks for S3FileStorage {
    async fn link(&self, key: &str, lifetime: Duration) -> Result<String, FileError> {
        check(key)?;
        let seconds = u32::try_from(lifetime.min(MAX_LINK_LIFETIME).as_secs().max(1)).unwrap_or(u32::MAX);
        // Downloaded, never rendered on the bucket's origin (the name is the key's last segment).
        let name: String =
            key.rsplit('/').next().unwrap_or(key).chars().filter(|c| c.is_ascii_graphic() && *c != '"').collect();
        let disposition = std::collections::HashMap::from([(
            "response-content-disposition".to_owned(),
            format!("attachment; filename=\"{name}\""),
        )]);
        self.bucket.presign_get(key, seconds, Some(disposition)).await.map_err(unavailable)
    }
}
