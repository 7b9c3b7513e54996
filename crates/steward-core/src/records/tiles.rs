//! Records' dashboard tiles (the privacy office only: `records.approve` company-wide): the
//! records due for disposal, the break-glass openings waiting for review and the consents
//! that end within 30 days, each linked to its list. Registered by `records::register`.
use super::consent::{self, ConsentStore};
use super::file::RecordStore;
use super::retention::{DisposalQuery, RetentionStore};
use crate::auth::Actor;
use crate::list::Paging;
use crate::work::dashboard::{Tile, TileFuture, TileSource};

/// Disposals due and break-glass openings to review.
pub struct PrivacyOffice;

pub async fn privacy_tiles<S: RetentionStore + RecordStore + ConsentStore>(
    store: &S,
    actor: &Actor,
) -> crate::Result<Vec<Tile>> {
    if !super::is_privacy_office(actor) {
        return Ok(Vec::new());
    }
    // A page of one row: its total is the count.
    let one = Paging::new(Some(1), None);
    let due = store
        .disposals(
            actor.company_id,
            &DisposalQuery {
                status: Some("due".into()),
                paging: one,
                ..DisposalQuery::default()
            },
        )
        .await?
        .total;
    let glass = store
        .break_glass_list(actor.company_id, true, one)
        .await?
        .total;
    let expiring = consent::expiring_count(store, actor.company_id).await?;
    let n = |x: u64| i64::try_from(x).unwrap_or(i64::MAX);
    Ok(vec![
        Tile::new(
            "records.disposals",
            "Records to dispose of",
            n(due),
            "past their retention period",
            "/records/retention",
        ),
        Tile::new(
            "records.break_glass",
            "Break-glass",
            n(glass),
            "openings to review",
            "/records/break-glass",
        ),
        Tile::new(
            "records.consents",
            "Consents expiring",
            n(expiring),
            "within 30 days",
            "/records/consents?state=expiring",
        ),
    ])
}

impl<S: RetentionStore + RecordStore + ConsentStore> TileSource<S> for PrivacyOffice {
    fn name(&self) -> &'static str {
        "records.privacy"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(privacy_tiles(store, actor))
    }
}
