//! IT's tables (see `steward_core::it`): asset categories, models, assets and their events;
//! licences and their seats; consumables and their stock movements.
pub(crate) mod assets;
pub(crate) mod consumables;
pub(crate) mod licences;
