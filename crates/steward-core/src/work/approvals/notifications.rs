//! Who is told what: approvers of a waiting step, the requester of a decision.
use super::*;

// ---- notifications ----

pub(super) async fn approvers_of(
    store: &impl ApprovalBackend,
    req: &ApprovalRequest,
) -> Vec<UserId> {
    let Some(step) = req.current_step() else {
        return Vec::new();
    };
    let mut people = Vec::new();
    if let Some(u) = step.approver_user {
        people.push(u);
    }
    if let Some(r) = &step.approver_role {
        people.extend(store.holders_of(req.company, r).await.unwrap_or_default());
    }
    people.retain(|u| Some(*u) != req.requester);
    people.sort();
    people.dedup();
    // Those away have their delegates told too.
    let today = today();
    if let Ok(ds) = store.delegations(req.company, None).await {
        let extra: Vec<UserId> = ds
            .iter()
            .filter(|d| people.contains(&d.user) && d.from <= today && today <= d.until)
            .map(|d| d.delegate)
            .filter(|u| Some(*u) != req.requester)
            .collect();
        people.extend(extra);
    }
    people.sort();
    people.dedup();
    people
}

/// Tells the current step's approvers; `label` names the kind ("Ledger entry") when the
/// caller knows it.
pub(super) async fn tell_approvers(
    store: &impl ApprovalBackend,
    req: &ApprovalRequest,
    label: Option<&str>,
) {
    let people = approvers_of(store, req).await;
    let items = people
        .into_iter()
        .map(|u| crate::work::notify::NewNotification {
            company: req.company,
            user: u,
            kind: "approval.waiting".into(),
            title: format!("Waiting for your approval: {}", short(&req.title)),
            body: format!(
                "{} asks for approval of {}{}{}.",
                req.requester_name,
                req.title,
                label.map(|l| format!(" ({l})")).unwrap_or_default(),
                match req.amount_text() {
                    t if t.is_empty() => String::new(),
                    t => format!(", {t}"),
                }
            ),
            link: Some(format!("/approvals/{}", req.id)),
        })
        .collect::<Vec<_>>();
    if items.is_empty() {
        return;
    }
    if let Err(e) = crate::work::notify::notify(store, items).await {
        tracing::warn!(error = %e, request = req.id.0, "approval notification failed");
    }
}

pub(super) async fn tell_requester(store: &impl ApprovalBackend, req: &ApprovalRequest) {
    let Some(u) = req.requester else { return };
    let item = crate::work::notify::NewNotification {
        company: req.company,
        user: u,
        kind: "approval.decided".into(),
        title: format!("{}: {}", short(&req.title), req.status.as_str()),
        body: format!(
            "Your request \"{}\" was {}.",
            req.title,
            req.status.as_str()
        ),
        link: Some(format!("/approvals/{}", req.id)),
    };
    if let Err(e) = crate::work::notify::notify(store, vec![item]).await {
        tracing::warn!(error = %e, request = req.id.0, "approval notification failed");
    }
}

/// A title cut to fit a notification's one line.
pub(super) fn short(title: &str) -> String {
    if title.chars().count() <= 150 {
        title.to_string()
    } else {
        format!("{}…", title.chars().take(149).collect::<String>())
    }
}

/// Who a step names, for people: filled in by the store from names it knows.
pub fn rule_label(rule: &str, user_name: Option<&str>) -> String {
    match ApproverRule::parse(rule) {
        Ok(ApproverRule::Manager) => match user_name {
            Some(n) => format!("{n} (manager)"),
            None => "the manager".into(),
        },
        Ok(ApproverRule::Admin) => "any admin".into(),
        Ok(ApproverRule::Role(k)) => format!("any {}", role_label(&k)),
        Ok(ApproverRule::User(_)) => user_name.unwrap_or("a named person").to_string(),
        Err(_) => rule.to_string(),
    }
}

pub(super) fn role_label(key: &str) -> String {
    crate::auth::builtin_roles()
        .into_iter()
        .find(|r| r.key == key)
        .map(|r| r.name.to_string())
        .unwrap_or_else(|| key.replace('_', " "))
}
