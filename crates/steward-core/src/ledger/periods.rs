//! Periods: the months of a fiscal year, close and reopen, the year-end close.
use chrono::NaiveDate;
use serde_json::json;

use super::accounts::{create_account, AccountInput};
use super::books::RETAINED_EARNINGS;
use super::entries::{entry_audit, get_entry};
use super::service::gate;
use super::store::*;
use super::types::*;
use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::{Error, Result};

// ---------------------------------------------------------------- periods

/// The months of fiscal year `fy` with their state.
pub async fn periods(store: &impl LedgerStore, actor: &Actor, fy: i32) -> Result<Vec<Period>> {
    gate(actor, Action::Read)?;
    let settings = store.ledger_settings(actor.company_id).await?;
    let (start, end) = fiscal_year_bounds(fy, settings.fiscal_year_start_month)
        .ok_or_else(|| Error::invalid("year", "out of range"))?;
    let stored = store
        .periods(actor.company_id, month_key(start), month_key(end))
        .await?;
    let mut out = Vec::new();
    let mut d = start;
    while d <= end {
        let m = month_key(d);
        out.push(
            stored
                .iter()
                .find(|p| p.month == m)
                .cloned()
                .unwrap_or(Period {
                    month: m,
                    status: PeriodStatus::Open,
                    changed_by: None,
                    changed_at: None,
                    reason: String::new(),
                }),
        );
        d = d
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| Error::internal("date overflow"))?;
    }
    Ok(out)
}

pub fn parse_month(field: &str, s: &str) -> Result<i64> {
    let d = NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, format!("`{s}` is not a month (YYYY-MM)")))?;
    check_date_range(field, d)?;
    Ok(month_key(d))
}

/// Closes a month: nothing more posts into it.
pub async fn close_period(store: &impl LedgerStore, actor: &Actor, month: i64) -> Result<()> {
    gate(actor, Action::Approve)?;
    let audit = AuditDraft::by(
        actor,
        "ledger_period",
        Some(month.to_string()),
        "close",
        json!({"month": month}),
    );
    store
        .set_period(
            actor.company_id,
            month,
            PeriodStatus::Closed,
            &actor.audit_name(),
            "",
            audit,
        )
        .await
}

/// Reopens a closed month: an admin action with a reason.
pub async fn reopen_period(
    store: &impl LedgerStore,
    actor: &Actor,
    month: i64,
    reason: &str,
) -> Result<()> {
    authorize(
        actor,
        Permission::new(Domain::System, Action::Update),
        &Target::company(actor.company_id),
    )?;
    gate(actor, Action::Approve)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("reason", "say why the period is reopened"));
    }
    if reason.chars().count() > 500 {
        return Err(Error::invalid("reason", "at most 500 characters"));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_period",
        Some(month.to_string()),
        "reopen",
        json!({"month": month, "reason": reason}),
    );
    store
        .set_period(
            actor.company_id,
            month,
            PeriodStatus::Open,
            &actor.audit_name(),
            reason,
            audit,
        )
        .await
}

/// Year-end close: one entry on the last day of fiscal year `fy` that brings every income
/// and expense account to zero against retained earnings (per commodity), then closes
/// every month of the year.
pub async fn close_year(store: &impl LedgerStore, actor: &Actor, fy: i32) -> Result<Option<Entry>> {
    gate(actor, Action::Approve)?;
    let settings = store.ledger_settings(actor.company_id).await?;
    let (start, end) = fiscal_year_bounds(fy, settings.fiscal_year_start_month)
        .ok_or_else(|| Error::invalid("year", "out of range"))?;
    let accounts = store.all_accounts(actor.company_id).await?;
    let re = match accounts
        .iter()
        .find(|a| a.name.as_str() == RETAINED_EARNINGS)
    {
        Some(a) => a.clone(),
        None => {
            create_account(
                store,
                actor,
                &AccountInput {
                    name: RETAINED_EARNINGS.into(),
                    kind: Some("equity".into()),
                    ..Default::default()
                },
            )
            .await?
        }
    };
    let rows = store
        .balances(
            actor.company_id,
            &BalanceQuery {
                from: Some(start),
                to: Some(end),
                ..Default::default()
            },
        )
        .await?;
    let commodities = store.commodities(actor.company_id).await?;
    let journals = store.journals(actor.company_id).await?;
    let journal = journals
        .iter()
        .find(|j| j.kind == JournalKind::General)
        .ok_or_else(|| Error::invalid("journal", "the company has no general journal"))?;
    let mut lines: Vec<Line> = Vec::new();
    let mut totals: std::collections::BTreeMap<crate::ids::CommodityId, i64> = Default::default();
    for r in rows.iter().filter(|r| r.amount != 0) {
        let Some(a) = accounts.iter().find(|a| a.id == r.account_id) else {
            continue;
        };
        if a.kind.is_balance_sheet() {
            continue;
        }
        let sym = commodities
            .iter()
            .find(|c| c.id == r.commodity_id)
            .map(|c| c.symbol.clone())
            .unwrap_or_default();
        lines.push(Line {
            account_id: a.id,
            account: a.name.to_string(),
            commodity_id: r.commodity_id,
            commodity: sym,
            amount: -r.amount,
            cost: None,
            department_id: None,
            project: String::new(),
            memo: String::new(),
        });
        *totals.entry(r.commodity_id).or_default() += r.amount;
    }
    let entry = if lines.is_empty() {
        None
    } else {
        for (c, t) in totals {
            let sym = commodities
                .iter()
                .find(|x| x.id == c)
                .map(|x| x.symbol.clone())
                .unwrap_or_default();
            lines.push(Line {
                account_id: re.id,
                account: re.name.to_string(),
                commodity_id: c,
                commodity: sym,
                amount: t,
                cost: None,
                department_id: None,
                project: String::new(),
                memo: String::new(),
            });
        }
        let ne = NewEntry {
            journal_id: journal.id,
            date: end,
            reference: format!("FY{fy}"),
            description: format!("Year-end close {fy}"),
            comment: String::new(),
            lines,
            client_key: Some(format!("year-end-close-{fy}")),
            reverses: None,
        };
        let audit = entry_audit(actor, "year_end_close", &ne);
        let ids = store
            .insert_entries(
                actor.company_id,
                &[ne],
                EntryStatus::Posted,
                actor.author(),
                vec![audit],
            )
            .await?;
        Some(get_entry(store, actor, super::entries::first_id(&ids)?).await?)
    };
    let mut d = start;
    while d <= end {
        let m = month_key(d);
        let audit = AuditDraft::by(
            actor,
            "ledger_period",
            Some(m.to_string()),
            "close",
            json!({"month": m, "year_end": fy}),
        );
        store
            .set_period(
                actor.company_id,
                m,
                PeriodStatus::Closed,
                &actor.audit_name(),
                "year-end close",
                audit,
            )
            .await?;
        d = d
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| Error::internal("date overflow"))?;
    }
    Ok(entry)
}
