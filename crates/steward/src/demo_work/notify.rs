//! The demo's notifications: a few for the admin (the manager) and for the others, some
//! read, and the admin's choice of a daily digest for escalations, so that the bell, the
//! notification centre, "My work" and the preferences page show something on first sign-in.
use steward_core::ids::CompanyId;
use steward_core::work::notify::{self, Delivery, NewNotification, Preference};
use steward_store::Store;

use super::DemoUsers;

fn n(
    company: CompanyId,
    user: steward_core::ids::UserId,
    kind: &str,
    title: &str,
    body: &str,
    link: &str,
) -> NewNotification {
    NewNotification {
        company,
        user,
        kind: kind.into(),
        title: title.into(),
        body: body.into(),
        link: (!link.is_empty()).then(|| link.to_string()),
    }
}

pub async fn seed(
    store: &Store,
    company: CompanyId,
    users: &DemoUsers,
) -> steward_core::Result<()> {
    let Some(admin) = users.id("admin") else {
        return Ok(());
    };
    let mut items = vec![
        n(company, admin, "system.welcome", "Welcome to Steward",
          "This is the demo company. Your notifications appear here and, if you wish, by e-mail: choose how in the notification settings.",
          "/notifications/preferences"),
        n(company, admin, "approval.waiting", "Two approvals are waiting for you",
          "A ledger entry above the approval limit and a time-off request wait for your decision.",
          "/approvals"),
        n(company, admin, "case.breached", "An escalation breached its resolution target",
          "A front-office case has passed its resolution time; it is escalated to you.",
          "/cases"),
        n(company, admin, "task.overdue", "Month-end close: three tasks are overdue",
          "Bank reconciliation, accruals and the VAT return are past their due dates.",
          "/tasks"),
    ];
    for (who, kind, title, body, link) in [
        (
            "accountant",
            "task.assigned",
            "You were assigned: reconcile the bank account",
            "Due at the end of the week.",
            "/tasks",
        ),
        (
            "accountant",
            "approval.rejected",
            "Your entry was sent back",
            "The manager asked for the invoice to be attached.",
            "/approvals",
        ),
        (
            "employee",
            "approval.approved",
            "Your time off was approved",
            "Enjoy your days off.",
            "/approvals",
        ),
        (
            "frontoffice",
            "case.resolved",
            "A case you escalated was resolved",
            "The back office answered the customer.",
            "/cases",
        ),
        (
            "hr",
            "task.assigned",
            "Onboarding checklist for the new hire",
            "Six tasks, starting next Monday.",
            "/tasks",
        ),
        (
            "it",
            "task.assigned",
            "Prepare a laptop for the new hire",
            "",
            "/tasks",
        ),
    ] {
        if let Some(u) = users.id(who) {
            items.push(n(company, u, kind, title, body, link));
        }
    }
    notify::notify(store, items).await?;
    // The welcome is already read: the bell shows what is new.
    if let Some(actor) = users.actor("admin") {
        let q = notify::NotificationQuery {
            search: Some("Welcome to Steward".into()),
            ..Default::default()
        };
        if let Some(w) = notify::list(store, &actor, &q).await?.items.first() {
            notify::mark_read(store, &actor, w.id).await?;
        }
        notify::set_preferences(
            store,
            &actor,
            &[Preference {
                group: "case".into(),
                delivery: Delivery::Digest,
            }],
        )
        .await?;
    }
    Ok(())
}
