//! Billing's reports: the tax report's sums (one grouped read of posted lines in the
//! period) and a party's statement (the sums before the first day in one grouped read per
//! table, the items of the range in one read per table).
use chrono::NaiveDate;
use steward_core::billing::aged::Side;
use steward_core::billing::invoices::InvoiceKind;
use steward_core::billing::reports::{
    BillingReportStore, DueSum, StatementItem, StatementRows, TaxSum,
};
use steward_core::ids::{CompanyId, PartyId, TaxCodeId};
use steward_core::ledger::{day_from_key, day_key};
use steward_core::{Error, Result};

use crate::{db, get_i64, get_str, opt_i64, opt_str, Store};

fn day(k: i64) -> Result<NaiveDate> {
    day_from_key(k).ok_or_else(|| Error::internal("bad date"))
}

impl BillingReportStore for Store {
    async fn open_by_due(
        &self,
        company: CompanyId,
        side: Side,
        as_of: NaiveDate,
        edges: &[NaiveDate],
    ) -> Result<Vec<DueSum>> {
        let Some(last) = edges.last() else {
            return Ok(Vec::new());
        };
        // Day keys are integers the code computed, written as literals.
        let mut case = String::from("CASE");
        for (i, e) in edges.iter().enumerate() {
            case.push_str(&format!(" WHEN d.due_date < {} THEN {i}", day_key(*e)));
        }
        case.push_str(&format!(" ELSE {} END", edges.len()));
        let rows = sqlx::query(&format!(
            "SELECT {case} AS bucket, d.currency, COUNT(*) AS n, \
             CAST(SUM(d.total - COALESCE(x.allocated, 0)) AS BIGINT) AS amount \
             FROM billing_documents d \
             LEFT JOIN (SELECT document_id, SUM(amount) AS allocated FROM billing_allocations \
               WHERE company_id = $1 AND date <= $2 GROUP BY document_id) x ON x.document_id = d.id \
             WHERE d.company_id = $1 AND d.kind = $3 AND d.status = 'posted' AND d.due_date < $4 \
               AND d.issue_date <= $2 AND d.total - COALESCE(x.allocated, 0) > 0 \
             GROUP BY {case}, d.currency"
        ))
        .bind(company.0)
        .bind(day_key(as_of))
        .bind(side.kinds().0.as_str())
        .bind(day_key(*last))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut out: Vec<DueSum> = rows
            .iter()
            .map(|r| {
                Ok(DueSum {
                    bucket: usize::try_from(get_i64(r, "bucket")?).unwrap_or(0),
                    currency: get_str(r, "currency")?,
                    count: get_i64(r, "n")?,
                    amount: get_i64(r, "amount")?,
                })
            })
            .collect::<Result<_>>()?;
        out.sort_by(|a, b| (a.bucket, &a.currency).cmp(&(b.bucket, &b.currency)));
        Ok(out)
    }

    async fn tax_sums(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<TaxSum>> {
        let rows = sqlx::query(
            "SELECT l.tax_code_id, d.kind, d.currency, \
             CAST(SUM(l.net) AS BIGINT) AS net, CAST(SUM(l.tax) AS BIGINT) AS tax \
             FROM billing_documents d JOIN billing_lines l ON l.document_id = d.id \
             WHERE d.company_id = $1 AND d.status = 'posted' AND d.issue_date >= $2 AND d.issue_date <= $3 \
             GROUP BY l.tax_code_id, d.kind, d.currency",
        )
        .bind(company.0)
        .bind(day_key(from))
        .bind(day_key(to))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(TaxSum {
                    tax_code_id: opt_i64(r, "tax_code_id")?.map(TaxCodeId),
                    kind: InvoiceKind::parse(&get_str(r, "kind")?)
                        .ok_or_else(|| Error::internal("unknown kind"))?,
                    currency: get_str(r, "currency")?,
                    net: get_i64(r, "net")?,
                    tax: get_i64(r, "tax")?,
                })
            })
            .collect()
    }

    async fn statement_items(
        &self,
        company: CompanyId,
        party: PartyId,
        side: Side,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<StatementRows> {
        let (owing, credit) = side.kinds();
        let (f, t) = (day_key(from), day_key(to));
        let opening = sqlx::query(
            "SELECT currency, CAST(SUM(amount) AS BIGINT) AS amount FROM ( \
               SELECT d.currency, CASE WHEN d.kind = $3 THEN d.total ELSE -d.total END AS amount \
               FROM billing_documents d \
               WHERE d.company_id = $1 AND d.party_id = $2 AND d.status = 'posted' \
                 AND d.kind IN ($3, $4) AND d.issue_date < $5 \
               UNION ALL \
               SELECT y.currency, -(y.amount + y.writeoff) AS amount FROM billing_payments y \
               WHERE y.company_id = $1 AND y.party_id = $2 AND y.kind = $6 AND y.date < $5 \
             ) o GROUP BY currency ORDER BY currency",
        )
        .bind(company.0)
        .bind(party.0)
        .bind(owing.as_str())
        .bind(credit.as_str())
        .bind(f)
        .bind(side.payment_kind())
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((get_str(r, "currency")?, get_i64(r, "amount")?)))
        .collect::<Result<Vec<_>>>()?;
        let docs = sqlx::query(
            "SELECT id, kind, number, reference, issue_date, due_date, currency, total \
             FROM billing_documents \
             WHERE company_id = $1 AND party_id = $2 AND status = 'posted' AND kind IN ($3, $4) \
               AND issue_date >= $5 AND issue_date <= $6",
        )
        .bind(company.0)
        .bind(party.0)
        .bind(owing.as_str())
        .bind(credit.as_str())
        .bind(f)
        .bind(t)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let pays = sqlx::query(
            "SELECT id, number, reference, date, currency, amount, writeoff FROM billing_payments \
             WHERE company_id = $1 AND party_id = $2 AND kind = $3 AND date >= $4 AND date <= $5",
        )
        .bind(company.0)
        .bind(party.0)
        .bind(side.payment_kind())
        .bind(f)
        .bind(t)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut items = Vec::with_capacity(docs.len() + pays.len());
        for r in &docs {
            items.push(StatementItem {
                date: day(get_i64(r, "issue_date")?)?,
                kind: get_str(r, "kind")?,
                id: get_i64(r, "id")?,
                number: opt_str(r, "number")?.unwrap_or_default(),
                reference: get_str(r, "reference")?,
                due_date: Some(day(get_i64(r, "due_date")?)?),
                currency: get_str(r, "currency")?,
                amount: get_i64(r, "total")?,
                writeoff: 0,
            });
        }
        for r in &pays {
            items.push(StatementItem {
                date: day(get_i64(r, "date")?)?,
                kind: "payment".into(),
                id: get_i64(r, "id")?,
                number: get_str(r, "number")?,
                reference: get_str(r, "reference")?,
                due_date: None,
                currency: get_str(r, "currency")?,
                amount: get_i64(r, "amount")?,
                writeoff: get_i64(r, "writeoff")?,
            });
        }
        // By date; on one day documents before payments, each by id.
        items.sort_by(|a, b| {
            (a.date, a.kind == "payment", a.id).cmp(&(b.date, b.kind == "payment", b.id))
        });
        Ok((opening, items))
    }
}
