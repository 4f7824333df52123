//! `http`: where the api and the worker listen and how the api treats requests.

use super::AppEnv;
use super::reader::Reader;
use secrecy::SecretString;
use std::net::IpAddr;
use std::time::Duration;

/// Listening, limits and request policy of the HTTP servers.
#[derive(Clone)]
pub struct HttpSettings {
    /// `HOST`: the address the api and the worker bind (IPv4 or IPv6; `localhost` means 127.0.0.1).
    pub host: IpAddr,
    /// `PORT`: the api's port (0 picks a free one, used by tests).
    pub port: u16,
    /// `WORKER_PORT`: the worker's health/metrics port.
    pub worker_port: u16,
    /// `CORS_ORIGINS`: exact origins allowed to call the api from a browser.
    pub cors_origins: Vec<String>,
    /// `BODY_LIMIT_BYTES`: largest JSON body accepted.
    pub body_limit_bytes: usize,
    /// `SHUTDOWN_TIMEOUT_SECS`: how long in-flight work may finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// `TRUSTED_PROXIES`: addresses or CIDR ranges of reverse proxies whose
    /// `X-Forwarded-For` is believed (default none: the socket peer is the client).
    pub trusted_proxies: Vec<crate::net::IpCidr>,
    /// `API_KEY`: when set, `/api/*` requires `X-API-Key`.
    pub api_key: Option<SecretString>,
    /// `AUTH_RATE_LIMIT` per `AUTH_RATE_WINDOW_SECS`: login/register attempts per IP and route.
    pub auth_rate: (u32, Duration),
    /// `API_RATE_LIMIT` per `API_RATE_WINDOW_SECS`: other `/api/*` requests per user (or IP).
    pub api_rate: (u32, Duration),
    /// `API_RATE_LIMIT_BATCH`: with Redis, each api process counts up to this many
    /// requests of a caller locally before adding them to the shared count (1 = a
    /// Redis round trip per request). With `P` processes a caller may get at most
    /// `(P − 1) × (batch − 1)` requests past `API_RATE_LIMIT` per window.
    pub api_rate_batch: u32,
}

impl HttpSettings {
    pub(super) fn read(r: &mut Reader<'_>, env: AppEnv) -> Self {
        let host = match r.raw("HOST") {
            None | Some("localhost") => IpAddr::from([127, 0, 0, 1]),
            Some(value) => value.parse().unwrap_or_else(|_| {
                r.error("HOST", format!("expected an IP address such as 127.0.0.1, 0.0.0.0 or ::, got {value:?}"));
                IpAddr::from([127, 0, 0, 1])
            }),
        };
        let port = r.parsed("PORT", 8000u16, "a port number 0-65535");
        let worker_port = r.parsed("WORKER_PORT", 9000u16, "a port number 0-65535");
        let cors_origins: Vec<String> = r
            .raw("CORS_ORIGINS")
            .map(|v| v.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        for origin in &cors_origins {
            if !(origin.starts_with("http://") || origin.starts_with("https://")) || origin.ends_with('/') {
                r.error(
                    "CORS_ORIGINS",
                    format!("{origin:?} is not an origin like https://app.example.com (scheme, host, no path)"),
                );
            }
        }
        let body_limit_bytes = r.parsed("BODY_LIMIT_BYTES", 10 * 1024 * 1024usize, "a size in bytes");
        let shutdown_timeout = r.seconds("SHUTDOWN_TIMEOUT_SECS", 30);
        let trusted_proxies = match r.raw("TRUSTED_PROXIES").map(crate::net::parse_cidr_list) {
            None => Vec::new(),
            Some(Ok(ranges)) => ranges,
            Some(Err(bad)) => {
                for why in bad {
                    r.error(
                        "TRUSTED_PROXIES",
                        format!("{why} (expected addresses or CIDR ranges such as 10.0.0.0/8, comma-separated)"),
                    );
                }
                Vec::new()
            }
        };
        let api_key = r.raw("API_KEY").map(str::to_owned);
        match &api_key {
            Some(key) if key.len() < 16 => {
                r.error("API_KEY", format!("must be at least 16 characters (got {})", key.len()))
            }
            None if env == AppEnv::Production => {
                r.error("API_KEY", "required when APP_ENV=production (clients send it as X-API-Key)");
            }
            _ => {}
        }
        let auth_rate =
            (r.parsed("AUTH_RATE_LIMIT", 5u32, "a number of requests"), r.seconds("AUTH_RATE_WINDOW_SECS", 900));
        let api_rate =
            (r.parsed("API_RATE_LIMIT", 1000u32, "a number of requests"), r.seconds("API_RATE_WINDOW_SECS", 900));
        for (name, (limit, window)) in [("AUTH_RATE", auth_rate), ("API_RATE", api_rate)] {
            if limit == 0 || window.is_zero() {
                r.errors.push(format!("{name}_LIMIT/{name}_WINDOW_SECS: must both be at least 1"));
            }
        }
        Self {
            host,
            port,
            worker_port,
            cors_origins,
            body_limit_bytes,
            shutdown_timeout,
            trusted_proxies,
            api_key: api_key.map(SecretString::from),
            auth_rate,
            api_rate,
            api_rate_batch: r.positive("API_RATE_LIMIT_BATCH", 16u32, "a number of requests"),
        }
    }
}
