//! Entries: drafts, pending, posting (numbers, postings, balances), reversals.
use super::bulk::{insert_postings, postings_of, PostingRow};
use super::*;
use crate::sql::{insert_values, reserve_ids, rows_per_statement};

impl EntryStore for Store {
    async fn list_entries(&self, company: CompanyId, q: &EntryQuery) -> Result<Page<EntrySummary>> {
        let filter = |s: &mut SelectStatement| {
            s.from_as(a("ledger_entries"), a("e"))
                .and_where(col("e", "company_id").eq(company.0));
            if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let p = like_pattern(t);
                let like = |c: &str| {
                    Expr::expr(Func::lower(col("e", c)))
                        .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
                };
                s.cond_where(Cond::any().add(like("description")).add(like("reference")));
            }
            if let Some(j) = q.journal {
                s.and_where(col("e", "journal_id").eq(j.0));
            }
            if let Some(st) = q.status {
                s.and_where(col("e", "status").eq(st.as_str()));
            }
            if let Some(f) = q.from {
                s.and_where(col("e", "date").gte(day_key(f)));
            }
            if let Some(t) = q.to {
                s.and_where(col("e", "date").lte(day_key(t)));
            }
            if let Some(acc) = q.account {
                let mut sub = Query::select();
                sub.expr(Expr::val(1))
                    .from_as(a("ledger_postings"), a("p"))
                    .and_where(col("p", "entry_id").equals((a("e"), a("id"))))
                    .and_where(col("p", "account_id").eq(acc.0));
                s.and_where(Expr::exists(sub));
            }
        };
        let mut count = Query::select();
        count.expr_as(count_all(), a("n"));
        filter(&mut count);

        let mut s = Query::select();
        filter(&mut s);
        s.inner_join(
            a("ledger_journals"),
            col("ledger_journals", "id").equals((a("e"), a("journal_id"))),
        );
        for c in [
            "id",
            "fiscal_year",
            "seq",
            "date",
            "status",
            "reference",
            "description",
            "reverses_id",
            "created_at",
        ] {
            s.column((a("e"), a(c)));
        }
        s.expr_as(col("ledger_journals", "code"), a("journal_code"));
        let order = order_of(q.dir);
        match q.sort {
            EntrySort::Date => {
                s.order_by((a("e"), a("date")), order.clone());
            }
            EntrySort::Number => {
                s.order_by((a("ledger_journals"), a("code")), order.clone())
                    .order_by((a("e"), a("fiscal_year")), order.clone())
                    .order_by_expr(
                        Func::coalesce([col("e", "seq"), Expr::val(0)]).into(),
                        order.clone(),
                    );
            }
            EntrySort::Description => {
                s.order_by((a("e"), a("description")), order.clone());
            }
            EntrySort::Status => {
                s.order_by((a("e"), a("status")), order.clone());
            }
        }
        s.order_by((a("e"), a("id")), order);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows
            .iter()
            .map(|r| {
                let journal_code = get_str(r, "journal_code")?;
                Ok(EntrySummary {
                    id: EntryId(get_i64(r, "id")?),
                    number: number_with(r, &journal_code)?,
                    journal_code,
                    date: date_of(r, "date")?,
                    status: status_of(r)?,
                    reference: get_str(r, "reference")?,
                    description: get_str(r, "description")?,
                    reverses: opt_i64(r, "reverses_id")?.map(EntryId),
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn get_entry(&self, company: CompanyId, id: EntryId) -> Result<Option<Entry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries e JOIN ledger_journals j ON j.id = e.journal_id \
             WHERE e.company_id = $1 AND e.id = $2"
        );
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        Ok(self
            .entries_from_rows(company, &rows)
            .await?
            .into_iter()
            .next())
    }

    async fn insert_entries(
        &self,
        company: CompanyId,
        entries: &[NewEntry],
        status: EntryStatus,
        created_by: Option<UserId>,
        audit: Vec<AuditDraft>,
    ) -> Result<Vec<(EntryId, bool)>> {
        // A concurrent insert of the same client key makes ours fail on the unique index
        // (on PostgreSQL that aborts the transaction): start again, and the key is found.
        let keyed = entries.iter().any(|e| e.client_key.is_some());
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .insert_entries_once(company, entries, status, created_by, audit.clone())
                .await
            {
                Err(Error::Conflict { .. }) if keyed && attempt < 4 => continue,
                other => return other,
            }
        }
    }

    async fn update_draft(
        &self,
        company: CompanyId,
        id: EntryId,
        entry: &NewEntry,
        expected_version: i64,
        mut audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let current = sqlx::query(
            "SELECT status, version FROM ledger_entries WHERE id = $1 AND company_id = $2",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { entity: "entry" })?;
        if status_of(&current)? != EntryStatus::Draft
            || get_i64(&current, "version")? != expected_version
        {
            return Err(self.why_not_draft(&mut tx, company, id, "changed").await);
        }
        check_refs(&mut tx, self.backend, company, &[entry]).await?;
        let start = fiscal_start_in(&mut tx, company).await?;
        let r = sqlx::query(
            "UPDATE ledger_entries SET journal_id = $1, fiscal_year = $2, date = $3, reference = $4, description = $5, comment = $6, \
             lines_json = $7, reverses_id = $8, version = version + 1 \
             WHERE id = $9 AND company_id = $10 AND status = 'draft' AND version = $11",
        )
        .bind(entry.journal_id.0)
        .bind(i64::from(fiscal_year(entry.date, start)))
        .bind(day_key(entry.date))
        .bind(&entry.reference)
        .bind(&entry.description)
        .bind(&entry.comment)
        .bind(lines_json(&entry.lines)?)
        .bind(entry.reverses.map(|r| r.0))
        .bind(id.0)
        .bind(company.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(self.why_not_draft(&mut tx, company, id, "changed").await);
        }
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_draft(
        &self,
        company: CompanyId,
        id: EntryId,
        mut audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "DELETE FROM ledger_entries WHERE id = $1 AND company_id = $2 AND status = 'draft'",
        )
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(self.why_not_draft(&mut tx, company, id, "deleted").await);
        }
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_entry_status(
        &self,
        company: CompanyId,
        id: EntryId,
        from: EntryStatus,
        to: EntryStatus,
        approved_by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<()> {
        if from == EntryStatus::Posted {
            return Err(Error::conflict(
                "a posted entry cannot change; reverse it instead",
            ));
        }
        let mut tx = self.begin().await?;
        if to == EntryStatus::Posted {
            lock_company(&mut tx, self.backend, company, false).await?;
        }
        let row = sqlx::query(
            "SELECT status, journal_id, date, lines_json FROM ledger_entries WHERE id = $1 AND company_id = $2",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { entity: "entry" })?;
        if status_of(&row)? != from {
            return Err(Error::conflict(format!(
                "the entry is no longer {}; reload and try again",
                from.as_str()
            )));
        }
        let now = Timestamp::now().0;
        if to == EntryStatus::Posted {
            let date = date_of(&row, "date")?;
            check_open(&mut tx, company, &[date]).await?;
            let lines: Vec<Line> =
                serde_json::from_str(&opt_str(&row, "lines_json")?.unwrap_or_default())
                    .map_err(|_| bad_row("lines"))?;
            let start = fiscal_start_in(&mut tx, company).await?;
            let fy = i64::from(fiscal_year(date, start));
            let journal = get_i64(&row, "journal_id")?;
            let seq = take_numbers(&mut tx, journal, fy, 1).await?;
            // The entry becomes posted last: after that the trigger refuses any change.
            let date_key = day_key(date);
            let rows: Vec<PostingRow> = lines
                .iter()
                .enumerate()
                .map(|(i, line)| PostingRow {
                    entry: id.0,
                    line_no: i as i64 + 1,
                    date: date_key,
                    line,
                })
                .collect();
            insert_postings(&mut tx, self.backend, company, &rows).await?;
            let r = sqlx::query(
                "UPDATE ledger_entries SET status = 'posted', fiscal_year = $1, seq = $2, lines_json = NULL, posted_at = $3, approved_by = $4, version = version + 1 \
                 WHERE id = $5 AND status = $6",
            )
            .bind(fy)
            .bind(seq)
            .bind(now)
            .bind(approved_by.map(|u| u.0))
            .bind(id.0)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if r.rows_affected() != 1 {
                return Err(Error::conflict(
                    "the entry changed meanwhile; reload and try again",
                ));
            }
            let mut deltas = HashMap::new();
            add_lines(&mut deltas, &lines, date);
            upsert_balances(&mut tx, self.backend, company, deltas).await?;
        } else {
            let r = sqlx::query(
                "UPDATE ledger_entries SET status = $1, approved_by = $2, version = version + 1 WHERE id = $3 AND status = $4",
            )
            .bind(to.as_str())
            .bind(approved_by.map(|u| u.0))
            .bind(id.0)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if r.rows_affected() != 1 {
                return Err(Error::conflict(
                    "the entry changed meanwhile; reload and try again",
                ));
            }
        }
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn reversal_of(&self, company: CompanyId, id: EntryId) -> Result<Option<EntryId>> {
        let r = sqlx::query(
            "SELECT id FROM ledger_entries WHERE company_id = $1 AND reverses_id = $2 ORDER BY id LIMIT 1",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        r.map(|r| get_i64(&r, "id").map(EntryId)).transpose()
    }
}

impl Store {
    /// Why a draft-only write touched no row: the entry is absent (for this company) or is
    /// no longer a draft / was changed meanwhile.
    async fn why_not_draft(
        &self,
        tx: &mut Tx,
        company: CompanyId,
        id: EntryId,
        what: &str,
    ) -> Error {
        let found =
            sqlx::query("SELECT status FROM ledger_entries WHERE id = $1 AND company_id = $2")
                .bind(id.0)
                .bind(company.0)
                .fetch_optional(&mut **tx)
                .await;
        match found {
            Ok(None) => Error::NotFound { entity: "entry" },
            Ok(Some(r)) if get_str(&r, "status").is_ok_and(|s| s != "draft") => Error::conflict(
                format!("only a draft can be {what}; this entry is no longer a draft"),
            ),
            Ok(Some(_)) => Error::conflict(
                "the entry was changed by someone else since you read it; reload and try again",
            ),
            Err(e) => db(e),
        }
    }

    async fn insert_entries_once(
        &self,
        company: CompanyId,
        entries: &[NewEntry],
        status: EntryStatus,
        created_by: Option<UserId>,
        mut audit: Vec<AuditDraft>,
    ) -> Result<Vec<(EntryId, bool)>> {
        let mut tx = self.begin().await?;
        let (out, new, new_ids) = self
            .insert_entries_in(&mut tx, company, entries, status, created_by)
            .await?;
        if new_ids.is_empty() {
            // A pure retry: nothing happened, nothing to record.
            return Ok(out);
        }
        if audit.len() == entries.len() {
            // One event per entry: only the new ones happened.
            audit = audit
                .into_iter()
                .zip(&new)
                .filter(|(_, n)| **n)
                .map(|(a, _)| a)
                .collect();
        }
        fill_entity_ids(&mut audit, &new_ids);
        for ev in audit {
            append_audit(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(out)
    }
    /// The writing part of [`EntryStore::insert_entries`], inside the caller's transaction
    /// (billing posts a document's entry in the transaction that numbers the document):
    /// which entries are new (by client key), numbers, entries, postings and balances. The
    /// caller appends the audit events and commits. Returns each entry's id and whether it
    /// is new, which are new, and the new ids as text (for the audit events).
    pub(crate) async fn insert_entries_in(
        &self,
        tx: &mut Tx,
        company: CompanyId,
        entries: &[NewEntry],
        status: EntryStatus,
        created_by: Option<UserId>,
    ) -> Result<(Vec<(EntryId, bool)>, Vec<bool>, Vec<String>)> {
        let posted = status == EntryStatus::Posted;
        if posted {
            lock_company(tx, self.backend, company, false).await?;
        }
        // Keys that exist already.
        let keys: Vec<String> = entries
            .iter()
            .filter_map(|e| e.client_key.clone())
            .collect();
        let mut existing: HashMap<String, i64> = HashMap::new();
        for chunk in keys.chunks(VALUES_ROWS) {
            let mut s = Query::select();
            s.columns([a("id"), a("client_key")])
                .from(a("ledger_entries"))
                .and_where(Expr::col(a("company_id")).eq(company.0))
                .and_where(Expr::col(a("client_key")).is_in(chunk.iter().cloned()));
            let (sql, values) = build(self.backend, &s);
            for r in bind_values(sqlx::query(&sql), values)
                .fetch_all(&mut **tx)
                .await
                .map_err(db)?
            {
                existing.insert(get_str(&r, "client_key")?, get_i64(&r, "id")?);
            }
        }
        // Which entries are new (a key repeated within the call counts once).
        let mut seen_keys = HashSet::new();
        let new: Vec<bool> = entries
            .iter()
            .map(|e| match &e.client_key {
                Some(k) => !existing.contains_key(k) && seen_keys.insert(k.clone()),
                None => true,
            })
            .collect();
        let fresh: Vec<&NewEntry> = entries
            .iter()
            .zip(&new)
            .filter(|(_, n)| **n)
            .map(|(e, _)| e)
            .collect();
        check_refs(tx, self.backend, company, &fresh).await?;
        let start = fiscal_start_in(tx, company).await?;
        let mut numbers = Vec::new();
        if posted {
            let dates: Vec<NaiveDate> = fresh.iter().map(|e| e.date).collect();
            check_open(tx, company, &dates).await?;
            let keys: Vec<(i64, i64)> = fresh
                .iter()
                .map(|e| (e.journal_id.0, i64::from(fiscal_year(e.date, start))))
                .collect();
            numbers = number_entries(tx, &keys).await?;
        }
        let now = Timestamp::now().0;
        let mut out = Vec::with_capacity(entries.len());
        let mut new_ids = Vec::new();
        let mut posted_ids: Vec<(i64, &NewEntry)> = Vec::new();
        let mut deltas = HashMap::new();
        let mut by_key: HashMap<String, i64> = HashMap::new();
        let mut numbers = numbers.into_iter();
        // More than one new entry: ids taken at once and the rows written in multi-row
        // statements after the loop; one: written here, its id returned.
        let bulk = fresh.len() > 1;
        let mut reserved = reserve_ids(
            tx,
            self.backend,
            "ledger_entries",
            if bulk { fresh.len() } else { 0 },
        )
        .await?
        .into_iter();
        let mut rows: Vec<(i64, Option<i64>, &NewEntry)> =
            Vec::with_capacity(if bulk { fresh.len() } else { 0 });
        for (e, is_new) in entries.iter().zip(&new) {
            if !is_new {
                let id = e
                    .client_key
                    .as_ref()
                    .and_then(|k| existing.get(k).or_else(|| by_key.get(k)))
                    .copied()
                    .ok_or_else(|| Error::internal("client key lookup"))?;
                out.push((EntryId(id), false));
                continue;
            }
            let seq = if posted { numbers.next() } else { None };
            if bulk {
                let id = reserved
                    .next()
                    .ok_or_else(|| Error::internal("reserved entry ids"))?;
                rows.push((id, seq, e));
                if let Some(k) = &e.client_key {
                    by_key.insert(k.clone(), id);
                }
                if posted {
                    posted_ids.push((id, e));
                    add_lines(&mut deltas, &e.lines, e.date);
                }
                new_ids.push(id.to_string());
                out.push((EntryId(id), true));
                continue;
            }
            let r = sqlx::query(
                "INSERT INTO ledger_entries (company_id, journal_id, fiscal_year, seq, date, status, reference, description, comment, lines_json, client_key, reverses_id, created_by, created_at, posted_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1) RETURNING id",
            )
            .bind(company.0)
            .bind(e.journal_id.0)
            .bind(i64::from(fiscal_year(e.date, start)))
            .bind(seq)
            .bind(day_key(e.date))
            .bind(status.as_str())
            .bind(&e.reference)
            .bind(&e.description)
            .bind(&e.comment)
            .bind(if posted { None } else { Some(lines_json(&e.lines)?) })
            .bind(e.client_key.as_deref())
            .bind(e.reverses.map(|r| r.0))
            .bind(created_by.map(|u| u.0))
            .bind(now)
            .bind(posted.then_some(now))
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?;
            let id = get_i64(&r, "id")?;
            if let Some(k) = &e.client_key {
                by_key.insert(k.clone(), id);
            }
            if posted {
                posted_ids.push((id, e));
                add_lines(&mut deltas, &e.lines, e.date);
            }
            new_ids.push(id.to_string());
            out.push((EntryId(id), true));
        }
        if bulk {
            self.insert_entry_rows(tx, company, &rows, status, start, created_by, now)
                .await?;
        }
        let rows: Vec<PostingRow> = posted_ids
            .iter()
            .flat_map(|(id, e)| postings_of(*id, e))
            .collect();
        insert_postings(tx, self.backend, company, &rows).await?;
        upsert_balances(tx, self.backend, company, deltas).await?;
        Ok((out, new, new_ids))
    }

    /// New entries with the ids given, in multi-row statements (the columns the one-row
    /// insert above writes, in the same way).
    #[allow(clippy::too_many_arguments)]
    async fn insert_entry_rows(
        &self,
        tx: &mut Tx,
        company: CompanyId,
        rows: &[(i64, Option<i64>, &NewEntry)],
        status: EntryStatus,
        start: u32,
        created_by: Option<UserId>,
        now: i64,
    ) -> Result<()> {
        const INTO: &str = "ledger_entries (id, company_id, journal_id, fiscal_year, seq, date, status, reference, description, comment, lines_json, client_key, reverses_id, created_by, created_at, posted_at, version)";
        let posted = status == EntryStatus::Posted;
        let by = created_by.map_or_else(|| "NULL".to_string(), |u| u.0.to_string());
        let posted_at = if posted {
            now.to_string()
        } else {
            "NULL".to_string()
        };
        // Integers we own are literals; the status is one of ours.
        let row = format!(
            "(?, {}, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, {by}, {now}, {posted_at}, 1)",
            company.0,
            status.as_str()
        );
        for chunk in rows.chunks(rows_per_statement(11)) {
            let sql = insert_values(self.backend, INTO, &row, chunk.len());
            let mut q = sqlx::query(&sql);
            for (id, seq, e) in chunk {
                q = q
                    .bind(*id)
                    .bind(e.journal_id.0)
                    .bind(i64::from(fiscal_year(e.date, start)))
                    .bind(*seq)
                    .bind(day_key(e.date))
                    .bind(e.reference.as_str())
                    .bind(e.description.as_str())
                    .bind(e.comment.as_str())
                    .bind(if posted {
                        None
                    } else {
                        Some(lines_json(&e.lines)?)
                    })
                    .bind(e.client_key.as_deref())
                    .bind(e.reverses.map(|r| r.0));
            }
            q.execute(&mut **tx).await.map_err(db)?;
        }
        Ok(())
    }
}
