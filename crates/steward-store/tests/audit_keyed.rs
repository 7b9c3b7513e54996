//! The keyed audit chain (its own test binary: the key is the process's, so every test here
//! runs keyed). Each way of rewriting the trail behind the store's back is caught and named:
//! an edited row, a deleted row, an inserted row, a re-encoded JSON text, the newest rows
//! removed with the head moved back (caught by a checkpoint), and the whole trail re-sealed
//! without the key. Also: the database itself refuses UPDATE and DELETE of audit rows, and
//! a company's verification tells it about its own events only.
use crate::common;

use sqlx::{AnyPool, Row};
use steward_core::audit::{
    self, AuditKey, AuditStore, ChainBreak, Checkpoint, StoredEvent, GENESIS,
};
use steward_core::users;

use common::{create_user, world, TestDb, PASSWORD};

/// From the second event on: the first (migration's `sync_builtin`) may be written before a
/// test sets the key, as a database from before keys would have it.
fn key() -> AuditKey {
    AuditKey::from_secret([7u8; 32], 2)
}

/// Every test here seals with the same key (set before anything but the migration writes).
async fn keyed(db: &TestDb) {
    steward_store::set_audit_key(Some(key()));
    let w = world(&db.store).await;
    for (i, name) in ["ann", "ben", "cat", "dan"].iter().enumerate() {
        let actor = if i % 2 == 0 { &w.actor_a } else { &w.actor_b };
        create_user(&db.store, actor, name, &["employee"], Some(PASSWORD)).await;
    }
}

async fn broken(db: &TestDb) -> ChainBreak {
    match db.store.verify().await.expect("verify runs") {
        Ok(n) => panic!("[{}] tampering went unnoticed ({n} events)", db.name),
        Err(b) => b,
    }
}

/// The attacker's first move: the triggers that forbid changing audit rows.
async fn drop_guards(db: &TestDb, _raw: &AnyPool) {
    db.drop_audit_guards().await;
}

async fn rows(raw: &AnyPool) -> Vec<StoredEvent> {
    sqlx::query("SELECT * FROM audit_events ORDER BY seq")
        .fetch_all(raw)
        .await
        .expect("rows")
        .iter()
        .map(|r| StoredEvent {
            seq: r.try_get("seq").expect("seq"),
            at: r.try_get("at").expect("at"),
            company_id: r.try_get("company_id").expect("company_id"),
            actor_id: r.try_get("actor_id").expect("actor_id"),
            actor: r.try_get("actor").expect("actor"),
            ip: r.try_get("ip").expect("ip"),
            entity: r.try_get("entity").expect("entity"),
            entity_id: r.try_get("entity_id").expect("entity_id"),
            action: r.try_get("action").expect("action"),
            changes: r.try_get("changes").expect("changes"),
            prev_hash: r.try_get("prev_hash").expect("prev_hash"),
            hash: r.try_get("hash").expect("hash"),
        })
        .collect()
}

async fn insert(raw: &AnyPool, e: &StoredEvent) {
    sqlx::query(
        "INSERT INTO audit_events (seq, at, company_id, actor_id, actor, ip, entity, entity_id, action, changes, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(e.seq)
    .bind(e.at)
    .bind(e.company_id)
    .bind(e.actor_id)
    .bind(&e.actor)
    .bind(&e.ip)
    .bind(&e.entity)
    .bind(&e.entity_id)
    .bind(&e.action)
    .bind(&e.changes)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(raw)
    .await
    .expect("insert row");
}

async fn exec(raw: &AnyPool, sql: &str) {
    sqlx::query(sql).execute(raw).await.expect(sql);
}

store_test!(the_database_refuses_to_change_audit_rows, |db| async move {
    keyed(&db).await;
    let raw = db.raw().await;
    for sql in [
        "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
        "DELETE FROM audit_events",
    ] {
        assert!(
            sqlx::query(sql).execute(&raw).await.is_err(),
            "[{}] {sql} went through",
            db.name
        );
    }
    if db.name == "PostgreSQL" {
        assert!(sqlx::query("TRUNCATE audit_events")
            .execute(&raw)
            .await
            .is_err());
    }
    raw.close().await;
    assert!(db.store.verify().await.expect("verify").is_ok());
});

store_test!(every_rewrite_is_caught_and_named, |db| async move {
    keyed(&db).await;
    let n = db.store.verify().await.expect("verify").expect("intact") as i64;
    assert!(n >= 8, "[{}] {n} events", db.name);
    let raw = db.raw().await;
    drop_guards(&db, &raw).await;
    let original = rows(&raw).await;
    let k = n / 2;

    // An edited row.
    exec(
        &raw,
        &format!("UPDATE audit_events SET actor = 'mallory' WHERE seq = {k}"),
    )
    .await;
    let b = broken(&db).await;
    assert_eq!(b.seq, k, "[{}] {b}", db.name);
    assert!(b.reason.contains("changed"), "{b}");
    exec(&raw, &format!("DELETE FROM audit_events WHERE seq = {k}")).await;
    insert(&raw, &original[(k - 1) as usize]).await;
    assert!(db.store.verify().await.expect("verify").is_ok());

    // The same JSON written differently (a duplicate key, spaces): the stored bytes count.
    let e = &original[(k - 1) as usize];
    let respelled = format!("{} ", e.changes);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&respelled).expect("still JSON"),
        serde_json::from_str::<serde_json::Value>(&e.changes).expect("JSON")
    );
    exec(&raw, &format!("DELETE FROM audit_events WHERE seq = {k}")).await;
    insert(
        &raw,
        &StoredEvent {
            changes: respelled,
            ..e.clone()
        },
    )
    .await;
    assert_eq!(broken(&db).await.seq, k, "[{}] re-encoded JSON", db.name);
    exec(&raw, &format!("DELETE FROM audit_events WHERE seq = {k}")).await;
    insert(&raw, e).await;

    // A deleted middle row.
    exec(&raw, &format!("DELETE FROM audit_events WHERE seq = {k}")).await;
    let b = broken(&db).await;
    assert_eq!(b.seq, k + 1, "[{}] {b}", db.name);
    assert!(b.reason.contains("removed"), "{b}");
    insert(&raw, e).await;

    // An inserted row, sealed as well as one can without the key.
    exec(
        &raw,
        &format!("DELETE FROM audit_events WHERE seq > {}", n - 1),
    )
    .await;
    let mut forged = original[(n - 1) as usize].clone();
    forged.actor = "mallory".into();
    forged.hash = forged.legacy_hash();
    insert(&raw, &forged).await;
    let b = broken(&db).await;
    assert_eq!(b.seq, n, "[{}] {b}", db.name);
    assert!(b.reason.contains("without the key"), "{b}");
    exec(&raw, &format!("DELETE FROM audit_events WHERE seq = {n}")).await;
    insert(&raw, &original[(n - 1) as usize]).await;
    assert!(db.store.verify().await.expect("verify").is_ok());

    // The whole trail rewritten with plain SHA-256 (the old scheme) and the head moved.
    exec(&raw, "DELETE FROM audit_events").await;
    let mut prev = GENESIS.to_string();
    for e in &original {
        let mut r = e.clone();
        r.prev_hash = prev.clone();
        if r.seq == k {
            r.actor = "mallory".into();
        }
        r.hash = r.legacy_hash();
        prev = r.hash.clone();
        insert(&raw, &r).await;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&raw)
        .await
        .expect("head");
    // The first event was never keyed; the second is where the rewrite shows.
    let b = broken(&db).await;
    assert_eq!(b.seq, 2, "[{}] {b}", db.name);
    assert!(b.reason.contains("without the key"), "{b}");
    // Put back.
    exec(&raw, "DELETE FROM audit_events").await;
    for e in &original {
        insert(&raw, e).await;
    }
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&original[(n - 1) as usize].hash)
        .execute(&raw)
        .await
        .expect("head");
    assert!(db.store.verify().await.expect("verify").is_ok());
    raw.close().await;
});

store_test!(a_checkpoint_catches_a_truncated_trail, |db| async move {
    keyed(&db).await;
    let text = audit::checkpoint(&db.store)
        .await
        .expect("checkpoint")
        .expect("intact");
    let cp = audit::read_checkpoint(&db.store, &text).expect("reads back");
    let n = cp.seq;
    // Later events, then the newest rows removed and the head moved back to match.
    let w = world_more(&db).await;
    let raw = db.raw().await;
    drop_guards(&db, &raw).await;
    let before = rows(&raw).await;
    let keep = n - 2;
    exec(
        &raw,
        &format!("DELETE FROM audit_events WHERE seq > {keep}"),
    )
    .await;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(keep)
        .bind(&before[(keep - 1) as usize].hash)
        .execute(&raw)
        .await
        .expect("head");
    // Without the checkpoint the shortened trail looks whole...
    assert!(db.store.verify().await.expect("verify").is_ok(), "{w}");
    // ...with it, the missing events are named.
    let b = audit::verify_all(&db.store, Some(&cp))
        .await
        .expect("verify")
        .expect_err("truncation caught");
    assert!(
        b.reason.contains("missing") && b.reason.contains(&format!("{}..={}", keep + 1, n)),
        "[{}] {b}",
        db.name
    );
    // A checkpoint whose text was altered is refused; one of another key too.
    let altered = text.replace(&format!("seq: {n}"), &format!("seq: {}", n - 1));
    assert!(audit::read_checkpoint(&db.store, &altered).is_err());
    let other = Checkpoint::parse(&text, &AuditKey::from_secret([8u8; 32], 1));
    assert!(other.is_err());
    raw.close().await;
});

async fn world_more(db: &TestDb) -> String {
    let c = steward_core::company::create_company(&db.store, "test", "Gamma", "EUR")
        .await
        .expect("company");
    format!("company {c}")
}

store_test!(a_company_verifies_its_own_events_only, |db| async move {
    keyed(&db).await;
    let s = &db.store;
    let total = s.verify().await.expect("verify").expect("intact");
    let ann = users::list_users(s, &cli_admin(&db).await, &users::UserQuery::default())
        .await
        .expect("list");
    assert!(ann.total > 0);
    let admin = cli_admin(&db).await;
    let mine = audit::verify(s, &admin)
        .await
        .expect("verify")
        .expect("intact");
    assert!(
        mine < total,
        "[{}] a company's admin learns its own count ({mine}), not the total ({total})",
        db.name
    );
    let raw = db.raw().await;
    let own: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_events WHERE company_id = $1")
        .bind(admin.company_id.0)
        .fetch_one(&raw)
        .await
        .expect("count")
        .try_get("n")
        .expect("n");
    assert_eq!(mine as i64, own);
    // A break in another company's event is reported without its number.
    drop_guards(&db, &raw).await;
    let other: i64 = sqlx::query(
        "SELECT MIN(seq) AS s FROM audit_events WHERE company_id IS NOT NULL AND company_id <> $1",
    )
    .bind(admin.company_id.0)
    .fetch_one(&raw)
    .await
    .expect("other")
    .try_get("s")
    .expect("s");
    exec(
        &raw,
        &format!("UPDATE audit_events SET actor = 'x' WHERE seq = {other}"),
    )
    .await;
    let b = audit::verify(s, &admin)
        .await
        .expect("verify")
        .expect_err("broken");
    assert_eq!(b.seq, 0, "[{}] {b}", db.name);
    assert!(b.reason.contains("outside this company"), "{b}");
    // The operator sees where.
    assert_eq!(broken(&db).await.seq, other);
    raw.close().await;
});

/// Company A's admin, signed in (not the command line).
async fn cli_admin(db: &TestDb) -> steward_core::auth::Actor {
    let u = users::UserStore::find_user(&db.store, first_company(db).await, "admin-a")
        .await
        .expect("find")
        .expect("admin-a");
    let mut a = steward_core::auth::session::cli_actor(&db.store, u.id, first_company(db).await)
        .await
        .expect("actor");
    a.via = steward_core::auth::Via::Session;
    a
}

async fn first_company(db: &TestDb) -> steward_core::ids::CompanyId {
    let raw = db.raw().await;
    let id: i64 = sqlx::query("SELECT MIN(id) AS id FROM companies")
        .fetch_one(&raw)
        .await
        .expect("company")
        .try_get("id")
        .expect("id");
    raw.close().await;
    steward_core::ids::CompanyId(id)
}
