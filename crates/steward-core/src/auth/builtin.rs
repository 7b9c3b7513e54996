//! The built-in roles, as data. They are seeded into every database and cannot be edited;
//! admins build custom roles from the same grants.
use super::{Action, Domain, Grant, Scope};

#[derive(Debug, Clone)]
pub struct BuiltinRole {
    pub key: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub grants: Vec<Grant>,
}

fn g(domain: Domain, actions: &[Action], scope: Scope) -> impl Iterator<Item = Grant> + '_ {
    actions.iter().map(move |&action| Grant {
        domain,
        action,
        scope,
    })
}

const READ: &[Action] = &[Action::Read, Action::Export];
const WORK: &[Action] = &[
    Action::Read,
    Action::Create,
    Action::Update,
    Action::Export,
    Action::Import,
];
const LEAD: &[Action] = &[
    Action::Read,
    Action::Create,
    Action::Update,
    Action::Delete,
    Action::Approve,
    Action::Export,
    Action::Import,
];

/// What every employee may do for themselves (self-service).
fn self_service() -> Vec<Grant> {
    let own = [Action::Read, Action::Create, Action::Update];
    [
        Domain::Hr,
        Domain::It,
        Domain::Procurement,
        Domain::Expenses,
        Domain::Work,
        // Records: a subject they own or are assigned to (see `records`).
        Domain::Records,
    ]
    .into_iter()
    .flat_map(|d| g(d, &own, Scope::Own).collect::<Vec<_>>())
    .collect()
}

fn role(
    key: &'static str,
    name: &'static str,
    description: &'static str,
    extra: Vec<Grant>,
) -> BuiltinRole {
    let mut grants = self_service();
    // One grant per (domain, action): the widest scope wins.
    for e in extra {
        match grants
            .iter_mut()
            .find(|g| g.domain == e.domain && g.action == e.action)
        {
            Some(g) => g.scope = g.scope.max(e.scope),
            None => grants.push(e),
        }
    }
    BuiltinRole {
        key,
        name,
        description,
        grants,
    }
}

fn domain_pair(domain: Domain, lead: bool) -> Vec<Grant> {
    let mut v: Vec<Grant> = g(domain, if lead { LEAD } else { WORK }, Scope::Company).collect();
    if lead {
        // Leads are the back office that takes the customer problems the front office
        // escalates (the case queue); the manager (admin) also sets the service levels.
        v.extend(g(Domain::Escalations, WORK, Scope::Company));
    }
    v.extend(g(
        Domain::Work,
        &[Action::Read, Action::Create, Action::Update],
        Scope::Department,
    ));
    v
}

/// Everyone's personal data, read and changed (HR staff who keep records).
fn personal_data() -> Vec<Grant> {
    g(
        Domain::HrPersonal,
        Domain::HrPersonal.actions(),
        Scope::Company,
    )
    .collect()
}

pub fn builtin_roles() -> Vec<BuiltinRole> {
    vec![
        BuiltinRole {
            key: "admin",
            name: "Back office manager (admin)",
            description: "Sees everything, sets up the company, approves, answers to auditors.",
            grants: Domain::ALL
                .iter()
                .flat_map(|&d| g(d, d.actions(), Scope::Company).collect::<Vec<_>>())
                .collect(),
        },
        role(
            "accounting_lead",
            "Accounting lead",
            "Runs the books, receivables and payables; approves entries, bills and payments.",
            [
                domain_pair(Domain::Accounting, true),
                g(Domain::Receivables, LEAD, Scope::Company).collect(),
                g(Domain::Payables, LEAD, Scope::Company).collect(),
            ]
            .concat(),
        ),
        role(
            "accountant",
            "Accountant",
            "Enters and reconciles; invoices customers and records vendor bills; works the accounting queues.",
            [
                domain_pair(Domain::Accounting, false),
                g(Domain::Receivables, WORK, Scope::Company).collect(),
                g(Domain::Payables, WORK, Scope::Company).collect(),
            ]
            .concat(),
        ),
        role(
            "hr_lead",
            "HR lead",
            "Runs HR; sees and changes everyone's personal data and pay; approves.",
            [
                domain_pair(Domain::Hr, true),
                personal_data(),
                g(Domain::HrPay, Domain::HrPay.actions(), Scope::Company).collect(),
            ]
            .concat(),
        ),
        role(
            "hr_clerk",
            "HR clerk",
            "Files and corrects employee records, personal data included; no pay.",
            [domain_pair(Domain::Hr, false), personal_data()].concat(),
        ),
        role(
            "it_lead",
            "IT lead",
            "Runs IT assets, licenses and the helpdesk.",
            domain_pair(Domain::It, true),
        ),
        role(
            "it_technician",
            "IT technician",
            "Works helpdesk tickets and asset check-outs.",
            domain_pair(Domain::It, false),
        ),
        role(
            "procurement_lead",
            "Procurement lead",
            "Runs purchasing; approves orders within limits.",
            domain_pair(Domain::Procurement, true),
        ),
        role(
            "buyer",
            "Buyer",
            "Places and receives purchase orders.",
            domain_pair(Domain::Procurement, false),
        ),
        role(
            "privacy_officer",
            "Privacy officer",
            "Reads the records access log, reviews break-glass openings, keeps record kinds, \
             categories and who is assigned to which subject, answers right-of-access and \
             erasure requests (export, anonymize); opens no file they are not assigned to.",
            g(Domain::Records, &[Action::Approve, Action::Export], Scope::Company).collect(),
        ),
        role(
            "employee",
            "Employee",
            "Self-service: own record, time off, equipment, requests.",
            Vec::new(),
        ),
        role(
            "front_office",
            "Front office",
            "Escalates customers' problems to the back office and follows them.",
            g(
                Domain::Escalations,
                &[Action::Read, Action::Create, Action::Update],
                Scope::Own,
            )
            .collect(),
        ),
        BuiltinRole {
            key: "auditor",
            name: "Auditor",
            description: "Read-only, time-boxed access to books, records and the audit trail; \
                          of employees, job data only: no personal or pay data; no sensitive records.",
            grants: Domain::ALL
                .iter()
                .filter(|d| {
                    !matches!(
                        d,
                        Domain::HrPersonal | Domain::HrPay | Domain::RecordsSensitive
                    )
                })
                .flat_map(|&d| g(d, READ, Scope::Company).collect::<Vec<_>>())
                .collect(),
        },
    ]
}
