//! The bank's dashboard tile: cash by bank account, each account's balance in the ledger
//! today (`accounting.read`): the bank accounts and one read of the stored balances.
use std::collections::BTreeMap;

use super::accounts::{BankAccountQuery, BankAccountStore};
use crate::auth::{Action, Actor};
use crate::ledger::{BalanceQuery, LedgerStore};
use crate::list::{Paging, MAX_LIMIT};
use crate::money::format_in;
use crate::work::dashboard::{Tile, TileFuture, TileLine, TileSource};

pub struct CashByAccount;

pub async fn cash_tile<S: BankAccountStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    today: chrono::NaiveDate,
) -> crate::Result<Vec<Tile>> {
    if !super::allowed(actor, Action::Read) {
        return Ok(Vec::new());
    }
    let accounts = store
        .list_bank_accounts(
            actor.company_id,
            &BankAccountQuery {
                paging: Paging {
                    limit: MAX_LIMIT,
                    offset: 0,
                },
                ..Default::default()
            },
        )
        .await?
        .items;
    let accounts: Vec<_> = accounts.into_iter().filter(|a| a.active).collect();
    if accounts.is_empty() {
        return Ok(vec![Tile::new(
            "bank.cash",
            "Cash by bank account",
            0,
            "bank accounts",
            "/bank",
        )]);
    }
    let balances = store
        .balances(
            actor.company_id,
            &BalanceQuery {
                to: Some(today),
                ..Default::default()
            },
        )
        .await?;
    let commodities = store.commodities(actor.company_id).await?;
    // (ledger account, currency) -> balance.
    let mut by: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for b in &balances {
        if !accounts.iter().any(|a| a.ledger_account_id == b.account_id) {
            continue;
        }
        if let Some(c) = commodities.iter().find(|c| c.id == b.commodity_id) {
            *by.entry((b.account_id.0, c.symbol.clone())).or_default() += b.amount;
        }
    }
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    let lines = accounts
        .iter()
        .map(|a| {
            let v = by
                .get(&(a.ledger_account_id.0, a.currency.clone()))
                .copied()
                .unwrap_or(0);
            *totals.entry(a.currency.clone()).or_default() += v;
            TileLine {
                text: format!("{}: {} {}", a.name, format_in(v, &a.currency), a.currency),
                when: None,
                link: Some(format!("/bank/accounts/{}", a.id.0)),
            }
        })
        .collect();
    let total = totals
        .iter()
        .map(|(c, v)| format!("{} {c}", format_in(*v, c)))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(vec![Tile::new(
        "bank.cash",
        "Cash by bank account",
        i64::try_from(accounts.len()).unwrap_or(i64::MAX),
        &format!("bank accounts, in the ledger today: {total}"),
        "/bank",
    )
    .with_lines(lines)])
}

impl<S: BankAccountStore + LedgerStore + Sync> TileSource<S> for CashByAccount {
    fn name(&self) -> &'static str {
        "Cash by bank account"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(cash_tile(store, actor, crate::ledger::service::today()))
    }
}
