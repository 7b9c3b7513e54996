//! Who may do what. Permissions are (domain, action) pairs granted with a record scope;
//! roles bundle grants and are data (built-in ones are seeded, admins add custom ones).
//! [`authorize`] is the one gate every service calls before it reads or writes. Deny by default.
mod builtin;
mod password;
pub mod session;

pub use builtin::{builtin_roles, BuiltinRole};
pub use password::{
    hash_password, hash_password_off_thread, verify_password, verify_password_off_thread, Password,
    DUMMY_HASH,
};

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::ids::{CompanyId, DepartmentId, UserId};
use crate::{Error, Result};

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)* _ => None }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

str_enum!(
    /// A part of the back office. System covers company settings, users and roles.
    Domain {
        System = "system",
        Users = "users",
        Audit = "audit",
        Accounting = "accounting",
        // Customers, sales invoices and credit notes (what the company is owed).
        Receivables = "receivables",
        // Vendors and their bills (what the company owes).
        Payables = "payables",
        Hr = "hr",
        // Personal data of employees other than oneself: birth date, personal contacts,
        // addresses, national and tax ids, emergency contacts, the legal name, sensitive
        // custom fields and documents. Only `read` and `update`.
        HrPersonal = "hr_personal",
        // Pay of employees other than oneself: contracts and their pay history. Only
        // `read` and `update`.
        HrPay = "hr_pay",
        It = "it",
        Procurement = "procurement",
        Work = "work",
        Escalations = "escalations",
        Records = "records",
        // Records in a category flagged sensitive (mental health, fraud): a grant of its own
        // on top of access to the subject. Only `read` and `update`.
        RecordsSensitive = "records_sensitive",
        Expenses = "expenses",
    }
);

str_enum!(
    Action {
        Read = "read",
        Create = "create",
        Update = "update",
        Delete = "delete",
        Approve = "approve",
        Export = "export",
        Import = "import",
    }
);

str_enum!(
    /// How far a grant reaches: the actor's own records, their department's, or the company's.
    Scope {
        Own = "own",
        Department = "department",
        Company = "company",
    }
);

impl Domain {
    /// The actions a grant of this domain may name. Personal data and pay are read or
    /// changed, nothing else (they are parts of HR's records, not records of their own).
    pub fn actions(self) -> &'static [Action] {
        match self {
            Domain::HrPersonal | Domain::HrPay | Domain::RecordsSensitive => {
                &[Action::Read, Action::Update]
            }
            _ => Action::ALL,
        }
    }
}

impl Action {
    /// Actions that change nothing; the only ones a read-only token or an auditor may use.
    pub fn is_read(self) -> bool {
        matches!(self, Action::Read | Action::Export)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Permission {
    pub domain: Domain,
    pub action: Action,
}

impl Permission {
    pub const fn new(domain: Domain, action: Action) -> Self {
        Permission { domain, action }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.domain, self.action)
    }
}

/// One permission with the scope it is granted at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub domain: Domain,
    pub action: Action,
    pub scope: Scope,
}

impl Grant {
    pub fn parse(domain: &str, action: &str, scope: &str) -> Result<Self> {
        let g = Grant {
            domain: Domain::parse(domain)
                .ok_or_else(|| Error::invalid("domain", format!("unknown domain `{domain}`")))?,
            action: Action::parse(action)
                .ok_or_else(|| Error::invalid("action", format!("unknown action `{action}`")))?,
            scope: Scope::parse(scope)
                .ok_or_else(|| Error::invalid("scope", format!("unknown scope `{scope}`")))?,
        };
        g.check()?;
        Ok(g)
    }

    /// Refuses an action the domain does not have (`hr_pay` is only read and update).
    pub fn check(&self) -> Result<()> {
        if self.domain.actions().contains(&self.action) {
            Ok(())
        } else {
            Err(Error::invalid(
                "action",
                format!(
                    "{} has only the actions {}",
                    self.domain,
                    self.domain
                        .actions()
                        .iter()
                        .map(|a| a.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
    }
}

/// Who is acting, in which company, with which grants. Built once per request from the
/// session or API token; every service takes it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub company_id: CompanyId,
    pub company_name: String,
    pub company_currency: String,
    pub department_id: Option<DepartmentId>,
    pub role_keys: Vec<String>,
    pub grants: Vec<Grant>,
    /// Set for API tokens created read-only: only read actions pass.
    pub read_only: bool,
    pub ip: Option<String>,
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
    Cli,
}

/// The facts about a record that access depends on.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub company: CompanyId,
    pub owner: Option<UserId>,
    pub department: Option<DepartmentId>,
}

impl Target {
    pub fn company(company: CompanyId) -> Self {
        Target {
            company,
            owner: None,
            department: None,
        }
    }
}

impl Actor {
    /// The operator at the command line: acts with the admin role's grants in `company`,
    /// recorded in the audit trail as `cli`. Only someone with access to the database and
    /// the configuration can be this actor.
    pub fn system(company: CompanyId, company_name: &str) -> Actor {
        let grants = builtin_roles()
            .into_iter()
            .find(|r| r.key == "admin")
            .map(|r| r.grants)
            .unwrap_or_default();
        Actor {
            user_id: UserId(0),
            username: "cli".into(),
            display_name: "Command line".into(),
            company_id: company,
            company_name: company_name.to_string(),
            company_currency: String::new(),
            department_id: None,
            role_keys: vec!["admin".into()],
            grants,
            read_only: false,
            ip: None,
            via: Via::Cli,
        }
    }

    /// The user to record as a record's author: none for the command-line operator, who is
    /// not a user row.
    pub fn author(&self) -> Option<UserId> {
        (self.user_id.0 != 0).then_some(self.user_id)
    }

    /// The company's currency (the CLI actor knows only the company id until told).
    pub fn with_currency(mut self, currency: &str) -> Actor {
        self.company_currency = currency.to_string();
        self
    }

    /// The widest scope at which the actor holds `perm`, if any.
    pub fn scope_for(&self, perm: Permission) -> Option<Scope> {
        if self.read_only && !perm.action.is_read() {
            return None;
        }
        self.grants
            .iter()
            .filter(|g| g.domain == perm.domain && g.action == perm.action)
            .map(|g| g.scope)
            .max()
    }
    pub fn can(&self, perm: Permission) -> bool {
        self.scope_for(perm).is_some()
    }
    pub fn can_read(&self, domain: Domain) -> bool {
        self.can(Permission::new(domain, Action::Read))
    }
    /// Whether the actor holds `perm` for the whole company (a domain's staff, as opposed
    /// to someone who may act on their own or their department's records).
    pub fn can_company_wide(&self, perm: Permission) -> bool {
        self.scope_for(perm) == Some(Scope::Company)
    }
    /// The audit "who".
    pub fn audit_name(&self) -> String {
        self.username.clone()
    }
}

/// The gate. A record of another company is `NotFound` (its existence is not revealed);
/// a missing grant, a too-narrow scope or a write through a read-only token is `Forbidden`.
pub fn authorize(actor: &Actor, perm: Permission, target: &Target) -> Result<()> {
    if target.company != actor.company_id {
        return Err(Error::NotFound { entity: "record" });
    }
    let scope = actor.scope_for(perm).ok_or(Error::Forbidden)?;
    let allowed = match scope {
        Scope::Company => true,
        Scope::Department => {
            (actor.department_id.is_some() && target.department == actor.department_id)
                || target.owner == Some(actor.user_id)
        }
        Scope::Own => target.owner == Some(actor.user_id),
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The first of `grants` the actor does not hold at the same or a wider scope, if any. The
/// one comparison behind [`authorize_delegation`] and `users::may_manage_account`.
pub fn first_not_held(actor: &Actor, grants: &[Grant]) -> Option<Grant> {
    grants
        .iter()
        .find(|g| {
            actor
                .scope_for(Permission::new(g.domain, g.action))
                .is_none_or(|held| held < g.scope)
        })
        .copied()
}

/// [`authorize`] for what belongs to the whole company (settings, imports, reports): the
/// actor's own company is the target.
pub fn authorize_company(actor: &Actor, perm: Permission) -> Result<()> {
    authorize(actor, perm, &Target::company(actor.company_id))
}

/// Only a domain's staff may (the grant at company scope): policies, calendars, the tree.
pub fn require_company_wide(actor: &Actor, perm: Permission) -> Result<()> {
    if actor.can_company_wide(perm) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Nobody hands out more than they hold: every grant must be held by the actor at the same
/// or a wider scope. Guards creating and changing roles and assigning them to people, so a
/// holder of `system.update` cannot make themself an admin.
pub fn authorize_delegation(actor: &Actor, grants: &[Grant]) -> Result<()> {
    match first_not_held(actor, grants) {
        None => Ok(()),
        Some(g) => Err(Error::invalid(
            "grants",
            format!(
                "you cannot grant {}.{} at {} scope: you do not hold it",
                g.domain, g.action, g.scope
            ),
        )),
    }
}

/// For lists: the scope the query must be narrowed to, or `Forbidden`.
pub fn list_scope(actor: &Actor, perm: Permission) -> Result<Scope> {
    actor.scope_for(perm).ok_or(Error::Forbidden)
}

#[cfg(test)]
pub(crate) fn test_actor(role: &str) -> Actor {
    let grants = builtin_roles()
        .iter()
        .find(|r| r.key == role)
        .map(|r| r.grants.clone())
        .unwrap_or_default();
    Actor {
        user_id: UserId(1),
        username: role.to_string(),
        display_name: role.to_string(),
        company_id: CompanyId(1),
        company_name: "Test".into(),
        company_currency: "EUR".into(),
        department_id: Some(DepartmentId(1)),
        role_keys: vec![role.to_string()],
        grants,
        read_only: false,
        ip: None,
        via: Via::Session,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_by_default() {
        let a = test_actor("nobody");
        let t = Target::company(CompanyId(1));
        assert!(matches!(
            authorize(&a, Permission::new(Domain::Users, Action::Read), &t),
            Err(Error::Forbidden)
        ));
    }

    #[test]
    fn other_company_is_not_found() {
        let a = test_actor("admin");
        let t = Target::company(CompanyId(2));
        assert!(matches!(
            authorize(&a, Permission::new(Domain::Users, Action::Read), &t),
            Err(Error::NotFound { .. })
        ));
    }

    #[test]
    fn auditor_reads_but_never_writes() {
        let a = test_actor("auditor");
        let t = Target::company(CompanyId(1));
        for d in Domain::ALL {
            // Personal data, pay and sensitive records are not the auditor's (the role's
            // description says so).
            let reads = !matches!(
                d,
                Domain::HrPersonal | Domain::HrPay | Domain::RecordsSensitive
            );
            assert_eq!(
                authorize(&a, Permission::new(*d, Action::Read), &t).is_ok(),
                reads,
                "{d}"
            );
            for act in Action::ALL.iter().filter(|a| !a.is_read()) {
                assert!(
                    authorize(&a, Permission::new(*d, *act), &t).is_err(),
                    "{d}.{act}"
                );
            }
        }
    }

    #[test]
    fn personal_data_and_pay_are_granted_as_the_descriptions_say() {
        let t = Target::company(CompanyId(1));
        let holds = |role: &str, d: Domain, act: Action| {
            authorize(&test_actor(role), Permission::new(d, act), &t).is_ok()
        };
        for role in ["admin", "hr_lead"] {
            for d in [Domain::HrPersonal, Domain::HrPay] {
                assert!(holds(role, d, Action::Read), "{role} {d}");
                assert!(holds(role, d, Action::Update), "{role} {d}");
            }
        }
        assert!(holds("hr_clerk", Domain::HrPersonal, Action::Read));
        assert!(holds("hr_clerk", Domain::HrPersonal, Action::Update));
        assert!(!holds("hr_clerk", Domain::HrPay, Action::Read));
        assert!(!holds("hr_clerk", Domain::HrPay, Action::Update));
        for role in [
            "auditor",
            "employee",
            "accountant",
            "it_lead",
            "front_office",
        ] {
            for d in [Domain::HrPersonal, Domain::HrPay] {
                for act in Domain::HrPay.actions() {
                    assert!(!holds(role, d, *act), "{role} {d}.{act}");
                }
            }
        }
        let roles = builtin_roles();
        let desc = |k: &str| {
            roles
                .iter()
                .find(|r| r.key == k)
                .map(|r| r.description)
                .unwrap_or_default()
        };
        assert!(desc("hr_lead").contains("pay"));
        assert!(desc("hr_clerk").contains("no pay"));
        assert!(desc("auditor").contains("no personal or pay data"));
    }

    #[test]
    fn personal_data_and_pay_have_only_read_and_update() {
        assert!(Grant::parse("hr_pay", "read", "company").is_ok());
        assert!(Grant::parse("hr_personal", "update", "department").is_ok());
        for bad in ["create", "delete", "approve", "export", "import"] {
            let e = Grant::parse("hr_pay", bad, "company").expect_err(bad);
            assert_eq!(e.field_errors()[0].field, "action", "{bad}");
        }
    }

    #[test]
    fn read_only_token_cannot_write() {
        let mut a = test_actor("admin");
        let t = Target::company(CompanyId(1));
        assert!(authorize(&a, Permission::new(Domain::Users, Action::Create), &t).is_ok());
        a.read_only = true;
        assert!(authorize(&a, Permission::new(Domain::Users, Action::Create), &t).is_err());
        assert!(authorize(&a, Permission::new(Domain::Users, Action::Read), &t).is_ok());
    }

    #[test]
    fn nobody_delegates_more_than_they_hold() {
        let hr = test_actor("hr_lead");
        let g = |d, a, s| Grant {
            domain: d,
            action: a,
            scope: s,
        };
        assert!(authorize_delegation(&hr, &[g(Domain::Hr, Action::Read, Scope::Company)]).is_ok());
        assert!(
            authorize_delegation(&hr, &[g(Domain::Accounting, Action::Read, Scope::Own)]).is_err()
        );
        let employee = test_actor("employee");
        assert!(
            authorize_delegation(&employee, &[g(Domain::Hr, Action::Read, Scope::Own)]).is_ok()
        );
        assert!(
            authorize_delegation(&employee, &[g(Domain::Hr, Action::Read, Scope::Department)])
                .is_err()
        );
        let admin = test_actor("admin");
        let all: Vec<Grant> = builtin_roles().into_iter().flat_map(|r| r.grants).collect();
        assert!(authorize_delegation(&admin, &all).is_ok());
    }

    #[test]
    fn own_scope_needs_ownership() {
        let a = test_actor("employee");
        let perm = Permission::new(Domain::Expenses, Action::Read);
        let mine = Target {
            company: CompanyId(1),
            owner: Some(UserId(1)),
            department: None,
        };
        let theirs = Target {
            company: CompanyId(1),
            owner: Some(UserId(9)),
            department: Some(DepartmentId(1)),
        };
        assert!(authorize(&a, perm, &mine).is_ok());
        assert!(matches!(
            authorize(&a, perm, &theirs),
            Err(Error::Forbidden)
        ));
    }

    #[test]
    fn every_builtin_role_is_well_formed() {
        let roles = builtin_roles();
        assert_eq!(roles.len(), 13);
        for r in roles {
            assert!(!r.grants.is_empty(), "{}", r.key);
            let mut pairs: Vec<_> = r.grants.iter().map(|g| (g.domain, g.action)).collect();
            pairs.sort();
            let n = pairs.len();
            pairs.dedup();
            assert_eq!(pairs.len(), n, "{} grants one permission twice", r.key);
            if r.key == "auditor" {
                assert!(r.grants.iter().all(|g| g.action.is_read()));
            }
            for g in &r.grants {
                assert!(
                    g.check().is_ok(),
                    "{} grants {}.{}",
                    r.key,
                    g.domain,
                    g.action
                );
            }
        }
    }
}
