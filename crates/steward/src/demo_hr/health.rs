//! The demo's record health: makes sure a department without a head exists (a problem to
//! find) and runs the engine once over the demo people, so the page and the dashboard tile
//! show what the other parts left to fix.
use steward_core::departments::{self, DepartmentStore};
use steward_core::hr::health::HealthStore;
use steward_store::Store;

use crate::demo_work::DemoUsers;

pub async fn seed(store: &Store, users: &DemoUsers) -> steward_core::Result<()> {
    let company = users.company;
    let all = store.departments(company).await?;
    if !all.iter().any(|d| d.head.is_none()) {
        if let Some(admin) = users.actor("admin").or_else(|| {
            users
                .all()
                .into_iter()
                .find(|(_, _, role)| role == "admin")
                .and_then(|(name, _, _)| users.actor(&name))
        }) {
            departments::create(store, &admin, "Facilities").await?;
        }
    }
    let today = chrono::Utc::now().date_naive();
    store.run_health(company, today, None).await?;
    Ok(())
}
