//! Filled by its owner (see steward_core::hr::documents).
use steward_core::hr::documents::DocumentStore;

use crate::Store;

impl DocumentStore for Store {}
