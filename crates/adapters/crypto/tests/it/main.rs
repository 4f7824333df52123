//! Integration tests of the crypto adapters: the PyJWT vectors in
//! `tests/fixtures/vectors/jwt_hs256.json` and the access-token signer.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod jwt_vectors;
mod standard_webhooks;
mod token_signer;
