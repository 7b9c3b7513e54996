//! The demo company's software licences and consumables, entered by the IT lead ("it")
//! through IT's services: 15 licences (seats given to the first people, one licence full,
//! one expiring within the month, one expired with seats still in use: over-used in the
//! compliance view) and 20 consumables with receipts and issues (some below their minimum).
use chrono::{Days, NaiveDate};
use steward_core::hr::employees::{EmployeeQuery, EmployeeSort, EmployeeStore};
use steward_core::it::consumables::{self, ConsumableInput, MovementInput};
use steward_core::it::licences::{self, LicenceInput, SeatInput};
use steward_core::list::Paging;
use steward_core::Error;
use steward_store::Store;

use crate::demo_work::DemoUsers;

/// Product, vendor, seats, cost, months from purchase to renewal, seats to give out.
type DemoLicence = (&'static str, &'static str, u32, &'static str, u32, usize);

const LICENCES: &[DemoLicence] = &[
    (
        "Microsoft 365 Business Standard",
        "Microsoft",
        40,
        "5040.00",
        12,
        12,
    ),
    ("Adobe Acrobat Pro", "Adobe", 10, "2316.00", 12, 6),
    ("Slack Pro", "Slack Technologies", 40, "3480.00", 12, 12),
    ("Zoom Workplace Pro", "Zoom", 5, "749.50", 12, 5),
    ("1Password Business", "AgileBits", 40, "3830.40", 12, 10),
    (
        "JetBrains All Products Pack",
        "JetBrains",
        3,
        "2067.00",
        12,
        2,
    ),
    ("Atlassian Jira Standard", "Atlassian", 10, "978.00", 12, 8),
    ("Figma Professional", "Figma", 2, "360.00", 12, 1),
    ("Windows 11 Pro", "Microsoft", 25, "4975.00", 60, 9),
    ("DATEV Unternehmen online", "DATEV", 4, "1190.00", 12, 3),
    ("ESET PROTECT Entry", "ESET", 50, "1650.00", 24, 12),
    ("AutoCAD LT", "Autodesk", 2, "1010.00", 12, 1),
    ("Veeam Backup Essentials", "Veeam", 5, "1180.00", 36, 0),
    ("TeamViewer Business", "TeamViewer", 1, "430.80", 12, 1),
    ("Tableau Creator", "Salesforce", 2, "1800.00", 12, 2),
];

/// Name, unit, opening stock, minimum, location, cost per unit.
type DemoConsumable = (
    &'static str,
    &'static str,
    u32,
    u32,
    &'static str,
    &'static str,
);

const CONSUMABLES: &[DemoConsumable] = &[
    ("HP 305A toner, black", "pcs", 6, 4, "Storage room", "79.90"),
    ("HP 305A toner, cyan", "pcs", 2, 3, "Storage room", "89.90"),
    (
        "HP 305A toner, magenta",
        "pcs",
        3,
        3,
        "Storage room",
        "89.90",
    ),
    (
        "HP 305A toner, yellow",
        "pcs",
        1,
        3,
        "Storage room",
        "89.90",
    ),
    (
        "A4 copy paper, 80 g",
        "box",
        14,
        10,
        "Storage room",
        "24.50",
    ),
    ("USB-C charger 65 W", "pcs", 5, 4, "IT office", "39.00"),
    ("USB-C to HDMI adapter", "pcs", 9, 5, "IT office", "17.90"),
    ("HDMI cable 2 m", "pcs", 20, 10, "IT office", "6.90"),
    (
        "Ethernet cable Cat6, 3 m",
        "pcs",
        35,
        20,
        "IT office",
        "3.20",
    ),
    (
        "Ethernet cable Cat6, 10 m",
        "pcs",
        4,
        6,
        "IT office",
        "7.80",
    ),
    ("Wireless mouse", "pcs", 12, 8, "IT office", "24.90"),
    (
        "USB keyboard, German layout",
        "pcs",
        7,
        5,
        "IT office",
        "29.90",
    ),
    ("Headset with microphone", "pcs", 3, 5, "IT office", "49.00"),
    ("AA batteries", "pack", 18, 10, "Storage room", "5.99"),
    ("AAA batteries", "pack", 9, 10, "Storage room", "5.99"),
    (
        "Laptop privacy filter 14\"",
        "pcs",
        6,
        2,
        "IT office",
        "45.00",
    ),
    (
        "Screen cleaning wipes",
        "pack",
        25,
        10,
        "Storage room",
        "4.50",
    ),
    ("USB stick 64 GB", "pcs", 15, 10, "IT office", "9.90"),
    ("Label tape 12 mm", "roll", 2, 4, "IT office", "14.90"),
    ("Cable ties, 100", "pack", 11, 5, "Storage room", "3.90"),
];

pub async fn seed(store: &Store, users: &DemoUsers, today: NaiveDate) -> steward_core::Result<()> {
    let it = users
        .actor("it")
        .ok_or_else(|| Error::internal("the demo has no IT lead"))?;
    let people = store
        .list_employees(
            users.company,
            &EmployeeQuery {
                sort: EmployeeSort::Number,
                paging: Paging::new(Some(40), None),
                ..EmployeeQuery::default()
            },
        )
        .await?
        .items;
    let current: Vec<_> = people.iter().filter(|p| p.end_date.is_none()).collect();
    for (i, (product, vendor, seats, cost, months, given)) in LICENCES.iter().enumerate() {
        let bought = today - Days::new(30 + (i as u64 * 23) % 300);
        // One renews in 12 days; one ran out 5 days ago (its seats are still in use:
        // the compliance view shows it over-used); the rest renew after their term.
        let expires = match i {
            3 => today + Days::new(12),
            5 => today + Days::new(400),
            _ => {
                let end = bought + chrono::Months::new(*months);
                if end <= today {
                    today + Days::new(60 + i as u64 * 11)
                } else {
                    end
                }
            }
        };
        let l = licences::create(
            store,
            &it,
            &LicenceInput {
                product: (*product).into(),
                vendor: (*vendor).into(),
                seats: seats.to_string(),
                cost: (*cost).into(),
                purchase_date: bought.to_string(),
                expires_on: expires.to_string(),
                notes: format!("Ordered from {vendor}; invoice in the payables."),
                key: Some(format!(
                    "{}-{:05}-{:05}-DEMO",
                    vendor
                        .chars()
                        .filter(|c| c.is_ascii_alphabetic())
                        .take(4)
                        .collect::<String>()
                        .to_ascii_uppercase(),
                    1000 + i * 37,
                    90_000 - i * 113
                )),
                ..LicenceInput::default()
            },
        )
        .await?;
        for p in current.iter().take(*given) {
            licences::assign(
                store,
                &it,
                l.id,
                &SeatInput {
                    employee_id: p.id.0.to_string(),
                    ..SeatInput::default()
                },
            )
            .await?;
        }
        if i == 5 {
            // Expired last week and still in use.
            let mut input = LicenceInput {
                product: l.product.clone(),
                vendor: l.vendor.clone(),
                seats: l.seats.to_string(),
                purchase_date: bought.to_string(),
                expires_on: (today - Days::new(5)).to_string(),
                notes: "Renewal pending with the vendor.".into(),
                ..LicenceInput::default()
            };
            input.cost = (*cost).into();
            licences::update(store, &it, l.id, &input, None).await?;
        }
    }
    for (i, (name, unit, stock, min, location, cost)) in CONSUMABLES.iter().enumerate() {
        let c = consumables::create(
            store,
            &it,
            &ConsumableInput {
                name: (*name).into(),
                unit: (*unit).into(),
                quantity: (stock + 2).to_string(),
                min_quantity: min.to_string(),
                location: (*location).into(),
                unit_cost: (*cost).into(),
                ..ConsumableInput::default()
            },
        )
        .await?;
        if i % 3 == 0 {
            consumables::receive(
                store,
                &it,
                c.id,
                &MovementInput {
                    quantity: "2".into(),
                    note: "Delivery from Paper & Co".into(),
                    ..MovementInput::default()
                },
            )
            .await?;
        }
        // Hand some out, so each item has a history: the stock ends as listed above.
        let out = if i % 3 == 0 { 4 } else { 2 };
        if let Some(p) = current.get(i % current.len().max(1)) {
            consumables::issue(
                store,
                &it,
                c.id,
                &MovementInput {
                    quantity: out.to_string(),
                    employee_id: p.id.0.to_string(),
                    note: "Handed out at the IT desk".into(),
                },
            )
            .await?;
        }
    }
    Ok(())
}
