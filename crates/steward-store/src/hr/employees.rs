//! Filled by its owner (see steward_core::hr).
use steward_core::hr::employees::EmployeeStore;

use crate::Store;

impl EmployeeStore for Store {}
