//! Companies and users: isolation between companies, optimistic concurrency, atomic writes.
use crate::common;

use serde_json::json;
use steward_core::audit::{AuditDraft, AuditQuery, AuditStore};
use steward_core::company::CompanyStore;
use steward_core::ids::UserId;
use steward_core::list::Paging;
use steward_core::users::{self, NewUserRecord, UserPatch, UserQuery, UserStatus, UserStore};
use steward_core::Error;

use common::{create_user, world};

fn is_not_found(r: &Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(r, Err(Error::NotFound { .. }))
}

fn all() -> UserQuery {
    UserQuery {
        paging: Paging::new(Some(500), None),
        ..Default::default()
    }
}

store_test!(companies_and_memberships, |db| async move {
    let s = &db.store;
    assert!(!s.has_companies().await.expect("has_companies"));
    let w = world(s).await;
    assert!(s.has_companies().await.expect("has_companies"));
    let of_a = s
        .companies_of(w.admin_a)
        .await
        .expect("companies of admin A");
    assert_eq!(of_a.len(), 1);
    assert_eq!(of_a[0].id, w.a);
    assert_eq!(of_a[0].name, "Alpha Ltd");
    assert_eq!(of_a[0].currency, "EUR");
    assert_eq!(w.actor_b.company_currency, "CHF");
    assert_eq!(w.actor_a.role_keys, vec!["admin".to_string()]);
    assert_eq!(w.actor_a.company_id, w.a);
    // An admin of A is not an actor in B.
    assert!(matches!(
        steward_core::auth::session::cli_actor(s, w.admin_a, w.b).await,
        Err(Error::Forbidden)
    ));
    // Until made a member.
    s.add_membership(
        w.admin_a,
        w.b,
        AuditDraft::system("test", None, "membership", None, "add", json!({})),
    )
    .await
    .expect("add membership");
    let both = s.companies_of(w.admin_a).await.expect("companies");
    assert_eq!(
        both.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![w.a, w.b]
    );
    // A member without roles in B loads as an actor with no grants there.
    let in_b = steward_core::auth::session::cli_actor(s, w.admin_a, w.b)
        .await
        .expect("actor in B");
    assert!(in_b.grants.is_empty());
    assert!(in_b.role_keys.is_empty());
    // An expired membership is no membership.
    s.set_membership_until(
        w.admin_a,
        w.b,
        Some(steward_core::time::Timestamp::now().plus_secs(-1)),
        AuditDraft::system("test", None, "membership", None, "expire", json!({})),
    )
    .await
    .expect("expire membership");
    assert_eq!(s.companies_of(w.admin_a).await.expect("companies").len(), 1);
    assert!(steward_core::auth::session::cli_actor(s, w.admin_a, w.b)
        .await
        .is_err());
});

store_test!(users_are_isolated_between_companies, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let a1 = create_user(s, &w.actor_a, "alice", &["employee"], None).await;
    let a2 = create_user(s, &w.actor_a, "arthur", &["accountant", "employee"], None).await;
    let b1 = create_user(s, &w.actor_b, "bob", &["employee"], None).await;
    let b2 = create_user(s, &w.actor_b, "berta", &["hr_lead"], None).await;

    // Lists: only the company's own users.
    let page_a = users::list_users(s, &w.actor_a, &all())
        .await
        .expect("list A");
    let mut ids_a: Vec<UserId> = page_a.items.iter().map(|u| u.id).collect();
    ids_a.sort();
    let mut want_a = vec![w.admin_a, a1, a2];
    want_a.sort();
    assert_eq!(ids_a, want_a, "[{}] company A's users", db.name);
    assert_eq!(page_a.total, 3);
    let page_b = users::list_users(s, &w.actor_b, &all())
        .await
        .expect("list B");
    assert_eq!(page_b.total, 3);
    assert!(page_b
        .items
        .iter()
        .all(|u| ![w.admin_a, a1, a2].contains(&u.id)));

    // Roles are read in the company.
    let arthur = page_a
        .items
        .iter()
        .find(|u| u.id == a2)
        .expect("arthur listed");
    assert_eq!(arthur.roles, vec!["accountant", "employee"]);
    // Filters and search stay in the company.
    let q = UserQuery {
        search: Some("B".into()),
        ..all()
    };
    let found = users::list_users(s, &w.actor_a, &q).await.expect("search");
    assert!(
        found.items.iter().all(|u| u.id != b1 && u.id != b2),
        "[{}] search in A finds no B user: {:?}",
        db.name,
        found.items
    );
    let q = UserQuery {
        role: Some("employee".into()),
        ..all()
    };
    let emp_a = users::list_users(s, &w.actor_a, &q).await.expect("by role");
    let mut got: Vec<UserId> = emp_a.items.iter().map(|u| u.id).collect();
    got.sort();
    assert_eq!(got, vec![a1, a2]);
    assert_eq!(emp_a.total, 2);
    let q = UserQuery {
        role: Some("hr_lead".into()),
        ..all()
    };
    assert_eq!(
        users::list_users(s, &w.actor_a, &q)
            .await
            .expect("by role")
            .total,
        0
    );

    // Single reads.
    assert!(is_not_found(&users::get_user(s, &w.actor_a, b1).await));
    assert!(s.get_user(w.a, b1).await.expect("get").is_none());
    assert!(s.find_user(w.a, "bob").await.expect("find").is_none());
    assert_eq!(
        s.find_user(w.b, " BOB ").await.expect("find").map(|u| u.id),
        Some(b1)
    );
    assert_eq!(
        users::get_user(s, &w.actor_a, a1)
            .await
            .expect("own user")
            .username,
        "alice"
    );

    // Writes on a B user through an A actor: NotFound, and nothing changes.
    let bob_before = s.get_user(w.b, b1).await.expect("get").expect("bob");
    let events_before = db.count("audit_events").await;
    let patch = UserPatch {
        email: Some("hacked@example.com".into()),
        display_name: Some("Hacked".into()),
        version: bob_before.version,
    };
    assert!(is_not_found(
        &users::update_user(s, &w.actor_a, b1, patch).await
    ));
    assert!(is_not_found(
        &users::set_disabled(s, &w.actor_a, b1, true).await
    ));
    assert!(is_not_found(
        &users::set_roles(s, &w.actor_a, b1, &["admin".to_string()]).await
    ));
    assert!(is_not_found(
        &users::reset_password(s, &w.actor_a, b1, "another long phrase").await
    ));
    // The store itself refuses too, whatever a caller claims.
    let draft = || AuditDraft::system("test", None, "user", None, "x", json!({}));
    assert!(is_not_found(
        &s.update_user(w.a, b1, "x@example.com", "X", bob_before.version, draft())
            .await
    ));
    assert!(is_not_found(
        &s.set_user_disabled(w.a, b1, true, draft()).await
    ));
    let admin_role = s
        .role_ids(w.a, &["admin".to_string()])
        .await
        .expect("role ids");
    assert!(is_not_found(
        &s.set_user_roles(w.a, b1, &[admin_role[0].1], draft()).await
    ));
    let bob_after = s.get_user(w.b, b1).await.expect("get").expect("bob");
    assert_eq!(bob_after, bob_before, "[{}] bob unchanged", db.name);
    assert_eq!(
        db.count("audit_events").await,
        events_before,
        "[{}] refused writes leave no audit event",
        db.name
    );
    // An A user is NotFound from B as well.
    assert!(is_not_found(
        &users::set_disabled(s, &w.actor_b, a1, true).await
    ));

    // The audit trail of A shows none of B's events.
    let events_a = steward_core::audit::list_events(
        s,
        &w.actor_a,
        &AuditQuery {
            paging: Paging::new(Some(500), None),
            ..Default::default()
        },
    )
    .await
    .expect("list A events");
    assert!(events_a.total >= 3);
    assert!(events_a.items.iter().all(|e| e.company_id == Some(w.a)));
    assert!(events_a
        .items
        .iter()
        .all(|e| e.entity_id != Some(b1.to_string()) && e.entity_id != Some(b2.to_string())));
});

store_test!(update_user_checks_the_version, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let id = create_user(s, &w.actor_a, "victor", &["employee"], None).await;
    let v1 = users::get_user(s, &w.actor_a, id).await.expect("get");
    assert_eq!(v1.version, 1);

    let v2 = users::update_user(
        s,
        &w.actor_a,
        id,
        UserPatch {
            email: None,
            display_name: Some("Victor Two".into()),
            version: v1.version,
        },
    )
    .await
    .expect("update with the current version");
    assert_eq!(v2.version, 2);
    assert_eq!(v2.display_name, "Victor Two");
    assert_eq!(v2.email, v1.email);

    let events = db.count("audit_events").await;
    let stale = users::update_user(
        s,
        &w.actor_a,
        id,
        UserPatch {
            email: Some("victor.new@example.com".into()),
            display_name: Some("Victor Stale".into()),
            version: v1.version,
        },
    )
    .await;
    assert!(
        matches!(stale, Err(Error::Conflict { .. })),
        "[{}] stale version: {stale:?}",
        db.name
    );
    let now = s.get_user(w.a, id).await.expect("get").expect("victor");
    assert_eq!(now, v2, "[{}] the stale update changed nothing", db.name);
    assert_eq!(db.count("audit_events").await, events, "nor audited");

    // Every write bumps the version: an update with the version from before a role change
    // conflicts too.
    users::set_roles(s, &w.actor_a, id, &["accountant".to_string()])
        .await
        .expect("set roles");
    let r = users::update_user(
        s,
        &w.actor_a,
        id,
        UserPatch {
            email: None,
            display_name: Some("Victor Three".into()),
            version: v2.version,
        },
    )
    .await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
});

store_test!(
    concurrent_updates_of_one_version_let_one_win,
    |db| async move {
        let w = world(&db.store).await;
        let id = create_user(&db.store, &w.actor_a, "contested", &[], None).await;
        let mut tasks = Vec::new();
        for i in 0..6 {
            let store = db.store.clone();
            let actor = w.actor_a.clone();
            tasks.push(tokio::spawn(async move {
                users::update_user(
                    &store,
                    &actor,
                    id,
                    UserPatch {
                        email: None,
                        display_name: Some(format!("Writer {i}")),
                        version: 1,
                    },
                )
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.expect("task") {
                Ok(_) => ok += 1,
                Err(Error::Conflict { .. }) => {}
                Err(e) => panic!("[{}] unexpected error: {e:?}", db.name),
            }
        }
        assert_eq!(ok, 1, "[{}] exactly one writer wins", db.name);
        let u = db
            .store
            .get_user(w.a, id)
            .await
            .expect("get")
            .expect("user");
        assert_eq!(u.version, 2);
        assert!(matches!(db.store.verify().await, Ok(Ok(_))));
    }
);

store_test!(insert_users_is_atomic_and_unique, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    create_user(s, &w.actor_a, "taken", &[], None).await;
    let users_before = db.count("users").await;
    let members_before = db.count("memberships").await;
    let events_before = db.count("audit_events").await;
    let rec = |name: &str, email: &str| NewUserRecord {
        username: name.into(),
        email: email.into(),
        display_name: name.into(),
        password_hash: None,
        role_ids: Vec::new(),
        role_keys: Vec::new(),
    };
    // The second row collides with an existing user name: nothing of the batch is kept.
    let r = s
        .insert_users(
            w.a,
            &[
                rec("fresh", "fresh@example.com"),
                rec("taken", "other@example.com"),
            ],
            vec![AuditDraft::system(
                "test",
                None,
                "user",
                None,
                "import",
                json!({}),
            )],
        )
        .await;
    assert!(
        matches!(r, Err(Error::Conflict { .. })),
        "[{}] a unique violation is a Conflict: {r:?}",
        db.name
    );
    assert_eq!(db.count("users").await, users_before);
    assert_eq!(db.count("memberships").await, members_before);
    assert_eq!(db.count("audit_events").await, events_before);
    assert!(s.find_user(w.a, "fresh").await.expect("find").is_none());
    // E-mail addresses are unique across companies too.
    let r = users::create_user(
        s,
        &w.actor_b,
        users::NewUser {
            username: "someone".into(),
            email: "taken@example.com".into(),
            display_name: "Someone".into(),
            password: None,
            roles: vec![],
        },
    )
    .await;
    assert!(
        matches!(&r, Err(Error::Invalid { field, .. }) if field == "email"),
        "{r:?}"
    );
    assert_eq!(
        s.username_or_email_taken("taken", "nobody@example.com")
            .await
            .expect("taken"),
        Some("username")
    );
    assert_eq!(
        s.username_or_email_taken("nobody", "taken@example.com")
            .await
            .expect("taken"),
        Some("email")
    );
    assert_eq!(
        s.username_or_email_taken("nobody", "nobody@example.com")
            .await
            .expect("taken"),
        None
    );
    // A batch of two with one audit event (an import) keeps both, with one event.
    let ids = s
        .insert_users(
            w.a,
            &[
                rec("imp1", "imp1@example.com"),
                rec("imp2", "imp2@example.com"),
            ],
            vec![
                AuditDraft::system("test", None, "user", None, "import", json!({})).in_company(w.a),
            ],
        )
        .await
        .expect("import");
    assert_eq!(ids.len(), 2);
    assert_eq!(db.count("audit_events").await, events_before + 1);
    let q = UserQuery {
        status: Some(UserStatus::Active),
        ..all()
    };
    assert_eq!(
        users::list_users(s, &w.actor_a, &q)
            .await
            .expect("list")
            .total,
        4,
        "[{}] admin-a, taken, imp1, imp2",
        db.name
    );
});

store_test!(disable_and_list_by_status, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let id = create_user(s, &w.actor_a, "dora", &["employee"], None).await;
    users::set_disabled(s, &w.actor_a, id, true)
        .await
        .expect("disable");
    let u = s.get_user(w.a, id).await.expect("get").expect("dora");
    assert!(u.disabled);
    assert_eq!(u.version, 2);
    let q = UserQuery {
        status: Some(UserStatus::Disabled),
        ..all()
    };
    let page = users::list_users(s, &w.actor_a, &q).await.expect("list");
    assert_eq!(
        page.items.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![id]
    );
    let q = UserQuery {
        status: Some(UserStatus::Active),
        ..all()
    };
    let page = users::list_users(s, &w.actor_a, &q).await.expect("list");
    assert!(page.items.iter().all(|u| u.id != id));
    // Nobody disables themself.
    assert!(matches!(
        users::set_disabled(s, &w.actor_a, w.admin_a, true).await,
        Err(Error::Invalid { .. })
    ));
});

// An account is shared by companies: its password, e-mail, name and enabled state change
// everywhere, so only someone who holds at least every grant it holds, in every company it
// belongs to, may change them. Everyone else may only end its membership of their company.
store_test!(
    account_changes_need_every_grant_the_account_holds,
    |db| async move {
        use steward_core::auth::session::cli_actor;
        use steward_core::auth::Grant;
        use steward_core::roles::{self, NewRole};
        let s = &db.store;
        let w = world(s).await;
        fn forbidden<T>(r: &Result<T, Error>) -> bool {
            matches!(r, Err(Error::Forbidden))
        }

        // Sam is an employee of A and an admin of B.
        let sam = create_user(s, &w.actor_a, "sam", &["employee"], Some(common::PASSWORD)).await;
        s.add_membership(
            sam,
            w.b,
            AuditDraft::system("test", None, "membership", None, "add", json!({})),
        )
        .await
        .expect("membership in B");
        users::set_roles(s, &w.actor_b, sam, &["admin".to_string()])
            .await
            .expect("sam is B's admin");
        let before = s.get_user(w.a, sam).await.expect("get").expect("sam");

        // A's admin may not reset, re-address, rename, disable or enable B's admin...
        let r = users::reset_password(s, &w.actor_a, sam, "taken over by company A").await;
        assert!(forbidden(&r), "[{}] reset: {r:?}", db.name);
        let patch = UserPatch {
            email: Some("attacker@example.com".into()),
            display_name: None,
            version: before.version,
        };
        let r = users::update_user(s, &w.actor_a, sam, patch).await;
        assert!(forbidden(&r), "[{}] e-mail: {r:?}", db.name);
        let r = users::set_disabled(s, &w.actor_a, sam, true).await;
        assert!(forbidden(&r), "[{}] disable: {r:?}", db.name);
        assert_eq!(
            s.get_user(w.a, sam).await.expect("get").expect("sam"),
            before,
            "[{}] nothing about the account changed",
            db.name
        );
        // ...but may end sam's membership of A.
        users::set_access_until(
            s,
            &w.actor_a,
            sam,
            Some(steward_core::time::Timestamp::now().plus_secs(-1)),
        )
        .await
        .expect("A ends sam's access to A");
        assert!(cli_actor(s, sam, w.a).await.is_err(), "sam is out of A");
        assert!(cli_actor(s, sam, w.b).await.is_ok(), "and still in B");
        // B's admin holds nothing in A, where sam holds the employee's grants (until A ended
        // the membership: an expired membership's grants still count for the account).
        let r = users::reset_password(s, &w.actor_b, sam, "set by company B's admin").await;
        assert!(forbidden(&r), "[{}] B's admin in A: {r:?}", db.name);
        // The operator at the command line may.
        let operator = steward_core::auth::Actor::system(w.a, "Alpha Ltd");
        users::reset_password(s, &operator, sam, "set by the operator, long")
            .await
            .expect("the operator resets sam's password");

        // Inside one company: a custom role with users.update cannot take over the admin.
        roles::create_role(
            s,
            &w.actor_a,
            NewRole {
                key: "helpdesk".into(),
                name: "Helpdesk".into(),
                description: String::new(),
                grants: vec![
                    Grant::parse("users", "read", "company").expect("grant"),
                    Grant::parse("users", "update", "company").expect("grant"),
                ],
            },
        )
        .await
        .expect("role");
        let helper = create_user(s, &w.actor_a, "helper", &["employee", "helpdesk"], None).await;
        let pat = create_user(s, &w.actor_a, "pat", &["employee"], None).await;
        let helper = cli_actor(s, helper, w.a).await.expect("helper");
        let r = users::reset_password(s, &helper, w.admin_a, "the admin is mine now").await;
        assert!(
            forbidden(&r),
            "[{}] helpdesk resets the admin: {r:?}",
            db.name
        );
        let r = users::set_disabled(s, &helper, w.admin_a, true).await;
        assert!(
            forbidden(&r),
            "[{}] helpdesk disables the admin: {r:?}",
            db.name
        );
        // An employee holds nothing the helpdesk lacks.
        users::reset_password(s, &helper, pat, "a fresh passphrase for pat")
            .await
            .expect("helpdesk resets an employee");
        users::set_disabled(s, &helper, pat, true)
            .await
            .expect("helpdesk disables an employee");
        assert!(
            users::may_manage_account(s, &w.actor_a, pat)
                .await
                .expect("check"),
            "the admin covers an employee"
        );
    }
);
