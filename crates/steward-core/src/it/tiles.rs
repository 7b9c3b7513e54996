//! IT's dashboard tiles (IT's staff only: `it.read` company-wide): the assets by status with
//! the number out for repair, the licences expiring in 30 days, and the consumables below
//! their minimum. Registered by `it::register`.
use super::assets::{AssetStatus, AssetStore};
use crate::auth::{Action, Actor};
use crate::work::dashboard::{Bar, Tile, TileFuture, TileSource};

/// The company's assets by status; the big number is those in repair.
pub struct AssetsByStatus;

pub async fn assets_tile<S: AssetStore>(store: &S, actor: &Actor) -> crate::Result<Vec<Tile>> {
    if !super::allowed(actor, Action::Read) {
        return Ok(Vec::new());
    }
    let counts = store.asset_status_counts(actor.company_id).await?;
    let count = |s: AssetStatus| counts.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    let bars = AssetStatus::ALL
        .iter()
        .map(|s| Bar {
            label: s.label().to_string(),
            value: count(*s),
            link: Some(format!("/it/assets?status={}", s.as_str())),
        })
        .collect();
    Ok(vec![Tile::new(
        "it.assets",
        "IT assets",
        count(AssetStatus::InRepair),
        "out for repair",
        "/it/assets?status=in_repair",
    )
    .with_bars(bars)])
}

impl<S: AssetStore> TileSource<S> for AssetsByStatus {
    fn name(&self) -> &'static str {
        "it.assets"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(assets_tile(store, actor))
    }
}

/// Licences expiring in the next 30 days (IT's staff); linked to the list so filtered.
pub struct LicencesExpiring;

pub async fn licences_tile<S: super::licences::LicenceStore>(
    store: &S,
    actor: &Actor,
) -> crate::Result<Vec<Tile>> {
    if !super::allowed(actor, Action::Read) {
        return Ok(Vec::new());
    }
    let today = super::licences::today();
    let until = today + chrono::Duration::days(super::licences::EXPIRING_DAYS);
    let n = store
        .count_expiring_licences(actor.company_id, today, until)
        .await?;
    Ok(vec![Tile::new(
        "it.licences",
        "Licences",
        n,
        "expiring in 30 days",
        "/it/licences?expiring=1",
    )])
}

impl<S: super::licences::LicenceStore> TileSource<S> for LicencesExpiring {
    fn name(&self) -> &'static str {
        "it.licences"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(licences_tile(store, actor))
    }
}

/// Consumables below their minimum stock: what to reorder (IT's staff).
pub struct ConsumablesLow;

pub async fn consumables_tile<S: super::consumables::ConsumableStore>(
    store: &S,
    actor: &Actor,
) -> crate::Result<Vec<Tile>> {
    if !super::allowed(actor, Action::Read) {
        return Ok(Vec::new());
    }
    let n = store.count_below_minimum(actor.company_id).await?;
    Ok(vec![Tile::new(
        "it.consumables",
        "Consumables",
        n,
        "below minimum: reorder",
        "/it/consumables?below_minimum=1",
    )])
}

impl<S: super::consumables::ConsumableStore> TileSource<S> for ConsumablesLow {
    fn name(&self) -> &'static str {
        "it.consumables"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(consumables_tile(store, actor))
    }
}

/// Open tickets by SLA state: IT's staff see the company's, anyone else their own; the
/// big number is those breached.
pub struct TicketsBySla;

pub async fn tickets_tile<S: super::helpdesk::HelpdeskStore>(
    store: &S,
    actor: &Actor,
) -> crate::Result<Vec<Tile>> {
    use crate::work::sla::SlaState;
    let staff = super::helpdesk::is_staff(actor);
    if !staff && !super::helpdesk::may_raise(actor) {
        return Ok(Vec::new());
    }
    let counts = super::helpdesk_tickets::open_by_sla(store, actor).await?;
    let count = |s: SlaState| counts.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    let states = [
        SlaState::Breached,
        SlaState::Warning,
        SlaState::OnTrack,
        SlaState::Paused,
    ];
    let view = if staff { "all" } else { "mine" };
    let bars = states
        .iter()
        .map(|s| Bar {
            label: s.label().to_string(),
            value: i64::try_from(count(*s)).unwrap_or(i64::MAX),
            link: Some(format!("/it/tickets?view={view}&sla={}", s.as_str())),
        })
        .collect();
    Ok(vec![Tile::new(
        "it.tickets",
        "Open IT tickets",
        i64::try_from(count(SlaState::Breached)).unwrap_or(i64::MAX),
        "breached",
        &format!("/it/tickets?view={view}&sla=breached"),
    )
    .with_bars(bars)])
}

impl<S: super::helpdesk::HelpdeskStore> TileSource<S> for TicketsBySla {
    fn name(&self) -> &'static str {
        "it.tickets"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(tickets_tile(store, actor))
    }
}
