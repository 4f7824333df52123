//! What every vendor webhook needs before it may store anything: a
//! signature check, failing closed. (Retries are made harmless where the
//! work happens: a job keyed by the vendor's id, a turn claimed per call.)

/// Checks a vendor's request signature (Twilio's `X-Twilio-Signature`).
pub trait SignedRequests: Send + Sync + 'static {
    /// Whether `signature` signs `url` (as the vendor requested it, rebuilt
    /// from configuration) and the form `params`. Unconfigured: always false.
    fn verify(&self, url: &str, params: &[(String, String)], signature: &str) -> bool;
}
