//! Roles and their grants. Built-in roles have no company and are synced from core at start.
use sea_query::ExprTrait;
use serde_json::json;
use sqlx::Row;
use std::collections::HashMap;
use steward_core::audit::AuditDraft;
use steward_core::auth::{builtin_roles, Grant};
use steward_core::ids::{CompanyId, RoleId};
use steward_core::roles::{NewRole, Role, RoleStore};
use steward_core::time::Timestamp;
use steward_core::Result;

use crate::{append_audit, db, get_i64, get_str, Store};

/// A stored grant, or `None` for one the code no longer knows (it then grants nothing:
/// deny by default).
fn grant_from(r: &sqlx::any::AnyRow) -> Result<Option<Grant>> {
    Ok(Grant::parse(
        &get_str(r, "domain")?,
        &get_str(r, "action")?,
        &get_str(r, "scope")?,
    )
    .ok())
}

impl Store {
    pub(crate) async fn grants_of(&self, role_ids: &[i64]) -> Result<HashMap<i64, Vec<Grant>>> {
        let mut map: HashMap<i64, Vec<Grant>> = HashMap::new();
        if role_ids.is_empty() {
            return Ok(map);
        }
        let a = sea_query::Alias::new;
        let mut q = sea_query::Query::select();
        q.columns([a("role_id"), a("domain"), a("action"), a("scope")])
            .from(a("role_grants"))
            .and_where(sea_query::Expr::col(a("role_id")).is_in(role_ids.iter().copied()))
            .order_by(a("role_id"), sea_query::Order::Asc)
            .order_by(a("domain"), sea_query::Order::Asc)
            .order_by(a("action"), sea_query::Order::Asc);
        for r in self.fetch_all(&q).await? {
            let id = get_i64(&r, "role_id")?;
            if let Some(g) = grant_from(&r)? {
                map.entry(id).or_default().push(g);
            }
        }
        Ok(map)
    }

    async fn roles_where(&self, company: CompanyId, only: Option<RoleId>) -> Result<Vec<Role>> {
        let rows = sqlx::query(
            "SELECT r.id, r.key, r.name, r.description, r.builtin, \
               (SELECT COUNT(*) FROM user_roles ur WHERE ur.role_id = r.id AND ur.company_id = $1) AS users \
             FROM roles r WHERE (r.company_id IS NULL OR r.company_id = $1) AND ($2 = 0 OR r.id = $2) \
             ORDER BY r.builtin DESC, r.name",
        )
        .bind(company.0)
        .bind(only.map(|r| r.0).unwrap_or(0))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| get_i64(r, "id"))
            .collect::<Result<_>>()?;
        let mut grants = self.grants_of(&ids).await?;
        rows.iter()
            .map(|r| {
                let id = get_i64(r, "id")?;
                Ok(Role {
                    id: RoleId(id),
                    key: get_str(r, "key")?,
                    name: get_str(r, "name")?,
                    description: get_str(r, "description")?,
                    builtin: get_i64(r, "builtin")? != 0,
                    grants: grants.remove(&id).unwrap_or_default(),
                    user_count: get_i64(r, "users")?,
                })
            })
            .collect()
    }

    /// A role's grants, from the cache when the role's `version` is the cached one.
    pub(crate) async fn role_grants_cached(
        &self,
        role: i64,
        version: i64,
    ) -> Result<std::sync::Arc<Vec<Grant>>> {
        if let Ok(cache) = self.grant_cache.read() {
            if let Some((v, g)) = cache.get(&role) {
                if *v == version {
                    return Ok(g.clone());
                }
            }
        }
        let rows = sqlx::query("SELECT domain, action, scope FROM role_grants WHERE role_id = $1")
            .bind(role)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        let mut grants = Vec::with_capacity(rows.len());
        for r in rows {
            // A grant the code no longer knows is skipped: deny by default.
            if let Some(g) = grant_from(&r)? {
                grants.push(g);
            }
        }
        let grants = std::sync::Arc::new(grants);
        if let Ok(mut cache) = self.grant_cache.write() {
            cache.insert(role, (version, grants.clone()));
        }
        Ok(grants)
    }

    async fn write_grants(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        role: i64,
        grants: &[Grant],
    ) -> Result<()> {
        sqlx::query("UPDATE roles SET version = version + 1 WHERE id = $1")
            .bind(role)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM role_grants WHERE role_id = $1")
            .bind(role)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        for g in grants {
            sqlx::query(
                "INSERT INTO role_grants (role_id, domain, action, scope) VALUES ($1, $2, $3, $4)",
            )
            .bind(role)
            .bind(g.domain.as_str())
            .bind(g.action.as_str())
            .bind(g.scope.as_str())
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        }
        Ok(())
    }

    /// Makes the built-in roles in the database equal to those in core; audited when it
    /// changes anything.
    pub async fn sync_builtin_roles(&self) -> Result<()> {
        let existing = self.roles_where(CompanyId(0), None).await?;
        let mut changed = Vec::new();
        let mut tx = self.begin().await?;
        for b in builtin_roles() {
            let mut want = b.grants.clone();
            // A role may list a permission at two scopes (self-service `own` and a wider
            // one); the widest is the one that counts (`Actor::scope_for`) and the table
            // holds one row per permission, so keep only that.
            want.sort_by_key(|g| (g.domain, g.action, std::cmp::Reverse(g.scope)));
            want.dedup_by_key(|g| (g.domain, g.action));
            let found = existing.iter().find(|r| r.builtin && r.key == b.key);
            let id = match found {
                Some(r) => {
                    let mut have = r.grants.clone();
                    have.sort_by_key(|g| (g.domain, g.action));
                    if have == want && r.name == b.name && r.description == b.description {
                        continue;
                    }
                    sqlx::query("UPDATE roles SET name = $1, description = $2 WHERE id = $3")
                        .bind(b.name)
                        .bind(b.description)
                        .bind(r.id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    r.id.0
                }
                None => {
                    let row = sqlx::query("INSERT INTO roles (company_id, key, name, description, builtin, created_at) VALUES (NULL, $1, $2, $3, 1, $4) RETURNING id")
                        .bind(b.key)
                        .bind(b.name)
                        .bind(b.description)
                        .bind(Timestamp::now().0)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(db)?;
                    row.try_get::<i64, _>("id").map_err(db)?
                }
            };
            Self::write_grants(&mut tx, id, &want).await?;
            changed.push(b.key);
        }
        if changed.is_empty() {
            return tx.rollback().await.map_err(db);
        }
        append_audit(
            &mut tx,
            AuditDraft::system(
                "steward",
                None,
                "role",
                None,
                "sync_builtin",
                json!({"roles": changed}),
            ),
        )
        .await?;
        tx.commit().await.map_err(db)
    }
}

impl RoleStore for Store {
    async fn role_options(&self, company: CompanyId) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT key, name FROM roles WHERE company_id IS NULL OR company_id = $1 ORDER BY builtin DESC, name")
            .bind(company.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| Ok((get_str(r, "key")?, get_str(r, "name")?)))
            .collect()
    }

    async fn list_roles(&self, company: CompanyId) -> Result<Vec<Role>> {
        self.roles_where(company, None).await
    }

    async fn get_role(&self, company: CompanyId, id: RoleId) -> Result<Option<Role>> {
        Ok(self
            .roles_where(company, Some(id))
            .await?
            .into_iter()
            .next())
    }

    async fn insert_role(
        &self,
        company: CompanyId,
        role: &NewRole,
        mut audit: AuditDraft,
    ) -> Result<RoleId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("INSERT INTO roles (company_id, key, name, description, builtin, created_at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id")
            .bind(company.0)
            .bind(&role.key)
            .bind(role.name.trim())
            .bind(role.description.trim())
            .bind(Timestamp::now().0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let id = row.try_get::<i64, _>("id").map_err(db)?;
        Self::write_grants(&mut tx, id, &role.grants).await?;
        audit.entity_id.get_or_insert_with(|| id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(RoleId(id))
    }

    async fn update_role(
        &self,
        company: CompanyId,
        id: RoleId,
        name: &str,
        description: &str,
        grants: &[Grant],
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("UPDATE roles SET name = $1, description = $2 WHERE id = $3 AND company_id = $4 AND builtin = 0")
            .bind(name)
            .bind(description)
            .bind(id.0)
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(steward_core::Error::NotFound { entity: "role" });
        }
        Self::write_grants(&mut tx, id.0, grants).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_role(&self, company: CompanyId, id: RoleId, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM role_grants WHERE role_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let r = sqlx::query("DELETE FROM roles WHERE id = $1 AND company_id = $2 AND builtin = 0")
            .bind(id.0)
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() != 1 {
            return Err(steward_core::Error::NotFound { entity: "role" });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
