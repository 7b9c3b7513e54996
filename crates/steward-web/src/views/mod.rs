//! The shapes pages and the JSON API share for a list or a report: its query read from the
//! URL, its export columns and rows, its tables. Neither side imports the other.
pub mod audit;
pub mod billing;
pub mod billing_reports;
pub mod hr_health;
pub mod hr_reports;
pub mod jobs;
pub mod notify;
pub mod users;
