//! IT's tables (see `steward_core::it`): asset categories, models, assets and their events;
//! licences and their seats; consumables and their stock movements; sites, networks and
//! addresses; planned changes and maintenance schedules; the helpdesk's tickets, groups and
//! knowledge base.
pub(crate) mod assets;
pub(crate) mod changes;
pub(crate) mod consumables;
pub(crate) mod helpdesk;
pub(crate) mod licences;
pub(crate) mod networks;
