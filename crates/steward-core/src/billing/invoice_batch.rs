//! Posting many invoices or bills at once (`POST /api/v1/billing/invoices/batch`): every
//! document is checked first with what checking reads read once for the whole batch
//! (parties, tax codes, settings, accounts, the posting targets), errors name the item
//! (`items[3].document.lines[0].unit_price`; its key is `items[3].key`), and then the store numbers, posts and writes all of
//! them in one transaction: all or nothing. A bill above the approval threshold is refused
//! here (post it on its own so it waits for an approver). Each item may carry an idempotency key; a
//! retried batch answers the documents the keys made without posting them again.
use serde_json::json;
use std::collections::HashMap;

use super::invoices::{
    check_in, document_fx, entry_in, journal_kind, Context, InvoiceInput, InvoiceKind, NewInvoice,
};
use super::{BillingBackend, PostingTarget};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::FieldError;
use crate::ids::InvoiceId;
use crate::ledger::NewEntry;
use crate::money::{format_minor, precision_of};
use crate::{Error, Result};

/// Documents per batch.
pub const MAX_BATCH: usize = 1000;

/// One document of a batch, posted at once.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The client's idempotency key for this document.
    pub key: Option<String>,
    pub kind: InvoiceKind,
    pub input: InvoiceInput,
}

/// What a batch did with one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchResult {
    pub id: InvoiceId,
    pub number: String,
    /// `false` when its key had made the document before.
    pub created: bool,
}

/// A checked document and its ledger entry, for the store.
#[derive(Debug, Clone)]
pub struct BatchPosting {
    pub invoice: NewInvoice,
    pub entry: NewEntry,
}

/// An item's errors, each field named under `items[n]` (the key) or `items[n].document`.
fn prefixed(n: usize, part: &str, e: Error) -> Vec<FieldError> {
    let at = if part.is_empty() {
        format!("items[{n}]")
    } else {
        format!("items[{n}].{part}")
    };
    e.field_errors()
        .into_iter()
        .map(|f| FieldError {
            field: format!("{at}.{}", f.field),
            message: f.message,
        })
        .collect()
}

/// Checks and posts `items` (invoices and bills; a credit is made from what it credits, one
/// at a time) in one transaction.
pub async fn post_batch<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    items: &[BatchItem],
) -> Result<Vec<BatchResult>> {
    if items.is_empty() {
        return Err(Error::invalid("items", "the batch is empty"));
    }
    if items.len() > MAX_BATCH {
        return Err(Error::invalid(
            "items",
            format!("at most {MAX_BATCH} documents per batch"),
        ));
    }
    let mut errors: Vec<FieldError> = Vec::new();
    for (n, item) in items.iter().enumerate() {
        super::gate(actor, item.kind.domain(), Action::Create)?;
        if item.kind.is_credit() {
            errors.push(FieldError {
                field: format!("items[{n}].document.kind"),
                message: "a credit is made from the document it credits, one at a time".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    let inputs: Vec<&InvoiceInput> = items.iter().map(|i| &i.input).collect();
    let ctx = Context::load(store, actor, &inputs).await?;
    let none = HashMap::new();
    let mut checked = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let key = match crate::idempotency::optional_key(item.key.as_deref()) {
            Ok(k) => k,
            Err(e) => {
                errors.extend(prefixed(n, "", e));
                continue;
            }
        };
        match check_in(&ctx, actor, item.kind, &item.input, None, &none) {
            Ok(mut inv) => {
                inv.client_key = key;
                checked.push(inv);
            }
            Err(e) => errors.extend(prefixed(n, "document", e)),
        }
        if errors.len() >= 50 {
            break;
        }
    }
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    // A bill above the approval threshold waits for an approver: not in a batch. The
    // threshold is the settings' the checks read; the rates are read once, if a bill in
    // another currency needs them.
    let threshold = ctx.settings().bill_approval_threshold;
    let rates = if threshold.is_some()
        && checked
            .iter()
            .any(|i| i.kind == InvoiceKind::Bill && i.currency != actor.company_currency)
    {
        store.rates(actor.company_id).await?
    } else {
        Vec::new()
    };
    for (n, inv) in checked.iter().enumerate() {
        if super::invoices::approval_with(actor, inv, threshold, &rates).is_some() {
            errors.push(FieldError {
                field: format!("items[{n}].document"),
                message:
                    "is above the bill approval threshold: post it on its own so it can be approved"
                        .into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    // The posting targets, once per side and currency.
    let mut targets: HashMap<(bool, String), PostingTarget> = HashMap::new();
    for inv in &checked {
        let k = (inv.kind.is_sales(), inv.currency.clone());
        if let std::collections::hash_map::Entry::Vacant(slot) = targets.entry(k) {
            let (sales, currency) = slot.key();
            let t = super::posting(store, actor, *sales, currency, journal_kind(inv.kind)).await?;
            slot.insert(t);
        }
    }
    // The ledger's rates, once, when a document is in a currency other than the books'.
    let rates = if targets.values().any(|t| t.book.is_some()) {
        store.rates(actor.company_id).await?
    } else {
        Vec::new()
    };
    let mut postings = Vec::with_capacity(checked.len());
    for (n, mut inv) in checked.into_iter().enumerate() {
        let target = targets
            .get(&(inv.kind.is_sales(), inv.currency.clone()))
            .ok_or_else(|| Error::internal("posting target"))?;
        if target.book.is_some() {
            match document_fx(target, &rates, &inv) {
                Ok(fx) => inv.fx = Some(fx),
                Err(e) => {
                    errors.extend(prefixed(n, "document", e));
                    continue;
                }
            }
        }
        let party = ctx
            .party(inv.party_id)
            .map(|p| p.name.as_str())
            .unwrap_or_default();
        let entry = match entry_in(target, &ctx.codes, &inv, party) {
            Ok(e) => e,
            Err(e) => {
                errors.extend(prefixed(n, "document", e));
                return Err(Error::InvalidMany(errors));
            }
        };
        postings.push(BatchPosting {
            invoice: inv,
            entry,
        });
    }
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    let mut totals: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for p in &postings {
        *totals.entry(p.invoice.currency.as_str()).or_default() += p.invoice.total;
    }
    let totals: serde_json::Map<String, serde_json::Value> = totals
        .into_iter()
        .map(|(c, t)| (c.to_string(), format_minor(t, precision_of(c)).into()))
        .collect();
    let audit = AuditDraft::by(
        actor,
        super::INVOICE,
        None,
        "post_batch",
        json!({"documents": postings.len(), "totals": totals,
               "keys": postings.iter().filter_map(|p| p.invoice.client_key.as_deref()).take(20).collect::<Vec<_>>()}),
    );
    store
        .post_invoice_batch(actor.company_id, &postings, actor.author(), audit)
        .await
}
