//! IT's tables (see `steward_core::it`): asset categories, models, assets and their events.
pub(crate) mod assets;
