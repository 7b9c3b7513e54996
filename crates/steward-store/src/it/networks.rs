//! Sites, networks and the addresses given out (see `steward_core::it::networks`). An
//! address is unique per network by the index `UNIQUE (network_id, address)` on its
//! canonical text: two people asking at once cannot both get it. A network is checked
//! against its site's others after taking a write lock on the site's row, so two
//! overlapping networks cannot both go in.
use sea_query::{Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::ids::{AssetId, CompanyId};
use steward_core::it::networks::{
    overlap_refusal, Allocation, Network, NetworkQuery, NetworkSort, NetworkStore, NewAllocation,
    NewNetwork, Site, SiteInput,
};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::a;
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

fn site_of(r: &AnyRow) -> Result<Site> {
    Ok(Site {
        id: get_i64(r, "id")?,
        name: get_str(r, "name")?,
        address: get_str(r, "address")?,
        notes: get_str(r, "notes")?,
        networks: get_i64(r, "networks")?,
        version: get_i64(r, "version")?,
    })
}

const SITE_SELECT: &str = "SELECT s.id, s.name, s.address, s.notes, s.version, \
     (SELECT COUNT(*) FROM it_networks n WHERE n.site_id = s.id) AS networks FROM it_sites s";

const USED: &str = "(SELECT COUNT(*) FROM it_addresses x WHERE x.network_id = n.id)";

const NETWORK_COLUMNS: &[&str] = &[
    "id",
    "site_id",
    "name",
    "cidr",
    "vlan",
    "gateway",
    "dns",
    "description",
    "version",
];

fn network_select() -> String {
    let cols: Vec<String> = NETWORK_COLUMNS.iter().map(|c| format!("n.{c}")).collect();
    format!(
        "SELECT {}, s.name AS site, {USED} AS used FROM it_networks n JOIN it_sites s ON s.id = n.site_id",
        cols.join(", ")
    )
}

fn network_of(r: &AnyRow) -> Result<Network> {
    Ok(Network {
        id: get_i64(r, "id")?,
        site_id: get_i64(r, "site_id")?,
        site: get_str(r, "site")?,
        name: get_str(r, "name")?,
        cidr: get_str(r, "cidr")?,
        vlan: opt_i64(r, "vlan")?,
        gateway: get_str(r, "gateway")?,
        dns: get_str(r, "dns")?,
        description: get_str(r, "description")?,
        used: get_i64(r, "used")?,
        version: get_i64(r, "version")?,
    })
}

const ALLOCATION_SELECT: &str = "SELECT x.id, x.network_id, x.address, x.hostname, x.device, \
     x.asset_id, t.tag AS asset_tag, x.notes, x.allocated_at, x.allocated_by \
     FROM it_addresses x LEFT JOIN it_assets t ON t.id = x.asset_id";

fn allocation_of(r: &AnyRow) -> Result<Allocation> {
    Ok(Allocation {
        id: get_i64(r, "id")?,
        network_id: get_i64(r, "network_id")?,
        address: get_str(r, "address")?,
        hostname: get_str(r, "hostname")?,
        device: get_str(r, "device")?,
        asset_id: opt_i64(r, "asset_id")?.map(AssetId),
        asset_tag: opt_str(r, "asset_tag")?,
        notes: get_str(r, "notes")?,
        allocated_at: Timestamp(get_i64(r, "allocated_at")?),
        allocated_by: get_str(r, "allocated_by")?,
    })
}

fn site_taken(e: sqlx::Error) -> Error {
    match db(e) {
        Error::Conflict { .. } => Error::invalid("name", "another site has this name"),
        e => e,
    }
}

fn filtered(company: CompanyId, q: &NetworkQuery, s: &mut SelectStatement) {
    s.from_as(a("it_networks"), a("n"))
        .join_as(
            JoinType::InnerJoin,
            a("it_sites"),
            a("s"),
            col("s", "id").equals((a("n"), a("site_id"))),
        )
        .and_where(col("n", "company_id").eq(company.0));
    if let Some(site) = q.site {
        s.and_where(col("n", "site_id").eq(site));
    }
    if let Some(v) = q.vlan {
        s.and_where(col("n", "vlan").eq(v));
    }
    if let Some(c) = contains_any(
        q.search.as_deref(),
        &[
            ("n", "name"),
            ("n", "cidr"),
            ("n", "description"),
            ("s", "name"),
        ],
    ) {
        s.cond_where(c);
    }
}

/// Locks the site's row for the transaction (PostgreSQL: a row lock; SQLite: the write
/// lock) and checks that `n` overlaps none of its other networks.
async fn check_overlap(
    tx: &mut Tx,
    company: CompanyId,
    n: &NewNetwork,
    except: Option<i64>,
) -> Result<()> {
    let locked =
        sqlx::query("UPDATE it_sites SET version = version WHERE company_id = $1 AND id = $2")
            .bind(company.0)
            .bind(n.site_id)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    if locked.rows_affected() == 0 {
        return Err(Error::invalid("site_id", "no such site"));
    }
    let rows = sqlx::query(
        "SELECT name, cidr FROM it_networks WHERE company_id = $1 AND site_id = $2 AND id <> $3",
    )
    .bind(company.0)
    .bind(n.site_id)
    .bind(except.unwrap_or(0))
    .fetch_all(&mut **tx)
    .await
    .map_err(db)?;
    let others = rows
        .iter()
        .map(|r| Ok((get_str(r, "name")?, get_str(r, "cidr")?)))
        .collect::<Result<Vec<_>>>()?;
    overlap_refusal(&n.cidr, &others)
}

impl NetworkStore for Store {
    async fn sites(&self, company: CompanyId) -> Result<Vec<Site>> {
        let sql = format!("{SITE_SELECT} WHERE s.company_id = $1 ORDER BY lower(s.name), s.id");
        sqlx::query(&sql)
            .bind(company.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(site_of)
            .collect()
    }

    async fn site(&self, company: CompanyId, id: i64) -> Result<Option<Site>> {
        let sql = format!("{SITE_SELECT} WHERE s.company_id = $1 AND s.id = $2");
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(site_of)
            .transpose()
    }

    async fn insert_site(
        &self,
        company: CompanyId,
        s: &SiteInput,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_sites (company_id, name, address, notes, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(company.0)
        .bind(&s.name)
        .bind(&s.address)
        .bind(&s.notes)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(site_taken)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn update_site(
        &self,
        company: CompanyId,
        id: i64,
        s: &SiteInput,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_sites SET name = $1, address = $2, notes = $3, version = version + 1 \
             WHERE company_id = $4 AND id = $5 AND version = $6",
        )
        .bind(&s.name)
        .bind(&s.address)
        .bind(&s.notes)
        .bind(company.0)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(site_taken)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the site was changed by someone else since you read it; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn list_networks(&self, company: CompanyId, q: &NetworkQuery) -> Result<Page<Network>> {
        let mut count = Query::select();
        filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, q, &mut s);
        for c in NETWORK_COLUMNS {
            s.column((a("n"), a(c)));
        }
        s.expr_as(Expr::cust("s.name"), a("site"));
        s.expr_as(Expr::cust(USED), a("used"));
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            NetworkSort::Name => s.order_by_expr(Func::lower(col("n", "name")).into(), dir.clone()),
            NetworkSort::Site => s.order_by_expr(Func::lower(col("s", "name")).into(), dir.clone()),
            NetworkSort::Cidr => s.order_by((a("n"), a("cidr")), dir.clone()),
            NetworkSort::Vlan => s
                .order_by_expr(Expr::cust("n.vlan IS NULL"), Order::Asc)
                .order_by((a("n"), a("vlan")), dir.clone()),
            NetworkSort::Used => s.order_by_expr(Expr::cust(USED), dir.clone()),
        };
        s.order_by((a("n"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(network_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn network(&self, company: CompanyId, id: i64) -> Result<Option<Network>> {
        let sql = format!("{} WHERE n.company_id = $1 AND n.id = $2", network_select());
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(network_of)
            .transpose()
    }

    async fn insert_network(
        &self,
        company: CompanyId,
        n: &NewNetwork,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        check_overlap(&mut tx, company, n, None).await?;
        let r = sqlx::query(
            "INSERT INTO it_networks (company_id, site_id, name, cidr, vlan, gateway, dns, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(company.0)
        .bind(n.site_id)
        .bind(&n.name)
        .bind(n.cidr.to_string())
        .bind(n.vlan)
        .bind(n.gateway.map(|g| g.to_string()).unwrap_or_default())
        .bind(&n.dns)
        .bind(&n.description)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn update_network(
        &self,
        company: CompanyId,
        id: i64,
        n: &NewNetwork,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        check_overlap(&mut tx, company, n, Some(id)).await?;
        let r = sqlx::query(
            "UPDATE it_networks SET site_id = $1, name = $2, cidr = $3, vlan = $4, gateway = $5, \
             dns = $6, description = $7, version = version + 1 \
             WHERE company_id = $8 AND id = $9 AND version = $10",
        )
        .bind(n.site_id)
        .bind(&n.name)
        .bind(n.cidr.to_string())
        .bind(n.vlan)
        .bind(n.gateway.map(|g| g.to_string()).unwrap_or_default())
        .bind(&n.dns)
        .bind(&n.description)
        .bind(company.0)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the network was changed by someone else since you read it; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn allocations(&self, company: CompanyId, network: i64) -> Result<Vec<Allocation>> {
        let sql = format!(
            "{ALLOCATION_SELECT} WHERE x.company_id = $1 AND x.network_id = $2 ORDER BY x.id"
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(network)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(allocation_of)
            .collect()
    }

    async fn insert_allocation(
        &self,
        company: CompanyId,
        network: i64,
        n: &NewAllocation,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let address = n.address.to_string();
        let r = sqlx::query(
            "INSERT INTO it_addresses (company_id, network_id, address, hostname, device, asset_id, notes, allocated_at, allocated_by) \
             SELECT $1, n.id, $3, $4, $5, $6, $7, $8, $9 FROM it_networks n WHERE n.company_id = $1 AND n.id = $2 \
             RETURNING id",
        )
        .bind(company.0)
        .bind(network)
        .bind(&address)
        .bind(&n.hostname)
        .bind(&n.device)
        .bind(n.asset_id.map(|x| x.0))
        .bind(&n.notes)
        .bind(Timestamp::now().0)
        .bind(&audit.actor)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => {
                Error::invalid("address", format!("{address} is already given out"))
            }
            e => e,
        })?
        .ok_or(Error::NotFound { entity: "network" })?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn delete_allocation(
        &self,
        company: CompanyId,
        network: i64,
        id: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "DELETE FROM it_addresses WHERE company_id = $1 AND network_id = $2 AND id = $3",
        )
        .bind(company.0)
        .bind(network)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound { entity: "address" });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn asset_allocations(
        &self,
        company: CompanyId,
        asset: AssetId,
    ) -> Result<Vec<(Network, Allocation)>> {
        let sql = format!(
            "{ALLOCATION_SELECT} WHERE x.company_id = $1 AND x.asset_id = $2 ORDER BY x.network_id, x.id"
        );
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .bind(asset.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        let mut out = Vec::new();
        for r in &rows {
            let al = allocation_of(r)?;
            if let Some(n) = self.network(company, al.network_id).await? {
                out.push((n, al));
            }
        }
        Ok(out)
    }

    async fn asset_exists(&self, company: CompanyId, asset: AssetId) -> Result<bool> {
        let r =
            sqlx::query("SELECT COUNT(*) AS n FROM it_assets WHERE company_id = $1 AND id = $2")
                .bind(company.0)
                .bind(asset.0)
                .fetch_one(&self.read)
                .await
                .map_err(db)?;
        Ok(get_i64(&r, "n")? > 0)
    }
}
