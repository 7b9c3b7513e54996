//! (being written)
use steward_core::ids::CompanyId;
use steward_store::Store;

use super::DemoUsers;

pub async fn seed(
    _store: &Store,
    _company: CompanyId,
    _users: &DemoUsers,
) -> steward_core::Result<()> {
    Ok(())
}
