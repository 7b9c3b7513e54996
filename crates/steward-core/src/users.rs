//! Users of a company: who can sign in, with which roles. Admins manage them in the web UI,
//! the API and the CLI; all three come through these functions.
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{
    authorize, hash_password_off_thread, Action, Actor, Domain, Password, Permission, Target,
};
use crate::error::Validator;
use crate::ids::{CompanyId, RoleId, UserId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::{Error, Result};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub disabled: bool,
    /// Role keys in the company the user was read in.
    pub roles: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Optimistic concurrency: an update must carry the version it read.
    pub version: i64,
}

impl User {
    /// The audit view: no secrets.
    pub fn audit_json(&self) -> serde_json::Value {
        json!({"username": self.username, "email": self.email, "display_name": self.display_name,
               "disabled": self.disabled, "roles": self.roles})
    }
}

/// A validated user name: 3-64 of `a-z 0-9 . _ -`, starting with a letter or digit.
/// Users as a kind of record (a task may link to one).
pub const RECORD: &str = "user";

/// Plugs users in: a record kind.
pub fn register(r: &mut crate::registry::Registry) {
    r.record_kind(RECORD, "User");
}

pub fn parse_username(s: &str) -> Result<String> {
    let u = s.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(u)
    } else {
        Err(Error::invalid(
            "username",
            "must be 3-64 characters: letters, digits, '.', '_' or '-'",
        ))
    }
}

/// An account's e-mail address ([`crate::input::Email`]'s rule), lowercased: it is also a
/// sign-in name.
pub fn parse_email(s: &str) -> Result<String> {
    crate::input::Email::parse("email", s).map(|e| e.lowercase())
}

pub fn parse_display_name(s: &str) -> Result<String> {
    let d = s.trim();
    if d.is_empty() || d.chars().count() > 200 {
        return Err(Error::invalid(
            "display_name",
            "must be 1 to 200 characters",
        ));
    }
    Ok(d.to_string())
}

/// What a client may send to create a user. Unknown fields are refused by the API layer.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub display_name: String,
    /// Absent: the user cannot sign in until an admin sets one.
    pub password: Option<String>,
    pub roles: Vec<String>,
}

/// A validated new user, ready for the store.
#[derive(Debug, Clone)]
pub struct NewUserRecord {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub role_ids: Vec<RoleId>,
    pub role_keys: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserPatch {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    #[default]
    Username,
    DisplayName,
    Email,
    Status,
    CreatedAt,
}

impl SortKey for UserSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("username", UserSort::Username),
        ("display_name", UserSort::DisplayName),
        ("email", UserSort::Email),
        ("status", UserSort::Status),
        ("created_at", UserSort::CreatedAt),
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(UserStatus::Active),
            "disabled" => Some(UserStatus::Disabled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub search: Option<String>,
    pub status: Option<UserStatus>,
    pub role: Option<String>,
    pub sort: UserSort,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait UserStore: Send + Sync {
    /// How many of the company's members are active and how many disabled (one query).
    fn status_counts(&self, company: CompanyId) -> impl Future<Output = Result<(u64, u64)>> + Send;
    /// Which of these user names and e-mail addresses already belong to someone (one pass
    /// for a whole import).
    fn taken_logins(
        &self,
        usernames: &[String],
        emails: &[String],
    ) -> impl Future<Output = Result<(HashSet<String>, HashSet<String>)>> + Send;
    /// Ends (or, with `None`, stops ending) the user's access to the company at `until`.
    fn set_access_until(
        &self,
        company: CompanyId,
        id: UserId,
        until: Option<Timestamp>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Every grant of the given roles (built-in or the company's).
    fn grants_of_roles(
        &self,
        company: CompanyId,
        roles: &[RoleId],
    ) -> impl Future<Output = Result<Vec<crate::auth::Grant>>> + Send;
    fn list_users(
        &self,
        company: CompanyId,
        q: &UserQuery,
    ) -> impl Future<Output = Result<Page<User>>> + Send;
    fn get_user(
        &self,
        company: CompanyId,
        id: UserId,
    ) -> impl Future<Output = Result<Option<User>>> + Send;
    fn find_user(
        &self,
        company: CompanyId,
        username: &str,
    ) -> impl Future<Output = Result<Option<User>>> + Send;
    /// Role ids for keys, among the built-in roles and the company's own; unknown keys are absent.
    fn role_ids(
        &self,
        company: CompanyId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<(String, RoleId)>>> + Send;
    /// Inserts all users and their memberships in one transaction, with one audit event
    /// per user (or, for imports, the single `audit` given), and returns their ids.
    fn insert_users(
        &self,
        company: CompanyId,
        users: &[NewUserRecord],
        audit: Vec<AuditDraft>,
    ) -> impl Future<Output = Result<Vec<UserId>>> + Send;
    /// `Conflict` when the stored version is not `expected_version`.
    fn update_user(
        &self,
        company: CompanyId,
        id: UserId,
        email: &str,
        display_name: &str,
        expected_version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Disabling also ends the user's sessions, in the same transaction.
    fn set_user_disabled(
        &self,
        company: CompanyId,
        id: UserId,
        disabled: bool,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn set_user_roles(
        &self,
        company: CompanyId,
        id: UserId,
        roles: &[RoleId],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn set_user_password(
        &self,
        id: UserId,
        hash: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn username_or_email_taken(
        &self,
        username: &str,
        email: &str,
    ) -> impl Future<Output = Result<Option<&'static str>>> + Send;
    /// Every company the user is a member of with the grants the user holds there, and
    /// whether the membership is current (an expired one may be extended by that company's
    /// admin, so its grants still count for the account, not for the user as an actor).
    fn account_grants(
        &self,
        user: UserId,
    ) -> impl Future<Output = Result<Vec<(CompanyId, Vec<crate::auth::Grant>, bool)>>> + Send;
}

fn perm(action: Action) -> Permission {
    Permission::new(Domain::Users, action)
}

/// How many of the company's people are active and disabled (the home page's status box).
pub async fn status_counts(store: &impl UserStore, actor: &Actor) -> Result<(u64, u64)> {
    authorize(
        actor,
        perm(Action::Read),
        &Target::company(actor.company_id),
    )?;
    store.status_counts(actor.company_id).await
}

pub async fn list_users(
    store: &impl UserStore,
    actor: &Actor,
    q: &UserQuery,
) -> Result<Page<User>> {
    authorize(
        actor,
        perm(Action::Read),
        &Target::company(actor.company_id),
    )?;
    store.list_users(actor.company_id, q).await
}

/// Every user matching `q` (up to the export limit), for a CSV/XLSX download.
pub async fn export_users(
    store: &impl UserStore,
    actor: &Actor,
    q: &UserQuery,
) -> Result<Vec<User>> {
    authorize(
        actor,
        perm(Action::Export),
        &Target::company(actor.company_id),
    )?;
    let q = UserQuery {
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(store.list_users(actor.company_id, &q).await?.items)
}

/// A user account is shared by every company it is a member of, so its password, e-mail,
/// name and enabled state are changed everywhere at once. The actor may change them only
/// when, in every company the account belongs to, the actor holds there at least every grant
/// the account holds there (each covered at the same or a wider scope:
/// [`crate::auth::first_not_held`]). Comparing company by company matters: an admin of
/// company A holds the same grants as B's admin, but holds nothing in B, so A's admin cannot
/// reset the password of someone who is also B's admin and sign in to B. Within one company
/// the same rule keeps a custom role with `users.update` from resetting the admin's
/// password. What stays open to the actor is their own company's side: the target's roles
/// there (guarded by delegation) and the end of their membership ([`set_access_until`]).
/// The operator at the command line (who holds the database) may change any account.
pub async fn may_manage_account(
    store: &impl UserStore,
    actor: &Actor,
    target: UserId,
) -> Result<bool> {
    if actor.via == crate::auth::Via::Cli && actor.author().is_none() {
        return Ok(true);
    }
    let held = store.account_grants(target).await?;
    let mine = if held
        .iter()
        .any(|(c, g, _)| *c != actor.company_id && !g.is_empty())
    {
        store.account_grants(actor.user_id).await?
    } else {
        Vec::new()
    };
    for (company, grants, _) in &held {
        let covered = if *company == actor.company_id {
            crate::auth::first_not_held(actor, grants).is_none()
        } else {
            let there: Vec<crate::auth::Grant> = mine
                .iter()
                .filter(|(c, _, current)| c == company && *current)
                .flat_map(|(_, g, _)| g.iter().copied())
                .collect();
            let as_there = Actor {
                grants: there,
                company_id: *company,
                ..actor.clone()
            };
            crate::auth::first_not_held(&as_there, grants).is_none()
        };
        if !covered {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `Forbidden` unless [`may_manage_account`].
async fn guard_account(store: &impl UserStore, actor: &Actor, target: UserId) -> Result<()> {
    if may_manage_account(store, actor, target).await? {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The user of the actor's company, or `NotFound` (also for another company's user).
async fn existing(store: &impl UserStore, actor: &Actor, id: UserId) -> Result<User> {
    store
        .get_user(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "user" })
}

pub async fn get_user(store: &impl UserStore, actor: &Actor, id: UserId) -> Result<User> {
    let user = existing(store, actor, id).await?;
    let target = Target {
        company: actor.company_id,
        owner: Some(user.id),
        department: None,
    };
    authorize(actor, perm(Action::Read), &target)?;
    Ok(user)
}

/// Role keys as typed: trimmed, blanks dropped, sorted, each once.
fn normalize_keys(keys: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = keys
        .iter()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Resolves role keys, naming the first unknown one.
async fn resolve_roles(
    store: &impl UserStore,
    company: CompanyId,
    keys: &[String],
    field: &str,
) -> Result<(Vec<RoleId>, Vec<String>)> {
    let keys = normalize_keys(keys);
    let found = store.role_ids(company, &keys).await?;
    if let Some(missing) = keys.iter().find(|k| !found.iter().any(|(fk, _)| fk == *k)) {
        return Err(Error::invalid(field, format!("unknown role `{missing}`")));
    }
    Ok((found.iter().map(|(_, id)| *id).collect(), keys))
}

/// Validates a new user without touching the store's uniqueness rules.
fn validate_new(input: &NewUser) -> Result<(String, String, String, Option<Password>)> {
    let mut v = Validator::new();
    let username = v.check("username", parse_username(&input.username));
    let email = v.check("email", parse_email(&input.email));
    let display = v.check("display_name", parse_display_name(&input.display_name));
    let password = match input.password.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => v.check(
            "password",
            Password::parse(p, &[&input.username, &input.email]),
        ),
        None => None,
    };
    v.finish()?;
    match (username, email, display) {
        (Some(u), Some(e), Some(d)) => Ok((u, e, d, password)),
        _ => Err(Error::internal("validator let an invalid user through")),
    }
}

pub async fn create_user(store: &impl UserStore, actor: &Actor, input: NewUser) -> Result<UserId> {
    authorize(
        actor,
        perm(Action::Create),
        &Target::company(actor.company_id),
    )?;
    let (username, email, display_name, password) = validate_new(&input)?;
    let (role_ids, role_keys) =
        resolve_roles(store, actor.company_id, &input.roles, "roles").await?;
    guard_delegation(store, actor, &role_ids).await?;
    if let Some(field) = store.username_or_email_taken(&username, &email).await? {
        return Err(Error::invalid(field, "is already taken"));
    }
    let password_hash = match password.as_ref() {
        Some(p) => Some(hash_password_off_thread(p).await?),
        None => None,
    };
    let rec = NewUserRecord {
        username,
        email,
        display_name,
        password_hash,
        role_ids,
        role_keys,
    };
    let audit = AuditDraft::by(
        actor,
        "user",
        None,
        "create",
        json!({"username": rec.username, "email": rec.email, "display_name": rec.display_name, "roles": rec.role_keys}),
    );
    let ids = store
        .insert_users(actor.company_id, std::slice::from_ref(&rec), vec![audit])
        .await?;
    ids.into_iter()
        .next()
        .ok_or_else(|| Error::internal("no id returned"))
}

/// Only roles whose every permission the actor holds may be handed out (see
/// [`crate::auth::authorize_delegation`]); reported on the `roles` field.
async fn guard_delegation(store: &impl UserStore, actor: &Actor, roles: &[RoleId]) -> Result<()> {
    let grants = store.grants_of_roles(actor.company_id, roles).await?;
    crate::auth::authorize_delegation(actor, &grants).map_err(|e| match e {
        Error::Invalid { message, .. } => Error::invalid("roles", message),
        other => other,
    })
}

pub async fn update_user(
    store: &impl UserStore,
    actor: &Actor,
    id: UserId,
    patch: UserPatch,
) -> Result<User> {
    let before = existing(store, actor, id).await?;
    authorize(
        actor,
        perm(Action::Update),
        &Target {
            company: actor.company_id,
            owner: Some(id),
            department: None,
        },
    )?;
    guard_account(store, actor, id).await?;
    let mut v = Validator::new();
    let email = match &patch.email {
        Some(e) => v.check("email", parse_email(e)),
        None => Some(before.email.clone()),
    };
    let display = match &patch.display_name {
        Some(d) => v.check("display_name", parse_display_name(d)),
        None => Some(before.display_name.clone()),
    };
    v.finish()?;
    let (email, display) = (email.unwrap_or_default(), display.unwrap_or_default());
    if email != before.email {
        if let Some(field) = store.username_or_email_taken("", &email).await? {
            return Err(Error::invalid(field, "is already taken"));
        }
    }
    let after = json!({"email": email, "display_name": display});
    let changes = crate::audit::diff(
        &json!({"email": before.email, "display_name": before.display_name}),
        &after,
    );
    let audit = AuditDraft::by(actor, "user", Some(id.to_string()), "update", changes);
    store
        .update_user(actor.company_id, id, &email, &display, patch.version, audit)
        .await?;
    get_user(store, actor, id).await
}

pub async fn set_disabled(
    store: &impl UserStore,
    actor: &Actor,
    id: UserId,
    disabled: bool,
) -> Result<()> {
    let user = existing(store, actor, id).await?;
    authorize(
        actor,
        perm(Action::Update),
        &Target::company(actor.company_id),
    )?;
    if id == actor.user_id && disabled {
        return Err(Error::invalid("user", "you cannot disable yourself"));
    }
    guard_account(store, actor, id).await?;
    if user.disabled == disabled {
        return Ok(());
    }
    let action = if disabled { "disable" } else { "enable" };
    let audit = AuditDraft::by(
        actor,
        "user",
        Some(id.to_string()),
        action,
        json!({"disabled": {"from": !disabled, "to": disabled}}),
    );
    store
        .set_user_disabled(actor.company_id, id, disabled, audit)
        .await
}

pub async fn set_roles(
    store: &impl UserStore,
    actor: &Actor,
    id: UserId,
    roles: &[String],
) -> Result<User> {
    let before = existing(store, actor, id).await?;
    authorize(
        actor,
        Permission::new(Domain::System, Action::Update),
        &Target::company(actor.company_id),
    )?;
    let (role_ids, keys) = resolve_roles(store, actor.company_id, roles, "roles").await?;
    // Someone who holds more than the actor cannot be changed by them either.
    let (current_ids, _) = resolve_roles(store, actor.company_id, &before.roles, "roles").await?;
    guard_delegation(store, actor, &current_ids).await?;
    guard_delegation(store, actor, &role_ids).await?;
    if id == actor.user_id
        && before.roles.iter().any(|r| r == "admin")
        && !keys.iter().any(|k| k == "admin")
    {
        return Err(Error::invalid(
            "roles",
            "you cannot remove your own admin role",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        "user",
        Some(id.to_string()),
        "set_roles",
        json!({"roles": {"from": before.roles, "to": keys}}),
    );
    store
        .set_user_roles(actor.company_id, id, &role_ids, audit)
        .await?;
    get_user(store, actor, id).await
}

/// Time-boxes a user's access to the company (an auditor's engagement): from `until` on they
/// cannot sign in to it, and their sessions and tokens stop working there.
pub async fn set_access_until(
    store: &impl UserStore,
    actor: &Actor,
    id: UserId,
    until: Option<Timestamp>,
) -> Result<()> {
    existing(store, actor, id).await?;
    authorize(
        actor,
        perm(Action::Update),
        &Target::company(actor.company_id),
    )?;
    let audit = AuditDraft::by(
        actor,
        "user",
        Some(id.to_string()),
        "set_access_until",
        json!({"until": until.map(|t| t.rfc3339())}),
    );
    store
        .set_access_until(actor.company_id, id, until, audit)
        .await
}

/// An admin sets another user's password (for example one created without, or imported).
/// Every session and API token of the user ends with it.
pub async fn reset_password(
    store: &impl UserStore,
    actor: &Actor,
    id: UserId,
    password: &str,
) -> Result<()> {
    let user = existing(store, actor, id).await?;
    authorize(
        actor,
        perm(Action::Update),
        &Target::company(actor.company_id),
    )?;
    guard_account(store, actor, id).await?;
    let p = Password::parse(password, &[&user.username, &user.email])?;
    let h = hash_password_off_thread(&p).await?;
    let audit = AuditDraft::by(
        actor,
        "user",
        Some(id.to_string()),
        "reset_password",
        json!({}),
    );
    store.set_user_password(id, &h, audit).await
}

/// The columns of a user import file, in the order of the export.
pub const IMPORT_COLUMNS: &[&str] = &["username", "email", "display_name", "roles"];

pub use crate::import::{ImportProblem, ImportReport};

/// Whether the actor may import users: checked before an upload is read, and again by
/// [`import_users`].
pub fn may_import(actor: &Actor) -> Result<()> {
    authorize(
        actor,
        perm(Action::Import),
        &Target::company(actor.company_id),
    )?;
    authorize(
        actor,
        perm(Action::Create),
        &Target::company(actor.company_id),
    )
}

/// Imports users from a table (CSV or XLSX read by steward-io). Every row is checked first;
/// if any row is bad nothing is written and every problem is reported by line and column.
/// Roles are separated by `;` or `|`. One audit event names the import.
pub async fn import_users(
    store: &impl UserStore,
    actor: &Actor,
    table: &steward_io::Table,
    file_name: &str,
    mapping: &[(String, String)],
    dry_run: bool,
) -> Result<ImportReport> {
    may_import(actor)?;
    let mapping = crate::import::map_columns(
        table,
        IMPORT_COLUMNS,
        &["username", "email", "display_name"],
        mapping,
    )?;
    // First every row on its own (fields, duplicates within the file)...
    struct Candidate {
        line: usize,
        username: String,
        email: String,
        display_name: String,
        roles: Vec<String>,
    }
    let mut problems = Vec::new();
    let mut candidates = Vec::new();
    let mut seen_u = HashSet::new();
    let mut seen_e = HashSet::new();
    for row in mapping.rows() {
        let line = row.line();
        let mut push = |column: &str, message: String| {
            problems.push(ImportProblem {
                line,
                column: column.into(),
                message,
            })
        };
        let input = NewUser {
            username: row.get("username").unwrap_or_default().to_string(),
            email: row.get("email").unwrap_or_default().to_string(),
            display_name: row.get("display_name").unwrap_or_default().to_string(),
            password: None,
            roles: row
                .get("roles")
                .unwrap_or_default()
                .split([';', '|'])
                .map(str::to_string)
                .collect(),
        };
        let (username, email, display_name) = match validate_new(&input) {
            Ok((u, e, d, _)) => (u, e, d),
            Err(err) => {
                for fe in err.field_errors() {
                    push(&fe.field, fe.message);
                }
                continue;
            }
        };
        if !seen_u.insert(username.clone()) {
            push(
                "username",
                format!("`{username}` appears twice in the file"),
            );
            continue;
        }
        if !seen_e.insert(email.clone()) {
            push("email", format!("`{email}` appears twice in the file"));
            continue;
        }
        candidates.push(Candidate {
            line,
            username,
            email,
            display_name,
            roles: normalize_keys(&input.roles),
        });
    }
    // ...then against the database in a few queries for the whole file, not per row.
    let usernames: Vec<String> = candidates.iter().map(|c| c.username.clone()).collect();
    let emails: Vec<String> = candidates.iter().map(|c| c.email.clone()).collect();
    let (taken_u, taken_e) = store.taken_logins(&usernames, &emails).await?;
    let mut keys: Vec<String> = candidates
        .iter()
        .flat_map(|c| c.roles.iter().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    let found: HashMap<String, RoleId> = store
        .role_ids(actor.company_id, &keys)
        .await?
        .into_iter()
        .collect();
    let mut refused: HashMap<RoleId, String> = HashMap::new();
    for id in found.values() {
        if let Err(e) = guard_delegation(store, actor, std::slice::from_ref(id)).await {
            refused.insert(
                *id,
                e.field_errors()
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| e.to_string()),
            );
        }
    }
    let mut records = Vec::new();
    for c in candidates {
        let mut push = |column: &str, message: String| {
            problems.push(ImportProblem {
                line: c.line,
                column: column.into(),
                message,
            })
        };
        if taken_u.contains(&c.username) {
            push("username", "is already taken".into());
            continue;
        }
        if taken_e.contains(&c.email) {
            push("email", "is already taken".into());
            continue;
        }
        if let Some(missing) = c.roles.iter().find(|k| !found.contains_key(*k)) {
            push("roles", format!("unknown role `{missing}`"));
            continue;
        }
        let role_ids: Vec<RoleId> = c
            .roles
            .iter()
            .filter_map(|k| found.get(k).copied())
            .collect();
        if let Some(message) = role_ids.iter().find_map(|id| refused.get(id)) {
            push("roles", message.clone());
            continue;
        }
        records.push(NewUserRecord {
            username: c.username,
            email: c.email,
            display_name: c.display_name,
            password_hash: None,
            role_ids,
            role_keys: c.roles,
        });
    }
    let rows = mapping.len();
    if !problems.is_empty() || dry_run {
        return Ok(ImportReport::unwritten(dry_run, rows, problems));
    }
    let audit = AuditDraft::by(
        actor,
        "user",
        None,
        "import",
        json!({"file": file_name, "rows": rows, "usernames": records.iter().map(|r| r.username.clone()).collect::<Vec<_>>()}),
    );
    let ids = store
        .insert_users(actor.company_id, &records, vec![audit])
        .await?;
    Ok(ImportReport {
        dry_run,
        rows,
        created: ids.len(),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(parse_username(" Alice.B ").expect("valid"), "alice.b");
        assert!(parse_username("al").is_err());
        assert!(parse_username("-alice").is_err());
        assert!(parse_username("alice smith").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            parse_email("A@Example.com").expect("valid"),
            "a@example.com"
        );
        for bad in ["a", "a@b", "@b.com", "a@@b.com", "a b@c.com", "a@.com"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
