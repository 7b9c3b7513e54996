//! Steward's domain: the types, rules and services every front end (web pages, JSON API,
//! CLI) goes through. Nothing here knows about SQL or HTTP: services take a store trait and
//! an [`auth::Actor`], authorize, validate, compute, and hand typed records to the store.
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod bank;
pub mod billing;
pub mod blocking;
pub mod company;
pub mod custom_fields;
pub mod departments;
pub mod error;
pub mod files;
pub mod hr;
pub mod idempotency;
pub mod ids;
pub mod import;
pub mod input;
pub mod it;
pub mod jobs;
pub mod ledger;
pub mod list;
pub mod money;
pub mod records;
pub mod registry;
pub mod roles;
pub mod system;
pub mod time;
pub mod tokens;
pub mod users;
pub mod work;

pub use error::{Error, Result};
