//! Entries: list, create (draft, pending approval or posted), batches, drafts, approval,
//! reversal and correction.
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::books::company_commodity;
use super::entry::{convert, parse_rate, prepare_entry, reversal_of, EntryContext, EntryInput};
use super::service::gate;
use super::store::*;
use super::types::*;
use super::LedgerBackend;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::ids::EntryId;
use crate::list::{Page, Paging};
use crate::money::{Currency, Money};
use crate::work::approvals::{self, NewApprovalRequest};
use crate::work::RecordRef;
use crate::{Error, Result};

// ---------------------------------------------------------------- entries

pub async fn list_entries(
    store: &impl LedgerStore,
    actor: &Actor,
    q: &EntryQuery,
) -> Result<Page<EntrySummary>> {
    gate(actor, Action::Read)?;
    store.list_entries(actor.company_id, q).await
}

pub async fn export_entries(
    store: &impl LedgerStore,
    actor: &Actor,
    q: &EntryQuery,
) -> Result<Vec<EntrySummary>> {
    gate(actor, Action::Export)?;
    let q = EntryQuery {
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(store.list_entries(actor.company_id, &q).await?.items)
}

pub async fn get_entry(store: &impl LedgerStore, actor: &Actor, id: EntryId) -> Result<Entry> {
    gate(actor, Action::Read)?;
    store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })
}

/// Loads what [`prepare_entry`] needs for these inputs only (not the whole chart).
async fn context_parts(
    store: &impl LedgerStore,
    actor: &Actor,
    inputs: &[&EntryInput],
) -> Result<(Vec<Account>, Vec<Commodity>, Vec<Journal>)> {
    let mut keys: Vec<String> = inputs
        .iter()
        .flat_map(|i| i.lines.iter().map(|l| l.account.trim().to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    let accounts = store.accounts_by_keys(actor.company_id, &keys).await?;
    let commodities = store.commodities(actor.company_id).await?;
    let journals = store.journals(actor.company_id).await?;
    Ok((accounts, commodities, journals))
}

async fn prepare(
    store: &impl LedgerStore,
    actor: &Actor,
    input: &EntryInput,
    key: Option<String>,
) -> Result<NewEntry> {
    let (a, c, j) = context_parts(store, actor, &[input]).await?;
    let ctx = EntryContext {
        accounts: &a,
        commodities: &c,
        journals: &j,
        company_currency: &actor.company_currency,
    };
    prepare_entry(input, &ctx, key, None)
}

/// An entry checked as [`create_entry`] checks it, to be posted at once by another
/// domain's transaction (the bank's reconcile view): `accounting.create`, balanced, open
/// periods, postable accounts, and refused when it would need approval (post it from the
/// ledger, then match it), with its audit draft.
pub async fn prepare_posted(
    store: &impl LedgerStore,
    actor: &Actor,
    input: &EntryInput,
    key: Option<String>,
) -> Result<(NewEntry, AuditDraft)> {
    gate(actor, Action::Create)?;
    let entry = prepare(store, actor, input, key).await?;
    if needs_approval(store, actor, &entry).await? {
        return Err(Error::conflict(
            "the entry is above the approval threshold: post it from the ledger, then match it",
        ));
    }
    let audit = entry_audit(actor, "post", &entry);
    Ok((entry, audit))
}

/// Does this entry need another user's approval before it posts? Foreign lines count at
/// the latest rate on or before the entry date; without a rate they count as above.
async fn needs_approval(store: &impl LedgerStore, actor: &Actor, entry: &NewEntry) -> Result<bool> {
    Ok(approval_amount(store, actor, entry).await?.is_some())
}

/// `Some` when the entry needs approval, with its debits in the company currency (`None`
/// inside when they cannot be converted), for the approval request.
async fn approval_amount(
    store: &impl LedgerStore,
    actor: &Actor,
    entry: &NewEntry,
) -> Result<Option<Option<i64>>> {
    let settings = store.ledger_settings(actor.company_id).await?;
    let Some(threshold) = settings.approval_threshold else {
        return Ok(None);
    };
    let home = company_commodity(store, actor).await?;
    let Some(home) = home else {
        return Ok(Some(None));
    };
    let mut total: i128 = 0;
    let mut rates: Option<Vec<Rate>> = None;
    let commodities = store.commodities(actor.company_id).await?;
    for l in entry.lines.iter().filter(|l| l.amount > 0) {
        if l.commodity_id == home.id {
            total += i128::from(l.amount);
            continue;
        }
        if rates.is_none() {
            rates = Some(store.rates(actor.company_id).await?);
        }
        let precision = commodities
            .iter()
            .find(|c| c.id == l.commodity_id)
            .map(|c| c.precision)
            .unwrap_or(0);
        let rate = rates
            .as_deref()
            .and_then(|r| rate_on(r, &l.commodity, &home.symbol, entry.date));
        match rate.and_then(|r| convert(l.amount, precision, r, home.precision)) {
            Some(v) => total += i128::from(v),
            None => return Ok(Some(None)),
        }
    }
    Ok((total > i128::from(threshold)).then(|| i64::try_from(total).ok()))
}

/// Sends a pending entry to the approvals inbox, once (a retry finds the open request).
/// The entry is pending either way and can still be approved on its own page, so a
/// failure here is logged, not returned.
async fn request_approval(
    store: &impl LedgerBackend,
    actor: &Actor,
    e: &Entry,
    amount: Option<i64>,
) {
    let subject = RecordRef::new(super::ENTRY, e.id.0);
    let r = async {
        if store
            .open_request_for(actor.company_id, &subject)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let currency = Currency::parse(&actor.company_currency)?;
        let what = if e.description.trim().is_empty() {
            format!("Entry #{}", e.id)
        } else {
            e.description.chars().take(150).collect()
        };
        approvals::submit(
            store,
            actor,
            NewApprovalRequest {
                kind: super::ENTRY_APPROVAL,
                subject: subject.clone(),
                title: format!("Ledger entry: {what}"),
                amount: amount.map(|m| Money::new(m, currency)),
                department: None,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, entry = %subject, "could not send the entry for approval");
    }
}

/// The latest rate of `from` in `to` on or before `date`, inverting a stored reverse rate.
pub fn rate_on(rates: &[Rate], from: &str, to: &str, date: NaiveDate) -> Option<(i128, u32)> {
    if from == to {
        return Some((1, 0));
    }
    let direct = rates
        .iter()
        .filter(|r| r.commodity == from && r.quote == to && r.date <= date)
        .max_by_key(|r| r.date)
        .and_then(|r| parse_rate(&r.rate));
    if direct.is_some() {
        return direct;
    }
    let inverse = rates
        .iter()
        .filter(|r| r.commodity == to && r.quote == from && r.date <= date)
        .max_by_key(|r| r.date)
        .and_then(|r| parse_rate(&r.rate))?;
    if inverse.0 == 0 {
        return None;
    }
    // 1 / (m / 10^s) with 12 places: 10^(s+12) / m.
    let num = 10i128.checked_pow(inverse.1 + 12)?;
    Some((crate::money::round_div(num, inverse.0), 12))
}

pub(super) fn entry_audit(actor: &Actor, action: &str, e: &NewEntry) -> AuditDraft {
    AuditDraft::by(
        actor,
        "ledger_entry",
        None,
        action,
        json!({"date": e.date, "description": e.description, "reference": e.reference,
               "lines": e.lines.iter().map(|l| json!({"account": l.account, "commodity": l.commodity, "amount": l.amount, "cost": l.cost})).collect::<Vec<_>>(),
               "reverses": e.reverses, "key": e.client_key}),
    )
}

/// What a create asks for: keep it as a draft, or post it (which becomes pending when it
/// needs approval).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Draft,
    Post,
}

/// Creates an entry. Idempotent on `key`: a retry returns the entry the first call made.
pub async fn create_entry(
    store: &impl LedgerBackend,
    actor: &Actor,
    input: &EntryInput,
    key: Option<&str>,
    intent: Intent,
) -> Result<Entry> {
    gate(actor, Action::Create)?;
    let key = crate::idempotency::optional_key(key)?;
    let entry = prepare(store, actor, input, key).await?;
    let approval = match intent {
        Intent::Draft => None,
        Intent::Post => approval_amount(store, actor, &entry).await?,
    };
    let status = match intent {
        Intent::Draft => EntryStatus::Draft,
        Intent::Post if approval.is_some() => EntryStatus::Pending,
        Intent::Post => EntryStatus::Posted,
    };
    let action = match status {
        EntryStatus::Draft => "draft",
        EntryStatus::Pending => "submit",
        EntryStatus::Posted => "post",
    };
    let audit = entry_audit(actor, action, &entry);
    let ids = store
        .insert_entries(
            actor.company_id,
            std::slice::from_ref(&entry),
            status,
            actor.author(),
            vec![audit],
        )
        .await?;
    let (id, _) = ids
        .first()
        .copied()
        .ok_or_else(|| Error::internal("no entry id"))?;
    let e = get_entry(store, actor, id).await?;
    if let (Some(amount), EntryStatus::Pending) = (approval, e.status) {
        request_approval(store, actor, &e, amount).await;
    }
    Ok(e)
}

/// One item of a batch: its own idempotency key and the entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    #[serde(default)]
    pub key: Option<String>,
    pub entry: EntryInput,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BatchResult {
    pub id: EntryId,
    /// False when the key had been posted before (a retry): nothing new was written.
    pub created: bool,
}

pub const MAX_BATCH: usize = 10_000;

/// Posts many entries in one transaction, all or nothing; errors name the item
/// (`entries[3].lines[0].amount`). Entries that need approval are refused here: post them
/// one by one so they can wait for an approver.
pub async fn post_batch(
    store: &impl LedgerStore,
    actor: &Actor,
    items: &[BatchItem],
) -> Result<Vec<BatchResult>> {
    gate(actor, Action::Create)?;
    if items.is_empty() {
        return Err(Error::invalid("entries", "the batch is empty"));
    }
    if items.len() > MAX_BATCH {
        return Err(Error::invalid(
            "entries",
            format!("at most {MAX_BATCH} entries per batch"),
        ));
    }
    let inputs: Vec<&EntryInput> = items.iter().map(|i| &i.entry).collect();
    let (a, c, j) = context_parts(store, actor, &inputs).await?;
    let ctx = EntryContext {
        accounts: &a,
        commodities: &c,
        journals: &j,
        company_currency: &actor.company_currency,
    };
    let mut entries = Vec::with_capacity(items.len());
    let mut errors: Vec<crate::error::FieldError> = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let prefixed = |e: Error| -> Vec<crate::error::FieldError> {
            e.field_errors()
                .into_iter()
                .map(|f| crate::error::FieldError {
                    field: format!("entries[{n}].{}", f.field),
                    message: f.message,
                })
                .collect()
        };
        let key = match crate::idempotency::optional_key(item.key.as_deref()) {
            Ok(k) => k,
            Err(e) => {
                errors.extend(prefixed(e));
                continue;
            }
        };
        match prepare_entry(&item.entry, &ctx, key, None) {
            Ok(e) => entries.push(e),
            Err(e) => errors.extend(prefixed(e)),
        }
        if errors.len() >= 50 {
            break;
        }
    }
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    let settings = store.ledger_settings(actor.company_id).await?;
    if settings.approval_threshold.is_some() {
        for (n, e) in entries.iter().enumerate() {
            if needs_approval(store, actor, e).await? {
                return Err(Error::invalid(
                    format!("entries[{n}]"),
                    "is above the approval threshold: post it on its own so it can be approved",
                ));
            }
        }
    }
    let mut per_commodity: std::collections::BTreeMap<&str, i64> =
        std::collections::BTreeMap::new();
    for l in entries
        .iter()
        .flat_map(|e| e.lines.iter())
        .filter(|l| l.amount > 0)
    {
        *per_commodity.entry(l.commodity.as_str()).or_default() += l.amount;
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        None,
        "post_batch",
        json!({"entries": entries.len(), "debits": per_commodity,
               "keys": entries.iter().filter_map(|e| e.client_key.as_deref()).take(20).collect::<Vec<_>>()}),
    );
    let ids = store
        .insert_entries(
            actor.company_id,
            &entries,
            EntryStatus::Posted,
            actor.author(),
            vec![audit],
        )
        .await?;
    Ok(ids
        .into_iter()
        .map(|(id, created)| BatchResult { id, created })
        .collect())
}

pub async fn update_draft(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    input: &EntryInput,
    version: i64,
) -> Result<Entry> {
    gate(actor, Action::Update)?;
    let before = get_entry(store, actor, id).await?;
    if before.status != EntryStatus::Draft {
        return Err(Error::conflict(
            "only a draft can be changed; a posted entry is corrected by a reversal",
        ));
    }
    let entry = prepare(store, actor, input, before.client_key.clone()).await?;
    let audit = entry_audit(actor, "update", &entry);
    let audit = AuditDraft {
        entity_id: Some(id.to_string()),
        ..audit
    };
    store
        .update_draft(actor.company_id, id, &entry, version, audit)
        .await?;
    get_entry(store, actor, id).await
}

pub async fn delete_draft(store: &impl LedgerStore, actor: &Actor, id: EntryId) -> Result<()> {
    gate(actor, Action::Delete)?;
    let before = get_entry(store, actor, id).await?;
    if before.status == EntryStatus::Posted {
        return Err(Error::conflict(
            "a posted entry is never deleted; reverse it",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        Some(id.to_string()),
        "delete",
        json!({"description": before.description, "date": before.date}),
    );
    store.delete_draft(actor.company_id, id, audit).await
}

/// Posts a draft (or sends it for approval when it is above the threshold).
pub async fn post_draft(store: &impl LedgerBackend, actor: &Actor, id: EntryId) -> Result<Entry> {
    gate(actor, Action::Create)?;
    let e = get_entry(store, actor, id).await?;
    if e.status != EntryStatus::Draft {
        return Err(Error::conflict(format!(
            "the entry is {}, not a draft",
            e.status.as_str()
        )));
    }
    let as_new = NewEntry {
        journal_id: e.journal_id,
        date: e.date,
        reference: e.reference.clone(),
        description: e.description.clone(),
        comment: e.comment.clone(),
        lines: e.lines.clone(),
        client_key: e.client_key.clone(),
        reverses: e.reverses,
    };
    // Accounts may have been closed since the draft was saved.
    let keys: Vec<String> = e.lines.iter().map(|l| l.account.clone()).collect();
    let accounts = store.accounts_by_keys(actor.company_id, &keys).await?;
    for (i, l) in e.lines.iter().enumerate() {
        match accounts.iter().find(|a| a.id == l.account_id) {
            Some(a) if a.active && !a.has_children => {}
            _ => {
                return Err(Error::invalid(
                    format!("lines[{i}].account"),
                    format!("{} no longer takes postings", l.account),
                ))
            }
        }
    }
    let approval = approval_amount(store, actor, &as_new).await?;
    let to = if approval.is_some() {
        EntryStatus::Pending
    } else {
        EntryStatus::Posted
    };
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        Some(id.to_string()),
        if to == EntryStatus::Posted {
            "post"
        } else {
            "submit"
        },
        json!({}),
    );
    store
        .set_entry_status(actor.company_id, id, EntryStatus::Draft, to, None, audit)
        .await?;
    let e = get_entry(store, actor, id).await?;
    if let Some(amount) = approval {
        request_approval(store, actor, &e, amount).await;
    }
    Ok(e)
}

/// Approves a pending entry: it posts. Nobody approves their own entry.
pub async fn approve_entry(
    store: &impl LedgerBackend,
    actor: &Actor,
    id: EntryId,
    comment: &str,
) -> Result<Entry> {
    gate(actor, Action::Approve)?;
    let e = approve_pending(store, actor, id, comment).await?;
    let subject = RecordRef::new(super::ENTRY, id.0);
    // The entry is settled; the inbox catching up is best effort.
    if let Err(err) = approvals::resolve_subject(store, actor, &subject, true, comment).await {
        tracing::warn!(error = %err, entry = %subject, "could not close the approval request");
    }
    Ok(e)
}

/// The approvals engine's final decision on a `ledger.entry` request: the engine has
/// checked that the actor decides this step under the kind's policy, so the ledger's own
/// approve permission is not asked again; nobody settles their own entry all the same.
pub async fn settle_pending(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    approved: bool,
    comment: &str,
) -> Result<()> {
    let e = store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })?;
    if e.created_by.is_some() && e.created_by == actor.author() {
        return Err(Error::invalid(
            "approver",
            "nobody approves their own entry: another user must",
        ));
    }
    if approved {
        approve_pending(store, actor, id, comment).await?;
    } else {
        reject_pending(store, actor, id, comment).await?;
    }
    Ok(())
}

async fn approve_pending(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    comment: &str,
) -> Result<Entry> {
    let e = store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })?;
    if e.status != EntryStatus::Pending {
        return Err(Error::conflict(format!(
            "the entry is {}, not waiting for approval",
            e.status.as_str()
        )));
    }
    if e.created_by == Some(actor.user_id) {
        return Err(Error::invalid(
            "approver",
            "nobody approves their own entry: another user must",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        Some(id.to_string()),
        "approve",
        json!({"comment": comment.trim()}),
    );
    store
        .set_entry_status(
            actor.company_id,
            id,
            EntryStatus::Pending,
            EntryStatus::Posted,
            actor.author(),
            audit,
        )
        .await?;
    store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })
}

/// Rejects a pending entry: it goes back to its author as a draft, with the reason.
pub async fn reject_entry(
    store: &impl LedgerBackend,
    actor: &Actor,
    id: EntryId,
    comment: &str,
) -> Result<Entry> {
    gate(actor, Action::Approve)?;
    let e = reject_pending(store, actor, id, comment).await?;
    let subject = RecordRef::new(super::ENTRY, id.0);
    // The entry is settled; the inbox catching up is best effort.
    if let Err(err) = approvals::resolve_subject(store, actor, &subject, false, comment).await {
        tracing::warn!(error = %err, entry = %subject, "could not close the approval request");
    }
    Ok(e)
}

async fn reject_pending(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    comment: &str,
) -> Result<Entry> {
    let e = store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })?;
    if e.status != EntryStatus::Pending {
        return Err(Error::conflict(format!(
            "the entry is {}, not waiting for approval",
            e.status.as_str()
        )));
    }
    if comment.trim().is_empty() {
        return Err(Error::invalid("comment", "say why it is rejected"));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        Some(id.to_string()),
        "reject",
        json!({"comment": comment.trim()}),
    );
    store
        .set_entry_status(
            actor.company_id,
            id,
            EntryStatus::Pending,
            EntryStatus::Draft,
            None,
            audit,
        )
        .await?;
    store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReverseInput {
    /// The reversal's date; the original's date when absent.
    #[serde(default)]
    pub date: Option<String>,
    pub reason: String,
    /// Optionally, the corrected entry to post with the reversal.
    #[serde(default)]
    pub corrected: Option<EntryInput>,
}

/// Corrects a posted entry the only way a posted entry can be: a linked reversal (and,
/// optionally, a corrected copy), posted together.
pub async fn reverse_entry(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    input: &ReverseInput,
) -> Result<(Entry, Option<Entry>)> {
    gate(actor, Action::Create)?;
    let original = get_entry(store, actor, id).await?;
    if original.status != EntryStatus::Posted {
        return Err(Error::conflict(
            "only a posted entry is reversed; change or delete a draft",
        ));
    }
    if original.reverses.is_some() {
        return Err(Error::conflict(
            "this entry is itself a reversal; post the entry again instead",
        ));
    }
    if let Some(r) = store.reversal_of(actor.company_id, id).await? {
        return Err(Error::conflict(format!(
            "the entry was reversed already (entry {r})"
        )));
    }
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("reason", "say why the entry is reversed"));
    }
    let date = match input
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => parse_date("date", d)?,
        None => original.date,
    };
    let mut batch = vec![reversal_of(&original, date, reason)];
    if let Some(c) = &input.corrected {
        let corrected = prepare(store, actor, c, None).await.map_err(|e| match e {
            Error::Invalid { field, message } => {
                Error::invalid(format!("corrected.{field}"), message)
            }
            Error::InvalidMany(list) => Error::InvalidMany(
                list.into_iter()
                    .map(|f| crate::error::FieldError {
                        field: format!("corrected.{}", f.field),
                        message: f.message,
                    })
                    .collect(),
            ),
            other => other,
        })?;
        batch.push(corrected);
    }
    let audit = batch
        .iter()
        .enumerate()
        .map(|(i, e)| entry_audit(actor, if i == 0 { "reverse" } else { "post" }, e))
        .collect();
    let ids = store
        .insert_entries(
            actor.company_id,
            &batch,
            EntryStatus::Posted,
            actor.author(),
            audit,
        )
        .await?;
    let rev = get_entry(store, actor, first_id(&ids)?).await?;
    let corrected = match ids.get(1) {
        Some((cid, _)) => Some(get_entry(store, actor, *cid).await?),
        None => None,
    };
    Ok((rev, corrected))
}

/// The first entry a store insert made (it makes one per entry given, so never none).
pub(super) fn first_id<T>(ids: &[(EntryId, T)]) -> Result<EntryId> {
    ids.first()
        .map(|(id, _)| *id)
        .ok_or_else(|| crate::Error::Internal("the store inserted no entry".into()))
}
