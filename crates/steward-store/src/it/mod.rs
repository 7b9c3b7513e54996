//! IT's tables (see `steward_core::it`): asset categories, models, assets and their events;
//! sites, networks and addresses; planned changes and maintenance schedules.
pub(crate) mod assets;
pub(crate) mod changes;
pub(crate) mod networks;
