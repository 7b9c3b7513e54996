//! Filled by its owner (see steward_core::hr::health).
use steward_core::hr::health::HealthStore;

use crate::Store;

impl HealthStore for Store {}
