//! Cryptography adapters: bcrypt password hashing, HS256 access tokens,
//! opaque refresh tokens and constant-time comparison.
//!
//! Everything here is pure Rust (ring, RustCrypto via `jsonwebtoken`'s
//! `rust_crypto` backend, bcrypt): no OpenSSL, no aws-lc. The rules that
//! make these safe are enforced in one place each:
//! * [`BcryptPasswordHasher`] keeps bcrypt off the async workers and equalises
//!   "unknown email" with "wrong password" ([`BcryptPasswordHasher::dummy_verify`]);
//! * [`JwtVerifier`] takes the algorithm from its own allow-list, never from the
//!   token, and judges `exp`/`nbf`/`iat` against an injected instant with no
//!   leeway; [`JwtTokenSigner`] is our HS256 [`frontdesk_tenancy::TokenSigner`] on top of it;
//! * [`RefreshTokenIssuer`] draws 256-bit tokens from the OS and stores only their SHA-256;
//! * [`constant_time_eq`] compares API keys and admin codes without timing leaks;
//! * [`AesGcmKeyring`] seals integration credentials (AES-256-GCM, key id and
//!   context authenticated, fresh nonce per value) under rotatable keys.

mod booking_tokens;
mod compare;
mod error;
mod hashing_pool;
mod password;
mod refresh;
mod rsa_pem;
mod sealing;
mod seals;
mod standard_webhooks;
mod token;

pub use booking_tokens::BookingTokenIssuer;
pub use compare::constant_time_eq;
pub use error::{CryptoError, TokenRejection};
pub use hashing_pool::HashingPool;
pub use password::BcryptPasswordHasher;
pub use refresh::{NewRefreshToken, REFRESH_TOKEN_BYTES, RefreshTokenIssuer, hash_refresh_token, random_secret};
pub use sealing::AesGcmKeyring;
pub use seals::HmacSeals;
pub use standard_webhooks::{InvalidWebhookSecret, generate_webhook_secret, sign_webhook, verify_webhook};
pub use token::{JwtAlgorithm, JwtTokenSigner, JwtVerifier};
