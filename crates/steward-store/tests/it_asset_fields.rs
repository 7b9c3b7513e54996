//! IT: custom fields per asset category and check-out to a location or another asset, on
//! both databases through core's services. Fields are defined by IT's staff only; an
//! asset's values are checked against its category's fields (kinds, choices, required,
//! unknown keys, each named `custom.<key>`; nothing written); a field made inactive is no
//! longer asked. A check-out names exactly one target; an asset goes with another but
//! never with itself, one checked out to it (through any chain) or one retired; the parent
//! lists what goes with it; the history records the location or the asset; check-in works
//! for every kind and only an employee's check-out comes back at offboarding.
use crate::common;

use serde_json::{json, Map, Value};
use steward_core::auth::Actor;
use steward_core::hr::lifecycle::LifecycleStore;
use steward_core::ids::{AssetCategoryId, AssetModelId};
use steward_core::it::asset_fields::{self, CategoryFieldInput};
use steward_core::it::assets::{
    self, Asset, AssetInput, AssetStatus, CategoryInput, CheckoutInput, ModelInput,
};
use steward_core::Error;
use steward_store::Store;

use common::world;

use common::sorted_fields as fields;

fn custom(pairs: &[(&str, &str)]) -> Option<Map<String, Value>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
    )
}

async fn category_and_model(
    store: &Store,
    a: &Actor,
    name: &str,
) -> (AssetCategoryId, AssetModelId) {
    let cat = assets::create_category(store, a, &CategoryInput { name: name.into() })
        .await
        .expect("category");
    let m = assets::create_model(
        store,
        a,
        &ModelInput {
            name: format!("{name} model"),
            category_id: cat.id.0.to_string(),
            ..Default::default()
        },
    )
    .await
    .expect("model");
    (cat.id, m.id)
}

async fn new_asset(store: &Store, a: &Actor, model: AssetModelId, tag: &str) -> Asset {
    assets::create(
        store,
        a,
        &AssetInput {
            tag: tag.into(),
            model_id: model.0.to_string(),
            ..Default::default()
        },
    )
    .await
    .expect("asset")
}

store_test!(
    custom_fields_are_checked_against_the_category,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let a = &w.actor_a;
        let (laptops, laptop) = category_and_model(store, a, "Laptops").await;
        let (_, phone) = category_and_model(store, a, "Phones").await;
        let ram = asset_fields::create_field(
            store,
            a,
            laptops,
            &CategoryFieldInput {
                key: "ram_gb".into(),
                label: "RAM (GB)".into(),
                kind: "number".into(),
                required: true,
                position: 1,
                ..Default::default()
            },
        )
        .await
        .expect("ram");
        assert_eq!(ram.owner, laptops);
        asset_fields::create_field(
            store,
            a,
            laptops,
            &CategoryFieldInput {
                key: "os".into(),
                label: "Operating system".into(),
                kind: "choice".into(),
                choices: vec!["Windows 11".into(), "Ubuntu 24.04".into()],
                position: 2,
                ..Default::default()
            },
        )
        .await
        .expect("os");
        // Bad definitions: a taken key, an asset column's name, a kind HR has but IT not.
        let defs = db.count("it_category_fields").await;
        for (key, kind, field) in [
            ("ram_gb", "text", "key"),
            ("serial", "text", "key"),
            ("scan", "file", "kind"),
        ] {
            let e = asset_fields::create_field(
                store,
                a,
                laptops,
                &CategoryFieldInput {
                    key: key.into(),
                    label: "X".into(),
                    kind: kind.into(),
                    ..Default::default()
                },
            )
            .await
            .expect_err("bad definition");
            assert_eq!(fields(&e), [field], "{key}: {e:?}");
        }
        assert_eq!(db.count("it_category_fields").await, defs);
        // Another company does not see the category; an employee may not define fields.
        assert!(matches!(
            asset_fields::fields(store, &w.actor_b, laptops).await,
            Err(Error::NotFound { .. })
        ));
        let emp = common::insert_user(store, w.a, "emp", &["employee"], None).await;
        let emp = steward_core::auth::session::cli_actor(store, emp, w.a)
            .await
            .expect("actor");
        assert!(matches!(
            asset_fields::create_field(
                store,
                &emp,
                laptops,
                &CategoryFieldInput {
                    key: "colour".into(),
                    label: "Colour".into(),
                    kind: "text".into(),
                    ..Default::default()
                },
            )
            .await,
            Err(Error::Forbidden)
        ));

        // A laptop without its required RAM, or with bad values: refused, nothing written.
        let before = db.count("it_assets").await;
        let audits = db.count("audit_events").await;
        let e = assets::create(
            store,
            a,
            &AssetInput {
                model_id: laptop.0.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect_err("required");
        assert_eq!(fields(&e), ["custom.ram_gb"]);
        let e = assets::create(
            store,
            a,
            &AssetInput {
                model_id: laptop.0.to_string(),
                custom: custom(&[("ram_gb", "sixteen"), ("os", "macOS"), ("colour", "red")]),
                ..Default::default()
            },
        )
        .await
        .expect_err("bad values");
        assert_eq!(
            fields(&e),
            ["custom.colour", "custom.os", "custom.ram_gb"],
            "{e:?}"
        );
        assert_eq!(db.count("it_assets").await, before);
        assert_eq!(db.count("audit_events").await, audits);

        let made = assets::create(
            store,
            a,
            &AssetInput {
                model_id: laptop.0.to_string(),
                custom: custom(&[("ram_gb", " 16 "), ("os", "Ubuntu 24.04")]),
                ..Default::default()
            },
        )
        .await
        .expect("laptop");
        assert_eq!(made.custom.get("ram_gb"), Some(&json!("16")));
        assert_eq!(made.custom.get("os"), Some(&json!("Ubuntu 24.04")));
        // The same values on a phone: its category has no such fields.
        let e = assets::create(
            store,
            a,
            &AssetInput {
                model_id: phone.0.to_string(),
                custom: custom(&[("ram_gb", "16")]),
                ..Default::default()
            },
        )
        .await
        .expect_err("not the phone's");
        assert_eq!(fields(&e), ["custom.ram_gb"]);

        // An update without values keeps them; with values replaces them (checked again).
        let kept = assets::update(
            store,
            a,
            made.id,
            &AssetInput {
                model_id: laptop.0.to_string(),
                name: "Renamed".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("keeps");
        assert_eq!(kept.custom, made.custom);
        let e = assets::update(
            store,
            a,
            made.id,
            &AssetInput {
                model_id: laptop.0.to_string(),
                custom: custom(&[("os", "Windows 11")]),
                ..Default::default()
            },
            None,
        )
        .await
        .expect_err("ram dropped");
        assert_eq!(fields(&e), ["custom.ram_gb"]);
        let changed = assets::update(
            store,
            a,
            made.id,
            &AssetInput {
                model_id: laptop.0.to_string(),
                custom: custom(&[("ram_gb", "32"), ("os", "")]),
                ..Default::default()
            },
            Some(kept.version),
        )
        .await
        .expect("replaced");
        assert_eq!(changed.custom.get("ram_gb"), Some(&json!("32")));
        assert!(
            !changed.custom.contains_key("os"),
            "an empty value is dropped"
        );

        // The field made inactive is no longer asked; its kind stays.
        let e = asset_fields::update_field(
            store,
            a,
            laptops,
            ram.id,
            &CategoryFieldInput {
                label: "RAM".into(),
                kind: "text".into(),
                ..Default::default()
            },
            None,
        )
        .await
        .expect_err("kind fixed");
        assert_eq!(fields(&e), ["kind"]);
        let retired = asset_fields::update_field(
            store,
            a,
            laptops,
            ram.id,
            &CategoryFieldInput {
                label: "RAM".into(),
                required: true,
                active: false,
                ..Default::default()
            },
            Some(ram.version),
        )
        .await
        .expect("inactive");
        assert!(!retired.active);
        assert_eq!(retired.key, "ram_gb");
        assert_eq!(retired.version, ram.version + 1);
        // A stale version is a conflict.
        assert!(matches!(
            asset_fields::update_field(
                store,
                a,
                laptops,
                ram.id,
                &CategoryFieldInput {
                    label: "RAM".into(),
                    ..Default::default()
                },
                Some(ram.version),
            )
            .await,
            Err(Error::Conflict { .. })
        ));
        new_asset(store, a, laptop, "NO-RAM").await;

        // Moved to a phone model, it keeps only the values the phones' fields name (none).
        let moved = new_asset(store, a, phone, "MOVE-1").await;
        let moved = assets::update(
            store,
            a,
            moved.id,
            &AssetInput {
                model_id: laptop.0.to_string(),
                custom: custom(&[("os", "Windows 11")]),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("to a laptop (RAM no longer required)");
        assert_eq!(moved.custom.get("os"), Some(&json!("Windows 11")));
        let moved = assets::update(
            store,
            a,
            moved.id,
            &AssetInput {
                model_id: phone.0.to_string(),
                custom: custom(&[("os", "Windows 11")]),
                ..Default::default()
            },
            None,
        )
        .await
        .expect("back to a phone");
        assert!(moved.custom.is_empty(), "{:?}", moved.custom);

        // The export has a column per key with the values.
        let keys = asset_fields::keys(&asset_fields::all_fields(store, a).await.expect("all"));
        assert_eq!(keys, ["ram_gb", "os"]);
        let headers = assets::export_headers(&keys);
        let row = assets::export_row_with(&changed, &keys);
        assert_eq!(headers.len(), row.len());
        let at = headers
            .iter()
            .position(|h| h == "ram_gb")
            .expect("ram column");
        assert_eq!(row[at], "32");
    }
);

store_test!(check_out_to_a_location_or_another_asset, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let (_, model) = category_and_model(store, a, "Desk kit").await;
    let dock = new_asset(store, a, model, "DOCK-1").await;
    let monitor = new_asset(store, a, model, "MON-1").await;
    let cable = new_asset(store, a, model, "CAB-1").await;
    let old = new_asset(store, a, model, "OLD-1").await;
    let retire = AssetInput {
        tag: "OLD-1".into(),
        model_id: model.0.to_string(),
        status: "retired".into(),
        ..Default::default()
    };
    assets::update(store, a, old.id, &retire, None)
        .await
        .expect("retired");

    let to_asset = |id: i64| CheckoutInput {
        asset_id: id.to_string(),
        ..Default::default()
    };
    // None, several, itself, a retired one, no such one: refused on the field.
    let events = db.count("it_asset_events").await;
    for (input, field) in [
        (CheckoutInput::default(), "employee_id"),
        (
            CheckoutInput {
                location: "Room 1".into(),
                asset_id: dock.id.0.to_string(),
                ..Default::default()
            },
            "asset_id",
        ),
        (to_asset(monitor.id.0), "asset_id"),
        (to_asset(old.id.0), "asset_id"),
        (to_asset(999_999), "asset_id"),
    ] {
        let e = assets::check_out(store, a, monitor.id, &input, None)
            .await
            .expect_err("refused");
        assert_eq!(fields(&e), [field], "{input:?}: {e:?}");
    }
    assert_eq!(db.count("it_asset_events").await, events);

    // The monitor goes with the dock; the dock lists it.
    let out = assets::check_out(store, a, monitor.id, &to_asset(dock.id.0), None)
        .await
        .expect("with the dock");
    assert_eq!(out.status, AssetStatus::Deployed);
    assert_eq!(out.parent_id, Some(dock.id));
    assert_eq!(out.parent_tag.as_deref(), Some("DOCK-1"));
    assert_eq!(out.holder_id, None);
    assert_eq!(out.target_text(), "with DOCK-1");
    let children = assets::checked_out_to(store, a, dock.id)
        .await
        .expect("children");
    assert_eq!(
        children.iter().map(|c| c.tag.as_str()).collect::<Vec<_>>(),
        ["MON-1"]
    );
    // The dock cannot go with the monitor (a cycle), nor through a chain: the cable goes
    // with the monitor, and the dock with the cable would close the loop.
    let e = assets::check_out(store, a, dock.id, &to_asset(monitor.id.0), None)
        .await
        .expect_err("cycle");
    assert_eq!(fields(&e), ["asset_id"]);
    assets::check_out(store, a, cable.id, &to_asset(monitor.id.0), None)
        .await
        .expect("cable with the monitor");
    let e = assets::check_out(store, a, dock.id, &to_asset(cable.id.0), None)
        .await
        .expect_err("cycle through a chain");
    assert_eq!(fields(&e), ["asset_id"], "{e:?}");
    let dock_now = assets::get(store, a, dock.id).await.expect("dock");
    assert_eq!(dock_now.status, AssetStatus::Deployable);
    // A deployed asset may hold others: the dock to a room.
    let placed = assets::check_out(
        store,
        a,
        dock.id,
        &CheckoutInput {
            location: " Meeting room 2 ".into(),
            expected_return: "2999-01-01".into(),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("to a room");
    assert_eq!(placed.checkout_location.as_deref(), Some("Meeting room 2"));
    assert_eq!(placed.holder_id, None);
    assert_eq!(placed.target_text(), "at Meeting room 2");
    // Nobody holds it: nothing to acknowledge, nothing for offboarding.
    assert!(matches!(
        assets::acknowledge(store, a, dock.id).await,
        Err(Error::Forbidden)
    ));

    // Check-in works for each kind and clears the target; the history names it.
    let back = assets::check_in(store, a, monitor.id, "fine", None)
        .await
        .expect("monitor back");
    assert_eq!(back.status, AssetStatus::Deployable);
    assert_eq!(back.parent_id, None);
    let back = assets::check_in(store, a, dock.id, "", None)
        .await
        .expect("dock back");
    assert_eq!(back.checkout_location, None);
    assert_eq!(back.status, AssetStatus::Deployable);
    assert!(assets::checked_out_to(store, a, dock.id)
        .await
        .expect("children")
        .is_empty());
    let h = assets::history(store, a, monitor.id)
        .await
        .expect("history");
    let outs: Vec<_> = h
        .iter()
        .filter(|e| e.kind == "checked_out" || e.kind == "checked_in")
        .map(|e| (e.kind.as_str(), e.target_asset_tag.as_deref()))
        .collect();
    assert_eq!(
        outs,
        [
            ("checked_out", Some("DOCK-1")),
            ("checked_in", Some("DOCK-1"))
        ]
    );
    let h = assets::history(store, a, dock.id).await.expect("history");
    let last = h.last().expect("an event");
    assert_eq!(last.kind, "checked_in");
    assert_eq!(last.location.as_deref(), Some("Meeting room 2"));
    assert_eq!(last.employee_id, None);

    // An employee's check-out still comes back at offboarding.
    let user = common::insert_user(store, w.a, "ann", &["employee"], None).await;
    let ann = steward_core::hr::employees::create_employee(
        store,
        a,
        &steward_core::hr::employees::EmployeeInput {
            employee_number: Some("E-ann".into()),
            legal_name: Some("Person ann".into()),
            start_date: Some("2020-01-01".into()),
            position: Some("Clerk".into()),
            user_id: Some(Some(user.0)),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("hire")
    .employee
    .id;
    assets::check_out(
        store,
        a,
        monitor.id,
        &CheckoutInput {
            employee_id: ann.0.to_string(),
            ..Default::default()
        },
        None,
    )
    .await
    .expect("to ann");
    let items = store.assigned_items(w.a, ann).await.expect("items");
    assert_eq!(items.len(), 1);
    assert!(items[0].item.starts_with("MON-1"));
    // Another company sees none of it.
    assert!(matches!(
        assets::checked_out_to(store, &w.actor_b, dock.id).await,
        Err(Error::NotFound { .. })
    ));
});
