//! Leads, their timeline, and the exactly-once ledger of job effects.

pub(crate) mod job_effects;
pub(crate) mod lead;
pub(crate) mod lead_events;
