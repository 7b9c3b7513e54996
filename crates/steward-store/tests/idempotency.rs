//! Idempotency keys and settings.
#[macro_use]
mod common;

use serde_json::json;
use steward_core::audit::{AuditDraft, AuditStore};
use steward_core::ids::UserId;
use steward_core::system::SystemStore;
use steward_core::time::Timestamp;
use steward_store::idempotency::StoredResponse;

use common::world;

fn resp(status: u16, body: &str) -> StoredResponse {
    StoredResponse {
        method: "POST".into(),
        path: "/api/v1/users".into(),
        status,
        body: body.into(),
    }
}

store_test!(remembered_responses, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let (u, other) = (w.admin_a, w.admin_b);
    assert_eq!(s.idempotent_response(u, "k1").await.expect("read"), None);

    let first = resp(201, r#"{"id":7,"name":"Zoë ✓"}"#);
    s.remember_response(u, "k1", &first)
        .await
        .expect("remember");
    assert_eq!(
        s.idempotent_response(u, "k1").await.expect("read"),
        Some(first.clone()),
        "[{}] the remembered answer comes back whole",
        db.name
    );
    // A second answer under the same key does not replace the first.
    s.remember_response(u, "k1", &resp(500, "later"))
        .await
        .expect("a second remember is not an error");
    assert_eq!(
        s.idempotent_response(u, "k1").await.expect("read"),
        Some(first.clone())
    );
    // Keys belong to their user.
    assert_eq!(
        s.idempotent_response(other, "k1").await.expect("read"),
        None
    );
    let theirs = resp(409, "{}");
    s.remember_response(other, "k1", &theirs)
        .await
        .expect("remember");
    assert_eq!(
        s.idempotent_response(other, "k1").await.expect("read"),
        Some(theirs)
    );
    assert_eq!(
        s.idempotent_response(u, "k1").await.expect("read"),
        Some(first.clone())
    );
    // Concurrent first answers: exactly one is kept, and it is whole.
    let mut tasks = Vec::new();
    for i in 0..6u16 {
        let store = s.clone();
        tasks.push(tokio::spawn(async move {
            store
                .remember_response(UserId(u.0), "race", &resp(200 + i, &format!("body {i}")))
                .await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("remember under contention");
    }
    let kept = s
        .idempotent_response(u, "race")
        .await
        .expect("read")
        .expect("one answer kept");
    assert_eq!(kept.body, format!("body {}", kept.status - 200));

    // Purging forgets old keys only.
    assert_eq!(
        s.purge_idempotency(Timestamp::now().plus_secs(-3600))
            .await
            .expect("purge"),
        0
    );
    assert_eq!(
        s.purge_idempotency(Timestamp::now().plus_secs(1))
            .await
            .expect("purge"),
        3
    );
    assert_eq!(s.idempotent_response(u, "k1").await.expect("read"), None);
});

store_test!(settings_are_audited, |db| async move {
    let s = &db.store;
    assert_eq!(s.setting("name").await.expect("read"), None);
    let events = db.count("audit_events").await;
    for v in ["one", "two"] {
        s.set_setting(
            "name",
            v,
            AuditDraft::system(
                "test",
                None,
                "setting",
                Some("name".into()),
                "set",
                json!({ "v": v }),
            ),
        )
        .await
        .expect("set");
    }
    assert_eq!(
        s.setting("name").await.expect("read").as_deref(),
        Some("two")
    );
    assert_eq!(db.count("settings").await, 1);
    assert_eq!(db.count("audit_events").await, events + 2);
    assert_eq!(s.verify().await.expect("verify"), Ok((events + 2) as u64));
    s.ping().await.expect("ping");
});
