//! IT to the books (see `steward_core::it::books`): categories' accounts, booked assets,
//! depreciation runs and disposals. Each posting is the ledger's own writer
//! (`Store::insert_entries_in`) inside the transaction that records what IT keeps of it, so
//! an entry never exists without its rows or the other way round. Runs and disposals first
//! move the company's books version from the one their caller read (`it_books_state`): of
//! two at once, the second finds it moved and is refused before it writes.
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::ids::{
    AccountId, AssetCategoryId, AssetId, CompanyId, DepartmentId, EntryId, UserId,
};
use steward_core::it::assets::{AssetStatus, Depreciation};
use steward_core::it::books::{
    AssetBookStore, AssetBooks, Bookable, CategoryAccounts, Depreciable, DepreciationRun,
    NewAssetBooks, NewDisposal, NewRun, PostedDepreciation,
};
use steward_core::ledger::{day_from_key, day_key, EntryStatus, NewEntry};
use steward_core::list::{Page, Paging};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{bad, opt_day, Tx};
use crate::sql::{insert_values, rows_per_statement};
use crate::{append_audit, db, get_i64, get_str, opt_i64, Store};

fn day(r: &AnyRow, c: &str) -> Result<chrono::NaiveDate> {
    day_from_key(get_i64(r, c)?).ok_or_else(|| bad(c))
}

const BOOKS_COLUMNS: &str = "b.asset_id, b.booked_on, b.cost, b.currency, b.residual, b.method, \
     b.life_months, b.start_month, b.asset_account_id, b.accumulated_account_id, \
     b.expense_account_id, b.entry_id, b.depreciated, b.depreciated_through, b.disposed_on, \
     b.proceeds, b.disposal_entry_id";

fn books_of(r: &AnyRow) -> Result<AssetBooks> {
    Ok(AssetBooks {
        asset_id: AssetId(get_i64(r, "asset_id")?),
        booked_on: day(r, "booked_on")?,
        cost: get_i64(r, "cost")?,
        currency: get_str(r, "currency")?,
        residual: get_i64(r, "residual")?,
        method: Depreciation::parse(&get_str(r, "method")?).ok_or_else(|| bad("method"))?,
        life_months: get_i64(r, "life_months")?,
        start: day(r, "start_month")?,
        asset_account_id: AccountId(get_i64(r, "asset_account_id")?),
        accumulated_account_id: AccountId(get_i64(r, "accumulated_account_id")?),
        expense_account_id: AccountId(get_i64(r, "expense_account_id")?),
        entry_id: EntryId(get_i64(r, "entry_id")?),
        depreciated: get_i64(r, "depreciated")?,
        depreciated_through: opt_day(r, "depreciated_through")?,
        disposed_on: opt_day(r, "disposed_on")?,
        proceeds: opt_i64(r, "proceeds")?,
        disposal_entry_id: opt_i64(r, "disposal_entry_id")?.map(EntryId),
    })
}

fn run_of(r: &AnyRow) -> Result<DepreciationRun> {
    Ok(DepreciationRun {
        id: get_i64(r, "id")?,
        through: day(r, "through")?,
        entry_id: EntryId(get_i64(r, "entry_id")?),
        assets: get_i64(r, "assets")?,
        amount: get_i64(r, "amount")?,
        currency: get_str(r, "currency")?,
        at: Timestamp(get_i64(r, "at")?),
        actor: get_str(r, "actor")?,
    })
}

/// Moves the company's books version from `version` to the next, in `tx`; a conflict when
/// another run or disposal moved it since it was read.
async fn move_version(tx: &mut Tx, company: CompanyId, version: i64) -> Result<()> {
    let r = sqlx::query(
        "INSERT INTO it_books_state (company_id, version) VALUES ($1, 1) \
         ON CONFLICT (company_id) DO UPDATE SET version = it_books_state.version + 1 \
         WHERE it_books_state.version = $2",
    )
    .bind(company.0)
    .bind(version)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    if r.rows_affected() != 1 {
        return Err(Error::conflict(
            "another depreciation run or disposal was posted meanwhile; run it again",
        ));
    }
    Ok(())
}

/// Posts one entry in `tx` (its audit event is the caller's); its id. A key posted before
/// is a conflict: what the caller records must be new.
async fn post_entry(
    store: &Store,
    tx: &mut Tx,
    company: CompanyId,
    entry: &NewEntry,
    created_by: Option<UserId>,
) -> Result<EntryId> {
    let (out, new, _) = store
        .insert_entries_in(
            tx,
            company,
            std::slice::from_ref(entry),
            EntryStatus::Posted,
            created_by,
        )
        .await?;
    match (out.first(), new.first()) {
        (Some((id, _)), Some(true)) => Ok(*id),
        _ => Err(Error::conflict(
            "this was posted to the books meanwhile; reload and try again",
        )),
    }
}

impl AssetBookStore for Store {
    async fn category_accounts(&self, company: CompanyId) -> Result<Vec<CategoryAccounts>> {
        let rows = sqlx::query(
            "SELECT k.id, k.name, c.asset_account_id, c.accumulated_account_id, \
             c.expense_account_id, c.disposal_account_id \
             FROM it_categories k LEFT JOIN it_category_accounts c ON c.category_id = k.id \
             WHERE k.company_id = $1 ORDER BY lower(k.name), k.id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(CategoryAccounts {
                    category_id: AssetCategoryId(get_i64(r, "id")?),
                    category: get_str(r, "name")?,
                    asset_account_id: opt_i64(r, "asset_account_id")?.map(AccountId),
                    accumulated_account_id: opt_i64(r, "accumulated_account_id")?.map(AccountId),
                    expense_account_id: opt_i64(r, "expense_account_id")?.map(AccountId),
                    disposal_account_id: opt_i64(r, "disposal_account_id")?.map(AccountId),
                })
            })
            .collect()
    }

    async fn set_category_accounts(
        &self,
        company: CompanyId,
        c: &CategoryAccounts,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let found = sqlx::query("SELECT id FROM it_categories WHERE id = $1 AND company_id = $2")
            .bind(c.category_id.0)
            .bind(company.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if found.is_none() {
            return Err(Error::NotFound { entity: "category" });
        }
        sqlx::query(
            "INSERT INTO it_category_accounts (category_id, company_id, asset_account_id, \
             accumulated_account_id, expense_account_id, disposal_account_id) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (category_id) DO UPDATE SET asset_account_id = $3, \
             accumulated_account_id = $4, expense_account_id = $5, disposal_account_id = $6",
        )
        .bind(c.category_id.0)
        .bind(company.0)
        .bind(c.asset_account_id.map(|a| a.0))
        .bind(c.accumulated_account_id.map(|a| a.0))
        .bind(c.expense_account_id.map(|a| a.0))
        .bind(c.disposal_account_id.map(|a| a.0))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn asset_books(&self, company: CompanyId, asset: AssetId) -> Result<Option<AssetBooks>> {
        let sql = format!(
            "SELECT {BOOKS_COLUMNS} FROM it_asset_books b WHERE b.company_id = $1 AND b.asset_id = $2"
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(asset.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(books_of)
            .transpose()
    }

    async fn bookable_assets(
        &self,
        company: CompanyId,
        asset: Option<AssetId>,
        category: Option<AssetCategoryId>,
    ) -> Result<Vec<Bookable>> {
        let mut sql = String::from(
            "SELECT a.id, a.tag, m.category_id, a.status, a.purchase_cost, a.currency, \
             a.purchase_date, m.depreciation, m.life_months \
             FROM it_assets a JOIN it_models m ON m.id = a.model_id \
             WHERE a.company_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM it_asset_books b WHERE b.asset_id = a.id)",
        );
        if asset.is_some() {
            sql.push_str(" AND a.id = $2");
        } else if category.is_some() {
            sql.push_str(" AND m.category_id = $2");
        }
        sql.push_str(" ORDER BY a.tag");
        let mut q = sqlx::query(&sql).bind(company.0);
        if let Some(a) = asset {
            q = q.bind(a.0);
        } else if let Some(c) = category {
            q = q.bind(c.0);
        }
        let rows = q.fetch_all(&self.read).await.map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Bookable {
                    asset_id: AssetId(get_i64(r, "id")?),
                    tag: get_str(r, "tag")?,
                    category_id: AssetCategoryId(get_i64(r, "category_id")?),
                    status: AssetStatus::parse(&get_str(r, "status")?)
                        .ok_or_else(|| bad("status"))?,
                    cost: opt_i64(r, "purchase_cost")?,
                    currency: get_str(r, "currency")?,
                    purchase_date: opt_day(r, "purchase_date")?,
                    method: Depreciation::parse(&get_str(r, "depreciation")?)
                        .ok_or_else(|| bad("depreciation"))?,
                    life_months: get_i64(r, "life_months")?,
                })
            })
            .collect()
    }

    async fn book_assets(
        &self,
        company: CompanyId,
        items: &[NewAssetBooks],
        entry: &NewEntry,
        created_by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<EntryId> {
        let mut tx = self.begin().await?;
        let entry_id = post_entry(self, &mut tx, company, entry, created_by).await?;
        let now = Timestamp::now().0;
        const INTO: &str = "it_asset_books (asset_id, company_id, booked_on, cost, currency, \
             residual, method, life_months, start_month, asset_account_id, accumulated_account_id, \
             expense_account_id, entry_id, depreciated, depreciated_through, created_at)";
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        for chunk in items.chunks(rows_per_statement(16)) {
            let sql = insert_values(self.backend, INTO, row, chunk.len());
            let mut q = sqlx::query(&sql);
            for b in chunk {
                q = q
                    .bind(b.asset_id.0)
                    .bind(company.0)
                    .bind(day_key(b.booked_on))
                    .bind(b.cost)
                    .bind(b.currency.clone())
                    .bind(b.residual)
                    .bind(b.method.as_str())
                    .bind(b.life_months)
                    .bind(day_key(b.start))
                    .bind(b.asset_account_id.0)
                    .bind(b.accumulated_account_id.0)
                    .bind(b.expense_account_id.0)
                    .bind(entry_id.0)
                    .bind(b.depreciated)
                    .bind(b.depreciated_through.map(day_key))
                    .bind(now);
            }
            q.execute(&mut *tx).await.map_err(|e| match db(e) {
                Error::Conflict { .. } => {
                    Error::conflict("an asset was put in the books meanwhile; reload and try again")
                }
                e => e,
            })?;
        }
        if let Some(c) = audit.changes.as_object_mut() {
            c.insert("entry_id".into(), entry_id.0.into());
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(entry_id)
    }

    async fn books_version(&self, company: CompanyId) -> Result<i64> {
        let r = sqlx::query("SELECT version FROM it_books_state WHERE company_id = $1")
            .bind(company.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        r.map(|r| get_i64(&r, "version"))
            .transpose()
            .map(|v| v.unwrap_or(0))
    }

    async fn depreciable_assets(&self, company: CompanyId) -> Result<Vec<Depreciable>> {
        let sql = format!(
            "SELECT {BOOKS_COLUMNS}, a.tag, e.department_id FROM it_asset_books b \
             JOIN it_assets a ON a.id = b.asset_id \
             LEFT JOIN hr_employees e ON e.id = a.holder_id \
             WHERE b.company_id = $1 AND b.disposed_on IS NULL ORDER BY b.asset_id"
        );
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Depreciable {
                    books: books_of(r)?,
                    tag: get_str(r, "tag")?,
                    department_id: opt_i64(r, "department_id")?.map(DepartmentId),
                })
            })
            .collect()
    }

    async fn post_depreciation(
        &self,
        company: CompanyId,
        run: &NewRun,
        entry: &NewEntry,
        created_by: Option<UserId>,
        mut audit: AuditDraft,
        version: i64,
    ) -> Result<DepreciationRun> {
        let mut tx = self.begin().await?;
        move_version(&mut tx, company, version).await?;
        let entry_id = post_entry(self, &mut tx, company, entry, created_by).await?;
        let month = day_key(run.through);
        // One row an asset and month: a second run of the month cannot write it again.
        const INTO: &str = "it_depreciation_lines (asset_id, month, company_id, amount, entry_id)";
        for chunk in run.lines.chunks(rows_per_statement(5)) {
            let sql = insert_values(self.backend, INTO, "(?, ?, ?, ?, ?)", chunk.len());
            let mut q = sqlx::query(&sql);
            for (asset, amount) in chunk {
                q = q
                    .bind(asset.0)
                    .bind(month)
                    .bind(company.0)
                    .bind(*amount)
                    .bind(entry_id.0);
            }
            q.execute(&mut *tx).await.map_err(|e| match db(e) {
                Error::Conflict { .. } => {
                    Error::conflict("this month's depreciation was posted meanwhile; run it again")
                }
                e => e,
            })?;
        }
        // Every asset's amount from the rows just written, in one statement (a join on the
        // run's entry, indexed), not one per asset.
        sqlx::query(
            "UPDATE it_asset_books SET depreciated = it_asset_books.depreciated + l.amount, \
             depreciated_through = l.month FROM it_depreciation_lines AS l \
             WHERE l.entry_id = $1 AND l.asset_id = it_asset_books.asset_id \
             AND it_asset_books.company_id = $2",
        )
        .bind(entry_id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let at = Timestamp::now().0;
        let assets = i64::try_from(run.lines.len()).map_err(Error::internal)?;
        let r = sqlx::query(
            "INSERT INTO it_depreciation_runs (company_id, through, entry_id, assets, amount, currency, at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(company.0)
        .bind(month)
        .bind(entry_id.0)
        .bind(assets)
        .bind(run.amount)
        .bind(&run.currency)
        .bind(at)
        .bind(&run.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        if let Some(c) = audit.changes.as_object_mut() {
            c.insert("entry_id".into(), entry_id.0.into());
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(DepreciationRun {
            id,
            through: run.through,
            entry_id,
            assets,
            amount: run.amount,
            currency: run.currency.clone(),
            at: Timestamp(at),
            actor: run.actor.clone(),
        })
    }

    async fn depreciation_runs(
        &self,
        company: CompanyId,
        paging: Paging,
    ) -> Result<Page<DepreciationRun>> {
        let n = sqlx::query("SELECT COUNT(*) AS n FROM it_depreciation_runs WHERE company_id = $1")
            .bind(company.0)
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        let rows = sqlx::query(
            "SELECT id, through, entry_id, assets, amount, currency, at, actor \
             FROM it_depreciation_runs WHERE company_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        )
        .bind(company.0)
        .bind(i64::from(paging.limit))
        .bind(i64::try_from(paging.offset).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(Page {
            items: rows.iter().map(run_of).collect::<Result<_>>()?,
            total: u64::try_from(get_i64(&n, "n")?).unwrap_or(0),
            limit: paging.limit,
            offset: paging.offset,
        })
    }

    async fn dispose_asset(
        &self,
        company: CompanyId,
        d: &NewDisposal,
        entry: &NewEntry,
        created_by: Option<UserId>,
        mut audit: AuditDraft,
        version: i64,
    ) -> Result<EntryId> {
        let mut tx = self.begin().await?;
        move_version(&mut tx, company, version).await?;
        let entry_id = post_entry(self, &mut tx, company, entry, created_by).await?;
        let r = sqlx::query(
            "UPDATE it_assets SET status = $1, version = version + 1 \
             WHERE id = $2 AND company_id = $3 AND status <> 'deployed'",
        )
        .bind(d.status.as_str())
        .bind(d.asset_id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(Error::conflict(
                "the asset is checked out: check it in before disposing of it",
            ));
        }
        let month = day_key(chrono::Datelike::with_day(&d.date, 1).unwrap_or(d.date));
        let r = sqlx::query(
            "UPDATE it_asset_books SET depreciated = depreciated + $1, \
             depreciated_through = CASE WHEN $2 > 0 THEN $3 ELSE depreciated_through END, \
             disposed_on = $4, proceeds = $5, disposal_entry_id = $6 \
             WHERE asset_id = $7 AND company_id = $8 AND disposed_on IS NULL",
        )
        .bind(d.catch_up)
        .bind(d.catch_up)
        .bind(month)
        .bind(day_key(d.date))
        .bind(d.proceeds)
        .bind(entry_id.0)
        .bind(d.asset_id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(Error::conflict("the asset was disposed of already"));
        }
        if d.catch_up > 0 {
            sqlx::query(
                "INSERT INTO it_depreciation_lines (asset_id, month, company_id, amount, entry_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(d.asset_id.0)
            .bind(month)
            .bind(company.0)
            .bind(d.catch_up)
            .bind(entry_id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        if let Some(c) = audit.changes.as_object_mut() {
            c.insert("entry_id".into(), entry_id.0.into());
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(entry_id)
    }

    async fn posted_depreciation(
        &self,
        company: CompanyId,
        asset: AssetId,
    ) -> Result<Vec<PostedDepreciation>> {
        let rows = sqlx::query(
            "SELECT month, amount, entry_id FROM it_depreciation_lines \
             WHERE company_id = $1 AND asset_id = $2 ORDER BY month",
        )
        .bind(company.0)
        .bind(asset.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(PostedDepreciation {
                    month: day(r, "month")?,
                    amount: get_i64(r, "amount")?,
                    entry_id: EntryId(get_i64(r, "entry_id")?),
                })
            })
            .collect()
    }

    async fn companies_with_booked_assets(&self) -> Result<Vec<(CompanyId, String, String)>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.currency FROM companies c WHERE EXISTS \
             (SELECT 1 FROM it_asset_books b WHERE b.company_id = c.id AND b.disposed_on IS NULL) \
             ORDER BY c.id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok((
                    CompanyId(get_i64(r, "id")?),
                    get_str(r, "name")?,
                    get_str(r, "currency")?,
                ))
            })
            .collect()
    }
}
