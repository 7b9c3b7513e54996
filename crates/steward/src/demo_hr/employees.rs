//! The demo's people as employees: every demo user gets a record (in their department,
//! reporting to its head; the heads report to the managing director), plus a few staff who
//! do not sign in. Contracts with pay, some with a raise; three custom fields (a clinical
//! licence number, a shift pattern, a sensitive bank account). A few record-health problems
//! are left on purpose: a permanent employee without a contract, two people whose manager
//! has left, a missing licence number. Two work locations: the Berlin head office and the
//! Potsdam clinic, where the clinic's people work (their calendar comes with time off).
use chrono::{Datelike, Days, NaiveDate};
use serde_json::{Map, Value};
use steward_core::departments;
use steward_core::hr::employees::{add_contract, create_employee, ContractInput, EmployeeInput};
use steward_core::hr::fields::{create_field, FieldInput};
use steward_core::hr::locations::{self, LocationInput};
use steward_core::ids::{EmployeeId, UserId};
use steward_store::hr::SeedEmployee;
use steward_store::Store;

use crate::demo_work::DemoUsers;

/// Positions by department (the first is the head's).
fn positions(department: &str) -> &'static [&'static str] {
    match department {
        "Finance" => &["Head of finance", "Accountant", "Accounts clerk"],
        "Clinic operations" => &[
            "Head of clinic operations",
            "Nurse",
            "Medical assistant",
            "Physiotherapist",
        ],
        "IT" => &["Head of IT", "IT technician"],
        "HR" => &["Head of HR", "HR clerk"],
        "Purchasing" => &["Head of purchasing", "Buyer"],
        "Front desk" => &["Front desk lead", "Receptionist"],
        _ => &["Staff"],
    }
}

fn err(e: impl std::fmt::Display) -> steward_core::Error {
    steward_core::Error::internal(format!("demo employees: {e}"))
}

fn field(
    key: &str,
    label: &str,
    kind: &str,
    choices: &[&str],
    sensitive: bool,
    help: &str,
) -> FieldInput {
    FieldInput {
        key: key.into(),
        label: label.into(),
        kind: kind.into(),
        choices: choices.iter().map(|c| c.to_string()).collect(),
        required: false,
        sensitive,
        help: help.into(),
        position: 0,
        active: true,
    }
}

/// A date `days` before today.
fn ago(today: NaiveDate, days: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days)).unwrap_or(today)
}

pub async fn seed(store: &Store, users: &DemoUsers) -> steward_core::Result<()> {
    let hr = users.actor("hr").ok_or_else(|| err("no hr user"))?;
    let today = chrono::Utc::now().date_naive();
    for f in [
        field(
            "licence_number",
            "Licence number",
            "text",
            &[],
            false,
            "Professional licence of clinical staff (nurses, physiotherapists).",
        ),
        field(
            "shift_pattern",
            "Shift pattern",
            "choice",
            &["Early", "Late", "Night", "Office hours"],
            false,
            "",
        ),
        field(
            "bank_account",
            "Bank account (IBAN)",
            "text",
            &[],
            true,
            "For payroll; only HR and the employee see it.",
        ),
    ] {
        create_field(store, &hr, &f).await?;
    }

    let location = |name: &str, address: &str| {
        locations::create(
            store,
            &hr,
            LocationInput {
                name: name.into(),
                address: address.into(),
                calendar_id: None,
            },
        )
    };
    let head_office = location("Berlin head office", "Friedrichstraße 120, 10117 Berlin")
        .await?
        .id;
    let clinic_site = location("Potsdam clinic", "Brandenburger Straße 31, 14467 Potsdam")
        .await?
        .id;

    let admin_actor = users.actor("admin").ok_or_else(|| err("no admin user"))?;
    let depts = departments::list(store, &admin_actor).await?;
    let dept_name = |id| {
        depts
            .iter()
            .find(|d| Some(d.id) == id)
            .map(|d| d.name.clone())
            .unwrap_or_default()
    };
    let members = departments::members(store, &admin_actor).await?;
    let heads: Vec<UserId> = depts.iter().filter_map(|d| d.head).collect();
    let admin = users.id("admin");
    // The managing director first, then the heads, then everyone else: managers exist
    // before their reports.
    let mut order: Vec<_> = members.iter().collect();
    order.sort_by_key(|m| {
        (
            if Some(m.user_id) == admin {
                0
            } else if heads.contains(&m.user_id) {
                1
            } else {
                2
            },
            m.user_id.0,
        )
    });
    let mut by_user: Vec<(UserId, EmployeeId)> = Vec::new();
    let mut n = 0usize;
    for m in order {
        n += 1;
        let dname = dept_name(m.department);
        let is_head = heads.contains(&m.user_id);
        let is_admin = Some(m.user_id) == admin;
        let position = if is_admin {
            "Managing director".to_string()
        } else if is_head
            && depts
                .iter()
                .any(|d| d.head == Some(m.user_id) && Some(d.id) == m.department)
        {
            positions(&dname)[0].to_string()
        } else {
            let p = positions(&dname);
            let i = if p.len() > 1 {
                1 + n % (p.len() - 1)
            } else {
                0
            };
            p.get(i).copied().unwrap_or("Staff").to_string()
        };
        // Managers: the head of the person's department, else the managing director.
        let head = depts
            .iter()
            .find(|d| Some(d.id) == m.department)
            .and_then(|d| d.head)
            .filter(|h| *h != m.user_id);
        let manager_user = if is_admin { None } else { head.or(admin) };
        let manager =
            manager_user.and_then(|u| by_user.iter().find(|(x, _)| *x == u).map(|(_, e)| *e));
        let start = ago(today, 200 + (n as u64 * 97) % 2600);
        let part_time = n % 7 == 3;
        let mut custom = Map::new();
        if dname == "Clinic operations" {
            custom.insert(
                "shift_pattern".into(),
                Value::from(["Early", "Late", "Night"][n % 3]),
            );
            // One nurse's licence number is missing: record health finds it.
            if n % 11 != 5 {
                custom.insert(
                    "licence_number".into(),
                    Value::from(format!("RN-{:06}", 104_000 + n * 37)),
                );
            }
        } else {
            custom.insert("shift_pattern".into(), Value::from("Office hours"));
        }
        custom.insert(
            "bank_account".into(),
            Value::from(format!(
                "DE89 3704 0044 0532 {:04} {:02}",
                1000 + n,
                n % 100
            )),
        );
        let input = EmployeeInput {
            employee_number: Some(format!("NW-{:04}", 1000 + n)),
            legal_name: Some(m.display_name.clone()),
            work_email: Some(format!("{}@northwind.example", m.username)),
            work_phone: Some(format!("+49 30 5550 {:04}", 100 + n)),
            birth_date: Some(
                NaiveDate::from_ymd_opt(
                    1965 + (n % 35) as i32,
                    1 + (n % 12) as u32,
                    1 + (n % 28) as u32,
                )
                .map(|d| d.to_string())
                .unwrap_or_default(),
            ),
            personal_email: Some(format!("{}@mail.example", m.username)),
            home_address: Some(format!("{} Lindenstraße, 10969 Berlin", 1 + n % 90)),
            position: Some(position),
            department_id: Some(m.department.map(|d| d.0)),
            manager_id: Some(manager.map(|e| e.0)),
            location_id: Some(Some(
                if dname == "Clinic operations" {
                    clinic_site
                } else {
                    head_office
                }
                .0,
            )),
            user_id: Some(Some(m.user_id.0)),
            employment_type: Some(if part_time { "part_time" } else { "permanent" }.into()),
            fte_milli: Some(if part_time { 600 } else { 1000 }),
            start_date: Some(start.to_string()),
            probation_end: Some(
                start
                    .checked_add_days(Days::new(182))
                    .unwrap_or(start)
                    .to_string(),
            ),
            custom: Some(custom),
            ..EmployeeInput::default()
        };
        let yearly =
            42_000 + (n as i64 * 1_350) % 38_000 + if is_head || is_admin { 25_000 } else { 0 };
        let contract = ContractInput {
            effective_date: start.to_string(),
            contract_type: if part_time { "part_time" } else { "permanent" }.into(),
            pay: format!("{yearly}.00"),
            currency: users.currency.clone(),
            frequency: "year".into(),
            hours_per_week: Some(if part_time { "24" } else { "40" }.into()),
            ..ContractInput::default()
        };
        // One permanent employee has no contract on file (record health finds it).
        let with_contract = n != 9;
        let view = create_employee(store, &hr, &input, with_contract.then_some(&contract)).await?;
        let id = view.employee.id;
        // A raise at the last anniversary for about a third of the long-serving staff.
        if with_contract && n.is_multiple_of(3) && today.year() - start.year() >= 2 {
            let raise =
                NaiveDate::from_ymd_opt(today.year() - 1, start.month(), start.day().min(28))
                    .unwrap_or(start);
            let c = ContractInput {
                effective_date: raise.to_string(),
                pay: format!("{}.00", yearly + yearly / 20),
                note: "Annual review: 5 % raise".into(),
                ..contract.clone()
            };
            add_contract(store, &hr, id, &c).await?;
        }
        by_user.push((m.user_id, id));
    }

    // Staff who do not sign in: the lab under a manager who has since left.
    let company = users.company;
    let clinic = depts
        .iter()
        .find(|d| d.name == "Clinic operations")
        .map(|d| d.id);
    let mut leaver = SeedEmployee::new("NW-0900", "Henrik Larsen", ago(today, 2400));
    leaver.position = "Lab manager".into();
    leaver.department_id = clinic;
    leaver.location_id = Some(clinic_site);
    leaver.end_date = Some(ago(today, 45));
    leaver.manager_id = admin.and_then(|u| by_user.iter().find(|(x, _)| *x == u).map(|(_, e)| *e));
    let leaver = store.seed_employee(company, &leaver).await?;
    for (i, name) in [
        "Aylin Demir",
        "Tobias Berg",
        "Sofia Marino",
        "Lukas Wagner",
        "Emma Schulz",
        "Noah Fischer",
    ]
    .iter()
    .enumerate()
    {
        let mut s = SeedEmployee::new(
            &format!("NW-{:04}", 901 + i),
            name,
            ago(today, 300 + 120 * i as u64),
        );
        s.position = if i < 2 { "Lab technician" } else { "Cleaner" }.into();
        s.department_id = clinic;
        s.location_id = Some(clinic_site);
        s.employment_type = if i % 2 == 0 { "permanent" } else { "part_time" }.into();
        s.fte_milli = if i % 2 == 0 { 1000 } else { 500 };
        // The two lab technicians still report to the lab manager who left.
        s.manager_id = if i < 2 {
            Some(leaver)
        } else {
            users
                .id("hr")
                .and_then(|u| by_user.iter().find(|(x, _)| *x == u).map(|(_, e)| *e))
        };
        store.seed_employee(company, &s).await?;
    }
    Ok(())
}
