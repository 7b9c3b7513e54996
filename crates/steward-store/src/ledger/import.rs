//! Journal import in one transaction, and the export's walk through posted entries.
use super::books::upsert_rate;
use super::bulk::{insert_imported_entries, insert_postings, postings_of, EntryRow};
use super::*;

impl ImportStore for Store {
    async fn posted_entries_after(
        &self,
        company: CompanyId,
        after: Option<EntryId>,
        limit: u32,
    ) -> Result<Vec<Entry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id \
             WHERE e.company_id = $1 AND e.status = 'posted' AND e.id > $2 ORDER BY e.id LIMIT {}",
            limit.clamp(1, 10_000)
        );
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .bind(after.map_or(0, |a| a.0))
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        self.entries_from_rows(company, &rows).await
    }

    async fn import_entries<S, F>(
        &self,
        company: CompanyId,
        setup: ImportSetup,
        created_by: Option<UserId>,
        make_source: F,
        audit: AuditDraft,
    ) -> Result<ImportSummary>
    where
        S: EntrySource,
        F: FnOnce(ImportIds) -> S + Send,
    {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Sqlite {
            // A bigger page cache for the bulk insert (the index pages stay in memory); put
            // back before the connection returns to the pool.
            // Foreign keys checked at commit: then no statement can fail half-way on one,
            // and SQLite needs no statement journal.
            for pragma in [
                "PRAGMA cache_size = -131072",
                "PRAGMA defer_foreign_keys = ON",
            ] {
                sqlx::query(pragma).execute(&mut *tx).await.map_err(db)?;
            }
        }
        let result = self
            .import_in(&mut tx, company, setup, created_by, make_source, audit)
            .await;
        if self.backend == Backend::Sqlite {
            let _ = sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *tx)
                .await;
        }
        let summary = result?;
        tx.commit().await.map_err(db)?;
        if summary.entries >= 1000 {
            if let Err(e) = self.analyze_ledger().await {
                tracing::warn!(error = %e, "refreshing statistics after an import failed");
            }
        }
        Ok(summary)
    }
}

impl Store {
    /// Refreshes the planner's statistics of the ledger's tables after a bulk import (the
    /// import is committed; best effort). SQLite reads for it without memory-mapping the file:
    /// mapped, the sampled pages of a fresh multi-million-row import counted some 250 MB
    /// towards the process's resident memory (measured).
    async fn analyze_ledger(&self) -> Result<()> {
        self.analyze(&[
            "ledger_accounts",
            "ledger_balances",
            "ledger_entries",
            "ledger_postings",
        ])
        .await
    }

    /// The import inside its transaction (see [`ImportStore::import_entries`]).
    async fn import_in<S, F>(
        &self,
        tx: &mut Tx,
        company: CompanyId,
        setup: ImportSetup,
        created_by: Option<UserId>,
        make_source: F,
        mut audit: AuditDraft,
    ) -> Result<ImportSummary>
    where
        S: EntrySource,
        F: FnOnce(ImportIds) -> S + Send,
    {
        let backend = self.backend;
        lock_company(tx, backend, company, false).await?;
        let now = Timestamp::now().0;
        let mut summary = ImportSummary::default();

        // Commodities.
        let mut commodities: HashMap<String, CommodityId> = HashMap::new();
        for r in sqlx::query("SELECT id, symbol FROM ledger_commodities WHERE company_id = $1")
            .bind(company.0)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?
        {
            commodities.insert(get_str(&r, "symbol")?, CommodityId(get_i64(&r, "id")?));
        }
        for (symbol, precision) in &setup.commodities {
            if commodities.contains_key(symbol) {
                continue;
            }
            let r = sqlx::query(
                "INSERT INTO ledger_commodities (company_id, symbol, precision, name) VALUES ($1, $2, $3, '') RETURNING id",
            )
            .bind(company.0)
            .bind(symbol.as_str())
            .bind(i64::from(*precision))
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?;
            commodities.insert(symbol.clone(), CommodityId(get_i64(&r, "id")?));
            summary.commodities_created += 1;
        }

        // Accounts, with any missing parents (of the same kind).
        let mut accounts: HashMap<String, AccountId> = HashMap::new();
        for r in sqlx::query("SELECT id, name FROM ledger_accounts WHERE company_id = $1")
            .bind(company.0)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?
        {
            accounts.insert(get_str(&r, "name")?, AccountId(get_i64(&r, "id")?));
        }
        for (name, kind) in &setup.accounts {
            let mut parent: Option<i64> = None;
            for n in name.ancestors_and_self() {
                let id = match accounts.get(n.as_str()) {
                    Some(id) => id.0,
                    None => {
                        let id =
                            insert_account_tx(tx, company, &n, None, *kind, None, "", parent, now)
                                .await?;
                        accounts.insert(n.as_str().to_string(), AccountId(id));
                        summary.accounts_created += 1;
                        id
                    }
                };
                parent = Some(id);
            }
        }

        // The journal: the one asked for, else the company's first general journal, else a
        // new one.
        let journal_id = match setup.journal_id {
            Some(j) => {
                let ok =
                    sqlx::query("SELECT id FROM ledger_journals WHERE id = $1 AND company_id = $2")
                        .bind(j.0)
                        .bind(company.0)
                        .fetch_optional(&mut **tx)
                        .await
                        .map_err(db)?;
                if ok.is_none() {
                    return Err(Error::NotFound { entity: "journal" });
                }
                j
            }
            None => {
                let found = sqlx::query(
                    "SELECT id FROM ledger_journals WHERE company_id = $1 AND kind = 'general' ORDER BY id LIMIT 1",
                )
                .bind(company.0)
                .fetch_optional(&mut **tx)
                .await
                .map_err(db)?;
                match found {
                    Some(r) => JournalId(get_i64(&r, "id")?),
                    None => {
                        let r = sqlx::query(
                            "INSERT INTO ledger_journals (company_id, code, name, kind) VALUES ($1, 'GJ', 'General journal', 'general') RETURNING id",
                        )
                        .bind(company.0)
                        .fetch_one(&mut **tx)
                        .await
                        .map_err(db)?;
                        JournalId(get_i64(&r, "id")?)
                    }
                }
            }
        };

        // Rates.
        for (date, commodity, quote, rate) in &setup.rates {
            let (Some(c), Some(q)) = (commodities.get(commodity), commodities.get(quote)) else {
                return Err(Error::invalid(
                    "rates",
                    format!("a rate of {commodity} in {quote} names an unknown commodity"),
                ));
            };
            upsert_rate(tx, company, c.0, q.0, *date, rate, &setup.format).await?;
        }

        let r = sqlx::query(
            "INSERT INTO ledger_imports (company_id, file_name, sha256, format, entries, postings, created_by, created_at) \
             VALUES ($1, $2, $3, $4, 0, 0, $5, $6) RETURNING id",
        )
        .bind(company.0)
        .bind(&setup.file_name)
        .bind(&setup.sha256)
        .bind(&setup.format)
        .bind(created_by.map(|u| u.0))
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        let import_id = get_i64(&r, "id")?;

        let closed = closed_months(tx, company).await?;
        let start = fiscal_start_in(tx, company).await?;
        let id_seq = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let r = sqlx::query("SELECT pg_get_serial_sequence('ledger_entries', 'id') AS s")
                    .fetch_one(&mut **tx)
                    .await
                    .map_err(db)?;
                Some(get_str(&r, "s")?)
            }
        };
        // SQLite: one writer, inside its transaction: ids follow the highest ever given.
        let mut next_id = match backend {
            Backend::Sqlite => {
                let r = sqlx::query(
                    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'ledger_entries'), 0), \
                     COALESCE((SELECT MAX(id) FROM ledger_entries), 0)) AS m",
                )
                .fetch_one(&mut **tx)
                .await
                .map_err(db)?;
                get_i64(&r, "m")? + 1
            }
            Backend::Postgres => 0,
        };

        let mut source = make_source(ImportIds {
            accounts,
            commodities,
            journal_id,
        });
        let mut deltas: HashMap<BalanceKey, Delta> = HashMap::new();
        while let Some(batch) = source.next_batch().await? {
            for chunk in batch.chunks(BULK_ROWS) {
                let ids: Vec<i64> = match &id_seq {
                    None => {
                        let ids = (next_id..next_id + chunk.len() as i64).collect();
                        next_id += chunk.len() as i64;
                        ids
                    }
                    Some(seq) => sqlx::query(
                        "SELECT nextval($1::regclass) AS id FROM generate_series(1, $2)",
                    )
                    .bind(seq.as_str())
                    .bind(chunk.len() as i64)
                    .fetch_all(&mut **tx)
                    .await
                    .map_err(db)?
                    .iter()
                    .map(|r| get_i64(r, "id"))
                    .collect::<Result<_>>()?,
                };
                let mut keys = Vec::with_capacity(chunk.len());
                for e in chunk {
                    let m = month_key(e.date);
                    if closed.contains(&m) {
                        return Err(closed_message(m));
                    }
                    keys.push((e.journal_id.0, i64::from(fiscal_year(e.date, start))));
                }
                let numbers = number_entries(tx, &keys).await?;
                let mut entry_rows = Vec::with_capacity(chunk.len());
                let mut posting_rows = Vec::with_capacity(chunk.len() * 3);
                for (((entry, id), seq), (_, fiscal_year)) in
                    chunk.iter().zip(&ids).zip(&numbers).zip(&keys)
                {
                    entry_rows.push(EntryRow {
                        id: *id,
                        fiscal_year: *fiscal_year,
                        seq: *seq,
                        entry,
                    });
                    posting_rows.extend(postings_of(*id, entry));
                    add_lines(&mut deltas, &entry.lines, entry.date);
                }
                summary.entries += chunk.len() as u64;
                summary.postings += posting_rows.len() as u64;
                insert_imported_entries(
                    tx,
                    backend,
                    company,
                    import_id,
                    created_by,
                    now,
                    &entry_rows,
                )
                .await?;
                insert_postings(tx, backend, company, &posting_rows).await?;
            }
        }
        upsert_balances(tx, backend, company, deltas).await?;
        sqlx::query("UPDATE ledger_imports SET entries = $1, postings = $2 WHERE id = $3")
            .bind(i64::try_from(summary.entries).unwrap_or(i64::MAX))
            .bind(i64::try_from(summary.postings).unwrap_or(i64::MAX))
            .bind(import_id)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        audit.entity_id = Some(import_id.to_string());
        append_audit(tx, audit).await?;
        Ok(summary)
    }
}
