//! The chart of accounts.
use super::*;

impl AccountStore for Store {
    async fn list_accounts(&self, company: CompanyId, q: &AccountQuery) -> Result<Page<Account>> {
        let filter = |s: &mut SelectStatement| {
            s.and_where(col("acc", "company_id").eq(company.0));
            if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let p = like_pattern(t);
                let like = |c: &str| {
                    Expr::expr(Func::lower(col("acc", c)))
                        .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
                };
                s.cond_where(Cond::any().add(like("name")).add(like("code")));
            }
            if let Some(k) = q.kind {
                s.and_where(col("acc", "kind").eq(k.as_str()));
            }
            if let Some(active) = q.active {
                s.and_where(col("acc", "active").eq(i64::from(active)));
            }
            if q.leaf_only {
                s.and_where(col("acc", "has_children").eq(0));
            }
        };
        let mut count = Query::select();
        count
            .from_as(a("ledger_accounts"), a("acc"))
            .expr_as(col("acc", "id").count(), a("n"));
        filter(&mut count);
        let mut s = account_select();
        filter(&mut s);
        let order = order_of(q.dir);
        match q.sort {
            AccountSort::Name => {}
            AccountSort::Code => {
                s.order_by_expr(
                    Func::coalesce([col("acc", "code"), Expr::val("")]).into(),
                    order.clone(),
                );
            }
            AccountSort::Kind => {
                s.order_by((a("acc"), a("kind")), order.clone());
            }
        }
        s.order_by((a("acc"), a("name")), order);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(account_from).collect::<Result<_>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn all_accounts(&self, company: CompanyId) -> Result<Vec<Account>> {
        let mut s = account_select();
        s.and_where(col("acc", "company_id").eq(company.0))
            .order_by((a("acc"), a("name")), Order::Asc);
        self.fetch_all(&s).await?.iter().map(account_from).collect()
    }

    async fn get_account(&self, company: CompanyId, id: AccountId) -> Result<Option<Account>> {
        let mut s = account_select();
        s.and_where(col("acc", "company_id").eq(company.0))
            .and_where(col("acc", "id").eq(id.0));
        self.fetch_all(&s)
            .await?
            .first()
            .map(account_from)
            .transpose()
    }

    async fn accounts_by_keys(&self, company: CompanyId, keys: &[String]) -> Result<Vec<Account>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for chunk in keys.chunks(VALUES_ROWS) {
            let mut s = account_select();
            s.and_where(col("acc", "company_id").eq(company.0))
                .cond_where(
                    Cond::any()
                        .add(col("acc", "name").is_in(chunk.iter().cloned()))
                        .add(col("acc", "code").is_in(chunk.iter().cloned())),
                )
                .order_by((a("acc"), a("name")), Order::Asc);
            for r in self.fetch_all(&s).await? {
                let acc = account_from(&r)?;
                if seen.insert(acc.id) {
                    out.push(acc);
                }
            }
        }
        Ok(out)
    }

    async fn insert_accounts(
        &self,
        company: CompanyId,
        accounts: &[NewAccount],
        mut audit: Vec<AuditDraft>,
    ) -> Result<Vec<AccountId>> {
        let mut tx = self.begin().await?;
        let now = Timestamp::now().0;
        let mut ids = Vec::with_capacity(accounts.len());
        for acc in accounts {
            let parent = match acc.name.parent() {
                Some(p) => Some(
                    account_id_by_name(&mut tx, company, p.as_str())
                        .await?
                        .ok_or_else(|| {
                            Error::invalid("name", format!("the parent account {p} does not exist"))
                        })?,
                ),
                None => None,
            };
            let id = insert_account_tx(
                &mut tx,
                company,
                &acc.name,
                acc.code.as_deref(),
                acc.kind,
                acc.commodity_id,
                &acc.description,
                parent,
                now,
            )
            .await?;
            ids.push(AccountId(id));
        }
        let names: Vec<String> = ids.iter().map(ToString::to_string).collect();
        fill_entity_ids(&mut audit, &names);
        for ev in audit {
            append_audit(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn update_account(
        &self,
        company: CompanyId,
        id: AccountId,
        update: &AccountUpdate,
        expected_version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE ledger_accounts SET code = $1, description = $2, active = $3, commodity_id = $4, version = version + 1 \
             WHERE id = $5 AND company_id = $6 AND version = $7",
        )
        .bind(update.code.as_deref())
        .bind(&update.description)
        .bind(i64::from(update.active))
        .bind(update.commodity_id.map(|c| c.0))
        .bind(id.0)
        .bind(company.0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::conflict("another account has this code"),
            other => other,
        })?;
        if r.rows_affected() != 1 {
            let exists =
                sqlx::query("SELECT id FROM ledger_accounts WHERE id = $1 AND company_id = $2")
                    .bind(id.0)
                    .bind(company.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?;
            return Err(match exists {
                None => Error::NotFound { entity: "account" },
                Some(_) => Error::conflict(
                    "the account was changed by someone else since you read it; reload and try again",
                ),
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
