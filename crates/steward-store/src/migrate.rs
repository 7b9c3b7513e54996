//! Schema migrations, one numbered script per database kind, applied in order in one
//! transaction each. A database whose schema is newer than this binary is refused untouched.
use sqlx::Row;
use steward_core::{Error, Result};

use crate::{db, Backend, Store};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "ledger",
        sqlite: include_str!("../migrations/sqlite/0002_ledger.sql"),
        postgres: include_str!("../migrations/postgres/0002_ledger.sql"),
    },
    Migration {
        version: 3,
        name: "jobs",
        sqlite: include_str!("../migrations/sqlite/0003_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0003_jobs.sql"),
    },
    Migration {
        version: 4,
        name: "tasks",
        sqlite: include_str!("../migrations/sqlite/0004_tasks.sql"),
        postgres: include_str!("../migrations/postgres/0004_tasks.sql"),
    },
    Migration {
        version: 5,
        name: "approvals",
        sqlite: include_str!("../migrations/sqlite/0005_approvals.sql"),
        postgres: include_str!("../migrations/postgres/0005_approvals.sql"),
    },
    Migration {
        version: 6,
        name: "cases",
        sqlite: include_str!("../migrations/sqlite/0006_cases.sql"),
        postgres: include_str!("../migrations/postgres/0006_cases.sql"),
    },
    Migration {
        version: 7,
        name: "notifications",
        sqlite: include_str!("../migrations/sqlite/0007_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0007_notifications.sql"),
    },
    Migration {
        version: 8,
        name: "hr",
        sqlite: include_str!("../migrations/sqlite/0008_hr.sql"),
        postgres: include_str!("../migrations/postgres/0008_hr.sql"),
    },
    Migration {
        version: 9,
        name: "files",
        sqlite: include_str!("../migrations/sqlite/0009_files.sql"),
        postgres: include_str!("../migrations/postgres/0009_files.sql"),
    },
    Migration {
        version: 10,
        name: "timeoff",
        sqlite: include_str!("../migrations/sqlite/0010_timeoff.sql"),
        postgres: include_str!("../migrations/postgres/0010_timeoff.sql"),
    },
    Migration {
        version: 11,
        name: "hr_health",
        sqlite: include_str!("../migrations/sqlite/0011_hr_health.sql"),
        postgres: include_str!("../migrations/postgres/0011_hr_health.sql"),
    },
    Migration {
        version: 12,
        name: "lifecycle",
        sqlite: include_str!("../migrations/sqlite/0012_lifecycle.sql"),
        postgres: include_str!("../migrations/postgres/0012_lifecycle.sql"),
    },
    Migration {
        version: 13,
        name: "sign_in_throttle",
        sqlite: include_str!("../migrations/sqlite/0013_sign_in_throttle.sql"),
        postgres: include_str!("../migrations/postgres/0013_sign_in_throttle.sql"),
    },
    Migration {
        version: 14,
        name: "audit_immutable",
        sqlite: include_str!("../migrations/sqlite/0014_audit_immutable.sql"),
        postgres: include_str!("../migrations/postgres/0014_audit_immutable.sql"),
    },
    Migration {
        version: 15,
        name: "calendar time zone",
        sqlite: include_str!("../migrations/sqlite/0015_calendar_time_zone.sql"),
        postgres: include_str!("../migrations/postgres/0015_calendar_time_zone.sql"),
    },
    Migration {
        version: 16,
        name: "audit by time",
        sqlite: include_str!("../migrations/sqlite/0016_audit_by_time.sql"),
        postgres: include_str!("../migrations/postgres/0016_audit_by_time.sql"),
    },
    Migration {
        version: 17,
        name: "idempotency lease",
        sqlite: include_str!("../migrations/sqlite/0017_idempotency_lease.sql"),
        postgres: include_str!("../migrations/postgres/0017_idempotency_lease.sql"),
    },
    Migration {
        version: 18,
        name: "hr personal pay grants",
        sqlite: include_str!("../migrations/sqlite/0018_hr_personal_pay_grants.sql"),
        postgres: include_str!("../migrations/postgres/0018_hr_personal_pay_grants.sql"),
    },
    Migration {
        version: 19,
        name: "billing",
        sqlite: include_str!("../migrations/sqlite/0019_billing.sql"),
        postgres: include_str!("../migrations/postgres/0019_billing.sql"),
    },
    Migration {
        version: 20,
        name: "payments",
        sqlite: include_str!("../migrations/sqlite/0020_payments.sql"),
        postgres: include_str!("../migrations/postgres/0020_payments.sql"),
    },
    Migration {
        version: 21,
        name: "bank",
        sqlite: include_str!("../migrations/sqlite/0021_bank.sql"),
        postgres: include_str!("../migrations/postgres/0021_bank.sql"),
    },
    Migration {
        version: 22,
        name: "bank_reconcile",
        sqlite: include_str!("../migrations/sqlite/0022_bank_reconcile.sql"),
        postgres: include_str!("../migrations/postgres/0022_bank_reconcile.sql"),
    },
    Migration {
        version: 23,
        name: "payables",
        sqlite: include_str!("../migrations/sqlite/0023_payables.sql"),
        postgres: include_str!("../migrations/postgres/0023_payables.sql"),
    },
    Migration {
        version: 24,
        name: "billing_mail",
        sqlite: include_str!("../migrations/sqlite/0024_billing_mail.sql"),
        postgres: include_str!("../migrations/postgres/0024_billing_mail.sql"),
    },
    Migration {
        version: 25,
        name: "billing_fx",
        sqlite: include_str!("../migrations/sqlite/0025_billing_fx.sql"),
        postgres: include_str!("../migrations/postgres/0025_billing_fx.sql"),
    },
    Migration {
        version: 26,
        name: "it",
        sqlite: include_str!("../migrations/sqlite/0026_it.sql"),
        postgres: include_str!("../migrations/postgres/0026_it.sql"),
    },
    Migration {
        version: 27,
        name: "it_licences",
        sqlite: include_str!("../migrations/sqlite/0027_it_licences.sql"),
        postgres: include_str!("../migrations/postgres/0027_it_licences.sql"),
    },
    Migration {
        version: 28,
        name: "it_helpdesk",
        sqlite: include_str!("../migrations/sqlite/0028_it_helpdesk.sql"),
        postgres: include_str!("../migrations/postgres/0028_it_helpdesk.sql"),
    },
    Migration {
        version: 29,
        name: "it_networks",
        sqlite: include_str!("../migrations/sqlite/0029_it_networks.sql"),
        postgres: include_str!("../migrations/postgres/0029_it_networks.sql"),
    },
    Migration {
        version: 30,
        name: "it_list",
        sqlite: include_str!("../migrations/sqlite/0030_it_list.sql"),
        postgres: include_str!("../migrations/postgres/0030_it_list.sql"),
    },
    Migration {
        version: 31,
        name: "it_fields",
        sqlite: include_str!("../migrations/sqlite/0031_it_fields.sql"),
        postgres: include_str!("../migrations/postgres/0031_it_fields.sql"),
    },
    Migration {
        version: 32,
        name: "it_books",
        sqlite: include_str!("../migrations/sqlite/0032_it_books.sql"),
        postgres: include_str!("../migrations/postgres/0032_it_books.sql"),
    },
    Migration {
        version: 33,
        name: "records",
        sqlite: include_str!("../migrations/sqlite/0033_records.sql"),
        postgres: include_str!("../migrations/postgres/0033_records.sql"),
    },
    Migration {
        version: 34,
        name: "records_retention",
        sqlite: include_str!("../migrations/sqlite/0034_records_retention.sql"),
        postgres: include_str!("../migrations/postgres/0034_records_retention.sql"),
    },
    Migration {
        version: 35,
        name: "records_consent",
        sqlite: include_str!("../migrations/sqlite/0035_records_consent.sql"),
        postgres: include_str!("../migrations/postgres/0035_records_consent.sql"),
    },
    Migration {
        version: 36,
        name: "records_search",
        sqlite: include_str!("../migrations/sqlite/0036_records_search.sql"),
        postgres: include_str!("../migrations/postgres/0036_records_search.sql"),
    },
    Migration {
        version: 37,
        name: "records_search_vector",
        sqlite: include_str!("../migrations/sqlite/0037_records_search_vector.sql"),
        postgres: include_str!("../migrations/postgres/0037_records_search_vector.sql"),
    },
    Migration {
        version: 38,
        name: "records_anonymize",
        sqlite: include_str!("../migrations/sqlite/0038_records_anonymize.sql"),
        postgres: include_str!("../migrations/postgres/0038_records_anonymize.sql"),
    },
];

pub const LATEST_VERSION: i64 = 38;

/// The advisory lock key migrations hold on PostgreSQL ("STEWARD" in ASCII).
const MIGRATION_LOCK: i64 = 0x0053_5445_5741_5244;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateReport {
    pub from: i64,
    pub to: i64,
    pub applied: Vec<String>,
}

impl Store {
    /// The schema version the database is at (0 for an empty database).
    pub async fn schema_version(&self) -> Result<i64> {
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS steward_schema (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
            .execute(&self.write)
            .await
            .map_err(db)?;
        self.applied_version().await
    }

    /// The newest migration applied, as recorded (a read; the table must exist).
    pub(crate) async fn applied_version(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM steward_schema")
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        row.try_get::<i64, _>("v").map_err(db)
    }

    /// Brings the schema to [`LATEST_VERSION`] and syncs the built-in roles. On PostgreSQL
    /// an advisory lock makes instances that start together take turns: the first migrates,
    /// the others then find the schema current.
    pub async fn migrate(&self) -> Result<MigrateReport> {
        let mut lock = None;
        if self.backend == Backend::Postgres {
            let mut conn = self.write.acquire().await.map_err(db)?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
            lock = Some(conn);
        }
        let result = self.migrate_locked(LATEST_VERSION).await;
        if let Some(mut conn) = lock {
            if let Err(e) = sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *conn)
                .await
            {
                // Closing the connection releases the lock too.
                tracing::warn!(error = %e, "could not release the migration lock; closing its connection");
                let _ = conn.detach();
            }
        }
        result
    }

    /// Applies migrations up to `version` only, without the role sync: for tests of a
    /// migration's data conversion (rows written in the older schema, then migrated).
    #[doc(hidden)]
    pub async fn migrate_to(&self, version: i64) -> Result<MigrateReport> {
        self.migrate_locked(version.min(LATEST_VERSION)).await
    }

    async fn migrate_locked(&self, target: i64) -> Result<MigrateReport> {
        let from = self.schema_version().await?;
        if from > LATEST_VERSION {
            return Err(Error::conflict(format!(
                "the database schema is at version {from}, newer than this Steward understands ({LATEST_VERSION}); \
                 upgrade Steward, or restore a backup made by this version. Nothing was changed."
            )));
        }
        let mut applied = Vec::new();
        for m in MIGRATIONS
            .iter()
            .filter(|m| m.version > from && m.version <= target)
        {
            let script = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let mut tx = self.begin().await?;
            sqlx::raw_sql(script).execute(&mut *tx).await.map_err(|e| {
                Error::Internal(format!("migration {} ({}) failed: {e}", m.version, m.name))
            })?;
            sqlx::query(
                "INSERT INTO steward_schema (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(steward_core::time::Timestamp::now().0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            tx.commit().await.map_err(db)?;
            applied.push(format!("{:04}_{}", m.version, m.name));
        }
        if target == LATEST_VERSION {
            self.sync_builtin_roles().await?;
            self.optimize().await?;
        }
        Ok(MigrateReport {
            from,
            to: target.max(from),
            applied,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Marks where a script's dialect-specific part (triggers) begins: from there on only
    /// the `CREATE TRIGGER` names are compared.
    const DIALECT_SPECIFIC: &str = "-- Dialect-specific below";

    /// Table and column names of a script, in order: the two dialects must agree.
    fn shape(script: &str) -> Vec<String> {
        let (common, specific) = script.split_once(DIALECT_SPECIFIC).unwrap_or((script, ""));
        let triggers = specific
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("CREATE TRIGGER"))
            // SQLite has no TRUNCATE (a DELETE without WHERE runs the row triggers).
            .filter(|l| !l.contains("_no_truncate "))
            // SQLite's FTS5 external-content index is kept by triggers (`*_fts_*`);
            // PostgreSQL's GIN index follows its column by itself.
            .filter(|l| !l.contains("_fts_"))
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
        common
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("--") && !l.is_empty())
            .map(|l| {
                // The dialects spell integer types and generated keys differently.
                l.replace("GENERATED BY DEFAULT AS IDENTITY ", "")
                    .replace(" AUTOINCREMENT", "")
                    .replace(" WITHOUT ROWID", "")
                    .split_whitespace()
                    .map(|w| w.trim_end_matches(','))
                    .filter(|w| !matches!(*w, "INTEGER" | "BIGINT"))
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .chain(triggers)
            .collect()
    }

    #[test]
    fn migrations_are_in_lockstep() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "versions are consecutive");
            assert_eq!(
                shape(m.sqlite),
                shape(m.postgres),
                "migration {} differs between SQLite and PostgreSQL",
                m.name
            );
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(LATEST_VERSION));
    }
}
