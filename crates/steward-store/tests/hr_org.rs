//! The department tree, positions and the org chart on both databases: a department cannot
//! move under its own descendant, one level of the chart with report counts, the chain of
//! managers, search, and another company's people never show.
use crate::common;

use chrono::NaiveDate;
use steward_core::departments::{self, DepartmentEdit};
use steward_core::hr::org::{self, PositionInput};
use steward_core::ids::EmployeeId;
use steward_core::Error;
use steward_store::hr::SeedEmployee;

use common::world;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

store_test!(department_tree_refuses_cycles, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = &w.actor_a;
    let ops = departments::create(s, admin, "Operations")
        .await
        .expect("ops");
    let wh = departments::create(s, admin, "Warehouse")
        .await
        .expect("wh");
    let night = departments::create(s, admin, "Night shift")
        .await
        .expect("night");
    let edit = |name: &str, parent, code: Option<&str>| DepartmentEdit {
        name: name.into(),
        code: code.map(str::to_string),
        parent_id: parent,
        head: None,
    };
    departments::edit(s, admin, wh.id, edit("Warehouse", Some(ops.id), Some("WH")))
        .await
        .expect("warehouse under operations");
    departments::edit(s, admin, night.id, edit("Night shift", Some(wh.id), None))
        .await
        .expect("night under warehouse");
    // Operations under its grandchild: refused on parent_id, nothing changed.
    let r = departments::edit(s, admin, ops.id, edit("Operations", Some(night.id), None)).await;
    assert!(
        matches!(&r, Err(Error::Invalid { field, .. }) if field == "parent_id"),
        "{r:?}"
    );
    let r = departments::edit(s, admin, ops.id, edit("Operations", Some(ops.id), None)).await;
    assert!(matches!(&r, Err(Error::Invalid { field, .. }) if field == "parent_id"));
    // A code is unique.
    let r = departments::edit(
        s,
        admin,
        night.id,
        edit("Night shift", Some(wh.id), Some("wh")),
    )
    .await;
    assert!(matches!(&r, Err(Error::Invalid { field, .. }) if field == "code"));
    let tree = org::department_tree(s, admin).await.expect("tree");
    let shape: Vec<(&str, usize)> = tree.iter().map(|d| (d.name.as_str(), d.depth)).collect();
    assert_eq!(
        shape,
        vec![("Operations", 0), ("Warehouse", 1), ("Night shift", 2)]
    );
    assert_eq!(tree[1].code.as_deref(), Some("WH"));
    // The existing view keeps working, with the new fields.
    let all = departments::list(s, admin).await.expect("list");
    assert_eq!(
        all.iter().find(|d| d.id == wh.id).and_then(|d| d.parent_id),
        Some(ops.id)
    );
    // Another company cannot see or edit it.
    let r = departments::edit(s, &w.actor_b, wh.id, edit("Mine", None, None)).await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    assert!(org::department_tree(s, &w.actor_b)
        .await
        .expect("b")
        .is_empty());

    // Positions: a position cannot report to one below it.
    let head = org::create_position(
        s,
        admin,
        PositionInput {
            title: "Head of operations".into(),
            department_id: Some(ops.id),
            reports_to: None,
        },
    )
    .await
    .expect("head");
    let lead = org::create_position(
        s,
        admin,
        PositionInput {
            title: "Warehouse lead".into(),
            department_id: Some(wh.id),
            reports_to: Some(head.id),
        },
    )
    .await
    .expect("lead");
    assert_eq!(lead.reports_to_title.as_deref(), Some("Head of operations"));
    let r = org::update_position(
        s,
        admin,
        head.id,
        PositionInput {
            title: "Head of operations".into(),
            department_id: Some(ops.id),
            reports_to: Some(lead.id),
        },
    )
    .await;
    assert!(
        matches!(&r, Err(Error::Invalid { field, .. }) if field == "reports_to"),
        "{r:?}"
    );
    let r = org::create_position(
        s,
        admin,
        PositionInput {
            title: " ".into(),
            department_id: None,
            reports_to: None,
        },
    )
    .await;
    assert!(matches!(&r, Err(Error::Invalid { field, .. }) if field == "title"));
    assert!(org::positions(s, &w.actor_b).await.expect("b").is_empty());
});

store_test!(org_chart_levels_chain_and_search, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let admin = &w.actor_a;
    let ops = departments::create(s, admin, "Operations")
        .await
        .expect("ops");
    let seed = |n: &str, name: &str, mgr: Option<EmployeeId>| {
        let mut e = SeedEmployee::new(n, name, day(2020, 1, 1));
        e.manager_id = mgr;
        e.department_id = Some(ops.id);
        e.position = "Operator".into();
        e
    };
    let boss = s
        .seed_employee(w.a, &seed("1", "Zoe Boss", None))
        .await
        .expect("boss");
    let mid = s
        .seed_employee(w.a, &seed("2", "Mia Middle", Some(boss)))
        .await
        .expect("mid");
    let mut leaves = Vec::new();
    for i in 0..5 {
        leaves.push(
            s.seed_employee(
                w.a,
                &seed(&format!("1{i}"), &format!("Leaf {i}"), Some(mid)),
            )
            .await
            .expect("leaf"),
        );
    }
    let mut gone = seed("99", "Gone Person", Some(mid));
    gone.end_date = Some(day(2021, 1, 1));
    s.seed_employee(w.a, &gone).await.expect("leaver");
    // Another company's employee with the same name never shows.
    s.seed_employee(w.b, &SeedEmployee::new("1", "Leaf Other", day(2020, 1, 1)))
        .await
        .expect("other");

    let top = org::top(s, admin, 0).await.expect("top");
    assert_eq!(top.total, 1);
    assert_eq!(top.people[0].id, boss);
    assert_eq!(top.people[0].reports, 1);

    let node = org::node(s, admin, leaves[2], 0).await.expect("node");
    let chain: Vec<EmployeeId> = node.chain.iter().map(|p| p.id).collect();
    assert_eq!(chain, vec![boss, mid]);
    assert_eq!(node.reports.total, 0);
    assert_eq!(node.person.department.as_deref(), Some("Operations"));

    let mid_node = org::node(s, admin, mid, 0).await.expect("mid");
    assert_eq!(mid_node.reports.total, 5, "the leaver is not a report");
    assert_eq!(mid_node.person.reports, 5);

    let dept = org::department(s, admin, ops.id, 0).await.expect("dept");
    assert_eq!(dept.people.total, 1);
    assert_eq!(dept.department.employees, 7);

    let found = org::search(s, admin, "leaf").await.expect("search");
    assert_eq!(found.len(), 5);
    assert!(org::search(s, admin, "gone")
        .await
        .expect("search")
        .is_empty());
    let r = org::node(s, &w.actor_b, mid, 0).await;
    assert!(matches!(r, Err(Error::NotFound { .. })));

    // A cycle in the data does not loop the chain.
    db.exec(&format!(
        "UPDATE hr_employees SET manager_id = {} WHERE id = {}",
        leaves[0].0, boss.0
    ))
    .await;
    let n = org::node(s, admin, leaves[0], 0).await.expect("cycle");
    assert!(n.chain.len() <= 3, "{:?}", n.chain);
});
