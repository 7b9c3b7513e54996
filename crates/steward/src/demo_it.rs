//! The demo company's IT estate, entered by the IT lead ("it") through IT's services: four
//! categories, eight models, 240 assets (tags numbered by the store; serials, purchase
//! dates and costs, warranties, a few in repair, retired or lost) and a laptop checked out
//! to each of the first people, some with a return date. Laptops have two custom fields
//! (RAM and operating system) with values; a monitor is checked out with the first lent
//! laptop and a docking station to a meeting room.
use chrono::{Days, NaiveDate};
use serde_json::{json, Map, Value};
use steward_core::hr::employees::{EmployeeQuery, EmployeeSort, EmployeeStore};
use steward_core::it::asset_fields::{self, CategoryFieldInput};
use steward_core::it::assets::{self, AssetInput, CategoryInput, CheckoutInput, ModelInput};
use steward_core::list::Paging;
use steward_core::Error;
use steward_store::Store;

use crate::demo_work::DemoUsers;

/// Assets in all; the first `LENT` laptops go out.
const ASSETS: usize = 240;
const LENT: usize = 12;

/// A demo model: name, maker, model number, category, depreciation, life in months, cost,
/// serial prefix.
type DemoModel = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const MODELS: &[DemoModel] = &[
    (
        "ThinkPad T14 Gen 4",
        "Lenovo",
        "21HD",
        "Laptops",
        "straight_line",
        "36",
        "1349.00",
        "PF4",
    ),
    (
        "MacBook Air 13 M2",
        "Apple",
        "MLY33",
        "Laptops",
        "straight_line",
        "36",
        "1199.00",
        "C02",
    ),
    (
        "Latitude 5440",
        "Dell",
        "5440",
        "Laptops",
        "declining_balance",
        "48",
        "1099.00",
        "DL5",
    ),
    (
        "iPhone 15",
        "Apple",
        "MTP03",
        "Phones",
        "straight_line",
        "24",
        "899.00",
        "F4G",
    ),
    (
        "Pixel 8",
        "Google",
        "GKWS6",
        "Phones",
        "declining_balance",
        "24",
        "699.00",
        "GP8",
    ),
    (
        "P2723DE 27\"",
        "Dell",
        "P2723DE",
        "Monitors",
        "straight_line",
        "60",
        "389.00",
        "CN0",
    ),
    (
        "ThinkVision T24i",
        "Lenovo",
        "63CF",
        "Monitors",
        "straight_line",
        "60",
        "229.00",
        "V90",
    ),
    (
        "ThinkPad Universal USB-C Dock",
        "Lenovo",
        "40AY",
        "Docking stations",
        "none",
        "",
        "219.00",
        "DK1",
    ),
];

pub async fn seed(store: &Store, users: &DemoUsers, today: NaiveDate) -> steward_core::Result<()> {
    let it = users
        .actor("it")
        .ok_or_else(|| Error::internal("the demo has no IT lead"))?;
    let mut categories = Vec::new();
    for name in ["Laptops", "Phones", "Monitors", "Docking stations"] {
        let c = assets::create_category(store, &it, &CategoryInput { name: name.into() }).await?;
        categories.push((name, c.id));
    }
    // The laptops' own fields.
    let laptops_category = categories[0].1;
    for (key, label, kind, choices, help) in [
        (
            "ram_gb",
            "RAM (GB)",
            "number",
            vec![],
            "As installed, in gigabytes.",
        ),
        (
            "os",
            "Operating system",
            "choice",
            vec![
                "Windows 11".to_string(),
                "macOS 14".into(),
                "Ubuntu 24.04".into(),
            ],
            "",
        ),
    ] {
        asset_fields::create_field(
            store,
            &it,
            laptops_category,
            &CategoryFieldInput {
                key: key.into(),
                label: label.into(),
                kind: kind.into(),
                choices,
                help: help.into(),
                ..CategoryFieldInput::default()
            },
        )
        .await?;
    }
    let mut models = Vec::new();
    for (name, maker, number, category, depreciation, life, cost, prefix) in MODELS {
        let category_id = categories
            .iter()
            .find(|(n, _)| n == category)
            .map(|(_, id)| id.0)
            .ok_or_else(|| Error::internal("a demo model's category"))?;
        let m = assets::create_model(
            store,
            &it,
            &ModelInput {
                name: (*name).into(),
                maker: (*maker).into(),
                model_number: (*number).into(),
                category_id: category_id.to_string(),
                depreciation: (*depreciation).into(),
                life_months: (*life).into(),
            },
        )
        .await?;
        models.push((m.id, *cost, *prefix, *category));
    }
    let locations = ["Berlin office", "Hamburg clinic", "Storage room", "Remote"];
    let mut laptops = Vec::new();
    let (mut monitors, mut docks) = (Vec::new(), Vec::new());
    for i in 0..ASSETS {
        let (model, cost, prefix, category) = models[i % models.len()];
        let bought = today - Days::new(30 + (i as u64 * 7) % 1400);
        let custom = (category == "Laptops").then(|| {
            let os = if prefix == "C02" {
                "macOS 14"
            } else if i % 5 == 0 {
                "Ubuntu 24.04"
            } else {
                "Windows 11"
            };
            let ram = ["16", "32", "8"][i % 3];
            let mut m = Map::new();
            m.insert("ram_gb".into(), Value::String(ram.into()));
            m.insert("os".into(), json!(os));
            m
        });
        let status = match i % 40 {
            7 => "in_repair",
            19 => "retired",
            31 => "lost",
            _ => "deployable",
        };
        let a = assets::create(
            store,
            &it,
            &AssetInput {
                serial: format!("{prefix}{:07}", 1_000_003 + i * 7919 % 9_000_000),
                model_id: model.0.to_string(),
                status: status.into(),
                location: locations[i % locations.len()].into(),
                supplier: if i % 2 == 0 {
                    "Paper & Co"
                } else {
                    "Harbor IT"
                }
                .into(),
                purchase_date: bought.to_string(),
                purchase_cost: cost.into(),
                warranty_end: (bought + Days::new(3 * 365)).to_string(),
                custom,
                ..AssetInput::default()
            },
        )
        .await?;
        if status == "deployable" {
            match category {
                "Laptops" => laptops.push(a),
                "Monitors" => monitors.push(a),
                "Docking stations" => docks.push(a),
                _ => {}
            }
        }
    }
    // A laptop for each of the first people (the store's own list, without an actor).
    let people = store
        .list_employees(
            users.company,
            &EmployeeQuery {
                sort: EmployeeSort::Number,
                paging: Paging::new(Some(LENT as u32 * 2), None),
                ..EmployeeQuery::default()
            },
        )
        .await?
        .items;
    let current = people.iter().filter(|p| p.end_date.is_none()).take(LENT);
    for (i, (p, laptop)) in current.zip(&laptops).enumerate() {
        let expected_return = if i % 4 == 0 {
            (today + Days::new(30 + i as u64 * 5)).to_string()
        } else {
            String::new()
        };
        assets::check_out(
            store,
            &it,
            laptop.id,
            &CheckoutInput {
                employee_id: p.id.0.to_string(),
                expected_return,
                note: "Handed over in good condition, with charger.".into(),
                ..CheckoutInput::default()
            },
            None,
        )
        .await?;
    }
    // A monitor goes with the first lent laptop; a docking station stays in a meeting room.
    if let (Some(monitor), Some(laptop)) = (monitors.first(), laptops.first()) {
        assets::check_out(
            store,
            &it,
            monitor.id,
            &CheckoutInput {
                asset_id: laptop.id.0.to_string(),
                note: "Second screen for the laptop's desk.".into(),
                ..CheckoutInput::default()
            },
            None,
        )
        .await?;
    }
    if let Some(dock) = docks.first() {
        assets::check_out(
            store,
            &it,
            dock.id,
            &CheckoutInput {
                location: "Meeting room 2".into(),
                ..CheckoutInput::default()
            },
            None,
        )
        .await?;
    }
    Ok(())
}
