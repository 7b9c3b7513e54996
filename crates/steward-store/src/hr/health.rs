//! Record health (see `steward_core::hr::health`): one `INSERT … SELECT` per rule over the
//! whole company, in one transaction that replaces the company's problems. Checking one
//! employee runs every rule for their neighbourhood only ([`neighbourhood`]): a change of one
//! record can raise or clear a duplicate, a circle or a manager who left for others, but only
//! for those who share a value with them, report to them, are above them, or already have
//! such a problem. Departments without a head do not depend on employees: full runs only.
use chrono::NaiveDate;
use sqlx::any::AnyRow;
use steward_core::hr::day_key;
use steward_core::hr::health::{
    DepartmentScore, HealthStore, Issue, IssueQuery, IssueSort, Run, SOON_DAYS,
};
use steward_core::ids::{CompanyId, DepartmentId, EmployeeId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::Result;

use crate::{db, get_i64, get_str, opt_i64, opt_str, Backend, Store};

/// The values a rule's SQL is built with. All are integers we computed, written into the
/// SQL as literals; the company is bound as `$1`.
struct Ctx {
    now: i64,
    today: i64,
    soon: i64,
    backend: Backend,
}

const INSERT: &str = "INSERT INTO hr_health_issues \
     (company_id, rule, employee_id, department_id, record_kind, record_id, detail, found_at) ";

/// Not renewed: no later document of the same category that is still valid after `soon`.
fn not_renewed_doc(c: &Ctx) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM hr_documents n WHERE n.company_id = doc.company_id \
         AND n.employee_id = doc.employee_id AND n.category = doc.category AND n.id <> doc.id \
         AND n.deleted_at IS NULL AND (n.expires IS NULL OR n.expires > {soon}) \
         AND n.uploaded_at >= doc.uploaded_at)",
        soon = c.soon
    )
}

fn not_renewed_cert(c: &Ctx) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM hr_certifications n WHERE n.company_id = cert.company_id \
         AND n.employee_id = cert.employee_id AND n.name = cert.name AND n.id <> cert.id \
         AND (n.expires IS NULL OR n.expires > {soon}) AND n.created_at >= cert.created_at)",
        soon = c.soon
    )
}

/// The statement of a rule, restricted to employee `only` (a literal filter) when given.
/// `None` for a rule this store does not know.
fn rule_sql(key: &str, c: &Ctx, only: &str) -> Option<String> {
    let (now, today, soon) = (c.now, c.today, c.soon);
    let simple = |cond: &str| {
        format!(
            "{INSERT} SELECT $1, '{key}', e.id, e.department_id, '', NULL, '', {now} \
             FROM hr_employees e WHERE e.company_id = $1 {only} AND {cond}"
        )
    };
    let dup = |col: &str| {
        format!(
            "{INSERT} SELECT $1, '{key}', e.id, e.department_id, '', NULL, '', {now} \
             FROM hr_employees e WHERE e.company_id = $1 {only} AND e.status <> 'leaver' \
             AND TRIM(e.{col}) <> '' AND LOWER(TRIM(e.{col})) IN ( \
               SELECT LOWER(TRIM(o.{col})) FROM hr_employees o WHERE o.company_id = $1 \
               AND o.status <> 'leaver' AND TRIM(o.{col}) <> '' \
               GROUP BY LOWER(TRIM(o.{col})) HAVING COUNT(*) > 1)"
        )
    };
    let sql = match key {
        "end_before_start" => simple("e.end_date IS NOT NULL AND e.end_date < e.start_date"),
        "fixed_term_without_end" => simple(
            "e.status <> 'leaver' AND e.employment_type = 'fixed_term' AND e.end_date IS NULL",
        ),
        "permanent_without_probation" => simple(
            "e.status <> 'leaver' AND e.employment_type = 'permanent' AND e.probation_end IS NULL",
        ),
        "part_time_full_fte" => simple(
            "e.status <> 'leaver' AND e.employment_type = 'part_time' AND e.fte_milli >= 1000",
        ),
        "no_contract" => simple(
            "e.status = 'active' AND NOT EXISTS (SELECT 1 FROM hr_contracts k \
             WHERE k.company_id = e.company_id AND k.employee_id = e.id)",
        ),
        "required_field_missing" => {
            let value = match c.backend {
                Backend::Sqlite => {
                    "CASE WHEN json_valid(e.custom) THEN json_extract(e.custom, '$.\"' || f.key || '\"') END"
                }
                Backend::Postgres => "(e.custom::jsonb ->> f.key)",
            };
            format!(
                "{INSERT} SELECT $1, '{key}', e.id, e.department_id, '', f.id, f.label, {now} \
                 FROM hr_employees e JOIN hr_custom_fields f ON f.company_id = e.company_id \
                 AND f.required = 1 AND f.active = 1 AND (TRIM(f.required_for) = '' OR \
                 (',' || REPLACE(f.required_for, ' ', '') || ',') LIKE ('%,' || e.employment_type || ',%')) \
                 WHERE e.company_id = $1 {only} AND e.status <> 'leaver' \
                 AND COALESCE(CAST({value} AS TEXT), '') = ''"
            )
        }
        "document_expired" | "document_expiring" => {
            let when = if key == "document_expired" {
                format!("doc.expires < {today}")
            } else {
                format!("doc.expires >= {today} AND doc.expires <= {soon}")
            };
            format!(
                "{INSERT} SELECT $1, '{key}', e.id, e.department_id, 'hr.document', doc.id, doc.title, {now} \
                 FROM hr_documents doc JOIN hr_employees e ON e.id = doc.employee_id \
                 WHERE doc.company_id = $1 AND e.company_id = $1 {only} AND e.status <> 'leaver' \
                 AND doc.deleted_at IS NULL AND doc.expires IS NOT NULL AND {when} AND {}",
                not_renewed_doc(c)
            )
        }
        "certification_expired" | "certification_expiring" => {
            let when = if key == "certification_expired" {
                format!("cert.expires < {today}")
            } else {
                format!("cert.expires >= {today} AND cert.expires <= {soon}")
            };
            format!(
                "{INSERT} SELECT $1, '{key}', e.id, e.department_id, 'hr.certification', cert.id, cert.name, {now} \
                 FROM hr_certifications cert JOIN hr_employees e ON e.id = cert.employee_id \
                 WHERE cert.company_id = $1 AND e.company_id = $1 {only} AND e.status <> 'leaver' \
                 AND cert.expires IS NOT NULL AND {when} AND {}",
                not_renewed_cert(c)
            )
        }
        // The manager is named as the directory does (preferred name, else legal name): a
        // legal name is personal data, and record health is read by HR staff and auditors.
        "manager_left" => format!(
            "{INSERT} SELECT $1, '{key}', e.id, e.department_id, '', m.id, \
             CASE WHEN TRIM(m.preferred_name) <> '' THEN m.preferred_name ELSE m.legal_name END, {now} \
             FROM hr_employees e JOIN hr_employees m ON m.id = e.manager_id \
             WHERE e.company_id = $1 {only} AND e.status <> 'leaver' \
             AND (m.status = 'leaver' OR (m.end_date IS NOT NULL AND m.end_date < {today}))"
        ),
        // Walk up from everyone with a manager; whoever the walk comes back to is on a
        // circle. The depth bound ends walks that run into a circle they are not on.
        "reporting_cycle" => format!(
            // The walks start from the checked employees only (`only` names `e.id`).
            "{INSERT} SELECT $1, '{key}', e.id, e.department_id, '', NULL, '', {now} \
             FROM hr_employees e WHERE e.company_id = $1 {only} AND e.id IN ( \
               WITH RECURSIVE up(start_id, cur, depth) AS ( \
                 SELECT id, manager_id, 1 FROM hr_employees \
                 WHERE company_id = $1 AND manager_id IS NOT NULL {start} \
                 UNION ALL \
                 SELECT up.start_id, m.manager_id, up.depth + 1 FROM up \
                 JOIN hr_employees m ON m.id = up.cur \
                 WHERE m.manager_id IS NOT NULL AND up.cur <> up.start_id AND up.depth < 64 \
               ) SELECT start_id FROM up WHERE cur = start_id)",
            start = only.replace("e.id", "id")
        ),
        "duplicate_work_email" => dup("work_email"),
        "duplicate_national_id" => dup("national_id"),
        "department_without_head" => format!(
            "{INSERT} SELECT $1, '{key}', NULL, d.id, 'department', d.id, d.name, {now} \
             FROM departments d WHERE d.company_id = $1 AND d.head_user_id IS NULL"
        ),
        _ => return None,
    };
    Some(sql)
}

/// Employee rules whose outcome for others can change when one record changes.
const SPREADING: &str =
    "'reporting_cycle', 'duplicate_work_email', 'duplicate_national_id', 'manager_left'";

/// The employees whose problems a change to `e` can raise or clear: `e`, their direct
/// reports (manager left), those above them (a circle through `e` runs through them), those
/// with the same work e-mail or national id (duplicates), and whoever has such a problem now
/// (an old duplicate, circle or manager that the change ended).
async fn neighbourhood(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    company: CompanyId,
    e: EmployeeId,
) -> Result<Vec<i64>> {
    let same = |col: &str| {
        format!(
            "SELECT o.id FROM hr_employees o JOIN hr_employees me ON me.id = $2 \
             AND me.company_id = $1 AND TRIM(me.{col}) <> '' \
             WHERE o.company_id = $1 AND LOWER(TRIM(o.{col})) = LOWER(TRIM(me.{col}))"
        )
    };
    let sql = format!(
        "WITH RECURSIVE up(id, depth) AS ( \
           SELECT manager_id, 1 FROM hr_employees \
           WHERE company_id = $1 AND id = $2 AND manager_id IS NOT NULL \
           UNION ALL \
           SELECT m.manager_id, up.depth + 1 FROM up JOIN hr_employees m ON m.id = up.id \
           WHERE m.company_id = $1 AND m.manager_id IS NOT NULL AND m.id <> $2 AND up.depth < 64 \
         ) \
         SELECT id FROM hr_employees WHERE company_id = $1 AND (id = $2 OR manager_id = $2) \
         UNION SELECT id FROM up \
         UNION SELECT employee_id FROM hr_health_issues WHERE company_id = $1 \
           AND employee_id IS NOT NULL AND rule IN ({SPREADING}) \
         UNION {} UNION {}",
        same("work_email"),
        same("national_id")
    );
    let rows = sqlx::query(&sql)
        .bind(company.0)
        .bind(e.0)
        .fetch_all(&mut **tx)
        .await
        .map_err(db)?;
    let mut ids = vec![e.0];
    for r in &rows {
        if let Some(id) = opt_i64(r, "id")? {
            ids.push(id);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn counts_of(json: &str) -> Vec<(String, i64)> {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json)
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| (k, v.as_i64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

fn run_of(r: &AnyRow) -> Result<Run> {
    Ok(Run {
        id: get_i64(r, "id")?,
        started_at: Timestamp(get_i64(r, "started_at")?),
        finished_at: Timestamp(get_i64(r, "finished_at")?),
        employees: get_i64(r, "employees")?,
        affected: get_i64(r, "affected")?,
        issues: get_i64(r, "issues")?,
        counts: counts_of(&get_str(r, "counts")?),
    })
}

fn issue_of(r: &AnyRow) -> Result<Issue> {
    let preferred = opt_str(r, "preferred_name")?.unwrap_or_default();
    let name = if preferred.trim().is_empty() {
        opt_str(r, "legal_name")?
    } else {
        Some(preferred)
    };
    Ok(Issue {
        id: get_i64(r, "id")?,
        rule: get_str(r, "rule")?,
        employee_id: opt_i64(r, "employee_id")?.map(EmployeeId),
        employee_name: name,
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        department_name: opt_str(r, "department_name")?,
        record_kind: get_str(r, "record_kind")?,
        record_id: opt_i64(r, "record_id")?,
        detail: get_str(r, "detail")?,
        found_at: Timestamp(get_i64(r, "found_at")?),
    })
}

impl HealthStore for Store {
    async fn run_health(
        &self,
        company: CompanyId,
        today: NaiveDate,
        only: Option<EmployeeId>,
    ) -> Result<Run> {
        let started = Timestamp::now();
        let c = Ctx {
            now: started.0,
            today: day_key(today),
            soon: day_key(today + chrono::Duration::days(SOON_DAYS)),
            backend: self.backend,
        };
        let rules = steward_core::hr::health::RULES;
        let mut tx = self.begin().await?;
        // The problems this run replaces, and the filter its rules run with: everyone's,
        // or those of the checked employee's neighbourhood (literal ids we loaded).
        let (delete, filter) = match only {
            None => (
                "DELETE FROM hr_health_issues WHERE company_id = $1".to_string(),
                String::new(),
            ),
            Some(e) => {
                let ids = neighbourhood(&mut tx, company, e)
                    .await?
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    format!(
                        "DELETE FROM hr_health_issues WHERE company_id = $1 \
                         AND employee_id IN ({ids})"
                    ),
                    format!("AND e.id IN ({ids})"),
                )
            }
        };
        sqlx::query(&delete)
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for r in rules {
            if only.is_some() && !r.per_employee {
                continue;
            }
            let Some(sql) = rule_sql(r.key, &c, &filter) else {
                continue;
            };
            sqlx::query(&sql)
                .bind(company.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let rows = sqlx::query(
            "SELECT rule, COUNT(*) AS n FROM hr_health_issues WHERE company_id = $1 GROUP BY rule",
        )
        .bind(company.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let counts = rows
            .iter()
            .map(|r| Ok((get_str(r, "rule")?, get_i64(r, "n")?)))
            .collect::<Result<Vec<_>>>()?;
        let issues: i64 = counts.iter().map(|(_, n)| n).sum();
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM hr_employees WHERE company_id = $1 AND status <> 'leaver') AS employees, \
             (SELECT COUNT(DISTINCT employee_id) FROM hr_health_issues WHERE company_id = $1 \
              AND employee_id IS NOT NULL) AS affected",
        )
        .bind(company.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let employees = get_i64(&row, "employees")?;
        let affected = get_i64(&row, "affected")?;
        let finished = Timestamp::now();
        let mut id = 0;
        if only.is_none() {
            let json = serde_json::Value::Object(
                counts
                    .iter()
                    .map(|(k, n)| (k.clone(), serde_json::Value::from(*n)))
                    .collect(),
            )
            .to_string();
            let row = sqlx::query(
                "INSERT INTO hr_health_runs (company_id, started_at, finished_at, employees, affected, issues, counts) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(company.0)
            .bind(started.0)
            .bind(finished.0)
            .bind(employees)
            .bind(affected)
            .bind(issues)
            .bind(json)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            id = get_i64(&row, "id")?;
        }
        tx.commit().await.map_err(db)?;
        Ok(Run {
            id,
            started_at: started,
            finished_at: finished,
            employees,
            affected,
            issues,
            counts,
        })
    }

    async fn health_companies(&self) -> Result<Vec<CompanyId>> {
        let rows = sqlx::query(
            "SELECT c.id FROM companies c WHERE EXISTS \
             (SELECT 1 FROM hr_employees e WHERE e.company_id = c.id) ORDER BY c.id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok(CompanyId(get_i64(r, "id")?)))
            .collect()
    }

    async fn health_issues(&self, company: CompanyId, q: &IssueQuery) -> Result<Page<Issue>> {
        let mut cond = String::from("i.company_id = $1");
        let mut texts: Vec<String> = Vec::new();
        let mut ints: Vec<i64> = Vec::new();
        // Text parameters first ($2, $3), then integers: numbered in the order bound.
        if let Some(r) = &q.rule {
            texts.push(r.clone());
            cond.push_str(&format!(" AND i.rule = ${}", 1 + texts.len()));
        }
        if let Some(s) = &q.search {
            texts.push(crate::sql::like_pattern(s));
            cond.push_str(&format!(
                " AND (e.search LIKE ${n} ESCAPE '\\' OR LOWER(d.name) LIKE ${n} ESCAPE '\\')",
                n = 1 + texts.len()
            ));
        }
        if let Some(e) = q.employee {
            ints.push(e.0);
            cond.push_str(&format!(
                " AND i.employee_id = ${}",
                1 + texts.len() + ints.len()
            ));
        }
        if let Some(d) = q.department {
            ints.push(d.0);
            cond.push_str(&format!(
                " AND i.department_id = ${}",
                1 + texts.len() + ints.len()
            ));
        }
        let from = "FROM hr_health_issues i LEFT JOIN hr_employees e ON e.id = i.employee_id \
                    LEFT JOIN departments d ON d.id = i.department_id";
        let dir = match q.dir {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        };
        let order = match q.sort {
            IssueSort::Employee => format!("COALESCE(e.legal_name, d.name) {dir}, i.rule {dir}"),
            IssueSort::Rule => format!("i.rule {dir}, COALESCE(e.legal_name, d.name) {dir}"),
            IssueSort::Department => format!("d.name {dir}, COALESCE(e.legal_name, d.name) {dir}"),
            IssueSort::Found => format!("i.found_at {dir}"),
        };
        let count_sql = format!("SELECT COUNT(*) AS n {from} WHERE {cond}");
        let page_sql = format!(
            "SELECT i.id, i.rule, i.employee_id, i.department_id, i.record_kind, i.record_id, \
             i.detail, i.found_at, e.legal_name, e.preferred_name, d.name AS department_name \
             {from} WHERE {cond} ORDER BY {order}, i.id {dir} LIMIT {} OFFSET {}",
            q.paging.limit, q.paging.offset
        );
        let mut count = sqlx::query(&count_sql).bind(company.0);
        let mut page = sqlx::query(&page_sql).bind(company.0);
        for t in &texts {
            count = count.bind(t.clone());
            page = page.bind(t.clone());
        }
        for i in &ints {
            count = count.bind(*i);
            page = page.bind(*i);
        }
        let total = get_i64(&count.fetch_one(&self.read).await.map_err(db)?, "n")?;
        let rows = page.fetch_all(&self.read).await.map_err(db)?;
        Ok(Page {
            items: rows.iter().map(issue_of).collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn health_counts(&self, company: CompanyId) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT rule, COUNT(*) AS n FROM hr_health_issues WHERE company_id = $1 GROUP BY rule",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((get_str(r, "rule")?, get_i64(r, "n")?)))
            .collect()
    }

    async fn health_scores(&self, company: CompanyId) -> Result<Vec<DepartmentScore>> {
        let rows = sqlx::query(
            "SELECT e.department_id, d.name AS department_name, COUNT(*) AS employees, \
             SUM(CASE WHEN EXISTS (SELECT 1 FROM hr_health_issues i WHERE i.company_id = e.company_id \
               AND i.employee_id = e.id) THEN 1 ELSE 0 END) AS affected \
             FROM hr_employees e LEFT JOIN departments d ON d.id = e.department_id \
             WHERE e.company_id = $1 AND e.status <> 'leaver' \
             GROUP BY e.department_id, d.name ORDER BY d.name",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(DepartmentScore {
                    department_id: opt_i64(r, "department_id")?.map(DepartmentId),
                    name: opt_str(r, "department_name")?
                        .unwrap_or_else(|| "No department".to_string()),
                    employees: get_i64(r, "employees")?,
                    affected: get_i64(r, "affected")?,
                })
            })
            .collect()
    }

    async fn health_runs(&self, company: CompanyId, limit: u32) -> Result<Vec<Run>> {
        let rows = sqlx::query(&format!(
            "SELECT id, started_at, finished_at, employees, affected, issues, counts \
             FROM hr_health_runs WHERE company_id = $1 ORDER BY id DESC LIMIT {}",
            limit.min(1000)
        ))
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(run_of).collect()
    }
}

impl Store {
    /// A document row as it is (with a placeholder file index row, no bytes, no audit
    /// event): for demo data and tests of the expiry rules. Real uploads go through
    /// `steward_core::hr::documents`. Returns the document's id.
    pub async fn seed_document(
        &self,
        company: CompanyId,
        employee: EmployeeId,
        category: &str,
        title: &str,
        expires: Option<NaiveDate>,
    ) -> Result<i64> {
        let now = Timestamp::now().0;
        let key = format!(
            "seed-{}-{}-{now}-{}",
            company.0,
            employee.0,
            steward_core::auth::session::new_secret()
        );
        let mut tx = self.begin().await?;
        let f = sqlx::query(
            "INSERT INTO files (company_id, storage_key, name, content_type, size, sha256, created_at) \
             VALUES ($1, $2, $3, 'application/pdf', 0, '', $4) RETURNING id",
        )
        .bind(company.0)
        .bind(key)
        .bind(format!("{title}.pdf"))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let file = get_i64(&f, "id")?;
        let d = sqlx::query(
            "INSERT INTO hr_documents (company_id, employee_id, category, title, file_id, expires, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(company.0)
        .bind(employee.0)
        .bind(category)
        .bind(title)
        .bind(file)
        .bind(expires.map(day_key))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&d, "id")?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }
}
