//! IT's dashboard tile: the assets by status, the number those out for repair (IT's staff
//! only: `it.read` company-wide). Registered by `it::register`.
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
