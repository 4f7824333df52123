//! Typed settings, parsed once from environment variables.
//!
//! Parsing takes the variables as a map instead of reading the process
//! environment, so tests build settings without `set_var`. Every problem is
//! reported at once, each naming its variable, and secrets are wrapped so
//! they never reach a log line.

use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// Where the process runs; production turns on HSTS and refuses unsafe defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    /// A developer machine (default).
    Development,
    /// Automated tests.
    Test,
    /// A real deployment.
    Production,
}

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured (default).
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Every setting of both binaries. See `.env.example` for the documentation of each variable.
#[derive(Clone)]
pub struct Settings {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// `HOST`: the address the api and the worker bind (IPv4 or IPv6; `localhost` means 127.0.0.1).
    pub host: std::net::IpAddr,
    /// `PORT`: the api's port (0 picks a free one, used by tests).
    pub port: u16,
    /// `WORKER_PORT`: the worker's health/metrics port.
    pub worker_port: u16,
    /// `DATABASE_URL`, or the embedded SQLite file when unset.
    pub database_url: SecretString,
    /// True when `DATABASE_URL` was unset and the embedded SQLite default is used.
    pub database_is_embedded: bool,
    /// `DATABASE_MAX_CONNECTIONS`.
    pub database_max_connections: u32,
    /// `DATABASE_STARTUP_TIMEOUT_SECS`: how long start-up waits for the database.
    pub database_startup_timeout: Duration,
    /// `RUN_MIGRATIONS`: apply migrations at start-up.
    pub run_migrations: bool,
    /// `REDIS_URL`; `None` selects the in-process cache.
    pub redis_url: Option<SecretString>,
    /// `REDIS_KEY_PREFIX`.
    pub redis_key_prefix: String,
    /// `REDIS_POOL_SIZE`.
    pub redis_pool_size: usize,
    /// `LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `RUST_LOG`.
    pub log_filter: String,
    /// `CORS_ORIGINS`: exact origins allowed to call the api from a browser.
    pub cors_origins: Vec<String>,
    /// `BODY_LIMIT_BYTES`: largest JSON body accepted.
    pub body_limit_bytes: usize,
    /// `SHUTDOWN_TIMEOUT_SECS`: how long in-flight work may finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// `JWT_SECRET`: HS256 key of access tokens (≥ 32 bytes; required in production).
    pub jwt_secret: Option<SecretString>,
    /// `API_KEY`: when set, `/api/*` requires `X-API-Key`.
    pub api_key: Option<SecretString>,
    /// `BCRYPT_COST`: password hashing work factor (12 in production; 4 is enough for tests).
    pub bcrypt_cost: u32,
    /// `ADMIN_AUTH_CODE`: enables `POST /api/v1/auth/admin/register` for callers who present it.
    pub admin_auth_code: Option<SecretString>,
    /// `AUTH_RATE_LIMIT` per `AUTH_RATE_WINDOW_SECS`: login/register attempts per IP and route.
    pub auth_rate: (u32, Duration),
    /// `API_RATE_LIMIT` per `API_RATE_WINDOW_SECS`: other `/api/*` requests per user (or IP).
    pub api_rate: (u32, Duration),
    /// `JOB_BACKEND`: where jobs are queued (`redis` by default when `REDIS_URL` is set, else `sql`).
    pub job_backend: JobBackendKind,
    /// `JOB_QUEUE`: the queue this process enqueues to and consumes (default `default`).
    pub job_queue: String,
    /// `JOB_VISIBILITY_TIMEOUT_SECS`: a claimed job whose lease is not renewed
    /// within this is taken over (default 60); running jobs renew it every third of it.
    pub job_visibility_timeout: Duration,
    /// `WORKER_CONCURRENCY`: jobs run at once per process (default 5).
    pub worker_concurrency: usize,
    /// `EMBEDDED_WORKER`: the api runs the worker loop in-process (default: true with the SQL queue).
    pub embedded_worker: bool,
    /// `FILES_DIR`: where uploaded and exported files are kept (default `./data/files`).
    pub files_dir: std::path::PathBuf,
    /// What an import file may hold: `IMPORT_MAX_ROWS` (default 200,000),
    /// `IMPORT_MAX_COLUMNS` (200), `IMPORT_MAX_CELLS` (5,000,000),
    /// `IMPORT_MAX_UNCOMPRESSED_BYTES` (256 MiB, an XLSX inflated) and
    /// `IMPORT_MAX_ZIP_ENTRIES` (1,000).
    pub import_limits: frontdesk_kernel::files::ReadLimits,
    /// `EXPORT_TTL_HOURS`: how long an export's file can be downloaded before it is purged (default 24).
    pub export_ttl: Duration,
    /// `JOB_MAX_INTERRUPTIONS`: a job whose run was interrupted (lease lost:
    /// its runner died or stalled) more than this many times is dead-lettered
    /// as a poison job (default 3).
    pub job_max_interruptions: u32,
    /// `JOB_RECONCILE_INTERVAL_SECS`: how often a worker re-publishes jobs the
    /// SQL store says are waiting but the Redis queue lost (default 60).
    pub job_reconcile_interval: Duration,
    /// `TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges of reverse
    /// proxies whose `X-Forwarded-For` is believed (default none: the socket
    /// peer is the client).
    pub trusted_proxies: Vec<crate::net::IpCidr>,
    /// `REFRESH_ABSOLUTE_TTL_DAYS`: a session ends this long after its login,
    /// however often it is refreshed (default 30 days).
    pub refresh_absolute_ttl: Duration,
    /// `LOGIN_ATTEMPT_RETENTION_DAYS`: login attempts older than this are purged (default 90 days).
    pub login_attempt_retention: Duration,
    /// `AUDIT_RETENTION_DAYS`: audit entries older than this are purged (default 365 days).
    pub audit_retention: Duration,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("app_env", &self.app_env)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &if self.database_is_embedded { "embedded sqlite" } else { "external" })
            .field("redis", &self.redis_url.as_ref().map(|_| "configured"))
            .field("run_migrations", &self.run_migrations)
            .finish_non_exhaustive()
    }
}

/// Which backend carries jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobBackendKind {
    /// Rows in the SQL `jobs` table (embedded default; small deployments without Redis).
    Sql,
    /// Redis Streams, status in the SQL `jobs` table.
    Redis,
}

/// Every invalid variable, one line each.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  {}", .0.join("\n  "))]
pub struct SettingsError(pub Vec<String>);

/// The embedded default database: a SQLite file under `./data/`.
pub const EMBEDDED_DATABASE_URL: &str = "sqlite://./data/receptionist.db?mode=rwc";

struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    errors: Vec<String>,
}

impl<'a> Reader<'a> {
    fn raw(&self, name: &str) -> Option<&'a str> {
        self.vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn parsed<T: std::str::FromStr>(&mut self, name: &str, default: T, expected: &str) -> T {
        match self.raw(name) {
            None => default,
            Some(value) => value.parse().unwrap_or_else(|_| {
                self.errors.push(format!("{name}: expected {expected}, got {value:?}"));
                default
            }),
        }
    }

    fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.raw(name).map(str::to_ascii_lowercase).as_deref() {
            None => default,
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(other) => {
                self.errors.push(format!("{name}: expected true or false, got {other:?}"));
                default
            }
        }
    }
}

impl Settings {
    /// Reads the process environment.
    ///
    /// # Errors
    /// Every invalid variable.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Parses a variable map (the process environment, or a test's).
    ///
    /// # Errors
    /// Every invalid variable, each line naming it.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, SettingsError> {
        let mut r = Reader { vars, errors: Vec::new() };
        let app_env = match r.raw("APP_ENV").map(str::to_ascii_lowercase).as_deref() {
            None | Some("development" | "dev") => AppEnv::Development,
            Some("test") => AppEnv::Test,
            Some("production" | "prod") => AppEnv::Production,
            Some(other) => {
                r.errors.push(format!("APP_ENV: expected development, test or production, got {other:?}"));
                AppEnv::Development
            }
        };
        let log_format = match r.raw("LOG_FORMAT").map(str::to_ascii_lowercase).as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                r.errors.push(format!("LOG_FORMAT: expected pretty or json, got {other:?}"));
                LogFormat::Pretty
            }
        };
        let host = match r.raw("HOST") {
            None | Some("localhost") => std::net::IpAddr::from([127, 0, 0, 1]),
            Some(value) => value.parse().unwrap_or_else(|_| {
                r.errors.push(format!("HOST: expected an IP address such as 127.0.0.1, 0.0.0.0 or ::, got {value:?}"));
                std::net::IpAddr::from([127, 0, 0, 1])
            }),
        };
        let port = r.parsed("PORT", 8000u16, "a port number 0-65535");
        let worker_port = r.parsed("WORKER_PORT", 9000u16, "a port number 0-65535");

        let (database_url, database_is_embedded) = match r.raw("DATABASE_URL") {
            None => (EMBEDDED_DATABASE_URL.to_owned(), true),
            Some(url) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:")) {
                    r.errors.push("DATABASE_URL: must start with postgres://, postgresql:// or sqlite:".to_owned());
                }
                (url.to_owned(), false)
            }
        };
        let database_max_connections = r.parsed("DATABASE_MAX_CONNECTIONS", 10u32, "a number of connections");
        if database_max_connections == 0 {
            r.errors.push("DATABASE_MAX_CONNECTIONS: must be at least 1".to_owned());
        }
        let startup_secs = r.parsed("DATABASE_STARTUP_TIMEOUT_SECS", 30u64, "a number of seconds");
        let run_migrations = r.flag("RUN_MIGRATIONS", true);

        let redis_url = r.raw("REDIS_URL").map(str::to_owned);
        if let Some(url) = &redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            r.errors.push("REDIS_URL: must start with redis:// or rediss://".to_owned());
        }
        let redis_key_prefix = r.raw("REDIS_KEY_PREFIX").unwrap_or("frontdesk:").to_owned();
        let redis_pool_size = r.parsed("REDIS_POOL_SIZE", 4usize, "a pool size");
        if redis_pool_size == 0 {
            r.errors.push("REDIS_POOL_SIZE: must be at least 1".to_owned());
        }

        let log_filter = r.raw("RUST_LOG").unwrap_or("info").to_owned();
        let cors_origins: Vec<String> = r
            .raw("CORS_ORIGINS")
            .map(|v| v.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        for origin in &cors_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) || origin.ends_with('/') {
                r.errors.push(format!(
                    "CORS_ORIGINS: {origin:?} is not an origin like https://app.example.com (scheme, host, no path)"
                ));
            }
        }
        let body_limit_bytes = r.parsed("BODY_LIMIT_BYTES", 10 * 1024 * 1024usize, "a size in bytes");
        let shutdown_secs = r.parsed("SHUTDOWN_TIMEOUT_SECS", 30u64, "a number of seconds");

        let jwt_secret = r.raw("JWT_SECRET").map(str::to_owned);
        match &jwt_secret {
            Some(secret) if secret.len() < 32 => {
                r.errors.push(format!("JWT_SECRET: must be at least 32 bytes (got {})", secret.len()));
            }
            None if app_env == AppEnv::Production => {
                r.errors.push("JWT_SECRET: required when APP_ENV=production (at least 32 random bytes)".to_owned());
            }
            _ => {}
        }
        let api_key = r.raw("API_KEY").map(str::to_owned);
        match &api_key {
            Some(key) if key.len() < 16 => {
                r.errors.push(format!("API_KEY: must be at least 16 characters (got {})", key.len()));
            }
            None if app_env == AppEnv::Production => {
                r.errors.push("API_KEY: required when APP_ENV=production (clients send it as X-API-Key)".to_owned());
            }
            _ => {}
        }
        let auth_rate = (
            r.parsed("AUTH_RATE_LIMIT", 5u32, "a number of requests"),
            Duration::from_secs(r.parsed("AUTH_RATE_WINDOW_SECS", 900u64, "a number of seconds")),
        );
        let api_rate = (
            r.parsed("API_RATE_LIMIT", 1000u32, "a number of requests"),
            Duration::from_secs(r.parsed("API_RATE_WINDOW_SECS", 900u64, "a number of seconds")),
        );
        for (name, (limit, window)) in [("AUTH_RATE", auth_rate), ("API_RATE", api_rate)] {
            if limit == 0 || window.is_zero() {
                r.errors.push(format!("{name}_LIMIT/{name}_WINDOW_SECS: must both be at least 1"));
            }
        }
        let admin_auth_code = r.raw("ADMIN_AUTH_CODE").map(str::to_owned);
        if admin_auth_code.as_ref().is_some_and(|code| code.len() < 16) {
            r.errors
                .push("ADMIN_AUTH_CODE: must be at least 16 characters (or unset to disable admin sign-up)".to_owned());
        }
        let bcrypt_cost = r.parsed("BCRYPT_COST", 12u32, "a bcrypt cost between 4 and 31");
        if !(4..=31).contains(&bcrypt_cost) {
            r.errors.push(format!("BCRYPT_COST: must be between 4 and 31 (got {bcrypt_cost})"));
        } else if bcrypt_cost < 10 && app_env == AppEnv::Production {
            r.errors.push(format!("BCRYPT_COST: {bcrypt_cost} is too weak for production (use 10 or more)"));
        }
        let job_backend = match r.raw("JOB_BACKEND").map(str::to_ascii_lowercase).as_deref() {
            None => {
                if redis_url.is_some() {
                    JobBackendKind::Redis
                } else {
                    JobBackendKind::Sql
                }
            }
            Some("sql") => JobBackendKind::Sql,
            Some("redis") => {
                if redis_url.is_none() {
                    r.errors.push("JOB_BACKEND: redis needs REDIS_URL".to_owned());
                }
                JobBackendKind::Redis
            }
            Some(other) => {
                r.errors.push(format!("JOB_BACKEND: expected sql or redis, got {other:?}"));
                JobBackendKind::Sql
            }
        };
        let job_queue = r.raw("JOB_QUEUE").unwrap_or("default").to_owned();
        if job_queue.is_empty()
            || job_queue.len() > 64
            || !job_queue.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            r.errors.push(format!("JOB_QUEUE: 1-64 letters, digits, - or _ (got {job_queue:?})"));
        }
        let job_visibility_timeout =
            Duration::from_secs(r.parsed("JOB_VISIBILITY_TIMEOUT_SECS", 60u64, "a number of seconds").max(1));
        let worker_concurrency = r.parsed("WORKER_CONCURRENCY", 5usize, "a number of concurrent jobs");
        if worker_concurrency == 0 {
            r.errors.push("WORKER_CONCURRENCY: must be at least 1".to_owned());
        }
        let embedded_worker = r.flag("EMBEDDED_WORKER", job_backend == JobBackendKind::Sql);
        let files_dir = std::path::PathBuf::from(r.raw("FILES_DIR").unwrap_or("./data/files"));
        let default_limits = frontdesk_kernel::files::ReadLimits::default();
        let import_limits = frontdesk_kernel::files::ReadLimits {
            max_rows: r.parsed("IMPORT_MAX_ROWS", default_limits.max_rows, "a number of rows").max(2),
            max_columns: r.parsed("IMPORT_MAX_COLUMNS", default_limits.max_columns, "a number of columns").max(1),
            max_cells: r.parsed("IMPORT_MAX_CELLS", default_limits.max_cells, "a number of cells").max(1),
            max_uncompressed_bytes: r
                .parsed("IMPORT_MAX_UNCOMPRESSED_BYTES", default_limits.max_uncompressed_bytes, "a number of bytes")
                .max(1),
            max_zip_entries: r
                .parsed("IMPORT_MAX_ZIP_ENTRIES", default_limits.max_zip_entries, "a number of zip entries")
                .max(1),
        };
        let export_ttl = Duration::from_secs(r.parsed("EXPORT_TTL_HOURS", 24u64, "a number of hours").max(1) * 3600);
        let job_max_interruptions = r.parsed("JOB_MAX_INTERRUPTIONS", 3u32, "a number of interrupted runs");
        let job_reconcile_interval =
            Duration::from_secs(r.parsed("JOB_RECONCILE_INTERVAL_SECS", 60u64, "a number of seconds").max(1));
        let trusted_proxies = match r.raw("TRUSTED_PROXIES").map(crate::net::parse_cidr_list) {
            None => Vec::new(),
            Some(Ok(ranges)) => ranges,
            Some(Err(bad)) => {
                r.errors.extend(bad.into_iter().map(|why| {
                    format!(
                        "TRUSTED_PROXIES: {why} (expected addresses or CIDR ranges such as 10.0.0.0/8, comma-separated)"
                    )
                }));
                Vec::new()
            }
        };
        let mut days = |name: &str, default: u64| {
            let days = r.parsed(name, default, "a number of days");
            if days == 0 {
                r.errors.push(format!("{name}: must be at least 1"));
            }
            Duration::from_secs(days.saturating_mul(24 * 3600))
        };
        let refresh_absolute_ttl = days("REFRESH_ABSOLUTE_TTL_DAYS", 30);
        let login_attempt_retention = days("LOGIN_ATTEMPT_RETENTION_DAYS", 90);
        let audit_retention = days("AUDIT_RETENTION_DAYS", 365);

        if app_env == AppEnv::Production && database_is_embedded {
            r.errors.push("DATABASE_URL: required when APP_ENV=production (postgres://…)".to_owned());
        }

        if !r.errors.is_empty() {
            return Err(SettingsError(r.errors));
        }
        Ok(Self {
            job_backend,
            job_queue,
            job_visibility_timeout,
            worker_concurrency,
            embedded_worker,
            files_dir,
            import_limits,
            export_ttl,
            job_max_interruptions,
            job_reconcile_interval,
            trusted_proxies,
            refresh_absolute_ttl,
            login_attempt_retention,
            audit_retention,
            app_env,
            host,
            port,
            worker_port,
            database_url: SecretString::from(database_url),
            database_is_embedded,
            database_max_connections,
            database_startup_timeout: Duration::from_secs(startup_secs),
            run_migrations,
            redis_url: redis_url.map(SecretString::from),
            redis_key_prefix,
            redis_pool_size,
            log_format,
            log_filter,
            cors_origins,
            body_limit_bytes,
            shutdown_timeout: Duration::from_secs(shutdown_secs),
            jwt_secret: jwt_secret.map(SecretString::from),
            api_key: api_key.map(SecretString::from),
            bcrypt_cost,
            admin_auth_code: admin_auth_code.map(SecretString::from),
            auth_rate,
            api_rate,
        })
    }

    /// The database URL (contains credentials: never log it).
    #[must_use]
    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// The Redis URL, if configured (may contain a password: never log it).
    #[must_use]
    pub fn redis_url(&self) -> Option<&str> {
        self.redis_url.as_ref().map(ExposeSecret::expose_secret)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn empty_environment_selects_the_embedded_profile() {
        let settings = Settings::from_vars(&HashMap::new()).unwrap();
        assert!(settings.database_is_embedded);
        assert_eq!(settings.database_url(), EMBEDDED_DATABASE_URL);
        assert!(settings.redis_url().is_none());
        assert_eq!((settings.host.to_string().as_str(), settings.port), ("127.0.0.1", 8000));
        assert!(settings.run_migrations);
        assert_eq!(settings.body_limit_bytes, 10 * 1024 * 1024);
    }

    #[test]
    fn every_bad_variable_is_reported_by_name() {
        let err = Settings::from_vars(&vars(&[
            ("PORT", "eighty"),
            ("RUN_MIGRATIONS", "maybe"),
            ("DATABASE_URL", "mysql://x"),
            ("REDIS_URL", "http://x"),
            ("JWT_SECRET", "short"),
            ("CORS_ORIGINS", "https://ok.example.com,not-an-origin"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for name in ["PORT", "RUN_MIGRATIONS", "DATABASE_URL", "REDIS_URL", "JWT_SECRET", "CORS_ORIGINS"] {
            assert!(text.contains(&format!("{name}:")), "{name} missing from:\n{text}");
        }
        assert_eq!(err.0.len(), 6);
    }

    #[test]
    fn auth_hardening_settings_default_and_parse() {
        let defaults = Settings::from_vars(&HashMap::new()).unwrap();
        assert!(defaults.trusted_proxies.is_empty(), "no proxy is trusted unless configured");
        assert_eq!(defaults.refresh_absolute_ttl, Duration::from_secs(30 * 86_400));
        assert_eq!(defaults.login_attempt_retention, Duration::from_secs(90 * 86_400));
        assert_eq!(defaults.audit_retention, Duration::from_secs(365 * 86_400));
        let set = Settings::from_vars(&vars(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32,127.0.0.1"),
            ("REFRESH_ABSOLUTE_TTL_DAYS", "14"),
            ("LOGIN_ATTEMPT_RETENTION_DAYS", "30"),
            ("AUDIT_RETENTION_DAYS", "730"),
        ]))
        .unwrap();
        let proxies: Vec<_> = set.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(proxies, ["10.0.0.0/8", "2001:db8::/32", "127.0.0.1/32"]);
        assert_eq!(set.refresh_absolute_ttl, Duration::from_secs(14 * 86_400));
        assert_eq!(set.login_attempt_retention, Duration::from_secs(30 * 86_400));
        assert_eq!(set.audit_retention, Duration::from_secs(730 * 86_400));
    }

    #[test]
    fn every_bad_trusted_proxy_and_retention_is_named() {
        let err = Settings::from_vars(&vars(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/40, lb.internal"),
            ("REFRESH_ABSOLUTE_TTL_DAYS", "0"),
            ("LOGIN_ATTEMPT_RETENTION_DAYS", "ninety"),
            ("AUDIT_RETENTION_DAYS", "-1"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "TRUSTED_PROXIES: \"10.0.0.0/40\"",
            "TRUSTED_PROXIES: \"lb.internal\"",
            "REFRESH_ABSOLUTE_TTL_DAYS:",
            "LOGIN_ATTEMPT_RETENTION_DAYS:",
            "AUDIT_RETENTION_DAYS:",
        ] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        assert_eq!(err.0.len(), 5, "{text}");
    }

    #[test]
    fn production_requires_real_stores_and_a_jwt_secret() {
        let err = Settings::from_vars(&vars(&[("APP_ENV", "production")])).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("JWT_SECRET: required"), "{text}");
        assert!(text.contains("DATABASE_URL: required"), "{text}");
        assert!(text.contains("API_KEY: required"), "{text}");
    }

    #[test]
    fn ipv6_and_localhost_hosts_parse() {
        let v6 = Settings::from_vars(&vars(&[("HOST", "::")])).unwrap();
        assert!(v6.host.is_ipv6());
        let local = Settings::from_vars(&vars(&[("HOST", "localhost")])).unwrap();
        assert_eq!(local.host.to_string(), "127.0.0.1");
        assert!(Settings::from_vars(&vars(&[("HOST", "my-box")])).unwrap_err().to_string().contains("HOST:"));
    }

    #[test]
    fn debug_output_never_contains_secrets() {
        let settings = Settings::from_vars(&vars(&[
            ("DATABASE_URL", "postgres://app:hunter2@db/frontdesk"),
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef-secret"),
        ]))
        .unwrap();
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("secret"), "{debug}");
    }
}
