//! Roles as data: the built-in ones, custom ones, and what an actor gets from them.
use crate::common;

use serde_json::json;
use steward_core::audit::{AuditDraft, AuditStore};
use steward_core::auth::session::{cli_actor, AuthStore};
use steward_core::auth::{builtin_roles, Action, Domain, Grant, Scope};
use steward_core::ids::CompanyId;
use steward_core::roles::{self, NewRole, RoleStore};
use steward_core::time::Timestamp;
use steward_core::users::{self, UserStore};
use steward_core::Error;

use common::{create_user, world};

fn grant(domain: Domain, action: Action, scope: Scope) -> Grant {
    Grant {
        domain,
        action,
        scope,
    }
}

fn sorted(mut g: Vec<Grant>) -> Vec<Grant> {
    g.sort_by_key(|g| (g.domain, g.action, g.scope));
    g
}

/// What a list of grants amounts to: per permission, the widest scope (as
/// `Actor::scope_for` reads them).
fn effective(mut g: Vec<Grant>) -> Vec<Grant> {
    g.sort_by_key(|g| (g.domain, g.action, std::cmp::Reverse(g.scope)));
    g.dedup_by_key(|g| (g.domain, g.action));
    sorted(g)
}

store_test!(builtin_roles_are_seeded, |db| async move {
    let s = &db.store;
    let roles = s.list_roles(CompanyId(0)).await.expect("list roles");
    assert_eq!(
        roles.len(),
        builtin_roles().len(),
        "[{}] {roles:?}",
        db.name
    );
    assert!(roles.iter().all(|r| r.builtin));
    for b in builtin_roles() {
        let r = roles
            .iter()
            .find(|r| r.key == b.key)
            .unwrap_or_else(|| panic!("[{}] built-in role {} seeded", db.name, b.key));
        assert_eq!(r.name, b.name);
        assert_eq!(
            sorted(r.grants.clone()),
            effective(b.grants.clone()),
            "[{}] grants of {}",
            db.name,
            b.key
        );
    }
    // A sync repairs a built-in role someone changed in the database.
    db.exec("DELETE FROM role_grants WHERE role_id = (SELECT id FROM roles WHERE key = 'auditor')")
        .await;
    db.exec("UPDATE roles SET name = 'Changed' WHERE key = 'employee'")
        .await;
    let events = db.count("audit_events").await;
    s.sync_builtin_roles().await.expect("sync");
    let roles = s.list_roles(CompanyId(0)).await.expect("list roles");
    let auditor = roles.iter().find(|r| r.key == "auditor").expect("auditor");
    assert!(!auditor.grants.is_empty());
    assert!(auditor.grants.iter().all(|g| g.action.is_read()));
    assert_eq!(
        roles
            .iter()
            .find(|r| r.key == "employee")
            .map(|r| r.name.as_str()),
        Some("Employee")
    );
    assert_eq!(
        db.count("audit_events").await,
        events + 1,
        "sync is audited"
    );
    assert_eq!(s.verify().await.expect("verify"), Ok((events + 1) as u64));
});

store_test!(custom_roles, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let uid = create_user(s, &w.actor_a, "rita", &["employee"], None).await;

    let new = NewRole {
        key: "audit_reader".into(),
        name: "Audit reader".into(),
        description: "Reads the trail".into(),
        grants: vec![
            grant(Domain::Audit, Action::Read, Scope::Company),
            grant(Domain::Accounting, Action::Export, Scope::Department),
        ],
    };
    let rid = roles::create_role(s, &w.actor_a, new.clone())
        .await
        .expect("create custom role");
    let role = roles::get_role(s, &w.actor_a, rid).await.expect("get role");
    assert!(!role.builtin);
    assert_eq!(role.key, "audit_reader");
    assert_eq!(role.user_count, 0);
    assert_eq!(sorted(role.grants.clone()), sorted(new.grants.clone()));
    assert_eq!(
        roles::list_roles(s, &w.actor_a).await.expect("list").len(),
        builtin_roles().len() + 1,
        "the built-in ones and the custom one"
    );

    // Company B sees neither the role nor its key.
    assert_eq!(
        roles::list_roles(s, &w.actor_b).await.expect("list").len(),
        builtin_roles().len()
    );
    assert!(matches!(
        roles::get_role(s, &w.actor_b, rid).await,
        Err(Error::NotFound { .. })
    ));
    assert!(s
        .role_ids(w.b, &["audit_reader".to_string()])
        .await
        .expect("role ids")
        .is_empty());
    let draft = || AuditDraft::system("test", None, "role", None, "x", json!({}));
    assert!(matches!(
        s.update_role(w.b, rid, "Stolen", "", &[], draft()).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        s.delete_role(w.b, rid, draft()).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        sorted(
            s.get_role(w.a, rid)
                .await
                .expect("get")
                .expect("role")
                .grants
        ),
        sorted(new.grants.clone()),
        "[{}] a refused delete from B keeps the grants",
        db.name
    );
    let r = users::create_user(
        s,
        &w.actor_b,
        users::NewUser {
            username: "b-user".into(),
            email: "b-user@example.com".into(),
            display_name: "B".into(),
            password: None,
            roles: vec!["audit_reader".into()],
        },
    )
    .await;
    assert!(matches!(&r, Err(Error::Invalid { field, .. }) if field == "roles"));

    // Assigned, its grants reach the actor.
    let u = users::set_roles(s, &w.actor_a, uid, &["audit_reader".to_string()])
        .await
        .expect("assign role");
    assert_eq!(u.roles, vec!["audit_reader"]);
    let rec = s
        .load_actor(uid, w.a, Timestamp::now())
        .await
        .expect("load actor")
        .expect("rita is an actor");
    assert_eq!(rec.role_keys, vec!["audit_reader"]);
    assert_eq!(sorted(rec.grants), sorted(new.grants.clone()));
    let rita = cli_actor(s, uid, w.a).await.expect("rita");
    steward_core::audit::verify(s, &rita)
        .await
        .expect("audit.read lets rita verify")
        .expect("chain intact");
    assert!(matches!(
        users::list_users(s, &rita, &Default::default()).await,
        Err(Error::Forbidden)
    ));
    assert_eq!(
        roles::get_role(s, &w.actor_a, rid)
            .await
            .expect("get")
            .user_count,
        1
    );

    // Updated, the actor's grants follow.
    let mut changed = new.clone();
    changed.name = "Audit reader (renamed)".into();
    changed.grants = vec![grant(Domain::Users, Action::Read, Scope::Company)];
    let role = roles::update_role(s, &w.actor_a, rid, changed.clone())
        .await
        .expect("update custom role");
    assert_eq!(role.name, "Audit reader (renamed)");
    assert_eq!(role.grants, changed.grants);
    let rita = cli_actor(s, uid, w.a).await.expect("rita");
    assert_eq!(rita.grants, changed.grants);
    users::list_users(s, &rita, &Default::default())
        .await
        .expect("users.read now");

    // A role in use is not deleted; once unused it is.
    assert!(matches!(
        roles::delete_role(s, &w.actor_a, rid).await,
        Err(Error::Conflict { .. })
    ));
    users::set_roles(s, &w.actor_a, uid, &["employee".to_string()])
        .await
        .expect("reassign");
    roles::delete_role(s, &w.actor_a, rid)
        .await
        .expect("delete unused role");
    assert!(s.get_role(w.a, rid).await.expect("get").is_none());
    assert_eq!(
        db.count("role_grants").await,
        builtin_roles()
            .into_iter()
            .map(|r| effective(r.grants).len() as i64)
            .sum::<i64>(),
        "[{}] the deleted role's grants are gone",
        db.name
    );
    // Keys are unique per company.
    roles::create_role(s, &w.actor_b, new.clone())
        .await
        .expect("the same key in another company");
    assert!(matches!(
        roles::create_role(s, &w.actor_b, new.clone()).await,
        Err(Error::Invalid { .. })
    ));
    let mut clash = new.clone();
    clash.key = "admin".into();
    assert!(roles::create_role(s, &w.actor_b, clash).await.is_err());

    assert!(matches!(s.verify().await, Ok(Ok(_))));
});

store_test!(builtin_roles_cannot_change, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let all = roles::list_roles(s, &w.actor_a).await.expect("list");
    let employee = all
        .iter()
        .find(|r| r.key == "employee")
        .expect("employee")
        .clone();
    let patch = NewRole {
        key: "employee".into(),
        name: "Everyone".into(),
        description: String::new(),
        grants: vec![grant(Domain::System, Action::Update, Scope::Company)],
    };
    let r = roles::update_role(s, &w.actor_a, employee.id, patch.clone()).await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
    let r = roles::delete_role(s, &w.actor_a, employee.id).await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");

    // The store refuses on its own as well, and leaves the role whole.
    let events = db.count("audit_events").await;
    let draft = || AuditDraft::system("test", None, "role", None, "x", json!({}));
    assert!(s
        .update_role(w.a, employee.id, "Everyone", "", &patch.grants, draft())
        .await
        .is_err());
    assert!(s.delete_role(w.a, employee.id, draft()).await.is_err());
    assert!(s
        .delete_role(CompanyId(0), employee.id, draft())
        .await
        .is_err());
    let after = s
        .get_role(w.a, employee.id)
        .await
        .expect("get")
        .expect("employee still there");
    assert_eq!(after.name, employee.name);
    assert_eq!(
        sorted(after.grants),
        sorted(employee.grants),
        "[{}] built-in grants intact",
        db.name
    );
    assert_eq!(db.count("audit_events").await, events);
});
