//! `auth`: tokens, passwords, admin sign-up, sessions and the retention of identity records.

use super::AppEnv;
use super::reader::Reader;
use secrecy::SecretString;
use std::time::Duration;

/// Identity.
#[derive(Clone)]
pub struct AuthSettings {
    /// `JWT_SECRET`: HS256 key of access tokens (≥ 32 bytes; required in production).
    pub jwt_secret: Option<SecretString>,
    /// `ENCRYPTION_KEYS`: AES-256-GCM keys sealing integration credentials,
    /// `id:base64[,id:base64…]`, current first (required in production;
    /// elsewhere a key is generated once into the files directory).
    pub encryption_keys: Option<SecretString>,
    /// `BCRYPT_COST`: password hashing work factor (12 in production; 4 is enough for tests).
    pub bcrypt_cost: u32,
    /// `BCRYPT_THREADS`: threads that hash and verify passwords, at low
    /// priority (default: the core count). Logins beyond them queue.
    pub bcrypt_threads: usize,
    /// `ADMIN_AUTH_CODE`: enables `POST /api/v1/auth/admin/register` for callers who present it.
    pub admin_auth_code: Option<SecretString>,
    /// `REFRESH_ABSOLUTE_TTL_DAYS`: a session ends this long after its login,
    /// however often it is refreshed (default 30 days).
    pub refresh_absolute_ttl: Duration,
    /// `LOGIN_ATTEMPT_RETENTION_DAYS`: login attempts older than this are purged (default 90 days).
    pub login_attempt_retention: Duration,
    /// `AUDIT_RETENTION_DAYS`: audit entries older than this are purged (default 365 days).
    pub audit_retention: Duration,
    /// `MEMBERSHIP_CACHE_TTL_SECS`: how long an api process may answer "who
    /// belongs where" from memory (default 5; 0 reads the database on every
    /// request). Changes reach every process at once through Redis pub/sub;
    /// this is only the backstop for a subscription that dies unnoticed.
    pub membership_cache_ttl: Duration,
}

impl AuthSettings {
    pub(super) fn read(r: &mut Reader<'_>, env: AppEnv) -> Self {
        let jwt_secret = r.raw("JWT_SECRET").map(str::to_owned);
        match &jwt_secret {
            Some(secret) if secret.len() < 32 => {
                r.error("JWT_SECRET", format!("must be at least 32 bytes (got {})", secret.len()));
            }
            None if env == AppEnv::Production => {
                r.error("JWT_SECRET", "required when APP_ENV=production (at least 32 random bytes)");
            }
            _ => {}
        }
        let encryption_keys = r.raw("ENCRYPTION_KEYS").map(str::to_owned);
        if encryption_keys.is_none() && env == AppEnv::Production {
            r.error(
                "ENCRYPTION_KEYS",
                "required when APP_ENV=production (id:base64 of 32 random bytes, e.g. k1:$(openssl rand -base64 32))",
            );
        }
        let admin_auth_code = r.raw("ADMIN_AUTH_CODE").map(str::to_owned);
        if admin_auth_code.as_ref().is_some_and(|code| code.len() < 16) {
            r.error("ADMIN_AUTH_CODE", "must be at least 16 characters (or unset to disable admin sign-up)");
        }
        let bcrypt_cost = r.parsed("BCRYPT_COST", 12u32, "a bcrypt cost between 4 and 31");
        if !(4..=31).contains(&bcrypt_cost) {
            r.error("BCRYPT_COST", format!("must be between 4 and 31 (got {bcrypt_cost})"));
        } else if bcrypt_cost < 10 && env == AppEnv::Production {
            r.error("BCRYPT_COST", format!("{bcrypt_cost} is too weak for production (use 10 or more)"));
        }
        Self {
            jwt_secret: jwt_secret.map(SecretString::from),
            encryption_keys: encryption_keys.map(SecretString::from),
            bcrypt_cost,
            bcrypt_threads: r.positive(
                "BCRYPT_THREADS",
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
                "a number of threads",
            ),
            admin_auth_code: admin_auth_code.map(SecretString::from),
            refresh_absolute_ttl: r.days("REFRESH_ABSOLUTE_TTL_DAYS", 30),
            login_attempt_retention: r.days("LOGIN_ATTEMPT_RETENTION_DAYS", 90),
            audit_retention: r.days("AUDIT_RETENTION_DAYS", 365),
            membership_cache_ttl: r.seconds("MEMBERSHIP_CACHE_TTL_SECS", 5),
        }
    }
}
