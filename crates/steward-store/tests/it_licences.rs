//! IT licences and consumables on both databases, through core's services: only IT's
//! leads change licences (a technician is refused), bad input is refused naming the field
//! with nothing written, seats never exceed those owned (also with assignments racing each
//! other), fewer seats than in use are refused, an employee sees only the licences with a
//! seat of theirs, offboarding lists a seat and unassigning it closes the item, the expiry
//! job tells the leads once; consumables' stock never goes below 0 (also racing), the
//! movements, the below-minimum filter, and companies kept apart.
use crate::common;

use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::hr::employees::{self, EmployeeInput};
use steward_core::hr::lifecycle::{self, LifecycleStore};
use steward_core::ids::EmployeeId;
use steward_core::it::consumables::{self, ConsumableInput, ConsumableQuery, MovementInput};
use steward_core::it::licence_reminders;
use steward_core::it::licences::{self, LicenceInput, LicenceQuery, SeatInput, Usage};
use steward_core::work::notify::{NotificationQuery, NotifyStore};
use steward_core::Error;
use steward_store::Store;

use common::world;

use common::fields;

/// An employee with a user of `role`, and that user's actor.
async fn hire(store: &Store, admin: &Actor, n: &str, role: &str) -> (EmployeeId, Actor) {
    let user = common::insert_user(store, admin.company_id, n, &[role], None).await;
    let e = employees::create_employee(
        store,
        admin,
        &EmployeeInput {
            employee_number: Some(format!("E-{n}")),
            legal_name: Some(format!("Person {n}")),
            start_date: Some("2020-01-01".into()),
            position: Some("Clerk".into()),
            user_id: Some(Some(user.0)),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("hire");
    let actor = cli_actor(store, user, admin.company_id)
        .await
        .expect("actor");
    (e.employee.id, actor)
}

fn licence(product: &str, seats: u32) -> LicenceInput {
    LicenceInput {
        product: product.into(),
        vendor: "Vendor".into(),
        seats: seats.to_string(),
        cost: "1200.00".into(),
        purchase_date: "2026-01-01".into(),
        expires_on: "2999-12-31".into(),
        key: Some("SECRET-KEY-1".into()),
        ..Default::default()
    }
}

fn seat_for(e: EmployeeId) -> SeatInput {
    SeatInput {
        employee_id: e.0.to_string(),
        ..Default::default()
    }
}

store_test!(
    only_leads_change_licences_and_seats_never_overrun,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let a = &w.actor_a;
        let (_, lead) = hire(store, a, "lead", "it_lead").await;
        let (_, tech) = hire(store, a, "tech", "it_technician").await;
        let (ann, ann_actor) = hire(store, a, "ann", "employee").await;
        let (bob, bob_actor) = hire(store, a, "bob", "employee").await;
        let (cy, _) = hire(store, a, "cy", "employee").await;

        // Bad input names every field; nothing is written.
        let bad = licences::create(
            store,
            &lead,
            &LicenceInput {
                product: " ".into(),
                seats: "-1".into(),
                cost: "12.345".into(),
                purchase_date: "2026-02-01".into(),
                expires_on: "2026-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .expect_err("bad");
        assert_eq!(
            fields(&bad),
            ["product", "seats", "cost", "expires_on"],
            "{bad:?}"
        );
        assert_eq!(db.count("it_licences").await, 0);

        // A technician may not add one; the lead may.
        assert!(matches!(
            licences::create(store, &tech, &licence("Office", 2)).await,
            Err(Error::Forbidden)
        ));
        let office = licences::create(store, &lead, &licence("Office", 2))
            .await
            .expect("create");
        assert_eq!(office.key.as_deref(), Some("SECRET-KEY-1"));
        assert!(matches!(
            licences::assign(store, &tech, office.id, &seat_for(ann)).await,
            Err(Error::Forbidden)
        ));

        // Two seats: Ann and Bob; Cy is refused on `seats`, nothing written.
        let ann_seat = licences::assign(store, &lead, office.id, &seat_for(ann))
            .await
            .expect("ann");
        let again = licences::assign(store, &lead, office.id, &seat_for(ann))
            .await
            .expect_err("twice");
        assert_eq!(fields(&again), ["employee_id"]);
        licences::assign(store, &lead, office.id, &seat_for(bob))
            .await
            .expect("bob");
        let full = licences::assign(store, &lead, office.id, &seat_for(cy))
            .await
            .expect_err("full");
        assert_eq!(fields(&full), ["seats"], "{full:?}");
        assert_eq!(db.count("it_licence_seats").await, 2);
        let both = licences::assign(
            store,
            &lead,
            office.id,
            &SeatInput {
                employee_id: cy.0.to_string(),
                asset_id: "1".into(),
                ..Default::default()
            },
        )
        .await
        .expect_err("both");
        assert_eq!(fields(&both), ["employee_id", "seats"]);

        // Owning fewer seats than in use is refused on `seats`; as many is fine.
        let mut fewer = licence("Office", 1);
        fewer.key = None;
        let e = licences::update(store, &lead, office.id, &fewer, None)
            .await
            .expect_err("fewer");
        assert_eq!(fields(&e), ["seats"]);
        let more = licences::update(store, &lead, office.id, &licence("Office", 3), None)
            .await
            .expect("more");
        assert_eq!((more.seats, more.seats_used), (3, 2));
        assert_eq!(more.usage(licences::today()), Usage::Under);

        // The employee sees the licence (without its key) and only their seat; Cy's is 404.
        let seen = licences::get(store, &ann_actor, office.id)
            .await
            .expect("ann sees");
        assert_eq!(seen.key, None);
        let seats = licences::seats(store, &ann_actor, office.id)
            .await
            .expect("seats");
        assert_eq!(seats.len(), 1);
        assert_eq!(seats[0].employee_id, Some(ann));
        assert_eq!(
            licences::list(store, &ann_actor, &LicenceQuery::default())
                .await
                .expect("list")
                .total,
            1
        );
        let other = licences::create(store, &lead, &licence("Other", 1))
            .await
            .expect("other");
        assert!(matches!(
            licences::get(store, &ann_actor, other.id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            licences::compliance(store, &ann_actor).await,
            Err(Error::Forbidden)
        ));
        // Another company does not see it at all.
        assert!(matches!(
            licences::get(store, &w.actor_b, office.id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            licences::unassign(store, &w.actor_b, ann_seat.id).await,
            Err(Error::NotFound { .. })
        ));

        // Offboarding lists Ann's seat; unassigning it closes the item.
        let items = store.assigned_items(w.a, ann).await.expect("items");
        assert!(
            items
                .iter()
                .any(|i| i.record.as_ref().map(|r| r.to_string())
                    == Some(format!("it.licence_seat:{}", ann_seat.id.0))),
            "{items:?}"
        );
        lifecycle::start_offboarding(
            store,
            a,
            ann,
            &lifecycle::OffboardingInput {
                leaving_date: "2999-01-29".into(),
                reason: "resignation".into(),
                note: String::new(),
                returns: Some(vec![]),
            },
        )
        .await
        .expect("offboarding");
        let open = |items: Vec<lifecycle::ReturnItem>| {
            items
                .into_iter()
                .filter(|r| r.returned_at.is_none())
                .count()
        };
        assert_eq!(
            open(store.return_items(w.a, ann).await.expect("returns")),
            1
        );
        let after = licences::unassign(store, &lead, ann_seat.id)
            .await
            .expect("unassign");
        assert_eq!(after.seats_used, 1);
        assert_eq!(
            open(store.return_items(w.a, ann).await.expect("returns")),
            0
        );
        assert!(matches!(
            licences::unassign(store, &lead, ann_seat.id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            licences::get(store, &ann_actor, office.id).await,
            Err(Error::NotFound { .. })
        ));
        assert!(licences::get(store, &bob_actor, office.id).await.is_ok());

        // Every write is in the audit trail.
        let raw = db.raw().await;
        let actions: Vec<String> = sqlx::query(
        "SELECT action FROM audit_events WHERE entity = 'it.licence' AND entity_id = $1 ORDER BY seq",
    )
    .bind(office.id.0.to_string())
    .fetch_all(&raw)
    .await
    .expect("audit")
    .iter()
    .map(|r| sqlx::Row::try_get::<String, _>(r, "action").expect("action"))
    .collect();
        raw.close().await;
        assert_eq!(
            actions,
            [
                "create",
                "assign_seat",
                "assign_seat",
                "update",
                "unassign_seat"
            ]
        );
    }
);

store_test!(racing_assignments_cannot_overrun, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let lic = licences::create(store, a, &licence("Seats", 3))
        .await
        .expect("licence");
    let mut people = Vec::new();
    for i in 0..8 {
        people.push(hire(store, a, &format!("p{i}"), "employee").await.0);
    }
    let tasks: Vec<_> = people
        .into_iter()
        .map(|e| {
            let (store, actor) = (store.clone(), a.clone());
            tokio::spawn(
                async move { licences::assign(&store, &actor, lic.id, &seat_for(e)).await },
            )
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(fields(&e), ["seats"], "{e:?}"),
        }
    }
    assert_eq!(ok, 3);
    let now = licences::get(store, a, lic.id).await.expect("get");
    assert_eq!(now.seats_used, 3);
    assert_eq!(db.count("it_licence_seats").await, 3);
});

store_test!(expiry_reminders_tell_the_leads_once, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let (_, lead) = hire(store, a, "lead", "it_lead").await;
    let (_, tech) = hire(store, a, "tech", "it_technician").await;
    let today = licences::today();
    let mut soon = licence("Soon", 1);
    soon.purchase_date = String::new();
    soon.expires_on = (today + chrono::Duration::days(10)).to_string();
    let s = licences::create(store, &lead, &soon).await.expect("soon");
    let mut later = licence("Later", 1);
    later.expires_on = (today + chrono::Duration::days(90)).to_string();
    licences::create(store, &lead, &later).await.expect("later");
    assert_eq!(licence_reminders::run(store, today).await.expect("run"), 1);
    assert_eq!(
        licence_reminders::run(store, today).await.expect("again"),
        0
    );
    let told = store
        .list_notifications(w.a, lead.user_id, &NotificationQuery::default())
        .await
        .expect("notes");
    assert_eq!(told.items.len(), 1);
    assert!(told.items[0].title.contains("Soon"), "{:?}", told.items[0]);
    assert_eq!(
        told.items[0].link.as_deref(),
        Some(format!("/it/licences/{}", s.id.0).as_str())
    );
    // The admin is a lead too; the technician is not told.
    assert_eq!(
        store
            .list_notifications(w.a, tech.user_id, &NotificationQuery::default())
            .await
            .expect("tech")
            .items
            .len(),
        0
    );
    // The tile counts it for IT's staff.
    let tiles = steward_core::it::tiles::licences_tile(store, &tech)
        .await
        .expect("tile");
    assert_eq!(tiles[0].number, 1);
});

fn consumable(name: &str, stock: u32, min: u32) -> ConsumableInput {
    ConsumableInput {
        name: name.into(),
        unit: "pcs".into(),
        quantity: stock.to_string(),
        min_quantity: min.to_string(),
        location: "IT office".into(),
        unit_cost: "9.90".into(),
        ..Default::default()
    }
}

store_test!(consumable_stock_never_goes_below_zero, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let (_, tech) = hire(store, a, "tech", "it_technician").await;
    let (ann, ann_actor) = hire(store, a, "ann", "employee").await;

    let bad = consumables::create(
        store,
        &tech,
        &ConsumableInput {
            name: String::new(),
            quantity: "-3".into(),
            min_quantity: "x".into(),
            unit_cost: "-1".into(),
            category_id: "999999".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("bad");
    assert_eq!(
        fields(&bad),
        [
            "name",
            "category_id",
            "quantity",
            "min_quantity",
            "unit_cost"
        ],
        "{bad:?}"
    );
    assert_eq!(db.count("it_consumables").await, 0);
    let mice = consumables::create(store, &tech, &consumable("Mouse", 5, 3))
        .await
        .expect("mice");
    let dup = consumables::create(store, &tech, &consumable("mouse", 1, 0))
        .await
        .expect_err("dup");
    assert_eq!(fields(&dup), ["name"]);
    assert!(matches!(
        consumables::create(store, &ann_actor, &consumable("Pads", 1, 0)).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        consumables::get(store, &ann_actor, mice.id).await,
        Err(Error::Forbidden)
    ));

    let issue = |n: &str| MovementInput {
        quantity: n.into(),
        employee_id: ann.0.to_string(),
        note: "desk".into(),
    };
    let too_many = consumables::issue(store, &tech, mice.id, &issue("6"))
        .await
        .expect_err("too many");
    assert_eq!(fields(&too_many), ["quantity"]);
    assert_eq!(db.count("it_consumable_movements").await, 1);
    let after = consumables::issue(store, &tech, mice.id, &issue("3"))
        .await
        .expect("issue");
    assert_eq!(after.quantity, 2);
    assert!(after.below_minimum());
    let low = consumables::list(
        store,
        &tech,
        &ConsumableQuery {
            below_minimum: true,
            ..Default::default()
        },
    )
    .await
    .expect("low");
    assert_eq!(low.total, 1);
    let back = consumables::receive(
        store,
        &tech,
        mice.id,
        &MovementInput {
            quantity: "10".into(),
            ..Default::default()
        },
    )
    .await
    .expect("receive");
    assert_eq!(back.quantity, 12);

    // Twenty issues of one at once against twelve in stock: twelve go through.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, actor) = (store.clone(), tech.clone());
            let input = issue("1");
            tokio::spawn(async move { consumables::issue(&store, &actor, mice.id, &input).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(fields(&e), ["quantity"], "{e:?}"),
        }
    }
    assert_eq!(ok, 12);
    let now = consumables::get(store, &tech, mice.id).await.expect("get");
    assert_eq!(now.quantity, 0);
    let moves = consumables::movements(store, &tech, mice.id)
        .await
        .expect("movements");
    assert_eq!(moves.len(), 1 + 1 + 1 + 12);
    assert_eq!(moves.last().map(|m| m.kind.as_str()), Some("opening"));
    assert!(moves.iter().all(|m| m.balance >= 0));
    // Another company: 404.
    assert!(matches!(
        consumables::get(store, &w.actor_b, mice.id).await,
        Err(Error::NotFound { .. })
    ));
    let tiles = steward_core::it::tiles::consumables_tile(store, &tech)
        .await
        .expect("tile");
    assert_eq!(tiles[0].number, 1);
});
