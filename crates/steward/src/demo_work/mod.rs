//! The demo company's working week: tasks across people (some overdue, some delegated), a
//! month-end close checklist, approvals waiting at two levels, open front-office cases in
//! every SLA state, and notifications. Each part seeds its own records.
mod approvals;
mod cases;
mod notify;
mod tasks;

use std::collections::HashMap;
use steward_core::auth::Actor;
use steward_core::ids::{CompanyId, UserId};
use steward_core::registry::Registry;
use steward_store::Store;

/// The demo's people, by user name, with their role, to act as them.
pub struct DemoUsers {
    pub company: CompanyId,
    pub currency: String,
    /// The domains' registrations, as the running app has them.
    pub registry: std::sync::Arc<Registry>,
    people: HashMap<String, (UserId, String)>,
}

impl DemoUsers {
    pub fn new(store: &Store, company: CompanyId, currency: &str) -> DemoUsers {
        DemoUsers {
            company,
            currency: currency.to_string(),
            registry: std::sync::Arc::new(steward::app::registry(
                store,
                std::sync::Arc::new(steward_core::work::mail::NotConfigured),
            )),
            people: HashMap::new(),
        }
    }

    pub fn add(&mut self, username: &str, id: UserId, role: &str) {
        self.people
            .insert(username.to_string(), (id, role.to_string()));
    }

    /// The user's id; the demo's named people (admin, accountant, hr, it, buyer, employee,
    /// frontoffice, auditor) always exist.
    pub fn id(&self, username: &str) -> Option<UserId> {
        self.people.get(username).map(|(id, _)| *id)
    }

    /// Every demo user as (user name, id, role), in a stable order.
    pub fn all(&self) -> Vec<(String, UserId, String)> {
        let mut v: Vec<_> = self
            .people
            .iter()
            .map(|(name, (id, role))| (name.clone(), *id, role.clone()))
            .collect();
        v.sort_by_key(|(_, id, _)| id.0);
        v
    }

    /// Acts as the user with their role's grants (as if signed in).
    pub fn actor(&self, username: &str) -> Option<Actor> {
        let (id, role) = self.people.get(username)?;
        Some(crate::demo_books::actor(
            self.company,
            &self.currency,
            *id,
            username,
            role,
        ))
    }
}

/// Seeds every part of the working week.
pub async fn seed(store: &Store, users: &DemoUsers) -> steward_core::Result<()> {
    approvals::seed(store, users.company, users).await?;
    tasks::seed(store, users.company, users).await?;
    cases::seed(store, users.company, users).await?;
    notify::seed(store, users.company, users).await?;
    Ok(())
}
