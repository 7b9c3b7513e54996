//! Checking a document as typed against what the company has on record (party, tax codes,
//! settings, accounts, what is left to credit) into its figures, and the ledger entry a
//! checked document posts. `Context` holds what checking reads, read once per document or
//! once per batch (`invoice_batch`).
use super::*;

fn parse_scaled(v: &mut Validator, field: &str, text: &str, places: u8, default: i64) -> i64 {
    let t = text.trim();
    if t.is_empty() {
        return default;
    }
    match parse_decimal(t, places) {
        Some(n) => n,
        None => {
            v.push(
                field,
                format!("a number with at most {places} decimals, e.g. 1 or 2.5"),
            );
            default
        }
    }
}

/// What checking documents reads: once for one document, once for a whole batch.
pub(crate) struct Context {
    /// The parties the inputs name that the actor sees, by id.
    parties: HashMap<i64, Party>,
    pub(crate) codes: Vec<TaxCode>,
    settings: crate::billing::BillingSettings,
    /// The company's departments, read only when a line names one.
    departments: Vec<DepartmentId>,
    accounts: crate::ledger::accounts::TypedAccounts,
}

impl Context {
    /// The billing settings read with the rest.
    pub(crate) fn settings(&self) -> &crate::billing::BillingSettings {
        &self.settings
    }

    pub(crate) async fn load<S: BillingBackend>(
        store: &S,
        actor: &Actor,
        inputs: &[&InvoiceInput],
    ) -> Result<Context> {
        let company = actor.company_id;
        let mut ids: Vec<i64> = inputs.iter().filter_map(|i| i.party_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let ids: Vec<PartyId> = ids.into_iter().map(PartyId).collect();
        let parties: HashMap<i64, Party> = store
            .parties_by_ids(company, &ids)
            .await?
            .into_iter()
            .filter(|p| parties::sees(actor, p))
            .map(|p| (p.id.0, p))
            .collect();
        let lines = || inputs.iter().flat_map(|i| i.lines.iter());
        let departments = if lines().any(|l| l.department_id.is_some()) {
            store
                .departments(company)
                .await?
                .iter()
                .map(|d| d.id)
                .collect()
        } else {
            Vec::new()
        };
        // Every line's account in one read.
        let keys: Vec<&str> = lines().map(|l| l.account.as_str()).collect();
        Ok(Context {
            parties,
            codes: store.tax_codes(company).await?,
            settings: store.billing_settings(company).await?,
            departments,
            accounts: crate::ledger::accounts::TypedAccounts::load(store, company, &keys).await?,
        })
    }

    /// The party of a checked document.
    pub(crate) fn party(&self, id: PartyId) -> Option<&Party> {
        self.parties.get(&id.0)
    }
}

/// Checks an input against the party, tax codes, accounts and settings; computes the
/// figures. Every field error at once, named `lines[2].quantity` and so on.
pub(super) async fn check<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    kind: InvoiceKind,
    input: &InvoiceInput,
    credited: Option<&Invoice>,
    except: Option<InvoiceId>,
) -> Result<NewInvoice> {
    let ctx = Context::load(store, actor, &[input]).await?;
    let already = match credited {
        Some(c) => {
            store
                .credited_quantities(actor.company_id, c.id, except)
                .await?
        }
        None => HashMap::new(),
    };
    check_in(&ctx, actor, kind, input, credited, &already)
}

/// [`check`] with what it reads already read (`already`: how much of each line of
/// `credited` other credits credit).
pub(crate) fn check_in(
    ctx: &Context,
    actor: &Actor,
    kind: InvoiceKind,
    input: &InvoiceInput,
    credited: Option<&Invoice>,
    already: &HashMap<i64, i64>,
) -> Result<NewInvoice> {
    let mut v = Validator::new();
    let party = match input.party_id {
        None => {
            v.push("party_id", "choose a customer or vendor");
            None
        }
        Some(id) => match ctx.parties.get(&id) {
            Some(p) => {
                if kind.is_sales() && !p.is_customer {
                    v.push("party_id", format!("{} is not a customer", p.name));
                } else if !kind.is_sales() && !p.is_vendor {
                    v.push("party_id", format!("{} is not a vendor", p.name));
                }
                Some(p)
            }
            _ => {
                v.push("party_id", "no such customer or vendor");
                None
            }
        },
    };
    if input.issue_date.trim().is_empty() {
        v.push("issue_date", "a date is required (YYYY-MM-DD)");
    }
    let issue_date = v.date("issue_date", &input.issue_date);
    let due_date = if input.due_date.trim().is_empty() {
        match (issue_date, &party) {
            (Some(d), Some(p)) => Some(d + chrono::Days::new(p.payment_terms_days.max(0) as u64)),
            (Some(d), None) => Some(d),
            _ => None,
        }
    } else {
        v.date("due_date", &input.due_date)
    };
    if let (Some(i), Some(d)) = (issue_date, due_date) {
        if d < i {
            v.push("due_date", "the due date is before the document's date");
        }
    }
    let currency = if input.currency.trim().is_empty() {
        party
            .as_ref()
            .map(|p| p.currency.clone())
            .unwrap_or_else(|| actor.company_currency.clone())
    } else {
        match crate::money::Currency::parse(&input.currency) {
            Ok(c) => c.code().to_string(),
            Err(_) => {
                v.push("currency", "a currency code such as EUR");
                String::new()
            }
        }
    };
    let doc_currency = crate::money::Currency::parse(&currency).ok();
    if doc_currency.is_none() && input.currency.trim().is_empty() {
        // A party (or company) kept without a currency: the document needs one.
        v.push(
            "currency",
            "give the document's currency (a code such as EUR)",
        );
    }
    let reference = v.line("reference", &input.reference, REFERENCE_MAX, false);
    let notes = v.text("notes", &input.notes, NOTES_MAX, false);
    if input.lines.is_empty() {
        v.push("lines", "a document needs at least one line");
    }
    if input.lines.len() > MAX_LINES {
        v.push("lines", format!("at most {MAX_LINES} lines"));
    }
    let codes = &ctx.codes;
    let settings = &ctx.settings;
    let credited_lines: HashMap<i64, &InvoiceLine> = credited
        .map(|c| c.lines.iter().map(|l| (l.id, l)).collect())
        .unwrap_or_default();
    let default_account = party.as_ref().and_then(|p| {
        if kind.is_sales() {
            p.income_account_id
        } else {
            p.expense_account_id
        }
    });
    let departments = &ctx.departments;
    let accounts = &ctx.accounts;
    let mut figures = Vec::with_capacity(input.lines.len());
    let mut lines = Vec::with_capacity(input.lines.len());
    let mut credited_now: HashMap<i64, i64> = HashMap::new();
    for (i, l) in input.lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        let description = v.line(&f("description"), &l.description, DESCRIPTION_MAX, true);
        let quantity = parse_scaled(&mut v, &f("quantity"), &l.quantity, 4, tax::QUANTITY_SCALE);
        let unit_price = match (&doc_currency, l.unit_price.trim()) {
            (_, "") => {
                v.push(&f("unit_price"), "a price is needed");
                0
            }
            (Some(c), text) => match parse_decimal(text, c.precision()) {
                Some(p) => p,
                None => {
                    v.push(
                        &f("unit_price"),
                        format!(
                            "an amount in {} with at most {} decimals",
                            c.code(),
                            c.precision()
                        ),
                    );
                    0
                }
            },
            // Without a currency a price cannot be read; the currency is named at fault.
            (None, _) => 0,
        };
        let discount = parse_scaled(&mut v, &f("discount"), &l.discount, 2, 0);
        if !(0..=tax::DISCOUNT_SCALE).contains(&discount) {
            v.push(&f("discount"), "a percentage from 0 to 100");
        }
        let code = l.tax_code.trim();
        let tax = if code.is_empty() {
            None
        } else {
            match codes
                .iter()
                .find(|c| c.code.eq_ignore_ascii_case(code) && c.active)
            {
                Some(c) => {
                    let account = if kind.is_sales() {
                        c.collected_account_id
                    } else {
                        c.paid_account_id
                    };
                    if c.rate > 0 && account.is_none() {
                        v.push(
                            &f("tax_code"),
                            format!(
                                "tax code {} has no account for tax on {}",
                                c.code,
                                if kind.is_sales() {
                                    "sales"
                                } else {
                                    "purchases"
                                }
                            ),
                        );
                    }
                    Some(c)
                }
                None => {
                    v.push(&f("tax_code"), format!("no active tax code `{code}`"));
                    None
                }
            }
        };
        let account = if l.account.trim().is_empty() {
            if default_account.is_none() {
                v.push(
                    &f("account"),
                    if kind.is_sales() {
                        "choose an income account (the customer has no default)"
                    } else {
                        "choose an expense account (the vendor has no default)"
                    },
                );
            }
            default_account
        } else {
            accounts
                .postable(&mut v, &f("account"), &l.account)
                .map(|a| a.id)
        };
        let department_id = l.department_id.map(DepartmentId);
        if department_id.is_some_and(|d| !departments.contains(&d)) {
            v.push(&f("department_id"), "no such department");
        }
        let project = v.line(&f("project"), &l.project, PROJECT_MAX, false);
        // A credit's line credits a line of the credited document, at most what is left.
        match (credited, l.credited_line_id) {
            (Some(_), Some(line_id)) => match credited_lines.get(&line_id) {
                None => v.push(
                    &f("credited_line_id"),
                    "not a line of the credited document",
                ),
                Some(orig) => {
                    let used = already.get(&line_id).copied().unwrap_or(0)
                        + credited_now.get(&line_id).copied().unwrap_or(0);
                    let left = orig.quantity - used;
                    if quantity <= 0 || quantity > left {
                        v.push(
                            &f("quantity"),
                            format!(
                                "at most {} of this line is left to credit",
                                decimal_text(left.max(0), 4)
                            ),
                        );
                    }
                    *credited_now.entry(line_id).or_default() += quantity;
                }
            },
            (None, Some(_)) => v.push(
                &f("credited_line_id"),
                "only a credit note or vendor credit credits a line",
            ),
            _ => {}
        }
        figures.push(LineFigures {
            quantity,
            unit_price,
            discount,
            tax: tax.map(|c| (c.id, c.rate, c.inclusive)),
        });
        lines.push(NewLine {
            description,
            quantity,
            unit_price,
            discount,
            tax_code_id: tax.map(|c| c.id),
            account_id: account.unwrap_or_default(),
            department_id,
            project,
            credited_line_id: l.credited_line_id,
            net: 0,
            tax: 0,
        });
    }
    v.finish()?;
    let totals = tax::compute(&figures, settings.tax_rounding)?;
    for (line, LineAmounts { net, tax }) in lines.iter_mut().zip(&totals.lines) {
        line.net = *net;
        line.tax = *tax;
    }
    let (party, issue_date, due_date) = match (party, issue_date, due_date) {
        (Some(p), Some(i), Some(d)) => (p, i, d),
        _ => return Err(Error::internal("validated input without party or dates")),
    };
    Ok(NewInvoice {
        kind,
        party_id: party.id,
        issue_date,
        due_date,
        currency,
        reference,
        notes,
        credited_id: credited.map(|c| c.id),
        tax_rounding: settings.tax_rounding,
        subtotal: totals.subtotal,
        tax: totals.tax,
        total: totals.total,
        lines,
        client_key: None,
        fx: None,
    })
}

/// The ledger entry of a checked document (its reference, the number, is set by the
/// store). A document in a currency other than the books' first records the ledger's rate
/// of its issue date and its book value (`inv.fx`); a credit of one, what it applies to
/// the document it credits and the exchange difference that realises.
pub(super) async fn entry_of<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    inv: &mut NewInvoice,
    party_name: &str,
) -> Result<NewEntry> {
    let want = journal_kind(inv.kind);
    let post =
        crate::billing::posting(store, actor, inv.kind.is_sales(), &inv.currency, want).await?;
    let codes = store.tax_codes(actor.company_id).await?;
    inv.fx = None;
    if post.book.is_some() {
        let rates = store.rates(actor.company_id).await?;
        let mut fx = document_fx(&post, &rates, inv)?;
        if let (Some(credited), true) = (inv.credited_id, inv.kind.is_credit()) {
            let open = store
                .openness(actor.company_id, &[credited])
                .await?
                .remove(&credited);
            if let Some(o) = open {
                fx.applied = credit_applied(&post, &fx, inv, &o)?;
            }
        }
        inv.fx = Some(fx);
    }
    entry_in(&post, &codes, inv, party_name)
}

/// The rate and book value a foreign document posts with: the ledger's rate of its issue
/// date (an error on `issue_date` when there is none).
pub(crate) fn document_fx(
    post: &crate::billing::PostingTarget,
    rates: &[crate::ledger::Rate],
    inv: &NewInvoice,
) -> Result<DocumentFx> {
    let rate = post.rate_on(rates, inv.issue_date, "issue_date")?;
    Ok(DocumentFx {
        rate: rate.text(),
        book_total: post.value(rate, inv.total)?,
        applied: None,
    })
}

/// What a foreign credit applies to the document it credits (as far as that still owes)
/// and the book value and exchange difference of that, `None` when it owes nothing. The
/// store applies it in the posting's transaction and refuses when it would apply another
/// amount (the document was settled meanwhile).
fn credit_applied(
    post: &crate::billing::PostingTarget,
    fx: &DocumentFx,
    inv: &NewInvoice,
    credited: &crate::billing::payments::Openness,
) -> Result<Option<CreditApplied>> {
    let applied = inv.total.min(credited.open());
    if applied <= 0 {
        return Ok(None);
    }
    let rate = crate::billing::fx::FxRate::parse(&fx.rate)
        .ok_or_else(|| Error::internal("a document's rate does not read back"))?;
    let doc = crate::billing::fx::OpenDocument {
        total: credited.total,
        allocated: credited.allocated,
        book_total: credited.book_total,
    };
    let s = crate::billing::fx::settle(
        inv.kind.is_sales(),
        inv.total,
        fx.book_total,
        &[(applied, doc)],
        |a| post.value(rate, a).ok(),
    )
    .ok_or_else(|| Error::invalid("lines", "the amounts are too large to convert"))?;
    let a = s.allocations.first().copied().unwrap_or_default();
    Ok(Some(CreditApplied {
        amount: applied,
        book: a.book,
        difference: s.difference,
    }))
}

/// The journal a document of `kind` posts to.
pub(crate) fn journal_kind(kind: InvoiceKind) -> JournalKind {
    if kind.is_sales() {
        JournalKind::Sales
    } else {
        JournalKind::Purchases
    }
}

/// [`entry_of`] with the posting target and the tax codes already read (and, for a
/// foreign document, `inv.fx` set: its lines carry their book values as their costs).
pub(crate) fn entry_in(
    post: &crate::billing::PostingTarget,
    codes: &[TaxCode],
    inv: &NewInvoice,
    party_name: &str,
) -> Result<NewEntry> {
    // Sales credit income and tax and debit the receivable; purchases the other way; a
    // credit reverses its kind.
    let sign: i64 = match (inv.kind.is_sales(), inv.kind.is_credit()) {
        (true, false) | (false, true) => -1,
        (true, true) | (false, false) => 1,
    };
    let line =
        |account_id: AccountId,
         amount: i64,
         department_id: Option<DepartmentId>,
         project: &str,
         memo: &str| post.line(account_id, amount, department_id, project, memo);
    let mut lines = Vec::new();
    for l in &inv.lines {
        if l.net != 0 {
            lines.push(line(
                l.account_id,
                sign * l.net,
                l.department_id,
                &l.project,
                &l.description,
            ));
        }
    }
    let mut taxes: Vec<(TaxCodeId, i64)> = Vec::new();
    for l in inv.lines.iter().filter(|l| l.tax != 0) {
        if let Some(id) = l.tax_code_id {
            match taxes.iter_mut().find(|t| t.0 == id) {
                Some(t) => t.1 += l.tax,
                None => taxes.push((id, l.tax)),
            }
        }
    }
    for (id, amount) in taxes.into_iter().filter(|t| t.1 != 0) {
        let code = codes
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::internal("tax code vanished"))?;
        let account = if inv.kind.is_sales() {
            code.collected_account_id
        } else {
            code.paid_account_id
        }
        .ok_or_else(|| Error::invalid("lines", format!("tax code {} has no account", code.code)))?;
        lines.push(line(account, sign * amount, None, "", &code.name));
    }
    // A foreign document: each line at its value in the books' currency, adding up to
    // the book total; the control account relieved of the book value a credit settles.
    let fx = match (&post.book, &inv.fx) {
        (Some(_), Some(fx)) => Some(fx),
        (Some(_), None) => return Err(Error::internal("a foreign document without its rate")),
        _ => None,
    };
    let mut difference = 0;
    let mut control_value = None;
    if let Some(fx) = fx {
        let rate = crate::billing::fx::FxRate::parse(&fx.rate)
            .ok_or_else(|| Error::internal("a document's rate does not read back"))?;
        let amounts: Vec<i64> = lines.iter().map(|l| l.amount).collect();
        let values = crate::billing::fx::spread(sign * fx.book_total, &amounts, |a| {
            post.value(rate, a).ok()
        })
        .ok_or_else(|| Error::invalid("lines", "the amounts are too large to convert"))?;
        lines = lines
            .into_iter()
            .zip(values)
            .map(|(l, v)| post.at_cost(l, v))
            .collect();
        difference = fx.applied.map(|a| a.difference).unwrap_or(0);
        // What the control account is relieved of: the book total, less the gain (more
        // the loss on payables) a credit realises on what it settles.
        let control = if inv.kind.is_sales() {
            fx.book_total - difference
        } else {
            fx.book_total + difference
        };
        control_value = Some(-sign * control);
    }
    if inv.total != 0 {
        let l = line(post.control, -sign * inv.total, None, "", party_name);
        lines.push(match control_value {
            Some(v) => post.at_cost(l, v),
            None => l,
        });
    }
    if lines.is_empty() {
        return Err(Error::invalid("lines", "a document of zero posts nothing"));
    }
    post.close_fx(&mut lines, difference)?;
    Ok(NewEntry {
        journal_id: post.journal,
        date: inv.issue_date,
        reference: String::new(),
        description: format!("{} {}", inv.kind.label(), party_name),
        comment: String::new(),
        lines,
        client_key: None,
        reverses: None,
    })
}
