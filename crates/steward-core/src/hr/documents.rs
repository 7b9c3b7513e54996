//! Filled by its owner (see hr/mod.rs).
use crate::jobs::{JobStore, Registry};
use crate::Result;

/// This part's tables. (Its owner adds the methods.)
pub trait DocumentStore: Send + Sync {}

pub fn register_jobs<S>(_registry: &mut Registry, _store: S)
where
    S: super::HrBackend + Clone + 'static,
{
}

pub async fn schedule(_store: &impl JobStore) -> Result<()> {
    Ok(())
}
