//! Tax codes and the arithmetic of a document's lines: quantity x unit price, less the
//! discount, then tax by the line's code. Amounts are minor units of the document's
//! currency; quantities are ten-thousandths, discounts hundredths of a percent and rates
//! ten-thousandths of a percent, so every input is an exact integer. Rounding goes through
//! `money::round_div` (half to even), the program's one rule, and happens in one place,
//! [`compute`], either per line or once per tax code of a document (a company setting).
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::ids::{AccountId, CompanyId, TaxCodeId};
use crate::money::round_div;
use crate::{Error, Result};

/// Ten-thousandths of a unit: `1.5` is 15000.
pub const QUANTITY_SCALE: i64 = 10_000;
/// Hundredths of a percent: 100 % is 10000.
pub const DISCOUNT_SCALE: i64 = 10_000;
/// Ten-thousandths of a percent: 100 % is 1000000.
pub const RATE_SCALE: i64 = 1_000_000;
pub const CODE_MAX: usize = 20;
pub const NAME_MAX: usize = 100;

/// When tax is rounded: on each line (then summed), or once per tax code on the document's
/// sum of lines. Per line is what most invoices show; per document is what some tax
/// authorities ask for. A company setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    #[default]
    Line,
    Document,
}

impl TaxRounding {
    pub const ALL: &'static [TaxRounding] = &[TaxRounding::Line, TaxRounding::Document];
    pub fn as_str(self) -> &'static str {
        match self {
            TaxRounding::Line => "line",
            TaxRounding::Document => "document",
        }
    }
    pub fn parse(s: &str) -> Option<TaxRounding> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxCode {
    pub id: TaxCodeId,
    pub code: String,
    pub name: String,
    /// Ten-thousandths of a percent (`19 %` is 190000).
    pub rate: i64,
    /// The price includes the tax (the tax is taken out of it) rather than adding to it.
    pub inclusive: bool,
    /// Where tax on sales is credited (a liability).
    pub collected_account_id: Option<AccountId>,
    /// Where tax on purchases is debited (recoverable input tax).
    pub paid_account_id: Option<AccountId>,
    pub active: bool,
    pub version: i64,
}

impl TaxCode {
    /// The rate as a person reads it: `19`, `7.5`, `0`.
    pub fn rate_text(&self) -> String {
        rate_text(self.rate)
    }
}

/// A rate in ten-thousandths of a percent as text without trailing zeros.
pub fn rate_text(rate: i64) -> String {
    let s = crate::money::format_minor(rate, 4);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaxCodeInput {
    pub code: String,
    pub name: String,
    /// Percent as text (`19`, `7.5`): at most 4 decimals, 0 to 100.
    pub rate: String,
    pub inclusive: bool,
    /// Account name or code; required for a non-zero rate used on sales.
    pub collected_account: String,
    pub paid_account: String,
    pub active: bool,
}

/// The validated form of a [`TaxCodeInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTaxCode {
    pub code: String,
    pub name: String,
    pub rate: i64,
    pub inclusive: bool,
    pub collected_account_id: Option<AccountId>,
    pub paid_account_id: Option<AccountId>,
    pub active: bool,
}

pub trait TaxStore: Send + Sync {
    fn tax_codes(&self, company: CompanyId) -> impl Future<Output = Result<Vec<TaxCode>>> + Send;
    /// A code another tax code has is refused (`code`).
    fn insert_tax_code(
        &self,
        company: CompanyId,
        t: &NewTaxCode,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<TaxCodeId>> + Send;
    /// `Conflict` on a stale version; another company's is not found.
    fn update_tax_code(
        &self,
        company: CompanyId,
        id: TaxCodeId,
        t: &NewTaxCode,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Who reads tax codes: anyone who keeps receivables, payables or the books.
pub fn authorize_read(actor: &Actor) -> Result<()> {
    if [Domain::Receivables, Domain::Payables, Domain::Accounting]
        .iter()
        .any(|d| super::allowed(actor, *d, Action::Read))
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Who keeps tax codes: whoever sets up the books.
pub fn authorize_write(actor: &Actor) -> Result<()> {
    super::gate(actor, Domain::Accounting, Action::Update)
}

pub async fn list<S: TaxStore>(store: &S, actor: &Actor) -> Result<Vec<TaxCode>> {
    authorize_read(actor)?;
    store.tax_codes(actor.company_id).await
}

pub async fn get<S: TaxStore>(store: &S, actor: &Actor, id: TaxCodeId) -> Result<TaxCode> {
    list(store, actor)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(Error::NotFound { entity: "tax code" })
}

/// Parses a percentage (`19`, `7.5`) into ten-thousandths of a percent, 0 to 100 %.
pub fn parse_rate(field: &str, text: &str) -> Result<i64> {
    match crate::money::parse_decimal(text, 4) {
        Some(r) if (0..=RATE_SCALE).contains(&r) => Ok(r),
        _ => Err(Error::invalid(
            field,
            "a percentage from 0 to 100 with at most 4 decimals (e.g. 19 or 7.5)",
        )),
    }
}

async fn check<S: TaxStore + crate::ledger::LedgerStore>(
    store: &S,
    actor: &Actor,
    id: Option<TaxCodeId>,
    input: &TaxCodeInput,
) -> Result<NewTaxCode> {
    let mut v = crate::error::Validator::new();
    let code = v
        .line("code", &input.code, CODE_MAX, true)
        .to_ascii_uppercase();
    if !code.is_empty()
        && !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        v.push("code", "letters, digits, - and _ only (e.g. VAT19)");
    }
    let name = v.line("name", &input.name, NAME_MAX, true);
    let rate = match parse_rate("rate", &input.rate) {
        Ok(r) => r,
        Err(e) => {
            v.push_error(e);
            0
        }
    };
    let accounts = crate::ledger::accounts::TypedAccounts::load(
        store,
        actor.company_id,
        &[&input.collected_account, &input.paid_account],
    )
    .await?;
    let collected = accounts
        .postable(&mut v, "collected_account", &input.collected_account)
        .map(|a| a.id);
    let paid = accounts
        .postable(&mut v, "paid_account", &input.paid_account)
        .map(|a| a.id);
    if rate > 0 && collected.is_none() && paid.is_none() {
        v.push(
            "collected_account",
            "a tax code with a rate needs the account tax on sales is credited to, or the one tax on purchases is debited to",
        );
    }
    if !code.is_empty()
        && store
            .tax_codes(actor.company_id)
            .await?
            .iter()
            .any(|t| Some(t.id) != id && t.code == code)
    {
        v.push("code", "another tax code has this code");
    }
    v.finish()?;
    Ok(NewTaxCode {
        code,
        name,
        rate,
        inclusive: input.inclusive,
        collected_account_id: collected,
        paid_account_id: paid,
        active: input.active,
    })
}

pub async fn create<S: TaxStore + crate::ledger::LedgerStore>(
    store: &S,
    actor: &Actor,
    input: &TaxCodeInput,
) -> Result<TaxCode> {
    authorize_write(actor)?;
    let t = check(store, actor, None, input).await?;
    let audit = AuditDraft::by(
        actor,
        "billing.tax_code",
        None,
        "create",
        json!({"code": t.code, "rate": rate_text(t.rate), "inclusive": t.inclusive}),
    );
    let id = store.insert_tax_code(actor.company_id, &t, audit).await?;
    get(store, actor, id).await
}

pub async fn update<S: TaxStore + crate::ledger::LedgerStore>(
    store: &S,
    actor: &Actor,
    id: TaxCodeId,
    input: &TaxCodeInput,
    version: Option<i64>,
) -> Result<TaxCode> {
    authorize_write(actor)?;
    let current = get(store, actor, id).await?;
    let t = check(store, actor, Some(id), input).await?;
    let audit = AuditDraft::by(
        actor,
        "billing.tax_code",
        Some(id.to_string()),
        "update",
        json!({
        "code": [current.code, t.code],
        "rate": [current.rate_text(), rate_text(t.rate)],
        "inclusive": [current.inclusive, t.inclusive],
        "active": [current.active, t.active],
        }),
    );
    store
        .update_tax_code(
            actor.company_id,
            id,
            &t,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

/// One line as the arithmetic sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineFigures {
    /// Ten-thousandths of a unit; may be negative (a returned item).
    pub quantity: i64,
    /// Minor units per unit.
    pub unit_price: i64,
    /// Hundredths of a percent, 0 to 10000.
    pub discount: i64,
    /// The line's tax code: its rate and whether prices include it. `None`: no tax.
    pub tax: Option<(crate::ids::TaxCodeId, i64, bool)>,
}

/// What [`compute`] gives a line: its net (without tax) and its tax, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct LineAmounts {
    pub net: i64,
    pub tax: i64,
}

/// The tax of one code on a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TaxTotal {
    pub tax_code_id: TaxCodeId,
    /// The nets of the lines with this code.
    pub base: i64,
    pub tax: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    pub lines: Vec<LineAmounts>,
    pub taxes: Vec<TaxTotal>,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
}

fn overflow() -> Error {
    Error::invalid("lines", "the amounts are too large")
}

/// The largest amount a line or a document may reach, in minor units (10^15: ten trillion
/// in a currency with cents): far beyond any invoice, and far enough from `i64::MAX` that
/// the ledger's sums of many documents stay exact.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

fn to_i64(v: i128) -> Result<i64> {
    if v.abs() > i128::from(MAX_AMOUNT) {
        return Err(overflow());
    }
    i64::try_from(v).map_err(|_| overflow())
}

fn sum(values: impl Iterator<Item = i64>) -> Result<i64> {
    to_i64(values.map(i128::from).sum())
}

/// A line's amount before tax treatment: quantity x unit price less the discount, exact
/// until it is rounded once to minor units.
fn gross_of(l: &LineFigures) -> Result<i64> {
    let n =
        i128::from(l.quantity) * i128::from(l.unit_price) * i128::from(DISCOUNT_SCALE - l.discount);
    to_i64(round_div(
        n,
        i128::from(QUANTITY_SCALE) * i128::from(DISCOUNT_SCALE),
    ))
}

/// Tax on `base` at `rate`: added to it (exclusive) or contained in it (inclusive).
fn tax_of(base: i64, rate: i64, inclusive: bool) -> i128 {
    if inclusive {
        round_div(
            i128::from(base) * i128::from(rate),
            i128::from(RATE_SCALE) + i128::from(rate),
        )
    } else {
        round_div(i128::from(base) * i128::from(rate), i128::from(RATE_SCALE))
    }
}

/// The one place a document's figures are computed. Per line: each line's tax is rounded
/// and the code's tax is their sum. Per document: the tax of each code is rounded once on
/// the sum of its lines' amounts, and the lines' shares are spread so that they add up to
/// it (the remainder goes to the code's largest line), so the lines still sum to the
/// document. With inclusive prices the line's amount is the gross and its net is what is
/// left after the tax. The totals always satisfy `subtotal + tax = total`, `subtotal = sum
/// of nets` and `tax = sum of the codes' taxes`.
pub fn compute(lines: &[LineFigures], rounding: TaxRounding) -> Result<Totals> {
    let gross: Vec<i64> = lines.iter().map(gross_of).collect::<Result<_>>()?;
    let mut amounts: Vec<LineAmounts> = Vec::with_capacity(lines.len());
    for (l, g) in lines.iter().zip(&gross) {
        let tax = match l.tax {
            Some((_, rate, inclusive)) => to_i64(tax_of(*g, rate, inclusive))?,
            None => 0,
        };
        let inclusive = l.tax.is_some_and(|t| t.2);
        let net = if inclusive { g - tax } else { *g };
        amounts.push(LineAmounts { net, tax });
    }
    // The codes in order of first use.
    let mut codes: Vec<(TaxCodeId, i64, bool)> = Vec::new();
    for l in lines {
        if let Some(t) = l.tax {
            if !codes.iter().any(|c| c.0 == t.0) {
                codes.push(t);
            }
        }
    }
    let mut taxes = Vec::with_capacity(codes.len());
    for (id, rate, inclusive) in codes {
        let idx: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.tax.is_some_and(|t| t.0 == id))
            .map(|(i, _)| i)
            .collect();
        if rounding == TaxRounding::Document {
            let sum_gross = sum(idx.iter().map(|&i| gross[i]))?;
            let code_tax = to_i64(tax_of(sum_gross, rate, inclusive))?;
            let spread = sum(idx.iter().map(|&i| amounts[i].tax))?;
            // The rounding difference goes to the line with the largest amount.
            if let Some(&big) = idx.iter().max_by_key(|&&i| (gross[i].abs(), i)) {
                let diff = code_tax - spread;
                amounts[big].tax += diff;
                if inclusive {
                    amounts[big].net -= diff;
                }
            }
        }
        let base = sum(idx.iter().map(|&i| amounts[i].net))?;
        let tax = sum(idx.iter().map(|&i| amounts[i].tax))?;
        taxes.push(TaxTotal {
            tax_code_id: id,
            base,
            tax,
        });
    }
    let subtotal = sum(amounts.iter().map(|a| a.net))?;
    let tax = sum(taxes.iter().map(|t| t.tax))?;
    let total = to_i64(i128::from(subtotal) + i128::from(tax))?;
    Ok(Totals {
        lines: amounts,
        taxes,
        subtotal,
        tax,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(qty: i64, price: i64, disc: i64, tax: Option<(i64, i64, bool)>) -> LineFigures {
        LineFigures {
            quantity: qty,
            unit_price: price,
            discount: disc,
            tax: tax.map(|(id, r, inc)| (TaxCodeId(id), r, inc)),
        }
    }

    #[test]
    fn exclusive_tax_per_line() {
        // 3 x 33.33 at 19 %: 99.99 net, 19.00 tax (18.9981 rounded).
        let t = compute(
            &[line(30_000, 3333, 0, Some((1, 190_000, false)))],
            TaxRounding::Line,
        )
        .expect("ok");
        assert_eq!(
            t.lines[0],
            LineAmounts {
                net: 9999,
                tax: 1900
            }
        );
        assert_eq!((t.subtotal, t.tax, t.total), (9999, 1900, 11899));
    }

    #[test]
    fn inclusive_tax_is_taken_out_of_the_price() {
        // 119.00 including 19 %: 100.00 net, 19.00 tax.
        let t = compute(
            &[line(10_000, 11900, 0, Some((1, 190_000, true)))],
            TaxRounding::Line,
        )
        .expect("ok");
        assert_eq!(
            t.lines[0],
            LineAmounts {
                net: 10000,
                tax: 1900
            }
        );
        assert_eq!(t.total, 11900);
    }

    #[test]
    fn discount_applies_before_tax() {
        // 2 x 50.00 less 10 % = 90.00; 20 % tax = 18.00.
        let t = compute(
            &[line(20_000, 5000, 1000, Some((1, 200_000, false)))],
            TaxRounding::Line,
        )
        .expect("ok");
        assert_eq!(
            t.lines[0],
            LineAmounts {
                net: 9000,
                tax: 1800
            }
        );
    }

    #[test]
    fn per_document_rounds_once_per_code() {
        // Three lines of 0.10 at 19 %: per line 0.02 each (0.019 -> 0.02) = 0.06;
        // per document 0.30 x 19 % = 0.057 -> 0.06 as well; with 0.05 lines the two differ:
        // per line 0.0095 -> 0.01 each = 0.03; per document 0.15 x 19 % = 0.0285 -> 0.03.
        // Five lines of 0.05 at 10 %: per line 0.005 -> 0.00 (half to even) each = 0.00;
        // per document 0.25 x 10 % = 0.025 -> 0.02.
        let lines: Vec<_> = (0..5)
            .map(|_| line(10_000, 5, 0, Some((1, 100_000, false))))
            .collect();
        let per_line = compute(&lines, TaxRounding::Line).expect("ok");
        let per_doc = compute(&lines, TaxRounding::Document).expect("ok");
        assert_eq!(per_line.tax, 0);
        assert_eq!(per_doc.tax, 2);
        assert_eq!(per_doc.lines.iter().map(|l| l.tax).sum::<i64>(), 2);
        assert_eq!(per_doc.total, 27);
    }

    #[test]
    fn rate_reads_as_percent() {
        assert_eq!(parse_rate("rate", "19").expect("ok"), 190_000);
        assert_eq!(parse_rate("rate", "7.5").expect("ok"), 75_000);
        assert!(parse_rate("rate", "101").is_err());
        assert!(parse_rate("rate", "-1").is_err());
        assert!(parse_rate("rate", "1.23456").is_err());
        assert_eq!(rate_text(75_000), "7.5");
        assert_eq!(rate_text(0), "0");
        assert_eq!(rate_text(190_000), "19");
    }

    fn arb_line() -> impl Strategy<Value = LineFigures> {
        (
            -1_000_000i64..10_000_000,
            0i64..10_000_000,
            0i64..=10_000,
            proptest::option::of((1i64..4, 0i64..=300_000, any::<bool>())),
        )
            .prop_map(|(q, p, d, t)| line(q, p, d, t))
    }

    proptest! {
        #[test]
        fn totals_always_add_up(lines in proptest::collection::vec(arb_line(), 0..30), doc in any::<bool>()) {
            // One code keeps one rate and treatment on a document.
            let mut lines = lines;
            for l in &mut lines {
                if let Some(t) = &mut l.tax {
                    t.1 = t.0.0 * 50_000;
                    t.2 = t.0.0 == 2;
                }
            }
            let rounding = if doc { TaxRounding::Document } else { TaxRounding::Line };
            let t = compute(&lines, rounding).expect("ok");
            prop_assert_eq!(t.subtotal + t.tax, t.total);
            prop_assert_eq!(t.lines.iter().map(|l| l.net).sum::<i64>(), t.subtotal);
            prop_assert_eq!(t.lines.iter().map(|l| l.tax).sum::<i64>(), t.tax);
            prop_assert_eq!(t.taxes.iter().map(|c| c.tax).sum::<i64>(), t.tax);
            // A line's amount (net + tax for inclusive prices, net otherwise) is the
            // rounded gross, whatever the rounding.
            for (l, a) in lines.iter().zip(&t.lines) {
                let g = gross_of(l).expect("ok");
                match l.tax {
                    Some((_, _, true)) => prop_assert_eq!(a.net + a.tax, g),
                    _ => prop_assert_eq!(a.net, g),
                }
            }
            // Per document, each code's tax is within half a minor unit of the exact tax
            // on its lines' sum.
            if doc {
                for c in &t.taxes {
                    let (_, rate, inclusive) = lines.iter().filter_map(|l| l.tax).find(|x| x.0 == c.tax_code_id).expect("ok");
                    let sum: i128 = lines.iter().zip(&t.lines).filter(|(l, _)| l.tax.is_some_and(|x| x.0 == c.tax_code_id))
                        .map(|(l, _)| i128::from(gross_of(l).expect("ok"))).sum();
                    let (num, den) = if inclusive {
                        (sum * i128::from(rate), i128::from(RATE_SCALE + rate))
                    } else {
                        (sum * i128::from(rate), i128::from(RATE_SCALE))
                    };
                    prop_assert!((i128::from(c.tax) * den - num).abs() * 2 <= den);
                }
            }
        }
    }
}
