//! Records: the files a company keeps about the people and organisations it serves
//! (patients, clients, customers). The company names the kinds of subject and their custom
//! fields (with one-call templates for a clinic, a finance firm and a factory), the
//! categories records go in (a sensitive flag, a retention period and the event it counts
//! from) and, per subject, who may open its file.
//!
//! Who sees what (docs/ARCHITECTURE.md, "Records: who sees what"): a subject's file is open
//! to its owner, to the users, roles and departments assigned to it, to holders of
//! `records.read` for the whole company (the admin, the auditor) and, for a bounded time,
//! to someone who broke the glass giving a reason. A record in a sensitive category also
//! needs `records_sensitive.read` (`.update` to add one). The privacy office (`records.approve`
//! company-wide: the privacy officer, the admin) keeps kinds, categories and assignments,
//! reads the access log and reviews break-glass openings; it sees every subject's header
//! (reference, name, kind, owner) but opens no file it has no access to. Every view of a
//! file, download and export is logged ([`file`]) in the access log and the audit trail.
//! A subject the caller may not open is not found, as another company's is.
pub mod anonymize;
pub mod consent;
pub mod export;
pub mod file;
pub mod retention;
pub mod search;
pub mod setup;
pub mod subjects;
pub mod tiles;

use crate::auth::{Action, Actor, Domain, Permission, Scope};
use crate::registry::Registry;
use crate::{Error, Result};

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default,
            serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    KindId,
    CategoryId,
    SubjectId,
    ItemId,
    VersionId,
    BreakGlassId
);

/// A kind of subject (`records.kind:1`).
pub const KIND: &str = "records.kind";
/// A field of a kind (`records.kind_field:3`).
pub const KIND_FIELD: &str = "records.kind_field";
/// A record category (`records.category:2`).
pub const CATEGORY: &str = "records.category";
/// A subject (`records.subject:7`): its file is what is opened, logged and broken into.
pub const SUBJECT: &str = "records.subject";
/// An assignment of a subject.
pub const ASSIGNMENT: &str = "records.assignment";
/// A record in a subject's file (a note or a document).
pub const ITEM: &str = "records.item";
/// An access to a subject's file (view, download, export, break-glass).
pub const ACCESS: &str = "records.access";
/// A break-glass opening.
pub const BREAK_GLASS: &str = "records.break_glass";

/// Every store trait Records needs.
pub trait RecordsBackend:
    setup::SetupStore
    + subjects::SubjectStore
    + file::RecordStore
    + retention::RetentionStore
    + consent::ConsentStore
    + search::SearchStore
{
}
impl<T> RecordsBackend for T where
    T: setup::SetupStore
        + subjects::SubjectStore
        + file::RecordStore
        + retention::RetentionStore
        + consent::ConsentStore
        + search::SearchStore
{
}

/// Records' record kinds (links from the audit trail and notifications), the privacy
/// office's dashboard tiles and the daily retention job (with the hook that seeds its chain).
pub fn register<S>(r: &mut Registry, store: S)
where
    S: RecordsBackend + crate::jobs::JobStore + Clone + 'static,
{
    r.record_kind(SUBJECT, "Records subject");
    r.record_kind(KIND, "Kind of subject");
    r.record_kind(CATEGORY, "Record category");
    r.record_kind(BREAK_GLASS, "Break-glass opening");
    r.record_kind(retention::HOLD, "Legal hold");
    r.record_kind(retention::DISPOSAL, "Disposal");
    r.record_kind(consent::CONSENT, "Consent");
    r.tile(
        "records.privacy",
        crate::work::dashboard::handler(store.clone(), tiles::PrivacyOffice),
    );
    retention::register_jobs(r.jobs_mut(), store.clone());
    r.on_start(
        "records.schedule",
        crate::registry::start(move || {
            let s = store.clone();
            async move { retention::schedule(&s).await }
        }),
    );
}

/// Whether the actor holds `records.read` at any scope (may use Records at all).
pub fn reader(actor: &Actor) -> bool {
    actor.can(Permission::new(Domain::Records, Action::Read))
}

/// The gate for Records at all: `Forbidden` unless [`reader`].
pub fn gate_reader(actor: &Actor) -> Result<()> {
    if reader(actor) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether the actor opens every subject's file (`records.read` for the whole company).
pub fn reads_all(actor: &Actor) -> bool {
    actor.scope_for(Permission::new(Domain::Records, Action::Read)) == Some(Scope::Company)
}

/// The privacy office: `records.approve` for the whole company (kinds, categories,
/// assignments, the access log, the break-glass review).
pub fn is_privacy_office(actor: &Actor) -> bool {
    actor.can_company_wide(Permission::new(Domain::Records, Action::Approve))
}

/// `Forbidden` unless [`is_privacy_office`].
pub fn gate_office(actor: &Actor) -> Result<()> {
    if is_privacy_office(actor) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether the actor may write `action` on Records at some scope (`records.create` /
/// `records.update`): the subject's access decides the rest.
pub fn may(actor: &Actor, action: Action) -> bool {
    actor.can(Permission::new(Domain::Records, action))
}

/// Reads records in sensitive categories.
pub fn reads_sensitive(actor: &Actor) -> bool {
    actor.can(Permission::new(Domain::RecordsSensitive, Action::Read))
}

/// Writes records in sensitive categories.
pub fn writes_sensitive(actor: &Actor) -> bool {
    actor.can(Permission::new(Domain::RecordsSensitive, Action::Update))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_actor;

    #[test]
    fn the_roles_reach_records_as_documented() {
        let admin = test_actor("admin");
        assert!(reads_all(&admin) && is_privacy_office(&admin) && reads_sensitive(&admin));
        let po = test_actor("privacy_officer");
        assert!(is_privacy_office(&po) && !reads_all(&po) && !reads_sensitive(&po));
        assert!(reader(&po));
        let emp = test_actor("employee");
        assert!(reader(&emp) && !reads_all(&emp) && !is_privacy_office(&emp));
        assert!(may(&emp, Action::Create) && !reads_sensitive(&emp));
        let auditor = test_actor("auditor");
        assert!(reads_all(&auditor) && !reads_sensitive(&auditor));
        assert!(!may(&auditor, Action::Create));
    }
}
