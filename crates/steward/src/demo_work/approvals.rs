//! The demo's departments (with heads and members) and approvals: a configured policy for
//! purchases and expenses, requests waiting at the first and at the second level, small
//! ones for bulk approval, a few decided ones, an out-of-office delegation, and approval
//! requests for the books' pending entries above the threshold.
use steward_core::auth::Actor;
use steward_core::departments;
use steward_core::ids::{CompanyId, DepartmentId};
use steward_core::ledger::{EntryQuery, EntryStatus, EntryStore};
use steward_core::list::Paging;
use steward_core::money::{Currency, Money};
use steward_core::work::approvals::{
    self, ApprovalStore, DelegationInput, DirectRequest, LevelInput, NewApprovalRequest,
    PolicyInput, Verdict,
};
use steward_core::work::RecordRef;
use steward_store::Store;

use super::DemoUsers;

/// (department, head's user name)
const DEPARTMENTS: &[(&str, &str)] = &[
    ("Finance", "accountant"),
    ("Clinic operations", "hr"),
    ("IT", "it"),
    ("HR", "hr"),
    ("Purchasing", "buyer"),
    ("Front desk", "frontoffice"),
];

fn who(users: &DemoUsers, name: &str) -> steward_core::Result<Actor> {
    users
        .actor(name)
        .ok_or_else(|| steward_core::Error::internal(format!("demo user {name} is missing")))
}

async fn ask(
    store: &Store,
    users: &DemoUsers,
    requester: &str,
    kind: &str,
    title: &str,
    amount: &str,
    description: &str,
) -> steward_core::Result<approvals::ApprovalId> {
    let actor = who(users, requester)?;
    approvals::submit_direct(
        store,
        &users.registry,
        &actor,
        &DirectRequest {
            kind: kind.into(),
            title: title.into(),
            amount: Some(amount.into()),
            description: description.into(),
            ..DirectRequest::default()
        },
    )
    .await
}

pub async fn seed(
    store: &Store,
    company: CompanyId,
    users: &DemoUsers,
) -> steward_core::Result<()> {
    let admin = who(users, "admin")?;

    // Departments, their heads, and everyone spread over them.
    let mut ids: Vec<(&str, DepartmentId)> = Vec::new();
    for (name, head) in DEPARTMENTS {
        let d = departments::create(store, &admin, name).await?;
        departments::update(store, &admin, d.id, name, users.id(head)).await?;
        ids.push((name, d.id));
    }
    let dept = |name: &str| ids.iter().find(|(n, _)| *n == name).map(|(_, id)| *id);
    let fixed: &[(&str, &str)] = &[
        ("accountant", "Finance"),
        ("hr", "HR"),
        ("it", "IT"),
        ("buyer", "Purchasing"),
        ("employee", "Clinic operations"),
        ("frontoffice", "Front desk"),
    ];
    for (user, d) in fixed {
        if let (Some(u), Some(d)) = (users.id(user), dept(d)) {
            departments::set_member(store, &admin, u, Some(d)).await?;
        }
    }
    let named: Vec<&str> = fixed
        .iter()
        .map(|(u, _)| *u)
        .chain(["admin", "auditor"])
        .collect();
    let staff: Vec<_> = users
        .all()
        .into_iter()
        .filter(|(name, _, _)| !named.contains(&name.as_str()))
        .collect();
    for (i, (_, id, role)) in staff.iter().enumerate() {
        let d = match role.as_str() {
            "accountant" => "Finance",
            "hr_clerk" => "HR",
            "it_technician" => "IT",
            "buyer" => "Purchasing",
            _ => ["Clinic operations", "Front desk", "Clinic operations"][i % 3],
        };
        if let Some(d) = dept(d) {
            departments::set_member(store, &admin, *id, Some(d)).await?;
        }
    }

    // Policies: purchases need the manager, and above 1,000 the admin too; expenses need
    // the manager, and above 500 the accountant by name.
    approvals::save_policy(
        store,
        &users.registry,
        &admin,
        &PolicyInput {
            kind: "purchase".into(),
            deadline_hours: Some(48),
            bulk_limit: Some("250.00".into()),
            levels: vec![
                LevelInput {
                    above: None,
                    rule: "manager".into(),
                },
                LevelInput {
                    above: Some("1000.00".into()),
                    rule: "admin".into(),
                },
            ],
            ..PolicyInput::default()
        },
    )
    .await?;
    if let Some(acct) = users.id("accountant") {
        approvals::save_policy(
            store,
            &users.registry,
            &admin,
            &PolicyInput {
                kind: "expense".into(),
                deadline_hours: Some(72),
                bulk_limit: Some("100.00".into()),
                levels: vec![
                    LevelInput {
                        above: None,
                        rule: "manager".into(),
                    },
                    LevelInput {
                        above: Some("500.00".into()),
                        rule: format!("user:{acct}"),
                    },
                ],
                ..PolicyInput::default()
            },
        )
        .await?;
    }

    // Waiting at the first level (the clinic's manager).
    ask(
        store,
        users,
        "employee",
        "purchase",
        "Exam room chairs (4)",
        "2400.00",
        "The chairs in rooms 2 and 3 are broken; quote from MedFurn attached to the order.",
    )
    .await?;
    ask(
        store,
        users,
        "employee",
        "expense",
        "Conference travel, Lisbon",
        "780.00",
        "Flights and two nights for the primary care congress.",
    )
    .await?;
    ask(
        store,
        users,
        "employee",
        "purchase",
        "Hand disinfectant, 40 l",
        "96.00",
        "",
    )
    .await?;
    // Waiting at the second level: the manager approved, the admin decides.
    let otoscope = ask(
        store,
        users,
        "employee",
        "purchase",
        "Replacement otoscope",
        "1650.00",
        "The old one fails its calibration.",
    )
    .await?;
    approvals::decide(
        store,
        &users.registry,
        &who(users, "hr")?,
        otoscope,
        Verdict::Approve,
        "Needed for the exam rooms.",
    )
    .await?;
    // Small ones for IT's manager, to approve in bulk.
    if let Some((tech, _, _)) = staff.iter().find(|(_, _, r)| r == "it_technician") {
        ask(
            store,
            users,
            tech,
            "purchase",
            "Spare laptop batteries",
            "180.00",
            "",
        )
        .await?;
        ask(
            store,
            users,
            tech,
            "expense",
            "Taxi to the data centre",
            "38.50",
            "",
        )
        .await?;
    }
    // Heads' own requests skip their own level.
    ask(
        store,
        users,
        "buyer",
        "purchase",
        "Printer toner, annual",
        "620.00",
        "",
    )
    .await?;
    ask(
        store,
        users,
        "frontoffice",
        "general",
        "Waiting room magazines",
        "45.00",
        "",
    )
    .await?;
    // Decided ones, so "My requests" shows every state.
    let breakfast = ask(
        store,
        users,
        "employee",
        "general",
        "Team breakfast",
        "120.00",
        "",
    )
    .await?;
    approvals::decide(
        store,
        &users.registry,
        &who(users, "hr")?,
        breakfast,
        Verdict::Approve,
        "Enjoy!",
    )
    .await?;
    let plants = ask(
        store,
        users,
        "employee",
        "purchase",
        "Office plants",
        "210.00",
        "",
    )
    .await?;
    approvals::decide(
        store,
        &users.registry,
        &who(users, "hr")?,
        plants,
        Verdict::Reject,
        "Not this quarter, please ask again in January.",
    )
    .await?;

    // The HR lead is away next week; the accountant decides for them.
    if let Some(acct) = users.id("accountant") {
        let from = chrono::Utc::now().date_naive() + chrono::Days::new(7);
        approvals::add_delegation(
            store,
            &who(users, "hr")?,
            &DelegationInput {
                user_id: None,
                delegate_id: acct.0,
                from: from.to_string(),
                until: (from + chrono::Days::new(4)).to_string(),
                note: "Annual leave".into(),
            },
        )
        .await?;
    }

    // The books' pending entries (above the approval threshold) wait in the inbox too.
    let q = EntryQuery {
        status: Some(EntryStatus::Pending),
        paging: Paging::export(),
        ..EntryQuery::default()
    };
    let currency = Currency::parse(&users.currency)?;
    let clerk = who(users, "accountant")?;
    for e in store.list_entries(company, &q).await?.items {
        let subject = RecordRef::new(steward_core::ledger::ENTRY, e.id.0);
        if store.open_request_for(company, &subject).await?.is_some() {
            continue;
        }
        let full = store.get_entry(company, e.id).await?;
        let amount = full.as_ref().map(|f| {
            f.lines
                .iter()
                .filter(|l| l.amount > 0 && l.commodity == currency.code())
                .map(|l| l.amount)
                .sum::<i64>()
        });
        approvals::submit(
            store,
            &clerk,
            NewApprovalRequest {
                kind: steward_core::ledger::ENTRY_APPROVAL,
                subject,
                title: format!("Ledger entry: {}", e.description),
                amount: amount.map(|a| Money::new(a, currency.clone())),
                department: None,
            },
        )
        .await?;
    }
    Ok(())
}
