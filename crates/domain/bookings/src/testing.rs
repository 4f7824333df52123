//! Test support: in-memory fakes of every port and the contract suite each
//! adapter must pass (enabled by the `testing` feature).

pub mod contract;
pub mod memory;
