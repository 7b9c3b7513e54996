//! The demo company's IT assets in the books, entered by the back office manager: two
//! accounts added to the chart (accumulated depreciation, depreciation expense), the
//! accounts of the depreciating categories, each laptop, phone and monitor booked when it
//! was bought (against payables; one bought in a closed month is booked at the start of this
//! month instead, with its earlier depreciation), three monthly depreciation runs and one
//! laptop sold.
use chrono::{Datelike, Months, NaiveDate};
use steward_core::auth::Actor;
use steward_core::ids::AssetId;
use steward_core::it::books::{self, BookInput, CategoryAccountsInput, DisposeInput};
use steward_core::ledger::service::{self, AccountInput};
use steward_core::Error;
use steward_store::Store;

pub async fn seed(store: &Store, boss: &Actor, today: NaiveDate) -> steward_core::Result<()> {
    for (code, name) in [
        ("1510", "Assets:Fixed:Accumulated Depreciation"),
        ("6700", "Expenses:Depreciation"),
    ] {
        service::create_account(
            store,
            boss,
            &AccountInput {
                name: name.into(),
                code: Some(code.into()),
                ..AccountInput::default()
            },
        )
        .await?;
    }
    let categories = books::category_accounts(store, boss).await?;
    for c in categories
        .iter()
        .filter(|c| c.category != "Docking stations")
    {
        books::set_category_accounts(
            store,
            boss,
            c.category_id,
            &CategoryAccountsInput {
                asset_account: "1500".into(),
                accumulated_account: "1510".into(),
                expense_account: "6700".into(),
                disposal_account: "4900".into(),
            },
        )
        .await?;
    }
    let this_month = today.with_day(1).unwrap_or(today);
    let mut booked: Vec<AssetId> = Vec::new();
    for c in categories
        .iter()
        .filter(|c| c.category != "Docking stations")
    {
        let assets = store_bookable(store, boss, c.category_id).await?;
        for (id, bought) in assets {
            let mut input = BookInput {
                credit_account: "2000".into(),
                date: bought.to_string(),
                ..BookInput::default()
            };
            let r = match books::book(store, boss, id, &input).await {
                // Bought in a month the books closed: booked at the start of this one.
                Err(Error::Invalid { field, .. }) if field == "date" => {
                    input.date = this_month.to_string();
                    books::book(store, boss, id, &input).await
                }
                other => other,
            };
            r?;
            booked.push(id);
        }
    }
    for back in [3u32, 2, 1] {
        if let Some(m) = this_month.checked_sub_months(Months::new(back)) {
            books::run(store, boss, m).await?;
        }
    }
    // One asset on the shelf sold this month for 300.00, paid into the bank.
    let mut on_shelf = None;
    for id in booked.iter().rev() {
        let a = books::asset(store, boss, *id).await?;
        if a.status == steward_core::it::assets::AssetStatus::Deployable {
            on_shelf = Some(*id);
            break;
        }
    }
    if let Some(id) = on_shelf.as_ref() {
        books::dispose(
            store,
            boss,
            *id,
            &DisposeInput {
                date: today.to_string(),
                proceeds: "300.00".into(),
                proceeds_account: "1000".into(),
                status: "retired".into(),
            },
        )
        .await?;
    }
    Ok(())
}

/// The category's assets not yet in the books that can go there (a cost and a purchase
/// date, not retired or lost), with their purchase date.
async fn store_bookable(
    store: &Store,
    boss: &Actor,
    category: steward_core::ids::AssetCategoryId,
) -> steward_core::Result<Vec<(AssetId, NaiveDate)>> {
    use steward_core::it::books::AssetBookStore;
    Ok(store
        .bookable_assets(boss.company_id, None, Some(category))
        .await?
        .into_iter()
        .filter(|b| {
            b.cost.is_some()
                && !matches!(
                    b.status,
                    steward_core::it::assets::AssetStatus::Retired
                        | steward_core::it::assets::AssetStatus::Lost
                )
        })
        .filter_map(|b| b.purchase_date.map(|d| (b.asset_id, d)))
        .collect())
}
