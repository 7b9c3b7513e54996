//! IT networks on both databases, through core's services: overlapping networks of a site
//! refused, the same address never given twice (also when many ask at once), next-free,
//! release, an address's asset, planned changes through the approvals inbox, maintenance
//! logs moving the next due date, and companies kept apart.
use crate::common;

use std::collections::HashSet;

use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::it::changes::{self, ChangeInput, ChangeStatus};
use steward_core::it::maintenance::{self, ScheduleInput};
use steward_core::it::networks::{self, AllocationInput, NetworkInput, SiteInput};
use steward_core::work::approvals::{self, ApprovalId, Verdict};
use steward_core::Error;
use steward_store::Store;

use common::world;

use common::fields;

async fn site(store: &Store, actor: &Actor, name: &str) -> i64 {
    networks::create_site(
        store,
        actor,
        &SiteInput {
            name: name.into(),
            address: "1 Main Street".into(),
            notes: String::new(),
        },
    )
    .await
    .expect("site")
    .id
}

fn net(site: i64, name: &str, cidr: &str, gateway: &str) -> NetworkInput {
    NetworkInput {
        site_id: site.to_string(),
        name: name.into(),
        cidr: cidr.into(),
        vlan: "10".into(),
        gateway: gateway.into(),
        dns: "10.0.0.2".into(),
        description: String::new(),
    }
}

fn host(name: &str, address: &str) -> AllocationInput {
    AllocationInput {
        address: address.into(),
        hostname: name.into(),
        ..Default::default()
    }
}

async fn audit_count(store: &Store, actor: &Actor) -> u64 {
    use steward_core::audit::{AuditQuery, AuditStore};
    store
        .list_events(actor.company_id, &AuditQuery::default())
        .await
        .map(|p| p.total)
        .expect("audit")
}

store_test!(networks_are_checked_and_may_not_overlap, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let hq = site(store, a, "HQ").await;
    let other = site(store, a, "Depot").await;
    let lan = networks::create(store, a, &net(hq, "Office LAN", "10.0.0.0/24", "10.0.0.1"))
        .await
        .expect("lan");
    assert_eq!(lan.cidr, "10.0.0.0/24");
    let before = audit_count(store, a).await;
    // Host bits set: refused on cidr, the canonical network suggested.
    let e = networks::create(store, a, &net(hq, "Bad", "10.1.0.5/24", ""))
        .await
        .expect_err("host bits");
    assert_eq!(fields(&e), ["cidr"]);
    assert!(e.to_string().contains("10.1.0.0/24") || format!("{e:?}").contains("10.1.0.0/24"));
    // Overlapping another of the site: refused on cidr.
    let e = networks::create(store, a, &net(hq, "Overlap", "10.0.0.128/25", ""))
        .await
        .expect_err("overlap");
    assert_eq!(fields(&e), ["cidr"]);
    // Gateway outside, VLAN out of range.
    let mut bad = net(hq, "Servers", "10.0.1.0/24", "10.0.2.1");
    bad.vlan = "5000".into();
    let e = networks::create(store, a, &bad).await.expect_err("bad");
    let mut f = fields(&e);
    f.sort();
    assert_eq!(f, ["gateway", "vlan"]);
    assert_eq!(audit_count(store, a).await, before, "nothing written");
    // The same block at another site is fine; IPv6 too.
    networks::create(store, a, &net(other, "Depot LAN", "10.0.0.0/24", ""))
        .await
        .expect("other site");
    networks::create(store, a, &net(hq, "v6", "2001:db8:1::/64", "2001:db8:1::1"))
        .await
        .expect("v6");
    // Another company's network is not found.
    let e = networks::get(store, &w.actor_b, lan.id)
        .await
        .expect_err("other company");
    assert!(matches!(e, Error::NotFound { .. }));
});

store_test!(
    overlapping_networks_at_once_only_one_wins,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let a = &w.actor_a;
        let hq = site(store, a, "HQ").await;
        let mut tasks = Vec::new();
        for i in 0..6 {
            let store = store.clone();
            let a = a.clone();
            tasks.push(tokio::spawn(async move {
                let cidr = if i % 2 == 0 {
                    "10.9.0.0/16"
                } else {
                    "10.9.4.0/24"
                };
                networks::create(&store, &a, &net(hq, &format!("n{i}"), cidr, "")).await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.expect("join") {
                Ok(_) => ok += 1,
                Err(e) => assert_eq!(fields(&e), ["cidr"], "{e:?}"),
            }
        }
        assert_eq!(ok, 1);
    }
);

store_test!(an_address_is_given_once_even_at_once, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let hq = site(store, a, "HQ").await;
    let lan = networks::create(store, a, &net(hq, "LAN", "192.168.10.0/28", "192.168.10.1"))
        .await
        .expect("lan");
    // Next free skips the network address and the gateway.
    let first = networks::allocate(store, a, lan.id, &host("pc1", ""))
        .await
        .expect("next");
    assert_eq!(first.address, "192.168.10.2");
    // Given, outside, kept back: refused on address, nothing written.
    let before = audit_count(store, a).await;
    for bad in [
        "192.168.10.2",
        "192.168.11.5",
        "192.168.10.15",
        "192.168.10.1",
        "nope",
    ] {
        let e = networks::allocate(store, a, lan.id, &host("x", bad))
            .await
            .expect_err(bad);
        assert_eq!(fields(&e), ["address"], "{bad}");
    }
    assert_eq!(audit_count(store, a).await, before);
    // Twenty ask for the same address at once: one gets it.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        let a = a.clone();
        let id = lan.id;
        tasks.push(tokio::spawn(async move {
            networks::allocate(&store, &a, id, &host(&format!("h{i}"), "192.168.10.9")).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => won += 1,
            Err(e) => assert_eq!(fields(&e), ["address"], "{e:?}"),
        }
    }
    assert_eq!(won, 1);
    // Many ask for the next free one at once: all different, all inside.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let a = a.clone();
        let id = lan.id;
        tasks.push(tokio::spawn(async move {
            networks::allocate(&store, &a, id, &host(&format!("n{i}"), "")).await
        }));
    }
    let mut got = HashSet::new();
    for t in tasks {
        if let Ok(al) = t.await.expect("join") {
            assert!(got.insert(al.address.clone()), "{} twice", al.address);
        }
    }
    let all = networks::allocations(store, a, lan.id).await.expect("list");
    let unique: HashSet<_> = all.iter().map(|x| x.address.clone()).collect();
    assert_eq!(unique.len(), all.len());
    // /28: 14 usable, the gateway kept: 13; fill it, then it is full.
    loop {
        match networks::allocate(store, a, lan.id, &host("fill", "")).await {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(fields(&e), ["address"]);
                break;
            }
        }
    }
    let n = networks::get(store, a, lan.id).await.expect("net");
    assert_eq!(n.used, 13);
    assert_eq!(n.free(), 0);
    // Released, it may be given again.
    networks::release(store, a, lan.id, first.id)
        .await
        .expect("release");
    let again = networks::allocate(store, a, lan.id, &host("pc1b", ""))
        .await
        .expect("again");
    assert_eq!(again.address, "192.168.10.2");
    // Another company cannot release it.
    let e = networks::release(store, &w.actor_b, lan.id, again.id)
        .await
        .expect_err("other company");
    assert!(matches!(e, Error::NotFound { .. }));
});

store_test!(a_change_goes_through_the_inbox, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let admin = &w.actor_a;
    let tech_user =
        common::insert_user(store, admin.company_id, "tech", &["it_technician"], None).await;
    let lead_user = common::insert_user(store, admin.company_id, "lead", &["it_lead"], None).await;
    let tech = cli_actor(store, tech_user, admin.company_id)
        .await
        .expect("tech");
    let lead = cli_actor(store, lead_user, admin.company_id)
        .await
        .expect("lead");
    let input = ChangeInput {
        title: "Replace core switch".into(),
        description: "Swap the stack".into(),
        window_start: "2030-01-10T22:00".into(),
        window_end: "2030-01-11T02:00".into(),
        risk: "high".into(),
        checklist: vec!["Back up config".into(), "Swap".into()],
        asset_ids: vec![],
    };
    let bad = ChangeInput {
        window_end: "2030-01-10T21:00".into(),
        ..input.clone()
    };
    let e = changes::create(store, &tech, &bad)
        .await
        .expect_err("window");
    assert_eq!(fields(&e), ["window_end"]);
    let c = changes::create(store, &tech, &input).await.expect("create");
    assert_eq!(c.status, ChangeStatus::Draft);
    assert_eq!(c.checklist.len(), 2);
    let c = changes::submit(store, &tech, c.id).await.expect("submit");
    assert_eq!(c.status, ChangeStatus::Submitted);
    let approval = ApprovalId(c.approval_id.expect("approval"));
    // The registry as the app builds it: IT's decision handler moves the change.
    let mut reg = steward_core::registry::Registry::new();
    steward_core::it::register(&mut reg, store.clone());
    // The technician may not decide; the IT lead does.
    approvals::decide(store, &reg, &tech, approval, Verdict::Approve, "")
        .await
        .expect_err("a technician does not approve");
    approvals::decide(store, &reg, &lead, approval, Verdict::Approve, "ok")
        .await
        .expect("lead approves");
    let c = changes::get(store, &tech, c.id).await.expect("get");
    assert_eq!(c.status, ChangeStatus::Approved);
    // Done needs every item ticked.
    let c = changes::move_to(store, &tech, c.id, "in_progress")
        .await
        .expect("start");
    let e = changes::move_to(store, &tech, c.id, "done")
        .await
        .expect_err("unticked");
    assert_eq!(fields(&e), ["status"]);
    for i in c.checklist.clone() {
        changes::tick(store, &tech, c.id, i.id, true)
            .await
            .expect("tick");
    }
    let c = changes::get(store, &tech, c.id).await.expect("get");
    assert!(c.checklist.iter().all(|i| i.done && i.done_by.is_some()));
    let c = changes::move_to(store, &tech, c.id, "done")
        .await
        .expect("done");
    assert_eq!(c.status, ChangeStatus::Done);
    // Another company's change is not found.
    assert!(changes::get(store, &w.actor_b, c.id).await.is_err());
});

store_test!(maintenance_logs_move_the_next_date, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let s = maintenance::create(
        store,
        a,
        &ScheduleInput {
            title: "Test UPS".into(),
            instructions: "Run the self test".into(),
            rule: "FREQ=MONTHLY;BYMONTHDAY=1".into(),
            starts_on: "2026-01-01".into(),
            asset_ids: vec![],
        },
    )
    .await
    .expect("schedule");
    assert_eq!(s.next_due.map(|d| d.to_string()), Some("2026-01-01".into()));
    let e = maintenance::record_done(store, a, s.id, "2999-01-01", "")
        .await
        .expect_err("future");
    assert_eq!(fields(&e), ["done_on"]);
    let s = maintenance::record_done(store, a, s.id, "2026-03-03", "Fine")
        .await
        .expect("log");
    assert_eq!(s.next_due.map(|d| d.to_string()), Some("2026-04-01".into()));
    assert_eq!(
        s.last_done.map(|d| d.to_string()),
        Some("2026-03-03".into())
    );
    let log = maintenance::log(store, a, s.id).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].notes, "Fine");
    // The daily job finds it due (across companies) and tells the company's IT leads.
    let due = steward_core::it::maintenance::MaintenanceStore::maintenance_due(
        store,
        chrono::NaiveDate::from_ymd_opt(2026, 4, 2).expect("day"),
    )
    .await
    .expect("due");
    assert!(due.iter().any(|d| d.id == s.id));
    assert!(maintenance::get(store, &w.actor_b, s.id).await.is_err());
    // The daily job tells the company's IT leads, with a link to the schedule.
    let lead = common::insert_user(store, a.company_id, "lead", &["it_lead"], None).await;
    let told = maintenance::run(
        store,
        chrono::NaiveDate::from_ymd_opt(2026, 4, 2).expect("day"),
    )
    .await
    .expect("run");
    assert!(told >= 1);
    use steward_core::work::notify::{NotificationQuery, NotifyStore};
    let got = store
        .list_notifications(a.company_id, lead, &NotificationQuery::default())
        .await
        .expect("notifications");
    assert_eq!(got.items.len(), 1);
    assert!(
        got.items[0].title.contains("Test UPS"),
        "{:?}",
        got.items[0]
    );
    assert_eq!(
        got.items[0].link.as_deref(),
        Some(format!("/it/maintenance/{}", s.id).as_str())
    );
});
