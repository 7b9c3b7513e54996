//! Filled by its owner (see steward_core::hr).
use steward_core::hr::timeoff::TimeoffStore;

use crate::Store;

impl TimeoffStore for Store {}
