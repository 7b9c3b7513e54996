//! IT: the company's equipment. This first part keeps assets (categories, models, the
//! assets themselves with their tag, serial, status, purchase and warranty) and lends them
//! to employees (check-out and check-in, each an event of the asset's history).
//!
//! Who may do what: IT's staff hold `it.*` for the whole company (the IT lead, IT
//! technicians, the admin; the auditor reads). Everyone else holds `it.read` on their own
//! records only: an employee sees the assets checked out to them, nothing else. Writes
//! (assets, models, categories, check-out and check-in) need the grant company-wide; the
//! one gate is [`gate`].
//!
//! The helpdesk (helpdesk*.rs) takes tickets from every employee; see helpdesk.rs.
pub mod asset_fields;
pub mod asset_import;
pub mod assets;
pub mod books;
pub mod changes;
pub mod cidr;
pub mod consumables;
pub mod depreciation;
pub mod depreciation_job;
pub mod helpdesk;
pub mod helpdesk_kb;
pub mod helpdesk_report;
pub mod helpdesk_sla;
pub mod helpdesk_tickets;
pub mod licence_reminders;
pub mod licences;
pub mod maintenance;
pub mod networks;
pub mod overdue;
pub mod tiles;

use crate::auth::{authorize_company, Action, Actor, Domain, Permission};
use crate::registry::Registry;
use crate::{Error, Result};

/// An asset (`it.asset:12`).
pub const ASSET: &str = "it.asset";
/// An asset model (`it.model:3`).
pub const MODEL: &str = "it.model";
/// An asset category (`it.category:1`).
pub const CATEGORY: &str = "it.category";
/// A software licence (`it.licence:4`).
pub const LICENCE: &str = "it.licence";
/// A seat of a licence in use (`it.licence_seat:9`): what offboarding asks back.
pub const LICENCE_SEAT: &str = "it.licence_seat";
/// A consumable kept in stock (`it.consumable:2`).
pub const CONSUMABLE: &str = "it.consumable";

/// Every store trait IT needs.
pub trait ItBackend:
    crate::hr::HrBaseStore
    + assets::AssetStore
    + books::AssetBookStore
    + crate::ledger::LedgerStore
    + licences::LicenceStore
    + consumables::ConsumableStore
    + networks::NetworkStore
    + changes::ChangeStore
    + maintenance::MaintenanceStore
    + helpdesk::HelpdeskStore
    + helpdesk_kb::KbStore
    + crate::work::cases::CaseStore
{
}
impl<T> ItBackend for T where
    T: crate::hr::HrBaseStore
        + assets::AssetStore
        + books::AssetBookStore
        + crate::ledger::LedgerStore
        + licences::LicenceStore
        + consumables::ConsumableStore
        + networks::NetworkStore
        + changes::ChangeStore
        + maintenance::MaintenanceStore
        + helpdesk::HelpdeskStore
        + helpdesk_kb::KbStore
        + crate::work::cases::CaseStore
{
}

/// IT's record kinds (links from tasks and approvals), photos and files on assets, its
/// dashboard tile and the daily
/// job that tells holders of overdue assets (with the hook that seeds its chain).
pub fn register<S>(r: &mut Registry, store: S)
where
    S: ItBackend + crate::work::notify::NotifyStore + crate::jobs::JobStore + Clone + 'static,
{
    overdue::register_jobs(r.jobs_mut(), store.clone());
    depreciation_job::register_jobs(r.jobs_mut(), store.clone());
    licence_reminders::register_jobs(r.jobs_mut(), store.clone());
    maintenance::register_jobs(r.jobs_mut(), store.clone());
    helpdesk_sla::register_jobs(r.jobs_mut(), store.clone());
    let s = store.clone();
    r.on_start(
        "it.schedule",
        crate::registry::start(move || {
            let s = s.clone();
            async move {
                overdue::schedule(&s).await?;
                depreciation_job::schedule(&s).await?;
                licence_reminders::schedule(&s).await?;
                maintenance::schedule_job(&s).await?;
                helpdesk_sla::ensure_scheduled(&s).await
            }
        }),
    );
    // A planned change waits in the approvals inbox; the decision settles it.
    let s = store.clone();
    r.approval_kind(
        &changes::CHANGE_APPROVAL,
        Some(crate::registry::boxed(
            move |d: crate::registry::Decision| {
                let s = s.clone();
                async move {
                    if d.subject.kind != changes::CHANGE {
                        return Ok(());
                    }
                    changes::on_decision(&s, &d.actor, d.subject.id, d.approved, &d.comment).await
                }
            },
        )),
    );
    r.record_kind(networks::SITE, "Site");
    r.record_kind(networks::NETWORK, "Network");
    r.record_kind(changes::CHANGE, "Planned IT change");
    r.record_kind(maintenance::SCHEDULE, "Maintenance schedule");
    r.record_kind(helpdesk::TICKET, "IT ticket");
    r.record_kind(helpdesk_kb::ARTICLE, "Knowledge-base article");
    r.record_kind(ASSET, "IT asset");
    r.record_kind(MODEL, "Asset model");
    r.record_kind(CATEGORY, "Asset category");
    r.record_kind(LICENCE, "Software licence");
    r.record_kind(LICENCE_SEAT, "Licence seat");
    r.record_kind(CONSUMABLE, "Consumable");
    // Photos and files on an asset: whoever sees it sees them; IT's staff add and remove.
    let s = store.clone();
    r.attachments(
        ASSET,
        crate::registry::attachment_rule(move |actor: Actor, id: i64| {
            let store = s.clone();
            async move {
                assets::get(&store, &actor, crate::ids::AssetId(id)).await?;
                let write = assets::may_write(&actor);
                Ok(crate::registry::AttachAccess {
                    add: write,
                    remove_any: write,
                })
            }
        }),
    );
    r.tile(
        "it.assets",
        crate::work::dashboard::handler(store.clone(), tiles::AssetsByStatus),
    );
    r.tile(
        "it.licences",
        crate::work::dashboard::handler(store.clone(), tiles::LicencesExpiring),
    );
    r.tile(
        "it.consumables",
        crate::work::dashboard::handler(store.clone(), tiles::ConsumablesLow),
    );
    r.tile(
        "it.tickets",
        crate::work::dashboard::handler(store, tiles::TicketsBySla),
    );
}

/// Whether the actor holds `it.<action>` for the whole company (IT's staff).
pub fn allowed(actor: &Actor, action: Action) -> bool {
    authorize_company(actor, Permission::new(Domain::It, action)).is_ok()
}

/// The one gate: `Forbidden` unless [`allowed`].
pub fn gate(actor: &Actor, action: Action) -> Result<()> {
    if allowed(actor, action) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}
