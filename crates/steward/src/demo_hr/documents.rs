//! Filled by its owner (see demo_hr/mod.rs).
use steward_store::Store;

use crate::demo_work::DemoUsers;

pub async fn seed(_store: &Store, _users: &DemoUsers) -> steward_core::Result<()> {
    Ok(())
}
