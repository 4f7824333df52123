//! The shared vocabulary of every Frontdesk domain crate.
//!
//! Nothing here knows about SQL, HTTP or Redis: it holds the typed ids, the
//! tenant and actor every use case is scoped by, the clock, paging, the
//! validation-error shape, and the ports that more than one domain needs
//! (cache, health checks). Domain crates depend on this one and on pure
//! crates only; `tools/arch-check` enforces that.

pub mod actor;
pub mod broadcast;
pub mod cache;
pub mod clock;
pub mod country;
pub mod email;
pub mod error;
pub mod events;
pub mod files;
pub mod health;
pub mod id;
pub mod jobs;
pub mod json;
pub mod local_copies;
pub mod messaging;
pub mod near_cache;
pub mod page;
pub mod phone;
pub mod rate_limit;
pub mod redact;
pub mod seals;
mod string_enum;
pub mod template;
pub mod text;
pub mod validation;

#[cfg(feature = "testing")]
pub mod testing;

pub use actor::{AccountType, Actor, Role};
pub use broadcast::{Broadcast, BroadcastError, BroadcastListener};
pub use cache::{Cache, CacheError};
pub use clock::{Clock, SystemClock};
pub use country::Country;
pub use email::EmailAddress;
pub use error::{Code, DomainError, ErrorCode, KernelError, Unavailable, storage_code};
pub use health::{HealthCheck, HealthError};
pub use id::{LeadId, TenantId, UserId};
pub use json::JsonObject;
pub use near_cache::{NearCache, NearCacheConfig};
pub use page::{Page, PageRequest};
pub use phone::PhoneNumber;
pub use rate_limit::{BatchedRateLimiter, RateDecision, RateLimitError, RateLimiter, WindowCounter};
pub use validation::{FieldError, ValidationErrors};
