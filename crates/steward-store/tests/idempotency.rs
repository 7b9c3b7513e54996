//! Idempotency keys and settings.
use crate::common;

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

fn setting(v: &str) -> AuditDraft {
    AuditDraft::system(
        "test",
        None,
        "setting",
        Some("retried".into()),
        "set",
        json!({ "v": v }),
    )
}

// Issue 14, item 13: a claim is a lease. A retry after the holder is gone takes over a
// claim whose write did not commit, and rebuilds the answer of one whose write did; a
// holder that lost its claim cannot write any more (the write's transaction is refused).
store_test!(claims_are_leases_a_retry_takes_over, |db| async move {
    use steward_core::idempotency::{
        current, scope, Claim, Holder, IdempotencyStore, KeyedRequest,
    };
    let s = &db.store;
    let w = world(s).await;
    let u = w.admin_a;
    let req = KeyedRequest {
        user: u,
        key: "crash-1",
        method: "POST",
        path: "/api/v1/things",
        request_hash: "h1",
    };
    let t0 = Timestamp::now();
    let lease = |t: Timestamp| t.plus_secs(10);
    let a = Holder::new(u, "crash-1");
    assert_eq!(
        s.claim_idempotency(req, &a, t0, lease(t0))
            .await
            .expect("claim"),
        Claim::Fresh { taken_over: false }
    );
    // While a's lease is live, a retry waits.
    let b = Holder::new(u, "crash-1");
    assert_eq!(
        s.claim_idempotency(req, &b, t0.plus_secs(5), lease(t0.plus_secs(5)))
            .await
            .expect("claim"),
        Claim::InProgress
    );
    assert!(
        !s.renew_idempotency(&b, lease(t0)).await.expect("renew"),
        "b holds nothing"
    );
    // a's process dies before writing; once its lease ran out, b takes the claim over.
    let t1 = t0.plus_secs(11);
    assert_eq!(
        s.claim_idempotency(req, &b, t1, lease(t1))
            .await
            .expect("claim"),
        Claim::Fresh { taken_over: true }
    );
    // Had a only stalled, it can no longer write: its transaction is refused, nothing kept.
    let events = db.count("audit_events").await;
    let refused = scope(a.clone(), s.set_setting("retried", "by a", setting("by a"))).await;
    assert!(
        matches!(refused, Err(steward_core::Error::Conflict { .. })),
        "{refused:?}"
    );
    assert_eq!(s.setting("retried").await.expect("read"), None);
    assert_eq!(db.count("audit_events").await, events);
    assert!(!s.renew_idempotency(&a, lease(t1)).await.expect("renew"));
    // b writes; the claim is marked committed in the same transaction.
    let written = scope(b.clone(), async {
        assert_eq!(current(), Some(b.clone()));
        s.set_setting("retried", "by b", setting("by b")).await
    })
    .await;
    written.expect("b writes");
    assert_eq!(current(), None);
    // b dies before keeping its answer. The next retry (after b's lease) gets the claim
    // with what b wrote, to rebuild the answer; it does not run the request again.
    let c = Holder::new(u, "crash-1");
    assert_eq!(
        s.claim_idempotency(req, &c, t1.plus_secs(5), lease(t1.plus_secs(5)))
            .await
            .expect("claim"),
        Claim::InProgress,
        "b's lease is still live"
    );
    let t2 = t1.plus_secs(11);
    assert_eq!(
        s.claim_idempotency(req, &c, t2, lease(t2))
            .await
            .expect("claim"),
        Claim::Committed {
            entity: "setting".into(),
            entity_id: "retried".into()
        }
    );
    s.complete_idempotency(&c, 201, "{\"rebuilt\":true}")
        .await
        .expect("complete");
    // From then on every retry replays that answer; a late complete by b changes nothing.
    s.complete_idempotency(&b, 500, "late")
        .await
        .expect("complete");
    let d = Holder::new(u, "crash-1");
    match s
        .claim_idempotency(req, &d, t2.plus_secs(60), lease(t2.plus_secs(60)))
        .await
        .expect("claim")
    {
        Claim::Replay(r) => assert_eq!((r.status, r.body.as_str()), (201, "{\"rebuilt\":true}")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.setting("retried").await.expect("read").as_deref(),
        Some("by b")
    );
    assert_eq!(s.verify().await.expect("verify"), Ok((events + 1) as u64));

    // A request that failed on our side frees its key, unless its write had committed:
    // then the next retry rebuilds the answer at once (no lease to wait out).
    let req2 = KeyedRequest {
        key: "crash-2",
        ..req
    };
    let e = Holder::new(u, "crash-2");
    assert_eq!(
        s.claim_idempotency(req2, &e, t0, lease(t0))
            .await
            .expect("claim"),
        Claim::Fresh { taken_over: false }
    );
    s.release_idempotency(&e).await.expect("release");
    let f = Holder::new(u, "crash-2");
    assert_eq!(
        s.claim_idempotency(req2, &f, t0, lease(t0))
            .await
            .expect("claim"),
        Claim::Fresh { taken_over: false }
    );
    scope(f.clone(), s.set_setting("second", "x", setting("x")))
        .await
        .expect("write");
    s.release_idempotency(&f).await.expect("release");
    let g = Holder::new(u, "crash-2");
    assert!(matches!(
        s.claim_idempotency(req2, &g, t0, lease(t0))
            .await
            .expect("claim"),
        Claim::Committed { .. }
    ));
    // Of two retries racing for a dead holder's claim, one gets it.
    let req3 = KeyedRequest {
        key: "crash-3",
        ..req
    };
    let h = Holder::new(u, "crash-3");
    s.claim_idempotency(req3, &h, t0, lease(t0))
        .await
        .expect("claim");
    let (x, y) = (Holder::new(u, "crash-3"), Holder::new(u, "crash-3"));
    let (rx, ry) = tokio::join!(
        s.claim_idempotency(req3, &x, t1, lease(t1)),
        s.claim_idempotency(req3, &y, t1, lease(t1)),
    );
    let fresh = [rx.expect("x"), ry.expect("y")]
        .iter()
        .filter(|c| matches!(c, Claim::Fresh { taken_over: true }))
        .count();
    assert_eq!(fresh, 1, "exactly one retry takes over");
});
