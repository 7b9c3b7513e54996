//! IT's tables (see `steward_core::it`): asset categories, models, assets and their events;
//! the helpdesk's tickets, groups and knowledge base.
pub(crate) mod assets;
pub(crate) mod helpdesk;
