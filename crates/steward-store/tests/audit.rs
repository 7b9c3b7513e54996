//! The audit trail: one hash chain over every write, verified exactly, broken by any edit
//! made behind the store's back, and kept whole under concurrent writers.
use crate::common;

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use steward_core::audit::{AuditDraft, AuditEvent, AuditStore, ChainBreak};
use steward_core::auth::session::{sign_in, SessionConfig, SignIn};
use steward_core::ids::{CompanyId, UserId};
use steward_core::roles::{self, NewRole};
use steward_core::time::Timestamp;
use steward_core::tokens;
use steward_core::users::{self, UserPatch, UserStore};
use steward_store::Store;

use common::{create_user, world, TestDb, World, PASSWORD};

/// A little of everything, so that the trail holds events of many kinds.
async fn populate(db: &TestDb) -> World {
    let s = &db.store;
    let w = world(s).await;
    let u1 = create_user(s, &w.actor_a, "pat", &["employee"], Some(PASSWORD)).await;
    create_user(s, &w.actor_b, "quinn", &["accountant"], None).await;
    let before = s.get_user(w.a, u1).await.expect("get").expect("pat");
    users::update_user(
        s,
        &w.actor_a,
        u1,
        UserPatch {
            email: Some("pat.new@example.com".into()),
            display_name: None,
            version: before.version,
        },
    )
    .await
    .expect("update");
    roles::create_role(
        s,
        &w.actor_a,
        NewRole {
            key: "custom".into(),
            name: "Custom".into(),
            description: String::new(),
            grants: vec![
                steward_core::auth::Grant::parse("audit", "read", "company").expect("grant")
            ],
        },
    )
    .await
    .expect("role");
    tokens::create_token(s, &w.actor_a, "t", true)
        .await
        .expect("token");
    let cfg = SessionConfig::default();
    let req = |password| SignIn {
        login: "pat",
        password,
        ip: Some("198.51.100.7".into()),
        user_agent: None,
    };
    assert!(sign_in(s, &cfg, req("wrong password entirely"))
        .await
        .is_err());
    sign_in(s, &cfg, req(PASSWORD)).await.expect("sign in");
    s.set_setting(
        "greeting",
        "hello",
        AuditDraft::by(&w.actor_a, "setting", None, "set", json!({"v": "hello"})),
    )
    .await
    .expect("setting");
    users::set_disabled(s, &w.actor_a, u1, true)
        .await
        .expect("disable");
    w
}

/// The trail must verify to exactly the number of stored events, numbered 1..=n.
async fn assert_intact(db: &TestDb, store: &Store) -> i64 {
    let n = db.count("audit_events").await;
    let raw = db.raw().await;
    let r = sqlx::query("SELECT MIN(seq) AS lo, MAX(seq) AS hi FROM audit_events")
        .fetch_one(&raw)
        .await
        .expect("seq range");
    let (lo, hi): (i64, i64) = (r.try_get("lo").expect("lo"), r.try_get("hi").expect("hi"));
    raw.close().await;
    assert_eq!((lo, hi), (1, n), "[{}] events are numbered 1..=n", db.name);
    assert_eq!(
        store.verify().await.expect("verify runs"),
        Ok(n as u64),
        "[{}] the chain verifies to the number of events",
        db.name
    );
    n
}

async fn broken(db: &TestDb) -> ChainBreak {
    match db.store.verify().await.expect("verify runs") {
        Ok(n) => panic!(
            "[{}] tampering went unnoticed ({n} events verified)",
            db.name
        ),
        Err(b) => b,
    }
}

fn row_to_event(r: &AnyRow) -> AuditEvent {
    AuditEvent {
        seq: r.try_get("seq").expect("seq"),
        at: Timestamp(r.try_get("at").expect("at")),
        company_id: r
            .try_get::<Option<i64>, _>("company_id")
            .expect("company_id")
            .map(CompanyId),
        actor_id: r
            .try_get::<Option<i64>, _>("actor_id")
            .expect("actor_id")
            .map(UserId),
        actor: r.try_get("actor").expect("actor"),
        ip: r.try_get("ip").expect("ip"),
        entity: r.try_get("entity").expect("entity"),
        entity_id: r.try_get("entity_id").expect("entity_id"),
        action: r.try_get("action").expect("action"),
        changes: serde_json::from_str(&r.try_get::<String, _>("changes").expect("changes"))
            .expect("stored changes are JSON"),
        prev_hash: r.try_get("prev_hash").expect("prev_hash"),
        hash: r.try_get("hash").expect("hash"),
    }
}

async fn read_event(raw: &AnyPool, seq: i64) -> AuditEvent {
    let r = sqlx::query("SELECT * FROM audit_events WHERE seq = $1")
        .bind(seq)
        .fetch_one(raw)
        .await
        .expect("read event");
    row_to_event(&r)
}

/// Writes an event row as the store does, but behind its back (a forger, or a restore).
async fn write_event(raw: &AnyPool, e: &AuditEvent) {
    sqlx::query(
        "INSERT INTO audit_events (seq, at, company_id, actor_id, actor, ip, entity, entity_id, action, changes, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(e.seq)
    .bind(e.at.0)
    .bind(e.company_id.map(|c| c.0))
    .bind(e.actor_id.map(|u| u.0))
    .bind(&e.actor)
    .bind(&e.ip)
    .bind(&e.entity)
    .bind(&e.entity_id)
    .bind(&e.action)
    .bind(e.changes.to_string())
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(raw)
    .await
    .expect("write event row");
}

async fn delete_event(raw: &AnyPool, seq: i64) {
    let r = sqlx::query("DELETE FROM audit_events WHERE seq = $1")
        .bind(seq)
        .execute(raw)
        .await
        .expect("delete event");
    assert_eq!(r.rows_affected(), 1);
}

store_test!(verify_counts_every_event, |db| async move {
    assert_intact(&db, &db.store).await;
    populate(&db).await;
    let n = assert_intact(&db, &db.store).await;
    // sync_builtin, 2 companies, 2 admins, 2 users, update, role, token, failed and good
    // sign-in, setting, disable: one event each.
    assert_eq!(n, 14, "[{}] one event per write", db.name);
    // Stored events carry what the services said.
    let raw = db.raw().await;
    let last = read_event(&raw, n).await;
    assert_eq!(last.entity, "user");
    assert_eq!(last.action, "disable");
    assert_eq!(last.actor, "admin-a");
    raw.close().await;
    let head = db.count("audit_head").await;
    assert_eq!(head, 1);
});

store_test!(an_edited_event_is_caught, |db| async move {
    populate(&db).await;
    db.drop_audit_guards().await;
    let n = assert_intact(&db, &db.store).await;
    let k = n / 2;
    let raw = db.raw().await;
    let original = read_event(&raw, k).await;
    let changed = sqlx::query("UPDATE audit_events SET actor = 'mallory' WHERE seq = $1")
        .bind(k)
        .execute(&raw)
        .await
        .expect("tamper");
    assert_eq!(changed.rows_affected(), 1);
    let b = broken(&db).await;
    assert_eq!(b.seq, k, "[{}] {b}", db.name);
    assert!(b.to_string().contains(&format!("event {k}")), "{b}");

    // Undone, the chain verifies again: verify flags the edit, not the database.
    delete_event(&raw, k).await;
    write_event(&raw, &original).await;
    assert_intact(&db, &db.store).await;

    // An edit that leaves invalid JSON behind is a break too, not a crash.
    sqlx::query("UPDATE audit_events SET changes = 'not json {' WHERE seq = $1")
        .bind(k + 1)
        .execute(&raw)
        .await
        .expect("tamper");
    assert_eq!(broken(&db).await.seq, k + 1);
    delete_event(&raw, k + 1).await;
    // Re-hashing the edited row does not help: the next row no longer chains to it.
    let prev = read_event(&raw, k).await;
    let forged = AuditEvent::seal(
        AuditDraft::system("mallory", None, "user", None, "nothing", json!({})),
        k + 1,
        prev.at,
        &prev.hash,
    );
    write_event(&raw, &forged).await;
    let b = broken(&db).await;
    assert_eq!(b.seq, k + 2, "[{}] {b}", db.name);
    raw.close().await;
});

store_test!(a_removed_middle_event_is_caught, |db| async move {
    populate(&db).await;
    db.drop_audit_guards().await;
    let n = assert_intact(&db, &db.store).await;
    let k = n / 2;
    let raw = db.raw().await;
    let original = read_event(&raw, k).await;
    delete_event(&raw, k).await;
    let b = broken(&db).await;
    assert_eq!(b.seq, k + 1, "[{}] the gap is reported: {b}", db.name);
    write_event(&raw, &original).await;
    assert_intact(&db, &db.store).await;
    // The first event too.
    let first = read_event(&raw, 1).await;
    delete_event(&raw, 1).await;
    assert_eq!(broken(&db).await.seq, 2);
    write_event(&raw, &first).await;
    assert_intact(&db, &db.store).await;
    raw.close().await;
});

store_test!(
    a_removed_newest_event_is_caught_by_the_head,
    |db| async move {
        let w = populate(&db).await;
        db.drop_audit_guards().await;
        let n = assert_intact(&db, &db.store).await;
        let raw = db.raw().await;
        let newest = read_event(&raw, n).await;
        delete_event(&raw, n).await;
        let b = broken(&db).await;
        assert!(b.reason.contains("head"), "[{}] {b}", db.name);
        // Removing the tail and rewinding the head's number is still caught by its hash.
        sqlx::query("UPDATE audit_head SET seq = seq - 1 WHERE id = 1")
            .execute(&raw)
            .await
            .expect("rewind head");
        broken(&db).await;
        sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1")
            .execute(&raw)
            .await
            .expect("restore head");
        write_event(&raw, &newest).await;
        assert_intact(&db, &db.store).await;
        raw.close().await;
        // And the store carries on from where the head is.
        create_user(&db.store, &w.actor_a, "after", &[], None).await;
        assert_intact(&db, &db.store).await;
    }
);

store_test!(a_forged_event_is_caught, |db| async move {
    populate(&db).await;
    db.drop_audit_guards().await;
    let n = assert_intact(&db, &db.store).await;
    let raw = db.raw().await;
    // Appended after the newest, correctly sealed, but the head was not moved.
    let newest = read_event(&raw, n).await;
    let forged = AuditEvent::seal(
        AuditDraft::system(
            "mallory",
            None,
            "user",
            Some("1".into()),
            "grant",
            json!({}),
        ),
        n + 1,
        Timestamp::now(),
        &newest.hash,
    );
    write_event(&raw, &forged).await;
    let b = broken(&db).await;
    assert!(b.reason.contains("head"), "[{}] {b}", db.name);
    delete_event(&raw, n + 1).await;
    assert_intact(&db, &db.store).await;

    // Swapped in for a real event, correctly sealed to its predecessor.
    let k = n / 2;
    let before = read_event(&raw, k - 1).await;
    let real = read_event(&raw, k).await;
    delete_event(&raw, k).await;
    let forged = AuditEvent::seal(
        AuditDraft::system("mallory", None, "user", None, "noop", json!({})),
        k,
        real.at,
        &before.hash,
    );
    write_event(&raw, &forged).await;
    let b = broken(&db).await;
    assert_eq!(b.seq, k + 1, "[{}] {b}", db.name);
    delete_event(&raw, k).await;
    write_event(&raw, &real).await;
    assert_intact(&db, &db.store).await;

    // Garbage with a fresh number and no valid hash.
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor, entity, action, changes, prev_hash, hash) \
         VALUES ($1, 0, 'x', 'x', 'x', '{}', 'x', 'x')",
    )
    .bind(n + 10)
    .execute(&raw)
    .await
    .expect("insert garbage");
    assert_eq!(broken(&db).await.seq, n + 10);
    raw.close().await;
});

store_test!(concurrent_writers_make_one_chain, |db| async move {
    let w = world(&db.store).await;
    let users_before = db.count("users").await;
    let events_before = assert_intact(&db, &db.store).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = db.store.clone();
        let actor = w.actor_a.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let name = format!("c{t}-{i}");
                users::create_user(
                    &store,
                    &actor,
                    users::NewUser {
                        username: name.clone(),
                        email: format!("{name}@example.com"),
                        display_name: name.clone(),
                        password: None,
                        roles: vec!["employee".into()],
                    },
                )
                .await
                .map_err(|e| format!("{name}: {e}"))?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.expect("task ran").expect("every create succeeds");
    }
    assert_eq!(db.count("users").await, users_before + 80);
    let n = assert_intact(&db, &db.store).await;
    assert_eq!(n, events_before + 80, "[{}] one event per user", db.name);
    let page = users::list_users(
        &db.store,
        &w.actor_a,
        &users::UserQuery {
            role: Some("employee".into()),
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(page.total, 80);
});

pg_test!(two_instances_make_one_chain, |db| async move {
    let w = world(&db.store).await;
    let other = db.another_store().await;
    // The second instance migrates at start as a server does: nothing to do.
    assert!(other.migrate().await.expect("migrate").applied.is_empty());
    let events_before = assert_intact(&db, &db.store).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = if t % 2 == 0 {
            db.store.clone()
        } else {
            other.clone()
        };
        let actor = w.actor_a.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let name = format!("i{t}-{i}");
                let id = users::create_user(
                    &store,
                    &actor,
                    users::NewUser {
                        username: name.clone(),
                        email: format!("{name}@example.com"),
                        display_name: name.clone(),
                        password: None,
                        roles: vec![],
                    },
                )
                .await
                .map_err(|e| format!("{name}: {e}"))?;
                store
                    .set_setting(
                        &format!("k{t}"),
                        &i.to_string(),
                        AuditDraft::by(&actor, "setting", None, "set", json!({"v": i})),
                    )
                    .await
                    .map_err(|e| format!("setting {t}: {e}"))?;
                store
                    .update_user(
                        actor.company_id,
                        id,
                        &format!("{name}.x@example.com"),
                        "renamed",
                        1,
                        AuditDraft::by(&actor, "user", Some(id.to_string()), "update", json!({})),
                    )
                    .await
                    .map_err(|e| format!("update {name}: {e}"))?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.expect("task ran").expect("every write succeeds");
    }
    let n = assert_intact(&db, &db.store).await;
    assert_eq!(n, events_before + 8 * 10 * 3);
    assert_eq!(other.verify().await.expect("verify"), Ok(n as u64));
    assert_eq!(
        db.store.setting("k7").await.expect("setting"),
        Some("9".to_string())
    );
    other.close().await;
});
