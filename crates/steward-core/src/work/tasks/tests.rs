use super::*;

#[test]
fn priorities_and_statuses_round_trip() {
    for p in Priority::ALL {
        assert_eq!(Priority::parse(p.as_str()), Some(p));
        assert_eq!(Priority::from_rank(p.rank()), Some(p));
    }
    assert!(Priority::Urgent > Priority::High);
    for s in TaskStatus::ALL {
        assert_eq!(TaskStatus::parse(s.as_str()), Some(s));
    }
    assert!(TaskStatus::Done.is_closed() && !TaskStatus::Waiting.is_closed());
}

#[test]
fn filters_name_the_bad_parameter() {
    let actor = crate::auth::test_actor("employee");
    let mut reg = Registry::new();
    reg.record_kind("ledger.entry", "Ledger entry");
    let q = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TaskQuery::filters_from(&reg, &actor, |k| {
            pairs.iter().find(|(kk, _)| kk == k).map(|(_, v)| v.clone())
        })
    };
    let ok = q(&[
        ("status", "active"),
        ("assignee", "me"),
        ("priority", "high"),
        ("overdue", "yes"),
    ])
    .expect("valid filters");
    assert_eq!(ok.status, StatusFilter::Active);
    assert_eq!(ok.assignee, Some(actor.user_id));
    assert_eq!(ok.priority, Some(Priority::High));
    assert!(ok.overdue);
    for (k, v) in [
        ("status", "closed"),
        ("assignee", "bob"),
        ("priority", "asap"),
        ("overdue", "maybe"),
        ("link", "nuclear:1"),
    ] {
        match q(&[(k, v)]) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, k),
            other => panic!("{k}={v}: {other:?}"),
        }
    }
}

fn task(owner: i64, assignee: Option<i64>, watchers: &[i64], dept: Option<i64>) -> Task {
    Task {
        id: TaskId(1),
        company_id: CompanyId(1),
        title: "t".into(),
        description: String::new(),
        owner_id: UserId(owner),
        owner_name: String::new(),
        owner_department: dept.map(DepartmentId),
        assignee_id: assignee.map(UserId),
        assignee_name: String::new(),
        assignee_department: None,
        watchers: watchers
            .iter()
            .map(|w| (UserId(*w), String::new()))
            .collect(),
        due: None,
        priority: Priority::Normal,
        status: TaskStatus::Open,
        link: None,
        checklist: Vec::new(),
        template_id: None,
        rule_id: None,
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
        completed_at: None,
        version: 1,
    }
}

#[test]
fn scopes_reach_what_they_should() {
    let employee = crate::auth::test_actor("employee"); // user 1, department 1, Own
    let accountant = crate::auth::test_actor("accountant"); // Department
    let admin = crate::auth::test_actor("admin");
    let auditor = crate::auth::test_actor("auditor");
    let mine = task(1, None, &[], None);
    let watched = task(9, Some(8), &[1], None);
    let team = task(9, Some(8), &[], Some(1));
    let other = task(9, Some(8), &[], Some(2));
    assert!(reaches(&employee, Action::Read, &mine, true));
    assert!(reaches(&employee, Action::Read, &watched, true));
    assert!(
        !reaches(&employee, Action::Update, &watched, false),
        "watchers do not change"
    );
    assert!(!reaches(&employee, Action::Read, &team, true));
    assert!(reaches(&accountant, Action::Read, &team, true));
    assert!(reaches(&accountant, Action::Update, &team, false));
    assert!(!reaches(&accountant, Action::Read, &other, true));
    assert!(reaches(&admin, Action::Update, &other, false));
    assert!(reaches(&auditor, Action::Read, &other, true));
    assert!(!reaches(&auditor, Action::Update, &other, false));
    let mut foreign = task(1, None, &[], None);
    foreign.company_id = CompanyId(2);
    assert!(!reaches(&admin, Action::Read, &foreign, true));
}

#[test]
fn builtin_templates_are_well_formed() {
    let t = builtin_templates();
    let keys: Vec<_> = t.iter().filter_map(|t| t.key.clone()).collect();
    assert_eq!(
        keys,
        [
            "month_end_close",
            "onboarding",
            "offboarding",
            "audit_preparation"
        ]
    );
    let roles: Vec<&str> = crate::auth::builtin_roles().iter().map(|r| r.key).collect();
    for tpl in &t {
        let mut v = Validator::new();
        checked_template(&mut v, &tpl.name, &tpl.description, &tpl.items);
        assert!(v.finish().is_ok(), "{}", tpl.name);
        for it in &tpl.items {
            assert!(
                it.role.is_empty() || roles.contains(&it.role.as_str()),
                "{}",
                it.role
            );
        }
    }
}
