//! The books: settings, commodities, journals, rates.
use super::*;

impl BookStore for Store {
    async fn ledger_settings(&self, company: CompanyId) -> Result<LedgerSettings> {
        let r = sqlx::query(
            "SELECT fiscal_year_start_month, approval_threshold, version FROM ledger_settings WHERE company_id = $1",
        )
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        Ok(match r {
            Some(r) => LedgerSettings {
                fiscal_year_start_month: u32::try_from(get_i64(&r, "fiscal_year_start_month")?)
                    .unwrap_or(1),
                approval_threshold: opt_i64(&r, "approval_threshold")?,
                version: get_i64(&r, "version")?,
            },
            None => LedgerSettings::default(),
        })
    }

    async fn save_ledger_settings(
        &self,
        company: CompanyId,
        settings: &LedgerSettings,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let month = i64::from(settings.fiscal_year_start_month);
        let changed = if settings.version == 0 {
            sqlx::query(
                "INSERT INTO ledger_settings (company_id, fiscal_year_start_month, approval_threshold, version) \
                 VALUES ($1, $2, $3, 1) ON CONFLICT (company_id) DO NOTHING",
            )
            .bind(company.0)
            .bind(month)
            .bind(settings.approval_threshold)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE ledger_settings SET fiscal_year_start_month = $1, approval_threshold = $2, version = version + 1 \
                 WHERE company_id = $3 AND version = $4",
            )
            .bind(month)
            .bind(settings.approval_threshold)
            .bind(company.0)
            .bind(settings.version)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
        };
        if changed != 1 {
            return Err(Error::conflict(
                "the ledger settings were changed by someone else since you read them; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn commodities(&self, company: CompanyId) -> Result<Vec<Commodity>> {
        sqlx::query(
            "SELECT id, symbol, precision, name FROM ledger_commodities WHERE company_id = $1 ORDER BY symbol",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Commodity {
                id: CommodityId(get_i64(r, "id")?),
                symbol: get_str(r, "symbol")?,
                precision: u8::try_from(get_i64(r, "precision")?).unwrap_or(0),
                name: get_str(r, "name")?,
            })
        })
        .collect()
    }

    async fn insert_commodity(
        &self,
        company: CompanyId,
        symbol: &str,
        precision: u8,
        name: &str,
        mut audit: AuditDraft,
    ) -> Result<CommodityId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO ledger_commodities (company_id, symbol, precision, name) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(company.0)
        .bind(symbol)
        .bind(i64::from(precision))
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::conflict(format!("the commodity {symbol} exists already")),
            other => other,
        })?;
        let id = get_i64(&r, "id")?;
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(CommodityId(id))
    }

    async fn journals(&self, company: CompanyId) -> Result<Vec<Journal>> {
        sqlx::query(
            "SELECT id, code, name, kind FROM ledger_journals WHERE company_id = $1 ORDER BY code",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Journal {
                id: JournalId(get_i64(r, "id")?),
                code: get_str(r, "code")?,
                name: get_str(r, "name")?,
                kind: JournalKind::parse(&get_str(r, "kind")?)
                    .ok_or_else(|| bad_row("journal kind"))?,
            })
        })
        .collect()
    }

    async fn insert_journal(
        &self,
        company: CompanyId,
        code: &str,
        name: &str,
        kind: JournalKind,
        mut audit: AuditDraft,
    ) -> Result<JournalId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO ledger_journals (company_id, code, name, kind) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(company.0)
        .bind(code)
        .bind(name)
        .bind(kind.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::conflict(format!("a journal with code {code} exists already")),
            other => other,
        })?;
        let id = get_i64(&r, "id")?;
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(JournalId(id))
    }

    async fn rates(&self, company: CompanyId) -> Result<Vec<Rate>> {
        sqlx::query(
            "SELECT r.date, c.symbol AS commodity, q.symbol AS quote, r.rate, r.source FROM ledger_rates r \
             JOIN ledger_commodities c ON c.id = r.commodity_id JOIN ledger_commodities q ON q.id = r.quote_id \
             WHERE r.company_id = $1 ORDER BY r.date, c.symbol, q.symbol",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(Rate {
                date: date_of(r, "date")?,
                commodity: get_str(r, "commodity")?,
                quote: get_str(r, "quote")?,
                rate: get_str(r, "rate")?,
                source: get_str(r, "source")?,
            })
        })
        .collect()
    }

    async fn upsert_rates(
        &self,
        company: CompanyId,
        rates: &[NewRate],
        audit: AuditDraft,
    ) -> Result<usize> {
        let mut tx = self.begin().await?;
        let known: HashSet<i64> =
            sqlx::query("SELECT id FROM ledger_commodities WHERE company_id = $1")
                .bind(company.0)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
                .iter()
                .map(|r| get_i64(r, "id"))
                .collect::<Result<_>>()?;
        for r in rates {
            if !known.contains(&r.commodity_id.0) || !known.contains(&r.quote_id.0) {
                return Err(Error::invalid(
                    "commodity",
                    "a rate names a commodity that does not exist",
                ));
            }
            upsert_rate(
                &mut tx,
                company,
                r.commodity_id.0,
                r.quote_id.0,
                r.date,
                &r.rate,
                &r.source,
            )
            .await?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(rates.len())
    }
}

pub(super) async fn upsert_rate(
    tx: &mut Tx,
    company: CompanyId,
    commodity: i64,
    quote: i64,
    date: NaiveDate,
    rate: &str,
    source: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO ledger_rates (company_id, commodity_id, quote_id, date, rate, source) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (company_id, commodity_id, quote_id, date) DO UPDATE SET rate = excluded.rate, source = excluded.source",
    )
    .bind(company.0)
    .bind(commodity)
    .bind(quote)
    .bind(day_key(date))
    .bind(rate)
    .bind(source)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}
