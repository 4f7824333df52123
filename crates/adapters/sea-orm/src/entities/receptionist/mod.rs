//! The receptionist's configuration tables.

pub(crate) mod prompt_templates;
pub(crate) mod strategies;
