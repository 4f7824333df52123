//! Typed settings, parsed once from environment variables, by section.
//!
//! Each section (`http`, `database`, `redis`, `jobs`, `auth`, `files`, and
//! one per vendor) is read by its own module with the shared [`Reader`],
//! which collects every problem, each naming its variable, so a bad
//! deployment is told everything to fix at once. Parsing takes the
//! variables as a map instead of reading the process environment, so tests
//! build settings without `set_var`. Secrets are wrapped so they never reach
//! a log line.

mod auth;
mod bookings;
mod database;
mod files;
mod http;
mod jobs;
mod reader;
mod redis;
mod vendors;

pub use auth::AuthSettings;
pub use bookings::BookingSettings;
pub use database::{DatabaseSettings, EMBEDDED_DATABASE_URL};
pub use files::FileSettings;
pub use http::HttpSettings;
pub use jobs::{JobBackendKind, JobSettings};
pub use redis::RedisSettings;
pub use vendors::{
    GoHighLevelSettings, GoogleSettings, OpenAiSettings, PostmarkSettings, S3Settings, TwilioSettings, VendorUrls,
    VoiceSettings,
};

use reader::Reader;
use std::collections::HashMap;
use std::fmt;

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

/// `LOG_FORMAT` and `RUST_LOG`.
#[derive(Clone, Debug)]
pub struct LogSettings {
    /// `LOG_FORMAT`.
    pub format: LogFormat,
    /// `RUST_LOG`.
    pub filter: String,
}

/// Every setting of both binaries, by section. `.env.example` documents each variable.
#[derive(Clone)]
pub struct Settings {
    /// `APP_ENV`.
    pub app_env: AppEnv,
    /// Logging.
    pub log: LogSettings,
    /// Listening and request policy.
    pub http: HttpSettings,
    /// The SQL store.
    pub database: DatabaseSettings,
    /// Redis (cache, rate limits, job streams) when configured.
    pub redis: RedisSettings,
    /// Background jobs.
    pub jobs: JobSettings,
    /// Identity.
    pub auth: AuthSettings,
    /// Uploads, exports and import bounds.
    pub files: FileSettings,
    /// Scheduling (hold lifetime).
    pub bookings: BookingSettings,
    /// Twilio, once configured.
    pub twilio: Option<TwilioSettings>,
    /// How calls are answered.
    pub voice: VoiceSettings,
    /// OpenAI (or a compatible server), once configured.
    pub openai: Option<OpenAiSettings>,
    /// Postmark, once configured.
    pub postmark: Option<PostmarkSettings>,
    /// S3-compatible storage, once configured.
    pub s3: Option<S3Settings>,
    /// Google Calendar, once configured.
    pub google: Option<GoogleSettings>,
    /// GoHighLevel, once configured.
    pub gohighlevel: Option<GoHighLevelSettings>,
    /// Vendor API base URLs for calls with a tenant's own credentials.
    pub vendor_urls: VendorUrls,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("app_env", &self.app_env)
            .field("host", &self.http.host)
            .field("port", &self.http.port)
            .field("database", &if self.database.is_embedded { "embedded sqlite" } else { "external" })
            .field("redis", &self.redis.url().map(|_| "configured"))
            .field("run_migrations", &self.database.run_migrations)
            .field("jobs", &self.jobs)
            .finish_non_exhaustive()
    }
}

/// Every invalid variable, one line each.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  {}", .0.join("\n  "))]
pub struct SettingsError(pub Vec<String>);

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
        let mut r = Reader::new(vars);
        let app_env = match r.raw("APP_ENV").map(str::to_ascii_lowercase).as_deref() {
            None | Some("development" | "dev") => AppEnv::Development,
            Some("test") => AppEnv::Test,
            Some("production" | "prod") => AppEnv::Production,
            Some(other) => {
                r.error("APP_ENV", format!("expected development, test or production, got {other:?}"));
                AppEnv::Development
            }
        };
        let format = match r.raw("LOG_FORMAT").map(str::to_ascii_lowercase).as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                r.error("LOG_FORMAT", format!("expected pretty or json, got {other:?}"));
                LogFormat::Pretty
            }
        };
        let log = LogSettings { format, filter: r.raw("RUST_LOG").unwrap_or("info").to_owned() };
        let http = HttpSettings::read(&mut r, app_env);
        let database = DatabaseSettings::read(&mut r, app_env);
        let redis = RedisSettings::read(&mut r);
        let jobs = JobSettings::read(&mut r, redis.url().is_some());
        let auth = AuthSettings::read(&mut r, app_env);
        let files = FileSettings::read(&mut r);
        let bookings = BookingSettings::read(&mut r, http.port);
        let openai = OpenAiSettings::read(&mut r);
        let twilio = TwilioSettings::read(&mut r);
        let voice = VoiceSettings::read(&mut r);
        let postmark = PostmarkSettings::read(&mut r);
        let vendor_urls = VendorUrls::read(&mut r);
        let s3 = S3Settings::read(&mut r);
        if !r.errors.is_empty() {
            return Err(SettingsError(r.errors));
        }
        Ok(Self {
            app_env,
            log,
            http,
            database,
            redis,
            jobs,
            auth,
            files,
            bookings,
            twilio,
            voice,
            openai,
            postmark,
            s3,
            google: None,
            gohighlevel: None,
            vendor_urls,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn empty_environment_selects_the_embedded_profile() {
        let settings = Settings::from_vars(&HashMap::new()).unwrap();
        assert!(settings.database.is_embedded);
        assert_eq!(settings.database.url(), EMBEDDED_DATABASE_URL);
        assert!(settings.redis.url().is_none());
        assert_eq!((settings.http.host.to_string().as_str(), settings.http.port), ("127.0.0.1", 8000));
        assert!(settings.database.run_migrations);
        assert_eq!(settings.http.body_limit_bytes, 10 * 1024 * 1024);
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
        assert!(defaults.http.trusted_proxies.is_empty(), "no proxy is trusted unless configured");
        assert_eq!(defaults.auth.refresh_absolute_ttl, Duration::from_secs(30 * 86_400));
        assert_eq!(defaults.auth.login_attempt_retention, Duration::from_secs(90 * 86_400));
        assert_eq!(defaults.auth.audit_retention, Duration::from_secs(365 * 86_400));
        let set = Settings::from_vars(&vars(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32,127.0.0.1"),
            ("REFRESH_ABSOLUTE_TTL_DAYS", "14"),
            ("LOGIN_ATTEMPT_RETENTION_DAYS", "30"),
            ("AUDIT_RETENTION_DAYS", "730"),
        ]))
        .unwrap();
        let proxies: Vec<_> = set.http.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(proxies, ["10.0.0.0/8", "2001:db8::/32", "127.0.0.1/32"]);
        assert_eq!(set.auth.refresh_absolute_ttl, Duration::from_secs(14 * 86_400));
        assert_eq!(set.auth.login_attempt_retention, Duration::from_secs(30 * 86_400));
        assert_eq!(set.auth.audit_retention, Duration::from_secs(730 * 86_400));
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
        assert!(text.contains("ENCRYPTION_KEYS: required"), "{text}");
    }

    #[test]
    fn ipv6_and_localhost_hosts_parse() {
        let v6 = Settings::from_vars(&vars(&[("HOST", "::")])).unwrap();
        assert!(v6.http.host.is_ipv6());
        let local = Settings::from_vars(&vars(&[("HOST", "localhost")])).unwrap();
        assert_eq!(local.http.host.to_string(), "127.0.0.1");
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

    #[test]
    fn a_redis_cluster_url_is_accepted() {
        let url = "redis-cluster://app:pw@10.0.0.1:6379?node=10.0.0.2:6379";
        let settings = Settings::from_vars(&vars(&[("REDIS_URL", url)])).unwrap();
        assert_eq!(settings.redis.url(), Some(url));
        assert_eq!(settings.jobs.backend, JobBackendKind::Redis);
    }

    #[test]
    fn each_section_reads_its_own_variables() {
        let settings = Settings::from_vars(&vars(&[
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("JOB_QUEUE", "imports"),
            ("FILES_DIR", "/srv/files"),
            ("BCRYPT_COST", "10"),
            ("PORT", "8080"),
        ]))
        .unwrap();
        assert_eq!(settings.jobs.backend, JobBackendKind::Redis, "Redis carries jobs when configured");
        assert!(!settings.jobs.embedded_worker, "the worker runs apart with Redis");
        assert_eq!(settings.jobs.queue, "imports");
        assert_eq!(settings.files.dir, std::path::PathBuf::from("/srv/files"));
        assert_eq!((settings.auth.bcrypt_cost, settings.http.port), (10, 8080));
        assert!(settings.twilio.is_none() && settings.openai.is_none(), "vendors are off until configured");
        let config = settings.database.db_config();
        assert_eq!(config.url, EMBEDDED_DATABASE_URL);
    }

    #[test]
    fn the_model_and_booking_settings_are_read_and_checked() {
        let settings = Settings::from_vars(&vars(&[
            ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1/"),
            ("OPENAI_MODEL", "llama3.1"),
            ("BOOKING_REMINDER_MINUTES", "60, 1440,60"),
            ("PUBLIC_BASE_URL", "https://book.example.com/"),
        ]))
        .unwrap();
        let openai = settings.openai.expect("a base URL alone configures a local model");
        assert_eq!((openai.base_url.as_str(), openai.model.as_str()), ("http://127.0.0.1:11434/v1", "llama3.1"));
        assert_eq!(settings.bookings.reminder_minutes, [1440, 60], "sorted, deduplicated");
        assert_eq!(settings.bookings.public_base_url, "https://book.example.com");
        let err = Settings::from_vars(&vars(&[
            ("OPENAI_BASE_URL", "ftp://x"),
            ("BOOKING_REMINDER_MINUTES", "1"),
            ("PUBLIC_BASE_URL", "book.example.com"),
        ]))
        .unwrap_err()
        .to_string();
        for name in ["OPENAI_BASE_URL", "BOOKING_REMINDER_MINUTES", "PUBLIC_BASE_URL"] {
            assert!(err.contains(name), "{name} named in {err}");
        }
    }
}
