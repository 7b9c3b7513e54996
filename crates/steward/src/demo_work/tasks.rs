//! The demo's tasks: about forty across the people (some overdue, some handed over with a
//! note, so the history has more than one holder), this month's month-end close from the
//! built-in template, and two recurring rules (every Monday; the last working day of the
//! month). Everything goes through the task service, so it is audited like real work.
use chrono::{Datelike, Duration, NaiveDate};
use steward_core::ids::CompanyId;
use steward_core::work::tasks::{self, RuleInput, TaskChanges, TaskInput};
use steward_core::work::RecordRef;
use steward_store::Store;

use super::DemoUsers;

/// (title, owner, assignee, days from today the task is due, priority, status, delegated to)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    &'static str,
    Option<&'static str>,
);

const TASKS: &[Row] = &[
    (
        "Pay the office rent",
        "admin",
        "accountant",
        -3,
        "urgent",
        "open",
        None,
    ),
    (
        "Send the VAT return",
        "admin",
        "accountant",
        -1,
        "high",
        "in_progress",
        None,
    ),
    (
        "Chase the overdue invoice of Nordwind AG",
        "accountant",
        "accountant",
        -6,
        "high",
        "waiting",
        None,
    ),
    (
        "Book the November bank statements",
        "accountant",
        "accountant",
        2,
        "normal",
        "in_progress",
        None,
    ),
    (
        "Check the travel expenses of the sales team",
        "admin",
        "accountant",
        5,
        "normal",
        "open",
        Some("employee"),
    ),
    (
        "Renew the accounting software licence",
        "accountant",
        "it",
        12,
        "normal",
        "open",
        None,
    ),
    (
        "Collect the receipts for the trade fair",
        "accountant",
        "employee",
        -2,
        "normal",
        "open",
        None,
    ),
    (
        "Update the list of signatories for the bank",
        "admin",
        "admin",
        9,
        "low",
        "open",
        None,
    ),
    (
        "Prepare the budget draft for next year",
        "admin",
        "accountant",
        20,
        "high",
        "open",
        Some("admin"),
    ),
    (
        "Answer the auditor's questions on provisions",
        "admin",
        "accountant",
        4,
        "high",
        "open",
        None,
    ),
    (
        "Send the employment contract to the new designer",
        "hr",
        "hr",
        -4,
        "urgent",
        "open",
        None,
    ),
    (
        "Plan the team day",
        "hr",
        "employee",
        15,
        "low",
        "open",
        None,
    ),
    (
        "Update the holiday calendar",
        "hr",
        "hr",
        3,
        "normal",
        "in_progress",
        None,
    ),
    (
        "Collect the signed data protection forms",
        "hr",
        "hr",
        -8,
        "normal",
        "waiting",
        Some("employee"),
    ),
    (
        "Schedule the annual reviews",
        "admin",
        "hr",
        10,
        "normal",
        "open",
        None,
    ),
    (
        "Check the sick leave certificates",
        "hr",
        "hr",
        1,
        "normal",
        "open",
        None,
    ),
    (
        "Review the job description for the office manager",
        "hr",
        "admin",
        6,
        "low",
        "open",
        None,
    ),
    (
        "Order the first-aid kit refill",
        "hr",
        "buyer",
        -1,
        "normal",
        "open",
        None,
    ),
    (
        "Replace the broken laptop of the reception",
        "it",
        "it",
        -2,
        "high",
        "in_progress",
        None,
    ),
    (
        "Renew the TLS certificates of the website",
        "it",
        "it",
        7,
        "urgent",
        "open",
        None,
    ),
    (
        "Set up the printer on the second floor",
        "it",
        "it",
        0,
        "normal",
        "open",
        Some("employee"),
    ),
    (
        "Review the backup restore test",
        "admin",
        "it",
        14,
        "high",
        "open",
        None,
    ),
    (
        "Remove the accounts of the leavers",
        "it",
        "it",
        -5,
        "urgent",
        "open",
        None,
    ),
    (
        "Check the licences of the design software",
        "it",
        "buyer",
        11,
        "normal",
        "open",
        None,
    ),
    (
        "Patch the file server",
        "it",
        "it",
        1,
        "high",
        "waiting",
        None,
    ),
    (
        "Compare the offers for office chairs",
        "buyer",
        "buyer",
        4,
        "normal",
        "in_progress",
        None,
    ),
    (
        "Order toner for all printers",
        "buyer",
        "buyer",
        -3,
        "normal",
        "open",
        None,
    ),
    (
        "Negotiate the cleaning contract",
        "admin",
        "buyer",
        18,
        "normal",
        "open",
        Some("admin"),
    ),
    (
        "Check the delivery of the new desks",
        "buyer",
        "employee",
        2,
        "low",
        "open",
        None,
    ),
    (
        "Renew the coffee machine lease",
        "buyer",
        "buyer",
        25,
        "low",
        "open",
        None,
    ),
    (
        "Sort the archive boxes in the basement",
        "employee",
        "employee",
        8,
        "low",
        "open",
        None,
    ),
    (
        "Update the phone list",
        "employee",
        "employee",
        -1,
        "low",
        "open",
        None,
    ),
    (
        "Book the meeting room for the board",
        "admin",
        "employee",
        3,
        "normal",
        "open",
        None,
    ),
    (
        "Call back the customer about the damaged parcel",
        "frontoffice",
        "frontoffice",
        0,
        "high",
        "open",
        None,
    ),
    (
        "Forward the complaint of Meier & Co",
        "frontoffice",
        "frontoffice",
        -1,
        "normal",
        "open",
        Some("admin"),
    ),
    (
        "Prepare the insurance renewal",
        "admin",
        "admin",
        30,
        "normal",
        "open",
        None,
    ),
    (
        "Sign the lease extension",
        "admin",
        "admin",
        -2,
        "urgent",
        "open",
        None,
    ),
    (
        "Write the minutes of the partners' meeting",
        "admin",
        "employee",
        -10,
        "normal",
        "done",
        None,
    ),
    (
        "Archive last year's personnel files",
        "hr",
        "hr",
        -15,
        "low",
        "done",
        None,
    ),
    (
        "Decommission the old router",
        "it",
        "it",
        -20,
        "normal",
        "cancelled",
        None,
    ),
];

fn err(what: &str, e: steward_core::Error) -> steward_core::Error {
    steward_core::Error::Internal(format!("demo tasks: {what}: {e}"))
}

pub async fn seed(
    store: &Store,
    _company: CompanyId,
    users: &DemoUsers,
) -> steward_core::Result<()> {
    let today = tasks::today();
    let Some(admin) = users.actor("admin") else {
        return Ok(());
    };
    for (i, (title, owner, assignee, due, priority, status, delegated)) in TASKS.iter().enumerate()
    {
        let (Some(owner_actor), Some(assignee_id)) = (users.actor(owner), users.id(assignee))
        else {
            continue;
        };
        let checklist = if i % 4 == 0 {
            vec![
                "Gather the documents".to_string(),
                "Do it".to_string(),
                "Tell the owner".to_string(),
            ]
        } else {
            Vec::new()
        };
        let watchers = if *owner != "admin" && i % 3 == 0 {
            users.id("admin").into_iter().collect()
        } else {
            Vec::new()
        };
        let t = tasks::create_task(
            store,
            &users.registry,
            &owner_actor,
            &TaskInput {
                title: (*title).to_string(),
                description: format!(
                    "Part of the demo week. Ask **{owner}** if anything is unclear."
                ),
                owner_id: None,
                assignee_id: Some(assignee_id),
                watchers,
                due: Some((today + Duration::days(*due)).to_string()),
                priority: Some((*priority).to_string()),
                status: None,
                link: None,
                checklist,
            },
        )
        .await
        .map_err(|e| err(title, e))?;
        let mut version = t.version;
        if let Some(first) = t.checklist.first() {
            let t2 = tasks::toggle_checklist_item(store, &owner_actor, t.id, first.id, true)
                .await
                .map_err(|e| err(title, e))?;
            version = t2.version;
        }
        if let Some(to) = delegated.and_then(|d| users.id(d)) {
            let t2 = tasks::reassign(
                store,
                &owner_actor,
                t.id,
                Some(to),
                "Handing this over: you know the people involved.",
                version,
            )
            .await
            .map_err(|e| err(title, e))?;
            version = t2.version;
        }
        if *status != "open" {
            let changes = TaskChanges {
                status: Some((*status).to_string()),
                ..Default::default()
            };
            tasks::update_task(
                store,
                &users.registry,
                &owner_actor,
                t.id,
                &changes,
                version,
            )
            .await
            .map_err(|e| err(title, e))?;
        }
        if i % 5 == 1 {
            tasks::add_comment(
                store,
                &owner_actor,
                t.id,
                "Started on this; see the checklist.",
            )
            .await
            .map_err(|e| err(title, e))?;
        }
    }

    // This month's close: starts on the month's last day.
    let close = tasks::template_by_key(store, &admin, "month_end_close")
        .await
        .map_err(|e| err("month-end template", e))?;
    let last_day = month_end(today);
    tasks::instantiate_template(store, &admin, close.id, last_day, None)
        .await
        .map_err(|e| err("month-end close", e))?;

    // Two recurring rules.
    let rules = [
        ("Weekly cash count", "FREQ=WEEKLY;BYDAY=MO", "accountant"),
        (
            "Send the month's payroll data to the bureau",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "hr",
        ),
    ];
    for (title, rrule, who) in rules {
        let assignee_id = users.id(who);
        tasks::create_rule(
            store,
            &admin,
            &RuleInput {
                title: title.to_string(),
                description: String::new(),
                rrule: rrule.to_string(),
                start: Some(today.to_string()),
                owner_id: None,
                assignee_id,
                priority: Some("normal".into()),
                checklist: Vec::new(),
            },
        )
        .await
        .map_err(|e| err(title, e))?;
    }
    // A task linked to a record, so the "tasks" box on a record's page has something.
    if let Some(emp) = users.id("employee") {
        tasks::create_task(
            store,
            &users.registry,
            &admin,
            &TaskInput {
                title: "Welcome the new colleague".into(),
                assignee_id: Some(emp),
                due: Some((today + Duration::days(1)).to_string()),
                link: Some(RecordRef::new(steward_core::users::RECORD, emp.0).to_string()),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| err("linked task", e))?;
    }
    Ok(())
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}
