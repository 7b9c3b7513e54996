//! Aged receivables and payables in one grouped read per part: the documents' open amounts
//! as of the day (allocations dated up to it) summed per party, currency and bucket (a
//! CASE on the due date against the bucket's first day), then the credits (credit notes not
//! yet applied and payments not yet allocated, as of the day) per party and currency.
use chrono::NaiveDate;
use std::collections::BTreeMap;
use steward_core::billing::aged::{bucket_starts, AgedRow, AgedStore, Buckets, Side};
use steward_core::ids::{CompanyId, PartyId};
use steward_core::ledger::day_key;
use steward_core::Result;

use crate::{db, get_i64, get_str, Store};

impl AgedStore for Store {
    async fn aged(
        &self,
        company: CompanyId,
        side: Side,
        as_of: NaiveDate,
        buckets: &Buckets,
    ) -> Result<Vec<AgedRow>> {
        let (owing, credit) = side.kinds();
        let day = day_key(as_of);
        // Bucket 0: not due; bucket i: due on or after starts[i-1]; the last: older.
        let starts = bucket_starts(as_of, buckets);
        let mut case = format!("CASE WHEN d.due_date >= {day} THEN 0");
        for (i, s) in starts.iter().enumerate() {
            case.push_str(&format!(
                " WHEN d.due_date >= {} THEN {}",
                day_key(*s),
                i + 1
            ));
        }
        case.push_str(&format!(" ELSE {} END", starts.len() + 1));
        let n = starts.len() + 2;
        // The allocations up to the day, summed per document once (a hash or merge join on
        // PostgreSQL, one pass on SQLite), rather than a subquery per document.
        let docs = sqlx::query(&format!(
            "SELECT d.party_id, d.currency, {case} AS bucket, \
             CAST(SUM(d.total - COALESCE(x.allocated, 0)) AS BIGINT) AS amount \
             FROM billing_documents d \
             LEFT JOIN (SELECT document_id, SUM(amount) AS allocated FROM billing_allocations \
               WHERE company_id = $1 AND date <= $2 GROUP BY document_id) x ON x.document_id = d.id \
             WHERE d.company_id = $1 AND d.kind = $3 AND d.status = 'posted' AND d.issue_date <= $2 \
             GROUP BY d.party_id, d.currency, {case}"
        ))
        .bind(company.0)
        .bind(day)
        .bind(owing.as_str())
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let credits = sqlx::query(
            "SELECT party_id, currency, CAST(SUM(amount) AS BIGINT) AS amount FROM ( \
               SELECT d.party_id, d.currency, \
                 d.total - COALESCE((SELECT SUM(x.amount) FROM billing_allocations x \
                   WHERE x.company_id = d.company_id AND x.credit_id = d.id AND x.date <= $2), 0) AS amount \
               FROM billing_documents d \
               WHERE d.company_id = $1 AND d.kind = $3 AND d.status = 'posted' AND d.issue_date <= $2 \
               UNION ALL \
               SELECT y.party_id, y.currency, \
                 y.amount + y.writeoff - COALESCE((SELECT SUM(x.amount) FROM billing_allocations x \
                   WHERE x.payment_id = y.id AND x.date <= $2), 0) AS amount \
               FROM billing_payments y \
               WHERE y.company_id = $1 AND y.kind = $4 AND y.date <= $2 \
             ) c GROUP BY party_id, currency",
        )
        .bind(company.0)
        .bind(day)
        .bind(credit.as_str())
        .bind(side.payment_kind())
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let names: std::collections::HashMap<i64, String> =
            sqlx::query("SELECT id, name FROM billing_parties WHERE company_id = $1")
                .bind(company.0)
                .fetch_all(&self.read)
                .await
                .map_err(db)?
                .iter()
                .map(|r| Ok((get_i64(r, "id")?, get_str(r, "name")?)))
                .collect::<Result<_>>()?;
        let name_of = |id: i64| names.get(&id).cloned().unwrap_or_default();
        let mut by: BTreeMap<(String, i64, String), Vec<i64>> = BTreeMap::new();
        for r in &docs {
            let party = get_i64(r, "party_id")?;
            let key = (name_of(party), party, get_str(r, "currency")?);
            let b = usize::try_from(get_i64(r, "bucket")?)
                .unwrap_or(0)
                .min(n - 1);
            by.entry(key).or_insert_with(|| vec![0; n])[b] += get_i64(r, "amount")?;
        }
        for r in &credits {
            let party = get_i64(r, "party_id")?;
            let key = (name_of(party), party, get_str(r, "currency")?);
            by.entry(key).or_insert_with(|| vec![0; n])[0] -= get_i64(r, "amount")?;
        }
        Ok(by
            .into_iter()
            .filter(|(_, b)| b.iter().any(|v| *v != 0))
            .map(|((party_name, party_id, currency), buckets)| AgedRow {
                party_id: PartyId(party_id),
                party_name,
                currency,
                total: buckets.iter().sum(),
                buckets,
            })
            .collect())
    }
}
