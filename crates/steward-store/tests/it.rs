//! IT assets on both databases, through core's services: categories and models, assets
//! with generated and given tags (a taken tag or serial is refused on its field, nothing
//! written), check-out only of a deployable asset and check-in, the history, what an
//! employee sees (only what they hold), offboarding's list of what must come back, stale
//! versions, and companies kept apart.
use crate::common;

use steward_core::auth::session::cli_actor;
use steward_core::auth::Actor;
use steward_core::hr::employees::{self, EmployeeInput};
use steward_core::hr::lifecycle::{self, LifecycleStore};
use steward_core::ids::{AssetModelId, EmployeeId};
use steward_core::it::assets::{
    self, AssetInput, AssetQuery, AssetSort, AssetStatus, CategoryInput, CheckoutInput, ModelInput,
};
use steward_core::it::overdue;
use steward_core::list::SortDir;
use steward_core::work::notify::{NotificationQuery, NotifyStore};
use steward_core::Error;
use steward_store::Store;

use common::world;

use common::fields;

async fn laptop_model(store: &Store, actor: &Actor) -> AssetModelId {
    let cat = assets::create_category(
        store,
        actor,
        &CategoryInput {
            name: "Laptops".into(),
        },
    )
    .await
    .expect("category");
    assets::create_model(
        store,
        actor,
        &ModelInput {
            name: "ThinkPad T14".into(),
            maker: "Lenovo".into(),
            model_number: "20W0".into(),
            category_id: cat.id.0.to_string(),
            depreciation: "straight_line".into(),
            life_months: "36".into(),
        },
    )
    .await
    .expect("model")
    .id
}

fn asset(model: AssetModelId, tag: &str, serial: &str) -> AssetInput {
    AssetInput {
        tag: tag.into(),
        serial: serial.into(),
        model_id: model.0.to_string(),
        purchase_date: "2026-01-15".into(),
        purchase_cost: "1299.00".into(),
        warranty_end: "2029-01-15".into(),
        location: "Berlin office".into(),
        ..Default::default()
    }
}

/// An employee with a user of the `employee` role, and that user's actor.
async fn hire(store: &Store, admin: &Actor, n: &str) -> (EmployeeId, Actor) {
    let user = common::insert_user(store, admin.company_id, n, &["employee"], None).await;
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

store_test!(categories_and_models_refuse_bad_input, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    laptop_model(store, a).await;
    let dup = assets::create_category(
        store,
        a,
        &CategoryInput {
            name: "Laptops".into(),
        },
    )
    .await
    .expect_err("taken");
    assert_eq!(fields(&dup), ["name"]);
    let bad = assets::create_model(
        store,
        a,
        &ModelInput {
            name: "X".into(),
            category_id: "999999".into(),
            depreciation: "linear".into(),
            life_months: "7000".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("bad model");
    assert_eq!(
        fields(&bad),
        ["category_id", "depreciation", "life_months"],
        "{bad:?}"
    );
    assert_eq!(db.count("it_categories").await, 1);
    assert_eq!(db.count("it_models").await, 1);
    // Another company sees neither.
    assert!(assets::models(store, &w.actor_b)
        .await
        .expect("models")
        .is_empty());
});

store_test!(tags_are_generated_and_unique, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let model = laptop_model(store, a).await;
    let first = assets::create(store, a, &asset(model, "", "SN-1"))
        .await
        .expect("first");
    assert_eq!(first.tag, "A-000001");
    assert_eq!(first.status, AssetStatus::Deployable);
    assert_eq!(first.purchase_cost, Some(129_900));
    assert_eq!(first.currency, "EUR");
    // A tag typed by hand (any case) takes a number the store then skips.
    let given = assets::create(store, a, &asset(model, "a-000002", ""))
        .await
        .expect("given");
    assert_eq!(given.tag, "A-000002");
    let third = assets::create(store, a, &asset(model, "", ""))
        .await
        .expect("third");
    assert_eq!(third.tag, "A-000003", "no serial twice is fine");
    let before = db.count("it_assets").await;
    let audits = db.count("audit_events").await;
    let e = assets::create(store, a, &asset(model, "A-000001", "SN-1"))
        .await
        .expect_err("taken");
    assert_eq!(fields(&e), ["tag", "serial"], "{e:?}");
    let e = assets::create(store, a, &asset(model, "", "SN-1"))
        .await
        .expect_err("serial taken");
    assert_eq!(fields(&e), ["serial"]);
    let e = assets::create(
        store,
        a,
        &AssetInput {
            status: "deployed".into(),
            purchase_cost: "-1".into(),
            purchase_date: "2026-02-30".into(),
            ..asset(model, "bad tag!", "")
        },
    )
    .await
    .expect_err("bad");
    assert_eq!(
        fields(&e),
        ["tag", "status", "purchase_date", "purchase_cost"],
        "{e:?}"
    );
    assert_eq!(db.count("it_assets").await, before, "nothing written");
    assert_eq!(db.count("audit_events").await, audits);
    // Another company numbers its own tags and may reuse a serial.
    let b_model = laptop_model(store, &w.actor_b).await;
    let other = assets::create(store, &w.actor_b, &asset(b_model, "", "SN-1"))
        .await
        .expect("company B");
    assert_eq!(other.tag, "A-000001");
    assert_eq!(other.currency, "CHF");
    assert!(matches!(
        assets::get(store, &w.actor_b, first.id).await,
        Err(Error::NotFound { .. })
    ));

    // An update: a taken serial is refused; a stale version is a conflict.
    let e = assets::update(store, a, given.id, &asset(model, "", "SN-1"), None)
        .await
        .expect_err("serial taken");
    assert_eq!(fields(&e), ["serial"]);
    let changed = assets::update(
        store,
        a,
        given.id,
        &AssetInput {
            status: "in_repair".into(),
            ..asset(model, "", "SN-2")
        },
        Some(given.version),
    )
    .await
    .expect("update");
    assert_eq!(changed.tag, "A-000002", "an empty tag keeps the tag");
    assert_eq!(changed.status, AssetStatus::InRepair);
    let stale = assets::update(store, a, given.id, &asset(model, "", "SN-2"), Some(1)).await;
    assert!(matches!(stale, Err(Error::Conflict { .. })), "{stale:?}");

    // Lists: filter, search, sort, page.
    let page = assets::list(
        store,
        a,
        &AssetQuery {
            status: Some(AssetStatus::Deployable),
            sort: AssetSort::Tag,
            dir: SortDir::Desc,
            ..Default::default()
        },
    )
    .await
    .expect("list");
    let tags: Vec<_> = page.items.iter().map(|x| x.tag.as_str()).collect();
    assert_eq!(tags, ["A-000003", "A-000001"]);
    let found = assets::list(
        store,
        a,
        &AssetQuery {
            search: Some("sn-2".into()),
            ..Default::default()
        },
    )
    .await
    .expect("search");
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].id, given.id);
    let by_model = assets::list(
        store,
        a,
        &AssetQuery {
            model: Some(model),
            paging: steward_core::list::Paging::new(Some(1), Some(1)),
            ..Default::default()
        },
    )
    .await
    .expect("page");
    assert_eq!((by_model.total, by_model.items.len()), (3, 1));
    // Sorted by warranty, those without one last, on both databases.
    assets::create(
        store,
        a,
        &AssetInput {
            warranty_end: String::new(),
            ..asset(model, "", "")
        },
    )
    .await
    .expect("no warranty");
    for dir in [SortDir::Asc, SortDir::Desc] {
        let page = assets::list(
            store,
            a,
            &AssetQuery {
                sort: AssetSort::WarrantyEnd,
                dir,
                ..Default::default()
            },
        )
        .await
        .expect("sorted");
        assert_eq!(
            page.items.last().and_then(|x| x.warranty_end),
            None,
            "{dir:?}"
        );
        assert!(page.items[0].warranty_end.is_some());
    }
});

store_test!(
    the_list_follows_a_model_to_another_category_and_searches_alike,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let a = &w.actor_a;
        let model = laptop_model(store, a).await;
        let phones = assets::create_category(
            store,
            a,
            &CategoryInput {
                name: "Phones".into(),
            },
        )
        .await
        .expect("category");
        let given = assets::create(
            store,
            a,
            &AssetInput {
                name: "Ärztezimmer Drucker".into(),
                ..asset(model, "", "SN-Ü1")
            },
        )
        .await
        .expect("asset");
        let m = assets::model(store, a, model).await.expect("model");
        let in_category = |c| AssetQuery {
            category: Some(c),
            ..Default::default()
        };
        let total =
            |q: AssetQuery| async move { assets::list(store, a, &q).await.expect("list").total };
        assert_eq!(total(in_category(m.category_id)).await, 1);
        assert_eq!(total(in_category(phones.id)).await, 0);
        // Letters beyond ASCII match in either case on both databases; so does the model's name.
        for q in ["ärztezimmer", "ÄRZTE", "sn-ü1", "thinkpad"] {
            let found = AssetQuery {
                search: Some(q.into()),
                ..Default::default()
            };
            assert_eq!(total(found).await, 1, "{q}");
        }
        assets::update_model(
            store,
            a,
            model,
            &ModelInput {
                name: m.name.clone(),
                maker: m.maker.clone(),
                model_number: m.model_number.clone(),
                category_id: phones.id.0.to_string(),
                depreciation: "straight_line".into(),
                life_months: "36".into(),
            },
            Some(m.version),
        )
        .await
        .expect("move the model");
        assert_eq!(total(in_category(m.category_id)).await, 0);
        assert_eq!(total(in_category(phones.id)).await, 1);
        // A renamed asset is found by its new name only.
        assets::update(
            store,
            a,
            given.id,
            &AssetInput {
                name: "Empfang".into(),
                ..asset(model, "", "SN-Ü1")
            },
            Some(given.version),
        )
        .await
        .expect("rename");
        let search = |q: &str| AssetQuery {
            search: Some(q.into()),
            ..Default::default()
        };
        assert_eq!(total(search("ärzte")).await, 0);
        assert_eq!(total(search("empfang")).await, 1);
        assert_eq!(total(in_category(phones.id)).await, 1);
    }
);

store_test!(check_out_and_in_with_history, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let model = laptop_model(store, a).await;
    let laptop = assets::create(store, a, &asset(model, "", "SN-1"))
        .await
        .expect("laptop");
    let spare = assets::create(store, a, &asset(model, "", "SN-2"))
        .await
        .expect("spare");
    let (ann, ann_actor) = hire(store, a, "ann").await;
    let (bob, bob_actor) = hire(store, a, "bob").await;

    let out = assets::check_out(
        store,
        a,
        laptop.id,
        &CheckoutInput {
            employee_id: ann.0.to_string(),
            expected_return: "2999-01-01".into(),
            note: "scratch on the lid".into(),
            ..Default::default()
        },
        Some(laptop.version),
    )
    .await
    .expect("check out");
    assert_eq!(out.status, AssetStatus::Deployed);
    assert_eq!(out.holder_id, Some(ann));
    assert_eq!(out.holder.as_deref(), Some("Person ann"));

    // Not deployable: refused on `status`, nothing written.
    let events = db.count("it_asset_events").await;
    let audits = db.count("audit_events").await;
    let e = assets::check_out(
        store,
        a,
        laptop.id,
        &CheckoutInput {
            employee_id: bob.0.to_string(),
            ..Default::default()
        },
        None,
    )
    .await
    .expect_err("deployed");
    assert_eq!(fields(&e), ["status"], "{e:?}");
    let e = assets::check_out(
        store,
        a,
        spare.id,
        &CheckoutInput {
            employee_id: "999999".into(),
            expected_return: "2001-01-01".into(),
            ..Default::default()
        },
        None,
    )
    .await
    .expect_err("no such employee");
    assert_eq!(fields(&e), ["employee_id", "expected_return"], "{e:?}");
    let e = assets::check_in(store, a, spare.id, "", None)
        .await
        .expect_err("not out");
    assert_eq!(fields(&e), ["status"]);
    let e = assets::update(
        store,
        a,
        laptop.id,
        &AssetInput {
            status: "retired".into(),
            ..asset(model, "", "SN-1")
        },
        None,
    )
    .await
    .expect_err("out");
    assert_eq!(fields(&e), ["status"]);
    assert_eq!(db.count("it_asset_events").await, events);
    assert_eq!(db.count("audit_events").await, audits);

    // The holder sees only what they hold; others nothing; nobody but IT writes.
    let mine = assets::list(store, &ann_actor, &AssetQuery::default())
        .await
        .expect("ann's");
    assert_eq!(mine.total, 1);
    assert_eq!(mine.items[0].id, laptop.id);
    assert!(assets::get(store, &ann_actor, laptop.id).await.is_ok());
    assert!(matches!(
        assets::get(store, &ann_actor, spare.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        assets::list(store, &bob_actor, &AssetQuery::default())
            .await
            .expect("bob's")
            .total,
        0
    );
    assert_eq!(
        assets::held_by(store, &ann_actor, ann)
            .await
            .expect("held")
            .len(),
        1
    );
    assert!(matches!(
        assets::held_by(store, &bob_actor, ann).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        assets::create(store, &ann_actor, &asset(model, "", "")).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        assets::check_in(store, &ann_actor, laptop.id, "", None).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        assets::list(
            store,
            &ann_actor,
            &AssetQuery {
                paging: steward_core::list::Paging::export(),
                ..Default::default()
            }
        )
        .await,
        Err(Error::Forbidden)
    ));

    // Offboarding asks every lender: the laptop must come back.
    let items = store
        .assigned_items(w.a, ann)
        .await
        .expect("assigned items");
    assert_eq!(items.len(), 1, "{items:?}");
    assert!(items[0].item.starts_with(&out.tag), "{items:?}");
    assert_eq!(items[0].source, "it");
    assert_eq!(
        items[0].record.as_ref().map(|r| r.to_string()),
        Some(format!("it.asset:{}", laptop.id.0))
    );
    assert!(store
        .assigned_items(w.a, bob)
        .await
        .expect("bob")
        .is_empty());
    lifecycle::start_offboarding(
        store,
        a,
        ann,
        &lifecycle::OffboardingInput {
            leaving_date: "2999-01-29".into(),
            reason: "resignation".into(),
            note: String::new(),
            returns: Some(vec!["Badge".into()]),
        },
    )
    .await
    .expect("offboarding");
    let open = |items: Vec<lifecycle::ReturnItem>| {
        items
            .into_iter()
            .filter(|r| r.returned_at.is_none())
            .map(|r| r.source)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        open(store.return_items(w.a, ann).await.expect("returns")),
        ["hr", "it"]
    );

    // The overdue job tells Ann once her return date has passed, not before.
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day");
    assert_eq!(
        overdue::run(store, day("2999-01-01")).await.expect("run"),
        0
    );
    assert_eq!(
        overdue::run(store, day("2999-01-02")).await.expect("run"),
        1
    );
    let told = store
        .list_notifications(w.a, ann_actor.user_id, &NotificationQuery::default())
        .await
        .expect("notifications");
    assert_eq!(told.items.len(), 1);
    assert!(
        told.items[0].title.contains(&out.tag),
        "{:?}",
        told.items[0]
    );
    assert_eq!(
        told.items[0].link.as_deref(),
        Some(format!("/it/assets/{}", laptop.id.0).as_str())
    );

    let back = assets::check_in(store, a, laptop.id, "as lent", Some(out.version))
        .await
        .expect("check in");
    assert_eq!(back.status, AssetStatus::Deployable);
    assert_eq!(back.holder_id, None);
    let history = assets::history(store, a, laptop.id).await.expect("history");
    let kinds: Vec<_> = history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["created", "checked_out", "checked_in"]);
    assert_eq!(history[1].employee_id, Some(ann));
    assert_eq!(history[1].note, "scratch on the lid");
    assert_eq!(
        history[1].expected_return.map(|d| d.to_string()).as_deref(),
        Some("2999-01-01")
    );
    assert_eq!(history[2].employee_id, Some(ann));
    let hers = assets::history_of(store, &ann_actor, ann)
        .await
        .expect("her history");
    assert_eq!(hers.len(), 2);
    assert!(hers.iter().all(|e| e.asset_tag == out.tag));
    assert!(matches!(
        assets::history_of(store, &bob_actor, ann).await,
        Err(Error::Forbidden)
    ));
    // The check-in closed what offboarding asked back of it; the badge is still out.
    assert_eq!(
        open(store.return_items(w.a, ann).await.expect("returns")),
        ["hr"]
    );
    assert!(store
        .assigned_items(w.a, ann)
        .await
        .expect("none")
        .is_empty());
    // Every write is in the audit trail, with the asset's id.
    let raw = db.raw().await;
    let actions: Vec<String> = sqlx::query(
        "SELECT action FROM audit_events WHERE entity = 'it.asset' AND entity_id = $1 ORDER BY seq",
    )
    .bind(laptop.id.0.to_string())
    .fetch_all(&raw)
    .await
    .expect("audit")
    .iter()
    .map(|r| sqlx::Row::try_get::<String, _>(r, "action").expect("action"))
    .collect();
    raw.close().await;
    assert_eq!(actions, ["create", "check_out", "check_in"]);
    // Ann no longer sees it.
    assert!(matches!(
        assets::get(store, &ann_actor, laptop.id).await,
        Err(Error::NotFound { .. })
    ));
    // Another company cannot check it out.
    assert!(matches!(
        assets::check_out(
            store,
            &w.actor_b,
            laptop.id,
            &CheckoutInput {
                employee_id: ann.0.to_string(),
                ..Default::default()
            },
            None
        )
        .await,
        Err(Error::NotFound { .. })
    ));
});
