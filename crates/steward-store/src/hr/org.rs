//! Filled by its owner (see steward_core::hr).
