//! Migrations: idempotent, versioned, and refusing a schema newer than the binary.
use crate::common;

use sqlx::Row;
use steward_core::roles::RoleStore;
use steward_core::Error;
use steward_store::LATEST_VERSION;

use common::TestDb;

/// The rows of `steward_schema`, in order.
async fn schema_rows(db: &TestDb) -> Vec<(i64, String)> {
    let raw = db.raw().await;
    let rows = sqlx::query("SELECT version, name FROM steward_schema ORDER BY version")
        .fetch_all(&raw)
        .await
        .expect("read steward_schema");
    raw.close().await;
    rows.iter()
        .map(|r| {
            (
                r.try_get::<i64, _>("version").expect("version"),
                r.try_get::<String, _>("name").expect("name"),
            )
        })
        .collect()
}

store_test_unmigrated!(
    first_migrate_applies_everything_then_nothing,
    |db| async move {
        assert_eq!(db.store.schema_version().await.expect("version"), 0);
        let first = db.store.migrate().await.expect("first migrate");
        assert_eq!(first.from, 0);
        assert_eq!(first.to, LATEST_VERSION);
        assert_eq!(first.applied.len() as i64, LATEST_VERSION);
        assert_eq!(first.applied[0], "0001_foundation");
        assert_eq!(
            db.store.schema_version().await.expect("version"),
            LATEST_VERSION
        );
        // The built-in roles were synced, with one audit event saying so.
        assert_eq!(db.count("roles").await, 13, "the built-in roles");
        assert_eq!(steward_core::auth::builtin_roles().len(), 13);
        let events = db.count("audit_events").await;
        assert_eq!(events, 1, "[{}] one sync_builtin event", db.name);

        for _ in 0..2 {
            let again = db.store.migrate().await.expect("migrate again");
            assert_eq!(again.from, LATEST_VERSION);
            assert_eq!(again.to, LATEST_VERSION);
            assert!(again.applied.is_empty(), "{:?}", again.applied);
        }
        assert_eq!(
            db.store.schema_version().await.expect("version"),
            LATEST_VERSION
        );
        assert_eq!(
            schema_rows(&db).await.len() as i64,
            LATEST_VERSION,
            "[{}] no migration recorded twice",
            db.name
        );
        assert_eq!(db.count("roles").await, 13, "no role duplicated");
        assert_eq!(
            db.count("audit_events").await,
            events,
            "[{}] an unchanged sync writes no audit event",
            db.name
        );
    }
);

store_test!(migrate_is_idempotent, |db| async move {
    let before_roles = db.count("role_grants").await;
    let before_events = db.count("audit_events").await;
    let r = db.store.migrate().await.expect("migrate again");
    assert!(r.applied.is_empty());
    assert_eq!(
        db.store.schema_version().await.expect("version"),
        LATEST_VERSION
    );
    assert_eq!(db.count("role_grants").await, before_roles);
    assert_eq!(db.count("audit_events").await, before_events);
    assert!(matches!(
        steward_core::audit::AuditStore::verify(&db.store).await,
        Ok(Ok(1))
    ));
});

store_test_unmigrated!(newer_schema_on_empty_database_is_refused, |db| async move {
    assert_eq!(db.store.schema_version().await.expect("version"), 0);
    db.exec(&format!(
        "INSERT INTO steward_schema (version, name, applied_at) VALUES ({}, 'from_the_future', 0)",
        LATEST_VERSION + 1
    ))
    .await;
    let err = db.store.migrate().await.expect_err("newer schema refused");
    match &err {
        Error::Conflict { message } => {
            assert!(message.contains("newer"), "[{}] {message}", db.name)
        }
        other => panic!("[{}] expected Conflict, got {other:?}", db.name),
    }
    assert_eq!(
        schema_rows(&db).await,
        vec![(LATEST_VERSION + 1, "from_the_future".to_string())],
        "[{}] steward_schema untouched",
        db.name
    );
    // Nothing was created: not the tables, not the roles.
    let raw = db.raw().await;
    assert!(
        sqlx::query("SELECT COUNT(*) FROM roles")
            .fetch_one(&raw)
            .await
            .is_err(),
        "[{}] the foundation migration did not run",
        db.name
    );
    raw.close().await;
    assert_eq!(
        db.store.schema_version().await.expect("version"),
        LATEST_VERSION + 1
    );
});

store_test!(
    newer_schema_on_migrated_database_is_refused,
    |db| async move {
        db.exec(&format!(
        "INSERT INTO steward_schema (version, name, applied_at) VALUES ({}, 'from_the_future', 0)",
        LATEST_VERSION + 1
    ))
        .await;
        // Make the built-in roles out of date: a migrate that went ahead would sync them.
        db.exec("DELETE FROM role_grants WHERE role_id = (SELECT MIN(id) FROM roles)")
            .await;
        let rows = schema_rows(&db).await;
        let grants = db.count("role_grants").await;
        let events = db.count("audit_events").await;

        let err = db.store.migrate().await.expect_err("newer schema refused");
        assert!(
            matches!(&err, Error::Conflict { message } if message.contains("newer")),
            "[{}] {err:?}",
            db.name
        );
        assert_eq!(schema_rows(&db).await, rows, "[{}] untouched", db.name);
        assert_eq!(db.count("role_grants").await, grants, "roles not synced");
        assert_eq!(db.count("audit_events").await, events, "nothing audited");
        assert_eq!(
            db.store.schema_version().await.expect("version"),
            LATEST_VERSION + 1
        );
        // The store still reads the roles it has.
        let roles = db
            .store
            .list_roles(steward_core::ids::CompanyId(0))
            .await
            .expect("list roles");
        assert_eq!(roles.len(), 13);
    }
);

store_test_unmigrated!(calendar_offsets_become_time_zones, |db| async move {
    db.store.migrate_to(12).await.expect("to 12");
    for (id, offset) in [(1, 0), (2, 120), (3, -300), (4, 330), (5, -210), (6, 840)] {
        db.exec(&format!(
                "INSERT INTO companies (id, name, currency, created_at) VALUES ({id}, 'c{id}', 'EUR', 0)"
            ))
            .await;
        db.exec(&format!(
                "INSERT INTO case_sla_settings (company_id, utc_offset_minutes) VALUES ({id}, {offset})"
            ))
            .await;
    }
    db.store.migrate().await.expect("to the latest");
    let raw = db.raw().await;
    let rows =
        sqlx::query("SELECT company_id, time_zone FROM case_sla_settings ORDER BY company_id")
            .fetch_all(&raw)
            .await
            .expect("read");
    raw.close().await;
    let zones: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("time_zone").expect("zone"))
        .collect();
    assert_eq!(
        zones,
        [
            "UTC",
            "Etc/GMT-2",
            "Etc/GMT+5",
            "+05:30",
            "-03:30",
            "Etc/GMT-14"
        ],
        "[{}]",
        db.name
    );
    // Each is a zone the domain accepts, and means the offset it replaces.
    for (z, offset) in zones.iter().zip([0, 120, -300, 330, -210, 840]) {
        let zone = steward_core::work::sla::Zone::parse(z).expect("valid zone");
        assert_eq!(
            zone,
            steward_core::work::sla::Zone::from_offset_minutes(offset)
        );
    }
});

store_test_unmigrated!(
    custom_hr_roles_gain_no_personal_or_pay_grant_and_admins_are_told,
    |db| async move {
        db.store.migrate_to(16).await.expect("to 16");
        for sql in [
            "INSERT INTO companies (id, name, currency, created_at) VALUES (1, 'Acme', 'EUR', 0)",
            "INSERT INTO companies (id, name, currency, created_at) VALUES (2, 'Other', 'EUR', 0)",
            "INSERT INTO users (id, username, email, display_name, created_at, updated_at) VALUES (1, 'boss', 'boss@example.com', 'Boss', 0, 0)",
            "INSERT INTO users (id, username, email, display_name, created_at, updated_at) VALUES (2, 'helper', 'helper@example.com', 'Helper', 0, 0)",
            "INSERT INTO users (id, username, email, display_name, created_at, updated_at) VALUES (3, 'other', 'other@example.com', 'Other', 0, 0)",
            "INSERT INTO memberships (user_id, company_id, created_at) VALUES (1, 1, 0)",
            "INSERT INTO memberships (user_id, company_id, created_at) VALUES (2, 1, 0)",
            "INSERT INTO memberships (user_id, company_id, created_at) VALUES (3, 2, 0)",
            "INSERT INTO roles (id, company_id, key, name, builtin, created_at) VALUES (901, NULL, 'admin', 'Admin', 1, 0)",
            "INSERT INTO roles (id, company_id, key, name, builtin, created_at) VALUES (902, 1, 'hr_helper', 'HR helper', 0, 0)",
            "INSERT INTO roles (id, company_id, key, name, builtin, created_at) VALUES (903, 1, 'hr_reader', 'HR reader', 0, 0)",
            "INSERT INTO roles (id, company_id, key, name, builtin, created_at) VALUES (904, 1, 'hr_team', 'HR team', 0, 0)",
            "INSERT INTO role_grants (role_id, domain, action, scope) VALUES (901, 'hr', 'update', 'company')",
            "INSERT INTO role_grants (role_id, domain, action, scope) VALUES (902, 'hr', 'read', 'company')",
            "INSERT INTO role_grants (role_id, domain, action, scope) VALUES (902, 'hr', 'update', 'company')",
            "INSERT INTO role_grants (role_id, domain, action, scope) VALUES (903, 'hr', 'read', 'company')",
            "INSERT INTO role_grants (role_id, domain, action, scope) VALUES (904, 'hr', 'update', 'department')",
            "INSERT INTO user_roles (user_id, company_id, role_id) VALUES (1, 1, 901)",
            "INSERT INTO user_roles (user_id, company_id, role_id) VALUES (2, 1, 902)",
            "INSERT INTO user_roles (user_id, company_id, role_id) VALUES (3, 2, 901)",
        ] {
            db.exec(sql).await;
        }
        db.store.migrate().await.expect("to the latest");
        let raw = db.raw().await;
        // No role gained a grant of the new domains.
        let new_grants: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM role_grants g JOIN roles r ON r.id = g.role_id \
             WHERE r.builtin = 0 AND g.domain IN ('hr_personal', 'hr_pay')",
        )
        .fetch_one(&raw)
        .await
        .expect("count")
        .try_get("n")
        .expect("n");
        assert_eq!(new_grants, 0, "[{}]", db.name);
        let helper_grants: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM role_grants WHERE role_id = 902")
                .fetch_one(&raw)
                .await
                .expect("count")
                .try_get("n")
                .expect("n");
        assert_eq!(
            helper_grants, 2,
            "[{}] the role keeps exactly its grants",
            db.name
        );
        // Built-in roles are synced on top (ids from the sequence, below 900).
        // Only the admin of the role's company is told, once, about the one role with
        // company-wide hr.update (not the reader, not the department-scoped team).
        let rows = sqlx::query(
            "SELECT company_id, user_id, kind, title, link, created_at FROM notifications ORDER BY id",
        )
        .fetch_all(&raw)
        .await
        .expect("notifications");
        raw.close().await;
        assert_eq!(rows.len(), 1, "[{}]", db.name);
        let r = &rows[0];
        assert_eq!(r.try_get::<i64, _>("company_id").expect("company"), 1);
        assert_eq!(r.try_get::<i64, _>("user_id").expect("user"), 1);
        assert_eq!(
            r.try_get::<String, _>("kind").expect("kind"),
            "system.roles"
        );
        assert_eq!(
            r.try_get::<Option<String>, _>("link")
                .expect("link")
                .as_deref(),
            Some("/roles/902")
        );
        assert!(r
            .try_get::<String, _>("title")
            .expect("title")
            .contains("HR helper"));
        // Microseconds since the epoch, like every timestamp: after 2020.
        assert!(r.try_get::<i64, _>("created_at").expect("at") > 1_577_836_800_000_000);
    }
);
