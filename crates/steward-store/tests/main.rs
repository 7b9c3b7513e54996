//! Every store test (SQLite, and PostgreSQL where `STEWARD_TEST_PG` is set) as one test
//! binary: one link instead of one per file. Each module is one file beside this one;
//! `common` holds the per-test databases and the `store_test!` macros.
#[macro_use]
mod common;

mod audit;
mod audit_keyed;
mod auth;
mod backup;
mod bank;
mod bank_reconcile;
mod billing;
mod billing_fx;
mod billing_mail;
mod billing_payables;
mod billing_reports;
mod files;
mod hr_documents;
mod hr_employees;
mod hr_health;
mod hr_org;
mod hr_timeoff;
mod idempotency;
mod it;
mod it_asset_fields;
mod it_helpdesk;
mod it_licences;
mod it_networks;
mod jobs;
mod ledger;
mod migrate;
mod records;
mod records_consent;
mod records_retention;
mod records_search;
mod roles;
mod users;
mod work_approvals;
mod work_cases;
mod work_notify;
mod work_tasks;
