//! Filled by its owner (see hr/mod.rs).
