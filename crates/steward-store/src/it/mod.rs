//! IT's tables (see `steward_core::it`): asset categories, models, assets and their events;
//! licences and their seats; consumables and their stock movements; sites, networks and
//! addresses; planned changes and maintenance schedules.
pub(crate) mod assets;
pub(crate) mod consumables;
pub(crate) mod licences;
pub(crate) mod changes;
pub(crate) mod networks;
