//! IT's assets (see `steward_core::it::assets`): categories, models, assets and their
//! events. Every write adds its event and its audit event in one transaction.
//!
//! The list is read without joins until the page is known: an asset row carries its
//! model's category (`category_id`, set by every insert and update and by a model's move to
//! another category) and its `search_text` (tag, serial and name lower-cased by Rust, so both
//! databases match alike); the count reads an index alone, a sorted page walks an index per
//! sort column (`NULLS LAST` both ways, never an `IS NULL` term that defeats the index) and
//! stops after its rows; only the page's rows are joined to model, category and holder.
use sea_query::{
    Cond, Expr, ExprTrait, Func, JoinType, LikeExpr, NullOrdering, Order, Query, SelectStatement,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::HashSet;
use steward_core::audit::AuditDraft;
use steward_core::error::Validator;
use steward_core::hr::day_key;
use steward_core::hr::lifecycle::LentItem;
use steward_core::ids::{
    AssetCategoryId, AssetId, AssetModelId, CompanyId, DepartmentId, EmployeeId, UserId,
};
use steward_core::it::assets::{
    numbered_tag, Asset, AssetEvent, AssetQuery, AssetSort, AssetStatus, AssetStore, Category,
    Checkout, CheckoutTarget, Depreciation, Model, NewAsset, NewModel, OverdueLoan, Reach,
    CHAIN_MAX,
};
use steward_core::it::ASSET;
use steward_core::list::{Page, SortDir};
use steward_core::registry::RecordRef;
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, bad, name_taken, opt_day, stale};
use crate::sql::{col, count_all, like_pattern};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

/// A unique violation of an asset: the tag or the serial, as the index says.
fn asset_taken(e: sqlx::Error) -> Error {
    let serial = e.to_string().contains("serial");
    match db(e) {
        Error::Conflict { .. } if serial => {
            Error::invalid("serial", "another asset has this serial number")
        }
        Error::Conflict { .. } => Error::invalid("tag", "another asset has this tag"),
        e => e,
    }
}

const ASSET_COLUMNS: &[&str] = &[
    "id",
    "tag",
    "serial",
    "name",
    "model_id",
    "status",
    "location",
    "supplier",
    "purchase_date",
    "purchase_cost",
    "currency",
    "warranty_end",
    "notes",
    "holder_id",
    "expected_return",
    "acknowledged_at",
    "version",
    "custom",
    "checkout_location",
    "parent_id",
];

/// What an asset's row reads beside `a`'s columns.
const JOINED: [(&str, &str); 8] = [
    ("m.name", "model"),
    ("m.category_id", "category_id"),
    ("c.name", "category"),
    ("e.preferred_name", "holder_preferred"),
    ("e.legal_name", "holder_legal"),
    ("e.user_id", "holder_user_id"),
    ("e.department_id", "holder_department_id"),
    ("p.tag", "parent_tag"),
];

fn select_one() -> String {
    let cols: Vec<String> = ASSET_COLUMNS
        .iter()
        .map(|c| format!("a.{c}"))
        .chain(JOINED.iter().map(|(e, n)| format!("{e} AS {n}")))
        .collect();
    format!(
        "SELECT {} FROM it_assets a JOIN it_models m ON m.id = a.model_id \
         JOIN it_categories c ON c.id = m.category_id \
         LEFT JOIN hr_employees e ON e.id = a.holder_id \
         LEFT JOIN it_assets p ON p.id = a.parent_id",
        cols.join(", ")
    )
}

fn asset_of(r: &AnyRow) -> Result<Asset> {
    let holder = match (opt_str(r, "holder_preferred")?, opt_str(r, "holder_legal")?) {
        (Some(p), _) if !p.trim().is_empty() => Some(p),
        (_, l) => l,
    };
    Ok(Asset {
        id: AssetId(get_i64(r, "id")?),
        tag: get_str(r, "tag")?,
        serial: opt_str(r, "serial")?.unwrap_or_default(),
        name: get_str(r, "name")?,
        model_id: AssetModelId(get_i64(r, "model_id")?),
        model: get_str(r, "model")?,
        category_id: AssetCategoryId(get_i64(r, "category_id")?),
        category: get_str(r, "category")?,
        status: AssetStatus::parse(&get_str(r, "status")?).ok_or_else(|| bad("status"))?,
        location: get_str(r, "location")?,
        supplier: get_str(r, "supplier")?,
        purchase_date: opt_day(r, "purchase_date")?,
        purchase_cost: opt_i64(r, "purchase_cost")?,
        currency: get_str(r, "currency")?,
        warranty_end: opt_day(r, "warranty_end")?,
        notes: get_str(r, "notes")?,
        holder_id: opt_i64(r, "holder_id")?.map(EmployeeId),
        holder,
        holder_user_id: opt_i64(r, "holder_user_id")?.map(UserId),
        holder_department_id: opt_i64(r, "holder_department_id")?.map(DepartmentId),
        expected_return: opt_day(r, "expected_return")?,
        acknowledged_at: opt_i64(r, "acknowledged_at")?.map(Timestamp),
        version: get_i64(r, "version")?,
        custom: serde_json::from_str(&get_str(r, "custom")?).map_err(|_| bad("custom"))?,
        checkout_location: opt_str(r, "checkout_location")?,
        parent_id: opt_i64(r, "parent_id")?.map(AssetId),
        parent_tag: opt_str(r, "parent_tag")?,
    })
}

fn model_of(r: &AnyRow) -> Result<Model> {
    Ok(Model {
        id: AssetModelId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        maker: get_str(r, "maker")?,
        model_number: get_str(r, "model_number")?,
        category_id: AssetCategoryId(get_i64(r, "category_id")?),
        category: get_str(r, "category")?,
        depreciation: Depreciation::parse(&get_str(r, "depreciation")?)
            .ok_or_else(|| bad("depreciation"))?,
        life_months: get_i64(r, "life_months")?,
        version: get_i64(r, "version")?,
    })
}

fn category_of(r: &AnyRow) -> Result<Category> {
    Ok(Category {
        id: AssetCategoryId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        version: get_i64(r, "version")?,
    })
}

const MODEL_SELECT: &str = "SELECT m.id, m.name, m.maker, m.model_number, m.category_id, \
     c.name AS category, m.depreciation, m.life_months, m.version \
     FROM it_models m JOIN it_categories c ON c.id = m.category_id";

/// The list's conditions on `it_assets a` alone (plus the holder, `e`, when the reader sees
/// only some people's assets): the count reads no other table, the page joins the rest.
fn filtered(company: CompanyId, reach: Reach, q: &AssetQuery, s: &mut SelectStatement) {
    s.from_as(a("it_assets"), a("a"))
        .and_where(col("a", "company_id").eq(company.0));
    let holder = |s: &mut SelectStatement| {
        s.join_as(
            JoinType::InnerJoin,
            a("hr_employees"),
            a("e"),
            col("e", "id").equals((a("a"), a("holder_id"))),
        );
    };
    match reach {
        Reach::All => {}
        Reach::Own(u) => {
            holder(s);
            s.and_where(col("e", "user_id").eq(u.0));
        }
        Reach::Department(d, u) => {
            holder(s);
            s.cond_where(
                Cond::any()
                    .add(col("e", "department_id").eq(d.0))
                    .add(col("e", "user_id").eq(u.0)),
            );
        }
    }
    if let Some(st) = q.status {
        s.and_where(col("a", "status").eq(st.as_str()));
    }
    if let Some(m) = q.model {
        s.and_where(col("a", "model_id").eq(m.0));
    }
    if let Some(c) = q.category {
        s.and_where(col("a", "category_id").eq(c.0));
    }
    if let Some(h) = q.holder {
        s.and_where(col("a", "holder_id").eq(h.0));
    }
    if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = like_pattern(t);
        let like = |e: Expr| e.like(LikeExpr::new(p.clone()).escape('\\'));
        // The model's name: the company's few models, matched first.
        let models = Query::select()
            .column(a("id"))
            .from(a("it_models"))
            .and_where(Expr::col(a("company_id")).eq(company.0))
            .and_where(like(Expr::expr(Func::lower(Expr::col(a("name"))))))
            .to_owned();
        s.cond_where(
            Cond::any()
                .add(like(col("a", "search_text")))
                .add(col("a", "model_id").in_subquery(models)),
        );
    }
}

type Tx = Transaction<'static, Any>;

/// Refuses a tag or serial another asset of the company has (`except`: the asset itself).
async fn check_unique(
    tx: &mut Tx,
    company: CompanyId,
    tag: Option<&str>,
    serial: Option<&str>,
    except: Option<AssetId>,
) -> Result<()> {
    let mut v = Validator::new();
    let except = except.map_or(0, |i| i.0);
    if let Some(t) = tag {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM it_assets WHERE company_id = $1 AND tag = $2 AND id <> $3",
        )
        .bind(company.0)
        .bind(t)
        .bind(except)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        if get_i64(&r, "n")? > 0 {
            v.push("tag", "another asset has this tag");
        }
    }
    if let Some(sn) = serial {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM it_assets WHERE company_id = $1 AND serial = $2 AND id <> $3",
        )
        .bind(company.0)
        .bind(sn)
        .bind(except)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        if get_i64(&r, "n")? > 0 {
            v.push("serial", "another asset has this serial number");
        }
    }
    v.finish()
}

/// The next numbered tag no asset of the company has (`A-000123`).
struct EventRow<'a> {
    asset: i64,
    kind: &'a str,
    employee: Option<EmployeeId>,
    expected_return: Option<chrono::NaiveDate>,
    note: &'a str,
}

async fn insert_event(
    tx: &mut Tx,
    company: CompanyId,
    e: EventRow<'_>,
    audit: &AuditDraft,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO it_asset_events (company_id, asset_id, kind, employee_id, expected_return, note, at, actor_id, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(company.0)
    .bind(e.asset)
    .bind(e.kind)
    .bind(e.employee.map(|x| x.0))
    .bind(e.expected_return.map(day_key))
    .bind(e.note)
    .bind(Timestamp::now().0)
    .bind(audit.actor_id.map(|u| u.0))
    .bind(&audit.actor)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// An event of a check-out or check-in naming its location or the asset it went with.
async fn insert_target_event(
    tx: &mut Tx,
    company: CompanyId,
    e: EventRow<'_>,
    location: Option<&str>,
    target: Option<AssetId>,
    audit: &AuditDraft,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO it_asset_events (company_id, asset_id, kind, employee_id, expected_return, note, at, actor_id, actor, \
         location, target_asset_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(company.0)
    .bind(e.asset)
    .bind(e.kind)
    .bind(e.employee.map(|x| x.0))
    .bind(e.expected_return.map(day_key))
    .bind(e.note)
    .bind(Timestamp::now().0)
    .bind(audit.actor_id.map(|u| u.0))
    .bind(&audit.actor)
    .bind(location)
    .bind(target.map(|t| t.0))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// The asset's custom values (checked by the service).
async fn write_custom(
    tx: &mut Tx,
    company: CompanyId,
    id: i64,
    custom: &serde_json::Map<String, serde_json::Value>,
) -> Result<()> {
    let text = serde_json::to_string(custom).map_err(Error::internal)?;
    sqlx::query("UPDATE it_assets SET custom = $1 WHERE company_id = $2 AND id = $3")
        .bind(text)
        .bind(company.0)
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// Where a checked-out asset is, as the transaction sees it: its location, or the asset
/// it went with.
async fn target_in(
    tx: &mut Tx,
    company: CompanyId,
    id: AssetId,
) -> Result<(Option<String>, Option<i64>)> {
    let r = sqlx::query(
        "SELECT checkout_location, parent_id FROM it_assets WHERE company_id = $1 AND id = $2",
    )
    .bind(company.0)
    .bind(id.0)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    Ok((opt_str(&r, "checkout_location")?, opt_i64(&r, "parent_id")?))
}

/// Refuses checking `id` out to `target` when `target` is `id` or is checked out, through
/// any chain of assets, to `id` (`asset_id`), and a target not the company's.
async fn refuse_cycle(tx: &mut Tx, company: CompanyId, id: AssetId, target: AssetId) -> Result<()> {
    let mut at = Some(target.0);
    for _ in 0..=CHAIN_MAX {
        let Some(c) = at else {
            return Ok(());
        };
        if c == id.0 {
            return Err(Error::invalid(
                "asset_id",
                "that asset is checked out to this one (directly or through others)",
            ));
        }
        let r = sqlx::query("SELECT parent_id FROM it_assets WHERE company_id = $1 AND id = $2")
            .bind(company.0)
            .bind(c)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
        at = match r {
            Some(r) => opt_i64(&r, "parent_id")?,
            None if c == target.0 => {
                return Err(Error::invalid("asset_id", "no such asset"));
            }
            None => None,
        };
    }
    Err(Error::invalid(
        "asset_id",
        "that asset is part of too long a chain of assets checked out to assets",
    ))
}

/// The asset's status and version as the transaction sees them; `NotFound` when none.
async fn state_in(
    tx: &mut Tx,
    company: CompanyId,
    id: AssetId,
) -> Result<(String, i64, Option<i64>)> {
    let r = sqlx::query(
        "SELECT status, version, holder_id FROM it_assets WHERE company_id = $1 AND id = $2",
    )
    .bind(company.0)
    .bind(id.0)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?
    .ok_or(Error::NotFound { entity: "asset" })?;
    Ok((
        get_str(&r, "status")?,
        get_i64(&r, "version")?,
        opt_i64(&r, "holder_id")?,
    ))
}

/// Inserts one asset in `tx` with its `created` event (a taken tag or serial refused on its
/// field; no tag: the next number); its id and tag.
async fn insert_one(
    tx: &mut Tx,
    backend: crate::Backend,
    company: CompanyId,
    n: &NewAsset,
    audit: &AuditDraft,
) -> Result<(i64, String)> {
    check_unique(tx, company, n.tag.as_deref(), n.serial.as_deref(), None).await?;
    let tag = match &n.tag {
        Some(t) => t.clone(),
        None => next_tags(tx, backend, company, 1, &HashSet::new())
            .await?
            .pop()
            .ok_or_else(|| Error::internal("no free asset tag"))?,
    };
    let r = sqlx::query(
        "INSERT INTO it_assets (company_id, tag, serial, name, model_id, status, location, supplier, \
         purchase_date, purchase_cost, currency, warranty_end, notes, created_at, search_text, category_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         (SELECT m.category_id FROM it_models m WHERE m.company_id = $1 AND m.id = $5)) RETURNING id",
    )
    .bind(company.0)
    .bind(&tag)
    .bind(n.serial.as_deref())
    .bind(&n.name)
    .bind(n.model_id.0)
    .bind(n.status.as_str())
    .bind(&n.location)
    .bind(&n.supplier)
    .bind(n.purchase_date.map(day_key))
    .bind(n.purchase_cost)
    .bind(&n.currency)
    .bind(n.warranty_end.map(day_key))
    .bind(&n.notes)
    .bind(Timestamp::now().0)
    .bind(search_text(&tag, n.serial.as_deref(), &n.name))
    .fetch_one(&mut **tx)
    .await
    .map_err(asset_taken)?;
    let id = get_i64(&r, "id")?;
    if !n.custom.is_empty() {
        write_custom(tx, company, id, &n.custom).await?;
    }
    insert_event(
        tx,
        company,
        EventRow {
            asset: id,
            kind: "created",
            employee: None,
            expected_return: None,
            note: "",
        },
        audit,
    )
    .await?;
    Ok((id, tag))
}

/// `n` numbered tags no asset of the company has and `given` (the file's own tags) does not
/// name, from the company's counter in one move (a number taken by hand is skipped).
async fn next_tags(
    tx: &mut Tx,
    backend: crate::Backend,
    company: CompanyId,
    n: usize,
    given: &HashSet<&str>,
) -> Result<Vec<String>> {
    sqlx::query(
        "INSERT INTO it_tag_counters (company_id, last) VALUES ($1, 0) ON CONFLICT (company_id) DO NOTHING",
    )
    .bind(company.0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let want = n - out.len();
        let step = i64::try_from(want).map_err(Error::internal)?;
        let r = sqlx::query(
            "UPDATE it_tag_counters SET last = last + $2 WHERE company_id = $1 RETURNING last",
        )
        .bind(company.0)
        .bind(step)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        let last = get_i64(&r, "last")?;
        let fresh: Vec<String> = (last - step + 1..=last).map(numbered_tag).collect();
        let mut taken = HashSet::new();
        for chunk in fresh.chunks(500) {
            let s = Query::select()
                .expr_as(col("a", "tag"), a("v"))
                .from_as(a("it_assets"), a("a"))
                .and_where(col("a", "company_id").eq(company.0))
                .and_where(col("a", "tag").is_in(chunk.iter().cloned()))
                .to_owned();
            let (sql, values) = crate::sql::build(backend, &s);
            for r in crate::sql::bind_values(sqlx::query(&sql), values)
                .fetch_all(&mut **tx)
                .await
                .map_err(db)?
            {
                taken.insert(get_str(&r, "v")?);
            }
        }
        out.extend(
            fresh
                .into_iter()
                .filter(|t| !taken.contains(t) && !given.contains(t.as_str())),
        );
    }
    Ok(out)
}

/// An import's assets and their "created" events in multi-row statements (the file was
/// checked as a whole; the unique indexes still refuse a tag or serial taken meanwhile).
async fn import_bulk(
    tx: &mut Tx,
    backend: crate::Backend,
    company: CompanyId,
    assets: &[NewAsset],
    audit: &AuditDraft,
) -> Result<()> {
    use crate::sql::{insert_values, reserve_ids, rows_per_statement};
    let given: HashSet<&str> = assets.iter().filter_map(|n| n.tag.as_deref()).collect();
    let mut numbered = next_tags(
        tx,
        backend,
        company,
        assets.iter().filter(|n| n.tag.is_none()).count(),
        &given,
    )
    .await?
    .into_iter();
    let mut tags = Vec::with_capacity(assets.len());
    for n in assets {
        tags.push(match &n.tag {
            Some(t) => t.clone(),
            None => numbered
                .next()
                .ok_or_else(|| Error::internal("asset tags ran out"))?,
        });
    }
    let categories: std::collections::HashMap<i64, i64> =
        sqlx::query("SELECT id, category_id FROM it_models WHERE company_id = $1")
            .bind(company.0)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?
            .iter()
            .map(|r| Ok((get_i64(r, "id")?, get_i64(r, "category_id")?)))
            .collect::<Result<_>>()?;
    let ids = reserve_ids(tx, backend, "it_assets", assets.len()).await?;
    let now = Timestamp::now().0;
    const INTO: &str = "it_assets (id, company_id, tag, serial, name, model_id, status, location, supplier, \
         purchase_date, purchase_cost, currency, warranty_end, notes, created_at, search_text, category_id, custom)";
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    let rows: Vec<(i64, &String, &NewAsset)> = ids
        .iter()
        .zip(&tags)
        .zip(assets)
        .map(|((id, tag), n)| (*id, tag, n))
        .collect();
    for part in rows.chunks(rows_per_statement(18)) {
        let sql = insert_values(backend, INTO, ROW, part.len());
        let mut q = sqlx::query(&sql);
        for (id, tag, n) in part {
            let category = categories
                .get(&n.model_id.0)
                .copied()
                .ok_or_else(|| Error::invalid("model", "no such model"))?;
            q = q
                .bind(*id)
                .bind(company.0)
                .bind(tag.as_str())
                .bind(n.serial.as_deref())
                .bind(&n.name)
                .bind(n.model_id.0)
                .bind(n.status.as_str())
                .bind(&n.location)
                .bind(&n.supplier)
                .bind(n.purchase_date.map(day_key))
                .bind(n.purchase_cost)
                .bind(&n.currency)
                .bind(n.warranty_end.map(day_key))
                .bind(&n.notes)
                .bind(now)
                .bind(search_text(tag, n.serial.as_deref(), &n.name))
                .bind(category)
                .bind(serde_json::to_string(&n.custom).map_err(Error::internal)?);
        }
        q.execute(&mut **tx).await.map_err(asset_taken)?;
    }
    const EVENTS: &str = "it_asset_events (company_id, asset_id, kind, note, at, actor_id, actor)";
    for part in ids.chunks(rows_per_statement(7)) {
        let sql = insert_values(backend, EVENTS, "(?, ?, ?, ?, ?, ?, ?)", part.len());
        let mut q = sqlx::query(&sql);
        for id in part {
            q = q
                .bind(company.0)
                .bind(*id)
                .bind("created")
                .bind("")
                .bind(now)
                .bind(audit.actor_id.map(|u| u.0))
                .bind(&audit.actor);
        }
        q.execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

/// What a search looks in: the tag, serial and name, lower-cased (by Rust, so SQLite, whose
/// `lower` knows only ASCII, and PostgreSQL match alike).
fn search_text(tag: &str, serial: Option<&str>, name: &str) -> String {
    format!("{tag} {} {name}", serial.unwrap_or("")).to_lowercase()
}

impl AssetStore for Store {
    async fn asset_categories(&self, company: CompanyId) -> Result<Vec<Category>> {
        sqlx::query(
            "SELECT id, name, version FROM it_categories WHERE company_id = $1 ORDER BY lower(name), id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(category_of)
        .collect()
    }

    async fn asset_category(
        &self,
        company: CompanyId,
        id: AssetCategoryId,
    ) -> Result<Option<Category>> {
        sqlx::query("SELECT id, name, version FROM it_categories WHERE company_id = $1 AND id = $2")
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(category_of)
            .transpose()
    }

    async fn insert_asset_category(
        &self,
        company: CompanyId,
        name: &str,
        mut audit: AuditDraft,
    ) -> Result<AssetCategoryId> {
        let mut tx = self.begin().await?;
        let id = super::insert_named(&mut tx, "it_categories", "category", company, name).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(AssetCategoryId(id))
    }

    async fn update_asset_category(
        &self,
        company: CompanyId,
        id: AssetCategoryId,
        name: &str,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        super::rename(
            &mut tx,
            "it_categories",
            "category",
            company,
            id.0,
            name,
            version,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn asset_models(&self, company: CompanyId) -> Result<Vec<Model>> {
        let sql = format!("{MODEL_SELECT} WHERE m.company_id = $1 ORDER BY lower(m.name), m.id");
        sqlx::query(&sql)
            .bind(company.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(model_of)
            .collect()
    }

    async fn asset_model(&self, company: CompanyId, id: AssetModelId) -> Result<Option<Model>> {
        let sql = format!("{MODEL_SELECT} WHERE m.company_id = $1 AND m.id = $2");
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(model_of)
            .transpose()
    }

    async fn insert_asset_model(
        &self,
        company: CompanyId,
        m: &NewModel,
        mut audit: AuditDraft,
    ) -> Result<AssetModelId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_models (company_id, category_id, name, maker, model_number, depreciation, life_months, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(company.0)
        .bind(m.category_id.0)
        .bind(&m.name)
        .bind(&m.maker)
        .bind(&m.model_number)
        .bind(m.depreciation.as_str())
        .bind(m.life_months)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(name_taken("model"))?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(AssetModelId(id))
    }

    async fn update_asset_model(
        &self,
        company: CompanyId,
        id: AssetModelId,
        m: &NewModel,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_models SET category_id = $1, name = $2, maker = $3, model_number = $4, \
             depreciation = $5, life_months = $6, version = version + 1 \
             WHERE company_id = $7 AND id = $8 AND version = $9",
        )
        .bind(m.category_id.0)
        .bind(&m.name)
        .bind(&m.maker)
        .bind(&m.model_number)
        .bind(m.depreciation.as_str())
        .bind(m.life_months)
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(name_taken("model"))?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the model was changed by someone else since you read it; reload and try again",
            ));
        }
        // The model's assets list under its category (a no-op unless it moved).
        sqlx::query(
            "UPDATE it_assets SET category_id = $1 \
             WHERE company_id = $2 AND model_id = $3 AND category_id <> $1",
        )
        .bind(m.category_id.0)
        .bind(company.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn list_assets(
        &self,
        company: CompanyId,
        reach: Reach,
        q: &AssetQuery,
    ) -> Result<Page<Asset>> {
        let mut count = Query::select();
        filtered(company, reach, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, reach, q, &mut s);
        if matches!(reach, Reach::All) {
            s.join_as(
                JoinType::LeftJoin,
                a("hr_employees"),
                a("e"),
                col("e", "id").equals((a("a"), a("holder_id"))),
            );
        }
        s.join_as(
            JoinType::InnerJoin,
            a("it_models"),
            a("m"),
            col("m", "id").equals((a("a"), a("model_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            a("it_categories"),
            a("c"),
            col("c", "id").equals((a("m"), a("category_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            a("it_assets"),
            a("p"),
            col("p", "id").equals((a("a"), a("parent_id"))),
        );
        for c in ASSET_COLUMNS {
            s.column((a("a"), a(c)));
        }
        for (e, n) in JOINED {
            s.expr_as(Expr::cust(e), a(n));
        }
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            AssetSort::Tag => s.order_by((a("a"), a("tag")), dir.clone()),
            AssetSort::Name => s.order_by_expr(Func::lower(col("a", "name")).into(), dir.clone()),
            AssetSort::Status => s.order_by((a("a"), a("status")), dir.clone()),
            // Assets without the date last either way, on both databases (their default
            // NULL orders differ); both walk an index for it.
            AssetSort::PurchaseDate => s.order_by_with_nulls(
                (a("a"), a("purchase_date")),
                dir.clone(),
                NullOrdering::Last,
            ),
            AssetSort::WarrantyEnd => {
                s.order_by_with_nulls((a("a"), a("warranty_end")), dir.clone(), NullOrdering::Last)
            }
            AssetSort::Created => s.order_by((a("a"), a("id")), dir.clone()),
        };
        s.order_by((a("a"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(asset_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn asset(&self, company: CompanyId, id: AssetId) -> Result<Option<Asset>> {
        let sql = format!("{} WHERE a.company_id = $1 AND a.id = $2", select_one());
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(asset_of)
            .transpose()
    }

    async fn insert_asset(
        &self,
        company: CompanyId,
        n: &NewAsset,
        mut audit: AuditDraft,
    ) -> Result<AssetId> {
        let mut tx = self.begin().await?;
        let (id, tag) = insert_one(&mut tx, self.backend, company, n, &audit).await?;
        audit.entity_id = Some(id.to_string());
        if let Some(c) = audit.changes.as_object_mut() {
            c.insert("tag".into(), serde_json::Value::String(tag));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(AssetId(id))
    }

    async fn import_assets(
        &self,
        company: CompanyId,
        assets: &[NewAsset],
        audit: AuditDraft,
    ) -> Result<usize> {
        let mut tx = self.begin().await?;
        import_bulk(&mut tx, self.backend, company, assets, &audit).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        // The next import's checks read by tag and serial: plan them on today's numbers.
        if assets.len() >= 1_000 {
            let _ = self.analyze(&["it_assets", "it_asset_events"]).await;
        }
        Ok(assets.len())
    }

    async fn tags_and_serials_taken(
        &self,
        company: CompanyId,
        tags: &[String],
        serials: &[String],
    ) -> Result<(HashSet<String>, HashSet<String>)> {
        let mut out = (HashSet::new(), HashSet::new());
        for (column, values, set) in [("tag", tags, &mut out.0), ("serial", serials, &mut out.1)] {
            for chunk in values.chunks(500) {
                let s = Query::select()
                    .expr_as(col("a", column), a("v"))
                    .from_as(a("it_assets"), a("a"))
                    .and_where(col("a", "company_id").eq(company.0))
                    .and_where(col("a", column).is_in(chunk.iter().cloned()))
                    .to_owned();
                for r in self.fetch_all(&s).await? {
                    set.insert(get_str(&r, "v")?);
                }
            }
        }
        Ok(out)
    }

    async fn update_asset(
        &self,
        company: CompanyId,
        id: AssetId,
        n: &NewAsset,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let tag = n
            .tag
            .clone()
            .ok_or_else(|| Error::invalid("tag", "an asset keeps a tag"))?;
        check_unique(&mut tx, company, Some(&tag), n.serial.as_deref(), Some(id)).await?;
        let r = sqlx::query(
            "UPDATE it_assets SET tag = $1, serial = $2, name = $3, model_id = $4, status = $5, location = $6, \
             supplier = $7, purchase_date = $8, purchase_cost = $9, currency = $10, warranty_end = $11, notes = $12, \
             search_text = $16, \
             category_id = (SELECT m.category_id FROM it_models m WHERE m.company_id = $13 AND m.id = $4), \
             version = version + 1 WHERE company_id = $13 AND id = $14 AND version = $15",
        )
        .bind(&tag)
        .bind(n.serial.as_deref())
        .bind(&n.name)
        .bind(n.model_id.0)
        .bind(n.status.as_str())
        .bind(&n.location)
        .bind(&n.supplier)
        .bind(n.purchase_date.map(day_key))
        .bind(n.purchase_cost)
        .bind(&n.currency)
        .bind(n.warranty_end.map(day_key))
        .bind(&n.notes)
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .bind(search_text(&tag, n.serial.as_deref(), &n.name))
        .execute(&mut *tx)
        .await
        .map_err(asset_taken)?;
        if r.rows_affected() == 0 {
            return Err(stale("asset"));
        }
        write_custom(&mut tx, company, id.0, &n.custom).await?;
        insert_event(
            &mut tx,
            company,
            EventRow {
                asset: id.0,
                kind: "updated",
                employee: None,
                expected_return: None,
                note: "",
            },
            &audit,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn check_out_asset(
        &self,
        company: CompanyId,
        id: AssetId,
        c: &Checkout,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let (status, current, _) = state_in(&mut tx, company, id).await?;
        if status != AssetStatus::Deployable.as_str() {
            return Err(Error::invalid(
                "status",
                "only a deployable asset can be checked out",
            ));
        }
        if current != version {
            return Err(stale("asset"));
        }
        let (employee, location, parent) = match &c.target {
            CheckoutTarget::Employee(e) => (Some(*e), None, None),
            CheckoutTarget::Location(l) => (None, Some(l.as_str()), None),
            CheckoutTarget::Asset(p) => {
                refuse_cycle(&mut tx, company, id, *p).await?;
                (None, None, Some(*p))
            }
        };
        let r = sqlx::query(
            "UPDATE it_assets SET status = $1, holder_id = $2, expected_return = $3, acknowledged_at = NULL, \
             checkout_location = $8, parent_id = $9, version = version + 1 \
             WHERE company_id = $4 AND id = $5 AND version = $6 AND status = $7",
        )
        .bind(AssetStatus::Deployed.as_str())
        .bind(employee.map(|e| e.0))
        .bind(c.expected_return.map(day_key))
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .bind(AssetStatus::Deployable.as_str())
        .bind(location)
        .bind(parent.map(|p| p.0))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(stale("asset"));
        }
        insert_target_event(
            &mut tx,
            company,
            EventRow {
                asset: id.0,
                kind: "checked_out",
                employee,
                expected_return: c.expected_return,
                note: &c.note,
            },
            location,
            parent,
            &audit,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn check_in_asset(
        &self,
        company: CompanyId,
        id: AssetId,
        note: &str,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let (status, current, holder) = state_in(&mut tx, company, id).await?;
        if status != AssetStatus::Deployed.as_str() {
            return Err(Error::invalid("status", "the asset is not checked out"));
        }
        let (location, parent) = target_in(&mut tx, company, id).await?;
        if current != version {
            return Err(stale("asset"));
        }
        let r = sqlx::query(
            "UPDATE it_assets SET status = $1, holder_id = NULL, expected_return = NULL, acknowledged_at = NULL, \
             checkout_location = NULL, parent_id = NULL, version = version + 1 \
             WHERE company_id = $2 AND id = $3 AND version = $4 AND status = $5",
        )
        .bind(AssetStatus::Deployable.as_str())
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .bind(AssetStatus::Deployed.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(stale("asset"));
        }
        // What an offboarding asked back of this asset is back.
        let closed = sqlx::query(
            "UPDATE hr_returns SET returned_at = $1, returned_by = $2 \
             WHERE company_id = $3 AND record = $4 AND returned_at IS NULL",
        )
        .bind(Timestamp::now().0)
        .bind(audit.actor_id.map(|u| u.0))
        .bind(company.0)
        .bind(RecordRef::new(ASSET, id.0).to_string())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let mut audit = audit;
        if let Some(c) = audit.changes.as_object_mut() {
            c.insert("returns_closed".into(), serde_json::json!(closed));
        }
        insert_target_event(
            &mut tx,
            company,
            EventRow {
                asset: id.0,
                kind: "checked_in",
                employee: holder.map(EmployeeId),
                expected_return: None,
                note,
            },
            location.as_deref(),
            parent.map(AssetId),
            &audit,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn acknowledge_asset(
        &self,
        company: CompanyId,
        id: AssetId,
        holder: EmployeeId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let (status, _, held_by) = state_in(&mut tx, company, id).await?;
        if status != AssetStatus::Deployed.as_str() || held_by != Some(holder.0) {
            return Err(Error::invalid(
                "status",
                "the asset is no longer lent to you",
            ));
        }
        let r = sqlx::query(
            "UPDATE it_assets SET acknowledged_at = $1 \
             WHERE company_id = $2 AND id = $3 AND holder_id = $4 AND status = $5 \
             AND acknowledged_at IS NULL",
        )
        .bind(Timestamp::now().0)
        .bind(company.0)
        .bind(id.0)
        .bind(holder.0)
        .bind(AssetStatus::Deployed.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::invalid(
                "acknowledged_at",
                "you confirmed this already",
            ));
        }
        insert_event(
            &mut tx,
            company,
            EventRow {
                asset: id.0,
                kind: "acknowledged",
                employee: Some(holder),
                expected_return: None,
                note: "",
            },
            &audit,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn overdue_loans(&self, today: chrono::NaiveDate) -> Result<Vec<OverdueLoan>> {
        sqlx::query(
            "SELECT a.company_id, a.id, a.tag, a.name, m.name AS model, e.user_id, a.expected_return \
             FROM it_assets a JOIN it_models m ON m.id = a.model_id \
             LEFT JOIN hr_employees e ON e.id = a.holder_id \
             WHERE a.status = $1 AND a.expected_return < $2 ORDER BY a.company_id, a.id",
        )
        .bind(AssetStatus::Deployed.as_str())
        .bind(day_key(today))
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let name = get_str(r, "name")?;
            Ok(OverdueLoan {
                company: CompanyId(get_i64(r, "company_id")?),
                asset: AssetId(get_i64(r, "id")?),
                tag: get_str(r, "tag")?,
                what: if name.trim().is_empty() {
                    get_str(r, "model")?
                } else {
                    name
                },
                holder_user: opt_i64(r, "user_id")?.map(UserId),
                expected_return: opt_day(r, "expected_return")?
                    .ok_or_else(|| bad("expected_return"))?,
            })
        })
        .collect()
    }

    async fn asset_status_counts(&self, company: CompanyId) -> Result<Vec<(AssetStatus, i64)>> {
        sqlx::query(
            "SELECT status, COUNT(*) AS n FROM it_assets WHERE company_id = $1 GROUP BY status",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                AssetStatus::parse(&get_str(r, "status")?).ok_or_else(|| bad("status"))?,
                get_i64(r, "n")?,
            ))
        })
        .collect()
    }

    async fn asset_events(&self, company: CompanyId, id: AssetId) -> Result<Vec<AssetEvent>> {
        let sql =
            format!("{EVENT_SELECT} WHERE v.company_id = $1 AND v.asset_id = $2 ORDER BY v.id");
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(event_of).collect()
    }

    async fn employee_asset_events(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> Result<Vec<AssetEvent>> {
        let sql =
            format!("{EVENT_SELECT} WHERE v.company_id = $1 AND v.employee_id = $2 ORDER BY v.id");
        let rows = sqlx::query(&sql)
            .bind(company.0)
            .bind(employee.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(event_of).collect()
    }

    async fn assets_checked_out_to(
        &self,
        company: CompanyId,
        parent: AssetId,
    ) -> Result<Vec<Asset>> {
        let sql = format!(
            "{} WHERE a.company_id = $1 AND a.parent_id = $2 ORDER BY a.tag",
            select_one()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(parent.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(asset_of)
            .collect()
    }
}

const EVENT_SELECT: &str =
    "SELECT v.id, v.asset_id, a.tag, v.kind, v.employee_id, v.expected_return, \
     v.note, v.at, v.actor, e.preferred_name, e.legal_name, \
     v.location, v.target_asset_id, t.tag AS target_tag \
     FROM it_asset_events v JOIN it_assets a ON a.id = v.asset_id \
     LEFT JOIN hr_employees e ON e.id = v.employee_id \
     LEFT JOIN it_assets t ON t.id = v.target_asset_id";

fn event_of(r: &AnyRow) -> Result<AssetEvent> {
    let employee = match (opt_str(r, "preferred_name")?, opt_str(r, "legal_name")?) {
        (Some(p), _) if !p.trim().is_empty() => Some(p),
        (_, l) => l,
    };
    Ok(AssetEvent {
        id: get_i64(r, "id")?,
        asset_id: AssetId(get_i64(r, "asset_id")?),
        asset_tag: get_str(r, "tag")?,
        kind: get_str(r, "kind")?,
        employee_id: opt_i64(r, "employee_id")?.map(EmployeeId),
        employee,
        expected_return: opt_day(r, "expected_return")?,
        note: get_str(r, "note")?,
        at: Timestamp(get_i64(r, "at")?),
        actor: get_str(r, "actor")?,
        location: opt_str(r, "location")?,
        target_asset_id: opt_i64(r, "target_asset_id")?.map(AssetId),
        target_asset_tag: opt_str(r, "target_tag")?,
    })
}

/// The assets checked out to an employee, as offboarding lists what must come back
/// (`tag — name or model`, source `it`, the asset as its record: checking it in closes the
/// item). Registered in the store's `LENDERS`.
pub(crate) fn lent_to(
    store: &Store,
    company: CompanyId,
    employee: EmployeeId,
) -> crate::BoxFuture<'_, Result<Vec<LentItem>>> {
    Box::pin(async move {
        let rows = sqlx::query(
            "SELECT a.id, a.tag, a.name, m.name AS model FROM it_assets a JOIN it_models m ON m.id = a.model_id \
             WHERE a.company_id = $1 AND a.holder_id = $2 ORDER BY a.tag",
        )
        .bind(company.0)
        .bind(employee.0)
        .fetch_all(&store.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                let name = get_str(r, "name")?;
                let what = if name.trim().is_empty() {
                    get_str(r, "model")?
                } else {
                    name
                };
                Ok(LentItem {
                    item: format!("{} — {what}", get_str(r, "tag")?),
                    source: "it".to_string(),
                    record: Some(RecordRef::new(ASSET, get_i64(r, "id")?)),
                })
            })
            .collect()
    })
}
