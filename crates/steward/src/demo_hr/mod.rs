//! The demo company's people: about 60 employees in 6 departments with managers, contracts
//! and pay history, documents (some expiring), time-off balances and requests, and a
//! handful of record-health problems to find. Each part seeds its own records, in order.
mod documents;
mod employees;
mod health;
mod timeoff;

use steward_store::Store;

use crate::demo_work::DemoUsers;

/// Seeds every part of the company's people.
pub async fn seed(
    store: &Store,
    users: &DemoUsers,
    files: &std::path::Path,
) -> steward_core::Result<()> {
    employees::seed(store, users).await?;
    documents::seed_into(
        store,
        users,
        &steward_store::files::LocalFiles::new(files.to_path_buf()),
    )
    .await?;
    timeoff::seed(store, users).await?;
    health::seed(store, users).await?;
    Ok(())
}
