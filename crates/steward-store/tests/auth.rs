//! Signing in, sessions, throttling, passwords and API tokens, on the real store.
use crate::common;

use steward_core::audit::{AuditQuery, AuditStore};
use steward_core::auth::session::{
    change_password, cli_actor, resolve_page_session, resolve_session, resolve_token, sign_in,
    sign_out, switch_company, AuthStore, FrameCompany, PageFrame, SessionConfig, SignIn,
};
use steward_core::auth::Via;
use steward_core::list::Paging;
use steward_core::tokens::{self, TokenStore};
use steward_core::users;
use steward_core::Error;

use common::{create_user, world, PASSWORD};

const NEW_PASSWORD: &str = "another quite unusual phrase";

fn req<'a>(login: &'a str, password: &'a str) -> SignIn<'a> {
    SignIn {
        login,
        password,
        ip: None,
        user_agent: Some("tests".into()),
    }
}

/// Makes `user` a member of `company` (no roles).
async fn add_membership(
    s: &steward_store::Store,
    user: steward_core::ids::UserId,
    company: steward_core::ids::CompanyId,
) {
    s.add_membership(
        user,
        company,
        steward_core::audit::AuditDraft::system(
            "test",
            None,
            "membership",
            None,
            "add",
            serde_json::json!({}),
        ),
    )
    .await
    .expect("add membership");
}

fn is_unauthenticated<T: std::fmt::Debug>(r: &Result<T, Error>) -> bool {
    matches!(r, Err(Error::Unauthenticated))
}

store_test!(sign_in_and_throttling, |db| async move {
    let s = &db.store;
    let cfg = SessionConfig::default();
    let w = world(s).await;
    let carol = create_user(s, &w.actor_a, "carol", &["employee"], Some(PASSWORD)).await;
    create_user(s, &w.actor_a, "nopass", &["employee"], None).await;

    // The right password opens a session that resolves to the user in their company.
    let ns = sign_in(s, &cfg, req("carol", PASSWORD))
        .await
        .expect("sign in with the right password");
    assert_eq!(ns.user_id, carol);
    assert_eq!(ns.company_id, w.a);
    let actor = resolve_session(s, &cfg, &ns.secret, Some("192.0.2.1".into()))
        .await
        .expect("resolve the new session");
    assert_eq!(actor.user_id, carol);
    assert_eq!(actor.company_id, w.a);
    assert_eq!(actor.company_name, "Alpha Ltd");
    assert_eq!(actor.role_keys, vec!["employee"]);
    assert_eq!(actor.via, Via::Session);
    assert!(!actor.read_only);
    assert_eq!(actor.ip.as_deref(), Some("192.0.2.1"));
    // Only the hash of the secret is stored.
    assert!(s.get_session(&ns.secret).await.expect("get").is_none());
    // An unknown secret is no session.
    assert!(is_unauthenticated(
        &resolve_session(s, &cfg, "not-a-session", None).await
    ));
    // The e-mail address works as the login, in any case.
    sign_in(s, &cfg, req(" CAROL@Example.com ", PASSWORD))
        .await
        .expect("sign in by e-mail address");

    // Wrong password, unknown account, account without password: the same answer.
    let wrong = sign_in(s, &cfg, req("carol", "not the password at all"))
        .await
        .err()
        .expect("wrong password refused");
    let unknown = sign_in(s, &cfg, req("nobody-here", PASSWORD))
        .await
        .err()
        .expect("unknown account refused");
    let nopass = sign_in(s, &cfg, req("nopass", PASSWORD))
        .await
        .err()
        .expect("account without password refused");
    assert!(matches!(wrong, Error::Invalid { .. }), "{wrong:?}");
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert_eq!(wrong.to_string(), nopass.to_string());

    // Failures are audited, in the account's company when the account exists.
    let failed = steward_core::audit::list_events(
        s,
        &w.actor_a,
        &AuditQuery {
            action: Some("sign_in_failed".into()),
            paging: Paging::new(Some(100), None),
            ..Default::default()
        },
    )
    .await
    .expect("list failures");
    assert_eq!(failed.total, 2, "[{}] carol's and nopass's", db.name);

    // Failures beyond the free ones make the account wait, doubling: never a lock. A short
    // delay here (the rule itself is tested in core) keeps the test fast.
    let cfg = SessionConfig {
        free_failures_per_account: 2,
        max_delay_secs: 1,
        ..SessionConfig::default()
    };
    // carol has one failure; one more is free, the next is refused and makes her wait.
    for i in 0..2 {
        let r = sign_in(s, &cfg, req("carol", "still not the password")).await;
        assert!(
            matches!(r, Err(Error::Invalid { .. })),
            "[{}] failure {} is a plain refusal: {:?}",
            db.name,
            i + 2,
            r.err()
        );
    }
    let r = sign_in(s, &cfg, req("carol", PASSWORD)).await;
    assert!(
        matches!(
            r,
            Err(Error::Throttled {
                retry_after_secs: 1
            })
        ),
        "[{}] the right password while the account waits: {:?}",
        db.name,
        r.as_ref().err()
    );
    // A refused attempt is not counted; other accounts are not affected; the existing
    // session still works.
    sign_in(s, &cfg, req("admin-a", PASSWORD))
        .await
        .expect("another account signs in");
    resolve_session(s, &cfg, &ns.secret, None)
        .await
        .expect("the earlier session still resolves");
    // Once the wait is over the right password gets in, and clears the count.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    sign_in(s, &cfg, req("carol", PASSWORD))
        .await
        .expect("the right password after the wait");
    sign_in(s, &cfg, req("carol", "wrong again, but counted from zero"))
        .await
        .err()
        .expect("wrong");
    sign_in(s, &cfg, req("carol", PASSWORD))
        .await
        .expect("the count started again from zero");

    assert!(matches!(s.verify().await, Ok(Ok(_))));
});

store_test!(sessions_end, |db| async move {
    let s = &db.store;
    let cfg = SessionConfig::default();
    let w = world(s).await;
    let dave = create_user(s, &w.actor_a, "dave", &["employee"], Some(PASSWORD)).await;
    let erin = create_user(s, &w.actor_a, "erin", &["employee"], Some(PASSWORD)).await;

    // Disabling a user ends their sessions and stops them signing in.
    let d = sign_in(s, &cfg, req("dave", PASSWORD)).await.expect("dave");
    resolve_session(s, &cfg, &d.secret, None)
        .await
        .expect("dave's session");
    users::set_disabled(s, &w.actor_a, dave, true)
        .await
        .expect("disable dave");
    assert!(is_unauthenticated(
        &resolve_session(s, &cfg, &d.secret, None).await
    ));
    let r = sign_in(s, &cfg, req("dave", PASSWORD)).await;
    assert!(
        matches!(&r, Err(Error::Invalid { .. })),
        "[{}] a disabled user cannot sign in: {:?}",
        db.name,
        r.as_ref().err()
    );
    users::set_disabled(s, &w.actor_a, dave, false)
        .await
        .expect("enable dave");
    assert!(
        is_unauthenticated(&resolve_session(s, &cfg, &d.secret, None).await),
        "re-enabling does not revive the old session"
    );
    sign_in(s, &cfg, req("dave", PASSWORD))
        .await
        .expect("dave signs in again");

    // Changing the password ends every session of the user.
    let e1 = sign_in(s, &cfg, req("erin", PASSWORD))
        .await
        .expect("erin 1");
    let e2 = sign_in(s, &cfg, req("erin", PASSWORD))
        .await
        .expect("erin 2");
    let erin_actor = resolve_session(s, &cfg, &e1.secret, None)
        .await
        .expect("erin's session");
    assert_eq!(erin_actor.user_id, erin);
    let r = change_password(
        s,
        &erin_actor,
        "wrong current pass",
        NEW_PASSWORD,
        NEW_PASSWORD,
    )
    .await;
    assert!(matches!(&r, Err(Error::Invalid { field, .. }) if field == "current_password"));
    resolve_session(s, &cfg, &e2.secret, None)
        .await
        .expect("a refused change ends nothing");
    change_password(s, &erin_actor, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
        .await
        .expect("change password");
    assert!(is_unauthenticated(
        &resolve_session(s, &cfg, &e1.secret, None).await
    ));
    assert!(is_unauthenticated(
        &resolve_session(s, &cfg, &e2.secret, None).await
    ));
    assert!(sign_in(s, &cfg, req("erin", PASSWORD)).await.is_err());
    let e3 = sign_in(s, &cfg, req("erin", NEW_PASSWORD))
        .await
        .expect("the new password works");
    // Another user's sessions are untouched by erin's change.
    let dave_again = sign_in(s, &cfg, req("dave", PASSWORD)).await.expect("dave");

    // Signing out ends that session only.
    let erin_actor = resolve_session(s, &cfg, &e3.secret, None)
        .await
        .expect("erin");
    sign_out(s, &erin_actor, &e3.secret)
        .await
        .expect("sign out");
    assert!(is_unauthenticated(
        &resolve_session(s, &cfg, &e3.secret, None).await
    ));
    resolve_session(s, &cfg, &dave_again.secret, None)
        .await
        .expect("dave still signed in");

    // An idle session is ended when next seen.
    let idle = SessionConfig {
        idle_timeout_secs: 0,
        ..SessionConfig::default()
    };
    let e4 = sign_in(s, &cfg, req("erin", NEW_PASSWORD))
        .await
        .expect("erin");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert!(is_unauthenticated(
        &resolve_session(s, &idle, &e4.secret, None).await
    ));
    assert!(
        s.get_session(&steward_core::auth::session::secret_hash(&e4.secret))
            .await
            .expect("get")
            .is_none(),
        "the idle session was removed"
    );

    // Switching company moves the session; only to a company the user belongs to.
    let e5 = sign_in(s, &cfg, req("erin", NEW_PASSWORD))
        .await
        .expect("erin");
    let a = resolve_session(s, &cfg, &e5.secret, None)
        .await
        .expect("erin");
    assert!(matches!(
        switch_company(s, &a, &e5.secret, w.b).await,
        Err(Error::NotFound { .. })
    ));
    add_membership(s, erin, w.b).await;
    switch_company(s, &a, &e5.secret, w.b)
        .await
        .expect("switch to B");
    let in_b = resolve_session(s, &cfg, &e5.secret, None)
        .await
        .expect("erin in B");
    assert_eq!(in_b.company_id, w.b);
    assert!(in_b.grants.is_empty(), "no roles in B");

    assert!(matches!(s.verify().await, Ok(Ok(_))));
});

store_test!(api_tokens, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let tom = create_user(s, &w.actor_a, "tom", &["employee"], None).await;
    let tom_actor = cli_actor(s, tom, w.a).await.expect("tom's actor");

    let (rw_id, rw) = tokens::create_token(s, &w.actor_a, "ci", false)
        .await
        .expect("create token");
    let (ro_id, ro) = tokens::create_token(s, &w.actor_a, "reports", true)
        .await
        .expect("create read-only token");
    assert!(rw.starts_with(tokens::PREFIX));
    assert_ne!(rw, ro);

    let a = resolve_token(s, tokens::strip_prefix(&rw), None)
        .await
        .expect("resolve token");
    assert_eq!(a.user_id, w.admin_a);
    assert_eq!(a.company_id, w.a);
    assert_eq!(a.via, Via::Token);
    assert!(!a.read_only);
    assert_eq!(a.role_keys, vec!["admin"]);

    let r = resolve_token(s, tokens::strip_prefix(&ro), None)
        .await
        .expect("resolve read-only token");
    assert!(r.read_only, "[{}] a read-only token's actor", db.name);
    // A read-only admin reads but cannot write.
    users::list_users(s, &r, &Default::default())
        .await
        .expect("read with a read-only token");
    let created = users::create_user(
        s,
        &r,
        users::NewUser {
            username: "via-ro".into(),
            email: "via-ro@example.com".into(),
            display_name: "Nope".into(),
            password: None,
            roles: vec![],
        },
    )
    .await;
    assert!(matches!(created, Err(Error::Forbidden)), "{created:?}");
    assert!(matches!(
        tokens::create_token(s, &r, "more", false).await,
        Err(Error::Forbidden)
    ));

    // Using a token is recorded.
    let listed = tokens::list_tokens(s, &w.actor_a).await.expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|t| t.last_used_at.is_some()));
    assert!(listed.iter().all(|t| t.revoked_at.is_none()));
    assert_eq!(
        listed.iter().find(|t| t.id == ro_id).map(|t| t.read_only),
        Some(true)
    );
    // Tokens are per user.
    assert!(tokens::list_tokens(s, &tom_actor)
        .await
        .expect("list")
        .is_empty());
    assert!(matches!(
        tokens::revoke_token(s, &tom_actor, rw_id).await,
        Err(Error::NotFound { .. })
    ));
    resolve_token(s, tokens::strip_prefix(&rw), None)
        .await
        .expect("another user cannot revoke it");

    tokens::revoke_token(s, &w.actor_a, rw_id)
        .await
        .expect("revoke");
    assert!(is_unauthenticated(
        &resolve_token(s, tokens::strip_prefix(&rw), None).await
    ));
    assert!(matches!(
        tokens::revoke_token(s, &w.actor_a, rw_id).await,
        Err(Error::NotFound { .. })
    ));
    let listed = s.list_tokens(w.admin_a, w.a).await.expect("list");
    assert!(listed
        .iter()
        .find(|t| t.id == rw_id)
        .is_some_and(|t| t.revoked_at.is_some()));
    resolve_token(s, tokens::strip_prefix(&ro), None)
        .await
        .expect("the other token still works");
    assert!(is_unauthenticated(
        &resolve_token(s, "no-such-token", None).await
    ));

    // A disabled user's tokens stop working.
    let (_, tom_token) = tokens::create_token(s, &tom_actor, "tom's", false)
        .await
        .expect("tom's token");
    resolve_token(s, tokens::strip_prefix(&tom_token), None)
        .await
        .expect("tom's token works");
    users::set_disabled(s, &w.actor_a, tom, true)
        .await
        .expect("disable tom");
    assert!(is_unauthenticated(
        &resolve_token(s, tokens::strip_prefix(&tom_token), None).await
    ));

    assert!(matches!(s.verify().await, Ok(Ok(_))));
});

// A password change or reset ends the user's API tokens as well as their sessions:
// whoever took a token while they knew the old password is out with it.
store_test!(a_new_password_ends_tokens_too, |db| async move {
    let s = &db.store;
    let cfg = SessionConfig::default();
    let w = world(s).await;
    let fay = create_user(s, &w.actor_a, "fay", &["employee"], Some(PASSWORD)).await;
    let other = create_user(s, &w.actor_a, "gil", &["employee"], Some(PASSWORD)).await;
    let fay_cli = cli_actor(s, fay, w.a).await.expect("fay");
    let gil_cli = cli_actor(s, other, w.a).await.expect("gil");
    let (_, t1) = tokens::create_token(s, &fay_cli, "laptop", false)
        .await
        .expect("token");
    let (_, gil_token) = tokens::create_token(s, &gil_cli, "gil", true)
        .await
        .expect("token");
    resolve_token(s, tokens::strip_prefix(&t1), None)
        .await
        .expect("fay's token works");

    // Her own change.
    let session = sign_in(s, &cfg, req("fay", PASSWORD)).await.expect("fay");
    let fay_actor = resolve_session(s, &cfg, &session.secret, None)
        .await
        .expect("fay");
    change_password(s, &fay_actor, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
        .await
        .expect("change");
    assert!(
        is_unauthenticated(&resolve_token(s, tokens::strip_prefix(&t1), None).await),
        "[{}] the token ended with the password change",
        db.name
    );
    // An admin's reset.
    let (_, t2) = tokens::create_token(s, &fay_cli, "desktop", false)
        .await
        .expect("token");
    resolve_token(s, tokens::strip_prefix(&t2), None)
        .await
        .expect("the new token works");
    users::reset_password(s, &w.actor_a, fay, "reset by the admin, long enough")
        .await
        .expect("reset");
    assert!(
        is_unauthenticated(&resolve_token(s, tokens::strip_prefix(&t2), None).await),
        "[{}] the token ended with the reset",
        db.name
    );
    // Nobody else's.
    resolve_token(s, tokens::strip_prefix(&gil_token), None)
        .await
        .expect("gil's token is untouched");
    assert!(matches!(s.verify().await, Ok(Ok(_))));
});

fn from<'a>(login: &'a str, password: &'a str, ip: &str) -> SignIn<'a> {
    SignIn {
        login,
        password,
        ip: Some(ip.to_string()),
        user_agent: None,
    }
}

// What a failed sign-in leaves behind is bounded, and never holds the text typed for an
// unknown name (it may be a password typed into the wrong box).
store_test!(sign_in_failures_leave_little_behind, |db| async move {
    let s = &db.store;
    let cfg = SessionConfig::default();
    let w = world(s).await;
    create_user(s, &w.actor_a, "ivy", &["employee"], Some(PASSWORD)).await;
    let events = db.count("audit_events").await;

    // A name longer than any account's is refused before anything is looked up or kept.
    let long = "x".repeat(255);
    let r = sign_in(s, &cfg, from(&long, PASSWORD, "203.0.113.9")).await;
    assert!(
        matches!(&r, Err(Error::Invalid { field, .. }) if field == "login"),
        "{:?}",
        r.as_ref().err()
    );
    let long = "é".repeat(5000);
    assert!(sign_in(s, &cfg, from(&long, PASSWORD, "203.0.113.9"))
        .await
        .is_err());
    assert_eq!(
        db.count("audit_events").await,
        events,
        "[{}] nothing audited",
        db.name
    );
    assert_eq!(
        db.count("login_throttle").await,
        0,
        "[{}] nothing counted",
        db.name
    );

    // Someone types their password into the name box, then tries unknown names: the
    // trail records the 1st, 2nd and 4th failure from the address, never the text.
    let secret_typed = "My Secret Pass Phrase 42";
    for name in [secret_typed, "nobody1", "nobody2", "nobody3", "nobody4"] {
        sign_in(s, &cfg, from(name, "whatever it is", "203.0.113.9"))
            .await
            .err()
            .expect("unknown");
    }
    assert_eq!(
        db.count("audit_events").await,
        events + 3,
        "[{}] failures 1, 2 and 4 of the address",
        db.name
    );
    let raw = db.raw().await;
    let rows =
        sqlx::query("SELECT actor, changes FROM audit_events WHERE action = 'sign_in_failed'")
            .fetch_all(&raw)
            .await
            .expect("events");
    for r in &rows {
        let text = format!(
            "{} {}",
            sqlx::Row::try_get::<String, _>(r, "actor").expect("actor"),
            sqlx::Row::try_get::<String, _>(r, "changes").expect("changes")
        );
        assert!(
            !text.to_lowercase().contains("secret") && !text.contains("nobody"),
            "[{}] the typed text reached the audit trail: {text}",
            db.name
        );
    }
    let keys = sqlx::query("SELECT key FROM login_throttle")
        .fetch_all(&raw)
        .await
        .expect("keys");
    for k in &keys {
        let k: String = sqlx::Row::try_get(k, "key").expect("key");
        assert!(
            !k.to_lowercase().contains("secret") && k.len() <= 80,
            "[{}] a throttle key holds the typed text: {k}",
            db.name
        );
    }
    raw.close().await;
    // A known account's failure is recorded under its name, without what was typed.
    sign_in(
        s,
        &cfg,
        from("IVY@example.com", "not ivy's password", "203.0.113.9"),
    )
    .await
    .err()
    .expect("wrong password");
    let page = steward_core::audit::list_events(
        s,
        &w.actor_a,
        &AuditQuery {
            action: Some("sign_in_failed".into()),
            paging: Paging::new(Some(10), None),
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(page.total, 1, "[{}] in ivy's company", db.name);
    assert_eq!(page.items[0].actor, "ivy");
    assert_eq!(
        page.items[0].changes,
        serde_json::json!({"reason": "wrong password"})
    );
});

// Attempts sent in parallel are counted one by one: no more pass than the rule allows.
store_test!(sign_in_attempts_are_counted_atomically, |db| async move {
    use steward_core::auth::session::ThrottleKey;
    let s = &db.store;
    let keys = vec![ThrottleKey {
        key: "acct:#999".into(),
        free: 3,
    }];
    let now = steward_core::time::Timestamp::now();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (s, keys) = (s.clone(), keys.clone());
        tasks.push(tokio::spawn(async move {
            s.take_attempt(&keys, now, 86_400, 600).await
        }));
    }
    let mut passed = Vec::new();
    let mut waiting = 0;
    for t in tasks {
        match t.await.expect("task").expect("store") {
            Ok(counts) => passed.push(counts[0]),
            Err(next_at) => {
                assert!(next_at > now);
                waiting += 1;
            }
        }
    }
    passed.sort();
    // Three free failures, a fourth that starts the wait, then everyone waits.
    assert_eq!(passed, vec![1, 2, 3, 4], "[{}] {waiting} waited", db.name);
    assert_eq!(waiting, 6);
});

// Failures others cause on an account hold up strangers, not the user at an address they
// signed in from before.
store_test!(others_failures_do_not_lock_the_user_out, |db| async move {
    let s = &db.store;
    let cfg = SessionConfig {
        free_failures_per_account: 2,
        max_delay_secs: 600,
        ..SessionConfig::default()
    };
    let w = world(s).await;
    create_user(s, &w.actor_a, "joan", &["employee"], Some(PASSWORD)).await;
    sign_in(s, &cfg, from("joan", PASSWORD, "192.0.2.10"))
        .await
        .expect("jo at home");
    for _ in 0..3 {
        let _ = sign_in(s, &cfg, from("joan", "guessing away", "198.51.100.66")).await;
    }
    let r = sign_in(s, &cfg, from("joan", "guessing again", "198.51.100.67")).await;
    assert!(
        matches!(r, Err(Error::Throttled { .. })),
        "[{}] strangers wait: {:?}",
        db.name,
        r.as_ref().err()
    );
    let r = sign_in(s, &cfg, from("joan", PASSWORD, "203.0.113.200")).await;
    assert!(
        matches!(r, Err(Error::Throttled { .. })),
        "a new address waits too"
    );
    sign_in(s, &cfg, from("joan", PASSWORD, "192.0.2.10"))
        .await
        .expect("jo gets in from home while the account is held up");
});

// The page frame (companies to switch to, unread notifications) comes with the session in one
// read and says what the separate reads say.
store_test!(the_page_frame_comes_with_the_session, |db| async move {
    let s = &db.store;
    let cfg = &SessionConfig::default();
    let w = world(s).await;
    let fay = create_user(s, &w.actor_a, "fay", &["employee"], Some(PASSWORD)).await;
    let ns = sign_in(s, cfg, req("fay", PASSWORD))
        .await
        .expect("sign in");
    let frame = |secret: String| async move {
        resolve_page_session(s, cfg, &secret, None)
            .await
            .expect("resolve")
            .1
            .expect("the store reads the frame with the session")
    };
    let alpha = FrameCompany {
        id: w.a,
        name: "Alpha Ltd".into(),
        currency: "EUR".into(),
    };
    assert_eq!(
        frame(ns.secret.clone()).await,
        PageFrame {
            companies: vec![alpha.clone()],
            unread: 0
        }
    );

    // Two notifications, one read; a second company whose name needs the length prefix.
    let note = |title: &str| steward_core::work::notify::NewNotification {
        company: w.a,
        user: fay,
        kind: "task.assigned".into(),
        title: title.into(),
        body: String::new(),
        link: None,
    };
    steward_core::work::notify::notify(s, vec![note("one"), note("two")])
        .await
        .expect("notify");
    let fay_actor = resolve_session(s, cfg, &ns.secret, None)
        .await
        .expect("fay");
    let page = steward_core::work::notify::list(
        s,
        &fay_actor,
        &steward_core::work::notify::NotificationQuery::default(),
    )
    .await
    .expect("list");
    steward_core::work::notify::mark_read(s, &fay_actor, page.items[0].id)
        .await
        .expect("read one");
    let odd = steward_core::company::create_company(s, "test", "A: 2:3 Ünïcode", "USD")
        .await
        .expect("company");
    add_membership(s, fay, odd).await;
    let got = frame(ns.secret.clone()).await;
    assert_eq!(got.unread, 1);
    assert_eq!(
        got.unread,
        steward_core::work::notify::unread_count(s, &fay_actor)
            .await
            .expect("count")
    );
    let by_name: Vec<FrameCompany> = steward_core::company::my_companies(s, &fay_actor)
        .await
        .expect("companies")
        .into_iter()
        .map(|c| FrameCompany {
            id: c.id,
            name: c.name,
            currency: c.currency,
        })
        .collect();
    assert_eq!(got.companies, by_name);
    assert_eq!(got.companies.len(), 2);
    assert!(got
        .companies
        .iter()
        .any(|c| c.name == "A: 2:3 Ünïcode" && c.currency == "USD"));

    // The count stops at 100 (the bell shows "99+"): exact below, 100 from there on.
    let many = |n: usize| (0..n).map(|i| note(&format!("n{i}"))).collect::<Vec<_>>();
    steward_core::work::notify::notify(s, many(98))
        .await
        .expect("notify");
    assert_eq!(frame(ns.secret.clone()).await.unread, 99);
    steward_core::work::notify::notify(s, many(1))
        .await
        .expect("notify");
    assert_eq!(frame(ns.secret.clone()).await.unread, 100);
    steward_core::work::notify::notify(s, many(150))
        .await
        .expect("notify");
    assert_eq!(frame(ns.secret.clone()).await.unread, 100);
});
