//! Steward's wiring, shared by the binary and the end-to-end tests: the concrete store and
//! file store handed to the web layer (which only knows core's traits), and every domain's
//! registrations. The command line lives in the binary (`main.rs`).
#![forbid(unsafe_code)]

pub mod app;
