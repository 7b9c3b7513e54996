//! The demo's front-office cases: opened by `frontoffice` over the past days, some taken by
//! back-office people (admin, hr, it), with notes, calls and messages in their logs, and
//! together in every SLA state: on track, warning, breached, paused (waiting on the
//! customer), resolved and closed. Cases are made through the service as people would,
//! then moved back to when they were opened; the SLA job then does what it would have done.
use serde_json::json;
use steward_core::audit::AuditDraft;
use steward_core::ids::CompanyId;
use steward_core::time::Timestamp;
use steward_core::work::cases::{self, CaseAction, CaseInput, CaseStatus, Priority};
use steward_core::work::sla;
use steward_store::Store;

use super::DemoUsers;

struct Demo {
    customer: &'static str,
    email: &'static str,
    subject: &'static str,
    description: &'static str,
    category: &'static str,
    priority: Priority,
    /// Business minutes ago it was opened (on the default calendar: 8 h a working day).
    opened_minutes_ago: i64,
    taken_by: Option<&'static str>,
    steps: &'static [Step],
}

enum Step {
    Note(&'static str),
    Call(&'static str),
    Message(&'static str),
    Wait,
    Resolve(&'static str, &'static str),
    Close,
}

const DEMO: &[Demo] = &[
    Demo {
        customer: "Maria Lopez",
        email: "maria.lopez@example.org",
        subject: "Invoice charged twice",
        description: "Mrs Lopez sees **two** charges for invoice 2026-1142 on her card statement.",
        category: "billing",
        priority: Priority::High,
        opened_minutes_ago: 30,
        taken_by: None,
        steps: &[],
    },
    Demo {
        customer: "Tom Becker",
        email: "tom.becker@example.org",
        subject: "Parcel not delivered",
        description: "Tracking says delivered on Monday; the customer has nothing.\n\n- order 55821\n- signed by: nobody",
        category: "delivery",
        priority: Priority::Normal,
        opened_minutes_ago: 60,
        taken_by: Some("it"),
        steps: &[Step::Note("Asked the carrier for the proof of delivery.")],
    },
    Demo {
        customer: "Aisha Njoroge",
        email: "aisha.n@example.org",
        subject: "Cannot sign in to the portal",
        description: "Password reset mail never arrives.",
        category: "account",
        priority: Priority::Urgent,
        // 80 % of the urgent first response (60 min) is used: a warning.
        opened_minutes_ago: 52,
        taken_by: Some("admin"),
        steps: &[],
    },
    Demo {
        customer: "Lukas Meyer",
        email: "lukas.meyer@example.org",
        subject: "Wrong size delivered",
        description: "Ordered L, received S. Wants an exchange before the weekend.",
        category: "product",
        priority: Priority::High,
        // Past the high first response (4 h): breached.
        opened_minutes_ago: 6 * 60,
        taken_by: None,
        steps: &[],
    },
    Demo {
        customer: "Grace Okafor",
        email: "grace.okafor@example.org",
        subject: "Refund not received",
        description: "Refund promised three weeks ago.",
        category: "billing",
        priority: Priority::Normal,
        opened_minutes_ago: 3 * 8 * 60,
        taken_by: Some("hr"),
        steps: &[
            Step::Message("We are sorry for the delay. Could you send us the last four digits of the card the refund should go to?"),
            Step::Wait,
        ],
    },
    Demo {
        customer: "Pierre Martin",
        email: "pierre.martin@example.org",
        subject: "Complaint about a rude driver",
        description: "The driver left the parcel in the rain and was rude.",
        category: "complaint",
        priority: Priority::Low,
        opened_minutes_ago: 2 * 8 * 60,
        taken_by: Some("admin"),
        steps: &[
            Step::Call("Called the customer, apologised, offered a voucher."),
            Step::Note("Reported to the carrier's account manager."),
            Step::Resolve("Apologised; voucher of 20 EUR sent.", "refund"),
        ],
    },
    Demo {
        customer: "Yuki Tanaka",
        email: "yuki.tanaka@example.org",
        subject: "Change of billing address",
        description: "New address from next month.",
        category: "account",
        priority: Priority::Low,
        opened_minutes_ago: 5 * 8 * 60,
        taken_by: Some("it"),
        steps: &[
            Step::Message("Your billing address is changed from next month."),
            Step::Resolve("Address changed.", "fixed"),
            Step::Close,
        ],
    },
];

fn err(e: impl std::fmt::Display) -> steward_core::Error {
    steward_core::Error::Internal(format!("demo cases: {e}"))
}

pub async fn seed(
    store: &Store,
    company: CompanyId,
    users: &DemoUsers,
) -> steward_core::Result<()> {
    let front = users
        .actor("frontoffice")
        .ok_or_else(|| err("the frontoffice user is missing"))?;
    let settings = cases::CaseStore::sla_settings(store, company).await?;
    let now = Timestamp::now();
    for d in DEMO {
        let input = CaseInput {
            customer_name: d.customer.into(),
            customer_email: d.email.into(),
            customer_phone: String::new(),
            customer_ref: String::new(),
            subject: d.subject.into(),
            description: d.description.into(),
            category: d.category.into(),
            priority: d.priority.as_str().into(),
        };
        let case = cases::create_case(store, &front, &input).await?;
        if let Some(who) = d.taken_by {
            let actor = users
                .actor(who)
                .ok_or_else(|| err(format!("the {who} user is missing")))?;
            cases::act(store, &actor, case.id, None, CaseAction::Take).await?;
            for s in d.steps {
                let a = match s {
                    Step::Note(t) => CaseAction::Note { body: (*t).into() },
                    Step::Call(t) => CaseAction::Call { body: (*t).into() },
                    Step::Message(t) => CaseAction::Message {
                        subject: String::new(),
                        body: (*t).into(),
                    },
                    Step::Wait => CaseAction::SetStatus {
                        status: CaseStatus::WaitingOnCustomer,
                        note: "Waiting for the card details.".into(),
                    },
                    Step::Resolve(r, c) => CaseAction::Resolve {
                        resolution: (*r).into(),
                        category: (*c).into(),
                    },
                    Step::Close => CaseAction::Close,
                };
                cases::act(store, &actor, case.id, None, a).await?;
            }
        }
        // Opened that much business time ago: move it back by the wall-clock time that spans.
        // The latest start with that much business time before now (a binary search over
        // the last 60 days: the measure only grows as the start moves back).
        let target = sla::minutes(d.opened_minutes_ago);
        let (mut lo, mut hi) = (0i64, 60 * 86_400i64);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if sla::business_time_between(now.plus_secs(-mid), now, &settings.calendar) >= target {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let start = now.plus_secs(-lo);
        let back = now.0 - start.0;
        let audit = AuditDraft::by(
            &front,
            "case",
            Some(case.id.to_string()),
            "demo_backdate",
            json!({"opened_minutes_ago": d.opened_minutes_ago}),
        );
        store.backdate_case(company, case.id, back, audit).await?;
    }
    // What the job would have done by now: warnings, breaches, due times.
    cases::evaluate_sla(store, Timestamp::now()).await?;
    Ok(())
}
