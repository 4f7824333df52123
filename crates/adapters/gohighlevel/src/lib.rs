//! GoHighLevel (API v2): the Ed25519 signature of its webhooks, the
//! credential check of a location's Private Integration token, and contact
//! upserts.
//!
//! GoHighLevel signs every webhook body with one Ed25519 key of its own
//! (`x-ghl-signature`, base64, over the raw bytes). Its own SDK lets an
//! unsigned request through; [`GhlSignatures`] fails closed: no key, no
//! header, a malformed header or a signature over other bytes is a refusal.

mod check;
mod contacts;
mod signature;

pub use check::{CONTACTS_VERSION, check_location};
pub use contacts::GhlContacts;
pub use signature::{GhlSignatures, OFFICIAL_PUBLIC_KEY};
