//! Users and their memberships and roles in a company.
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use steward_core::audit::AuditDraft;
use steward_core::ids::{CompanyId, RoleId, UserId};
use steward_core::list::{Page, Paging, SortDir};
use steward_core::time::Timestamp;
use steward_core::users::{NewUserRecord, User, UserQuery, UserSort, UserStatus, UserStore};
use steward_core::{Error, Result};

use crate::sql::col;
use crate::sql::like_pattern;
use crate::{append_audit, db, get_i64, get_str, Store};

fn a(s: &str) -> Alias {
    Alias::new(s)
}

/// The filtered set of a company's users, without paging or order.
///
/// `for_count`: a join with memberships (the planner counts through the company's index);
/// otherwise an `EXISTS`, so that a page can walk the sort column's index and stop after
/// `limit` rows instead of sorting the whole company.
fn filtered(company: CompanyId, q: &UserQuery, for_count: bool) -> SelectStatement {
    let mut s = Query::select();
    s.from_as(a("users"), a("u"));
    if for_count {
        s.inner_join(
            a("memberships"),
            Cond::all()
                .add(col("memberships", "user_id").equals((a("u"), a("id"))))
                .add(col("memberships", "company_id").eq(company.0)),
        );
    } else {
        let mut member = Query::select();
        member
            .expr(Expr::val(1))
            .from_as(a("memberships"), a("m"))
            .and_where(col("m", "user_id").equals((a("u"), a("id"))))
            .and_where(col("m", "company_id").eq(company.0));
        s.and_where(Expr::exists(member));
    }
    if let Some(text) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = like_pattern(text);
        let like = |c: &str| {
            Expr::expr(Func::lower(col("u", c)))
                .like(sea_query::LikeExpr::new(p.clone()).escape('\\'))
        };
        s.cond_where(
            Cond::any()
                .add(like("username"))
                .add(like("email"))
                .add(like("display_name")),
        );
    }
    match q.status {
        Some(UserStatus::Active) => {
            s.and_where(col("u", "disabled").eq(0));
        }
        Some(UserStatus::Disabled) => {
            s.and_where(col("u", "disabled").eq(1));
        }
        None => {}
    }
    if let Some(role) = q.role.as_deref().filter(|r| !r.is_empty()) {
        let mut sub = Query::select();
        sub.column((a("ur"), a("user_id")))
            .from_as(a("user_roles"), a("ur"))
            .inner_join(
                a("roles"),
                col("roles", "id").equals((a("ur"), a("role_id"))),
            )
            .and_where(col("ur", "company_id").eq(company.0))
            .and_where(col("roles", "key").eq(role));
        s.and_where(col("u", "id").in_subquery(sub));
    }
    s
}

impl Store {
    async fn roles_for(
        &self,
        company: CompanyId,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<String>>> {
        let mut map: HashMap<i64, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(map);
        }
        let mut s = Query::select();
        s.column((a("ur"), a("user_id")))
            .column((a("r"), a("key")))
            .from_as(a("user_roles"), a("ur"))
            .join_as(
                sea_query::JoinType::InnerJoin,
                a("roles"),
                a("r"),
                col("r", "id").equals((a("ur"), a("role_id"))),
            )
            .and_where(col("ur", "company_id").eq(company.0))
            .and_where(col("ur", "user_id").is_in(ids.iter().copied()))
            .order_by((a("r"), a("key")), Order::Asc);
        for r in self.fetch_all(&s).await? {
            map.entry(get_i64(&r, "user_id")?)
                .or_default()
                .push(get_str(&r, "key")?);
        }
        Ok(map)
    }

    async fn users_where(
        &self,
        company: CompanyId,
        s: &SelectStatement,
        paging: Option<Paging>,
    ) -> Result<Vec<User>> {
        let rows = match paging {
            Some(p) => self.fetch_page(s, p).await?,
            None => self.fetch_all(s).await?,
        };
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| get_i64(r, "id"))
            .collect::<Result<_>>()?;
        let mut roles = self.roles_for(company, &ids).await?;
        rows.iter()
            .map(|r| {
                let id = get_i64(r, "id")?;
                Ok(User {
                    id: UserId(id),
                    username: get_str(r, "username")?,
                    email: get_str(r, "email")?,
                    display_name: get_str(r, "display_name")?,
                    disabled: get_i64(r, "disabled")? != 0,
                    roles: roles.remove(&id).unwrap_or_default(),
                    created_at: Timestamp(get_i64(r, "created_at")?),
                    updated_at: Timestamp(get_i64(r, "updated_at")?),
                    version: get_i64(r, "version")?,
                })
            })
            .collect()
    }

    fn user_columns(s: &mut SelectStatement) {
        for c in [
            "id",
            "username",
            "email",
            "display_name",
            "disabled",
            "created_at",
            "updated_at",
            "version",
        ] {
            s.column((a("u"), a(c)));
        }
    }

    async fn write_roles(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        company: CompanyId,
        user: i64,
        roles: &[RoleId],
    ) -> Result<()> {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND company_id = $2")
            .bind(user)
            .bind(company.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        for r in roles {
            sqlx::query(
                "INSERT INTO user_roles (user_id, company_id, role_id) VALUES ($1, $2, $3)",
            )
            .bind(user)
            .bind(company.0)
            .bind(r.0)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    /// Is the user a member of the company? Writes check this so that no id from another
    /// company can be touched.
    async fn is_member(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        company: CompanyId,
        user: UserId,
    ) -> Result<bool> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM memberships WHERE user_id = $1 AND company_id = $2",
        )
        .bind(user.0)
        .bind(company.0)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        Ok(get_i64(&r, "n")? > 0)
    }
}

impl UserStore for Store {
    async fn set_access_until(
        &self,
        company: CompanyId,
        id: UserId,
        until: Option<Timestamp>,
        audit: AuditDraft,
    ) -> Result<()> {
        self.set_membership_until(id, company, until, audit).await
    }

    async fn grants_of_roles(
        &self,
        _company: CompanyId,
        roles: &[RoleId],
    ) -> Result<Vec<steward_core::auth::Grant>> {
        // The ids come from `role_ids`, which only finds roles the company can see.
        let ids: Vec<i64> = roles.iter().map(|r| r.0).collect();
        Ok(self
            .grants_of(&ids)
            .await?
            .into_values()
            .flatten()
            .collect())
    }

    async fn taken_logins(
        &self,
        usernames: &[String],
        emails: &[String],
    ) -> Result<(HashSet<String>, HashSet<String>)> {
        let (mut taken_u, mut taken_e) = (HashSet::new(), HashSet::new());
        // Chunks keep every statement far below both databases' bind-parameter limits.
        for (column, values, out) in [
            ("username", usernames, &mut taken_u),
            ("email", emails, &mut taken_e),
        ] {
            for chunk in values.chunks(500) {
                let mut q = Query::select();
                q.column(a(column))
                    .from(a("users"))
                    .and_where(Expr::col(a(column)).is_in(chunk.iter().cloned()));
                for r in self.fetch_all(&q).await? {
                    out.insert(get_str(&r, column)?);
                }
            }
        }
        Ok((taken_u, taken_e))
    }

    async fn status_counts(&self, company: CompanyId) -> Result<(u64, u64)> {
        let r = sqlx::query(
            "SELECT COUNT(CASE WHEN u.disabled = 0 THEN 1 END) AS active, \
             COUNT(CASE WHEN u.disabled <> 0 THEN 1 END) AS disabled \
             FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.company_id = $1",
        )
        .bind(company.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        let n = |c: &str| get_i64(&r, c).map(|v| u64::try_from(v).unwrap_or(0));
        Ok((n("active")?, n("disabled")?))
    }

    async fn list_users(&self, company: CompanyId, q: &UserQuery) -> Result<Page<User>> {
        let unfiltered = q.search.as_deref().is_none_or(|t| t.trim().is_empty())
            && q.status.is_none()
            && q.role.as_deref().is_none_or(str::is_empty);
        let count = if unfiltered {
            // Every member is a user: the company's membership index alone answers.
            let mut c = Query::select();
            c.expr_as(Expr::col(a("user_id")).count(), a("n"))
                .from(a("memberships"))
                .and_where(Expr::col(a("company_id")).eq(company.0));
            c
        } else {
            let mut c = filtered(company, q, true);
            c.expr_as(Expr::col((a("u"), a("id"))).count(), a("n"));
            c
        };
        let total = get_i64(&self.fetch_one(&count).await?, "n")?;
        let mut s = filtered(company, q, false);
        Self::user_columns(&mut s);
        let order = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        let sort_col = match q.sort {
            UserSort::Username => "username",
            UserSort::DisplayName => "display_name",
            UserSort::Email => "email",
            UserSort::Status => "disabled",
            UserSort::CreatedAt => "created_at",
        };
        s.order_by((a("u"), a(sort_col)), order.clone())
            .order_by((a("u"), a("id")), order);
        let items = self.users_where(company, &s, Some(q.paging)).await?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn get_user(&self, company: CompanyId, id: UserId) -> Result<Option<User>> {
        let mut s = filtered(company, &UserQuery::default(), false);
        Self::user_columns(&mut s);
        s.and_where(col("u", "id").eq(id.0));
        Ok(self
            .users_where(company, &s, None)
            .await?
            .into_iter()
            .next())
    }

    async fn find_user(&self, company: CompanyId, username: &str) -> Result<Option<User>> {
        let mut s = filtered(company, &UserQuery::default(), false);
        Self::user_columns(&mut s);
        s.and_where(col("u", "username").eq(username.trim().to_lowercase()));
        Ok(self
            .users_where(company, &s, None)
            .await?
            .into_iter()
            .next())
    }

    async fn role_ids(&self, company: CompanyId, keys: &[String]) -> Result<Vec<(String, RoleId)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut s = Query::select();
        s.columns([a("key"), a("id")])
            .from(a("roles"))
            .cond_where(
                Cond::any()
                    .add(Expr::col(a("company_id")).is_null())
                    .add(Expr::col(a("company_id")).eq(company.0)),
            )
            .and_where(Expr::col(a("key")).is_in(keys.iter().cloned()));
        self.fetch_all(&s)
            .await?
            .iter()
            .map(|r| Ok((get_str(r, "key")?, RoleId(get_i64(r, "id")?))))
            .collect()
    }

    async fn insert_users(
        &self,
        company: CompanyId,
        users: &[NewUserRecord],
        audit: Vec<AuditDraft>,
    ) -> Result<Vec<UserId>> {
        let mut tx = self.begin().await?;
        let now = Timestamp::now().0;
        let mut ids = Vec::with_capacity(users.len());
        for u in users {
            let row = sqlx::query("INSERT INTO users (username, email, display_name, password_hash, disabled, created_at, updated_at, version) VALUES ($1, $2, $3, $4, 0, $5, $5, 1) RETURNING id")
                .bind(&u.username)
                .bind(&u.email)
                .bind(&u.display_name)
                .bind(&u.password_hash)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            let id = row.try_get::<i64, _>("id").map_err(db)?;
            sqlx::query(
                "INSERT INTO memberships (user_id, company_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(company.0)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            Self::write_roles(&mut tx, company, id, &u.role_ids).await?;
            ids.push(UserId(id));
        }
        let single = ids.len() == 1;
        for mut ev in audit {
            if single {
                ev.entity_id.get_or_insert_with(|| ids[0].to_string());
            }
            append_audit(&mut tx, ev).await?;
        }
        tx.commit().await.map_err(db)?;
        // A bulk import changes the shape of the data: refresh the planner's statistics now
        // rather than at the next periodic run (best effort; the import itself is committed).
        if ids.len() >= 1000 {
            if let Err(e) = self.optimize().await {
                tracing::warn!(error = %e, "refreshing statistics after an import failed");
            }
        }
        Ok(ids)
    }

    async fn update_user(
        &self,
        company: CompanyId,
        id: UserId,
        email: &str,
        display_name: &str,
        expected_version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        if !Self::is_member(&mut tx, company, id).await? {
            return Err(Error::NotFound { entity: "user" });
        }
        let r = sqlx::query("UPDATE users SET email = $1, display_name = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5")
            .bind(email)
            .bind(display_name)
            .bind(Timestamp::now().0)
            .bind(id.0)
            .bind(expected_version)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(Error::conflict(
                "the user was changed by someone else since you read it; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_user_disabled(
        &self,
        company: CompanyId,
        id: UserId,
        disabled: bool,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        if !Self::is_member(&mut tx, company, id).await? {
            return Err(Error::NotFound { entity: "user" });
        }
        sqlx::query(
            "UPDATE users SET disabled = $1, updated_at = $2, version = version + 1 WHERE id = $3",
        )
        .bind(i64::from(disabled))
        .bind(Timestamp::now().0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_user_roles(
        &self,
        company: CompanyId,
        id: UserId,
        roles: &[RoleId],
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        if !Self::is_member(&mut tx, company, id).await? {
            return Err(Error::NotFound { entity: "user" });
        }
        Self::write_roles(&mut tx, company, id.0, roles).await?;
        sqlx::query("UPDATE users SET updated_at = $1, version = version + 1 WHERE id = $2")
            .bind(Timestamp::now().0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_user_password(&self, id: UserId, hash: &str, audit: AuditDraft) -> Result<()> {
        self.write_password(id, hash, audit).await
    }

    async fn account_grants(
        &self,
        user: UserId,
    ) -> Result<Vec<(CompanyId, Vec<steward_core::auth::Grant>, bool)>> {
        let rows = sqlx::query(
            "SELECT m.company_id, ur.role_id, CASE WHEN m.valid_until IS NULL OR m.valid_until > $2 THEN 1 ELSE 0 END AS current \
             FROM memberships m \
             LEFT JOIN user_roles ur ON ur.user_id = m.user_id AND ur.company_id = m.company_id \
             WHERE m.user_id = $1 ORDER BY m.company_id",
        )
        .bind(user.0)
        .bind(Timestamp::now().0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut roles: Vec<(CompanyId, Vec<i64>, bool)> = Vec::new();
        for r in &rows {
            let company = CompanyId(get_i64(r, "company_id")?);
            let role = crate::opt_i64(r, "role_id")?;
            let current = get_i64(r, "current")? != 0;
            match roles.last_mut() {
                Some((c, ids, _)) if *c == company => ids.extend(role),
                _ => roles.push((company, role.into_iter().collect(), current)),
            }
        }
        let all: Vec<i64> = roles
            .iter()
            .flat_map(|(_, ids, _)| ids.iter().copied())
            .collect();
        let grants = self.grants_of(&all).await?;
        Ok(roles
            .into_iter()
            .map(|(c, ids, current)| {
                let g = ids
                    .iter()
                    .filter_map(|id| grants.get(id))
                    .flatten()
                    .copied()
                    .collect();
                (c, g, current)
            })
            .collect())
    }

    async fn username_or_email_taken(
        &self,
        username: &str,
        email: &str,
    ) -> Result<Option<&'static str>> {
        let r = sqlx::query(
            "SELECT username, email FROM users WHERE username = $1 OR email = $2 LIMIT 1",
        )
        .bind(username)
        .bind(email)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        Ok(match r {
            Some(r) if get_str(&r, "username")? == username => Some("username"),
            Some(_) => Some("email"),
            None => None,
        })
    }
}
