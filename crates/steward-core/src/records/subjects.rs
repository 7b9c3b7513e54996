//! Subjects (a patient, a client, a customer): a kind, a reference unique in the company,
//! a display name, custom field values (checked against the kind's fields, errors named
//! `custom.<key>`) and an owner; and who is assigned to each (a user, a role by key, a
//! department). [`access`] decides who may open a subject's file; every service here and
//! in [`super::file`] calls it. A subject the caller may not open is not found.
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::future::Future;

use super::setup::{self, SetupStore};
use super::{
    gate_office, gate_reader, is_privacy_office, may, reads_all, KindId, SubjectId, ASSIGNMENT,
    SUBJECT,
};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::ids::{CompanyId, DepartmentId, UserId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::{Error, Result};

pub const REFERENCE_MAX: usize = 60;
pub const NAME_MAX: usize = 200;
/// How long a break-glass opening lasts (12 hours).
pub const BREAK_GLASS_SECS: i64 = 12 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    pub id: SubjectId,
    pub company_id: CompanyId,
    pub kind_id: KindId,
    pub kind_name: String,
    pub reference: String,
    pub name: String,
    pub custom: Map<String, Value>,
    pub owner_id: Option<UserId>,
    pub owner_name: String,
    /// When the relationship ended (retention counted from `relationship_end` starts then).
    pub ended_on: Option<chrono::NaiveDate>,
    pub created_at: Timestamp,
    /// When it was anonymized ([`super::anonymize`]).
    pub anonymized_at: Option<Timestamp>,
    pub version: i64,
}

/// A subject as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectInput {
    pub kind_id: String,
    pub reference: String,
    pub name: String,
    /// Blank: the actor (on creation), unchanged (on update).
    pub owner_id: String,
    /// `None`: the values it has (update) or none (create).
    pub custom: Option<Map<String, Value>>,
    /// The day the relationship ended, `YYYY-MM-DD`; blank: it goes on. `None`: the day it
    /// has (update) or none (create).
    pub ended_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubject {
    pub kind_id: KindId,
    pub reference: String,
    pub name: String,
    pub owner_id: Option<UserId>,
    pub custom: Map<String, Value>,
    pub ended_on: Option<chrono::NaiveDate>,
}

/// Who is assigned: exactly one of a user, a role (by key) or a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub id: i64,
    pub subject_id: SubjectId,
    pub user_id: Option<UserId>,
    pub role_key: Option<String>,
    pub department_id: Option<DepartmentId>,
    /// The user's, role's or department's name.
    pub label: String,
    pub created_at: Timestamp,
}

impl Assignment {
    pub fn what(&self) -> &'static str {
        if self.user_id.is_some() {
            "user"
        } else if self.role_key.is_some() {
            "role"
        } else {
            "department"
        }
    }
}

/// An assignment as typed: one of the three.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignmentInput {
    pub user_id: String,
    pub role_key: String,
    pub department_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    User(UserId),
    Role(String),
    Department(DepartmentId),
}

/// Why the actor may open a subject's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// `records.read` for the whole company.
    CompanyWide,
    Owner,
    Assigned,
    /// A break-glass opening until then.
    BreakGlass(Timestamp),
}

/// What the actor may do with a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// May open its file; `None`: sees only its header (the privacy office).
    pub via: Option<Via>,
    /// May add records (and change the subject).
    pub write: bool,
    /// The privacy office: assignments.
    pub manage: bool,
}

impl Access {
    pub fn opens(&self) -> bool {
        self.via.is_some()
    }
}

/// The list filter the store applies: who the actor is (`all`: every subject).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    pub all: bool,
    pub user: UserId,
    pub roles: Vec<String>,
    pub department: Option<DepartmentId>,
    pub now: Timestamp,
}

impl Visibility {
    pub fn of(actor: &Actor) -> Visibility {
        Visibility {
            all: reads_all(actor) || is_privacy_office(actor),
            user: actor.user_id,
            roles: actor.role_keys.clone(),
            department: actor.department_id,
            now: Timestamp::now(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectSort {
    #[default]
    Reference,
    Name,
    Kind,
    Created,
}

impl SortKey for SubjectSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("reference", SubjectSort::Reference),
        ("name", SubjectSort::Name),
        ("kind", SubjectSort::Kind),
        ("created", SubjectSort::Created),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct SubjectQuery {
    /// Part of the reference or name.
    pub search: Option<String>,
    pub kind: Option<KindId>,
    pub owner: Option<UserId>,
    pub sort: SubjectSort,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait SubjectStore: Send + Sync {
    /// The subjects `who` may see.
    fn list_subjects(
        &self,
        company: CompanyId,
        who: &Visibility,
        q: &SubjectQuery,
    ) -> impl Future<Output = Result<Page<Subject>>> + Send;
    fn subject(
        &self,
        company: CompanyId,
        id: SubjectId,
    ) -> impl Future<Output = Result<Option<Subject>>> + Send;
    /// A reference the company uses is refused on `reference`.
    fn insert_subject(
        &self,
        company: CompanyId,
        s: &NewSubject,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<SubjectId>> + Send;
    fn update_subject(
        &self,
        company: CompanyId,
        id: SubjectId,
        s: &NewSubject,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn assignments(
        &self,
        company: CompanyId,
        subject: SubjectId,
    ) -> impl Future<Output = Result<Vec<Assignment>>> + Send;
    /// The subject of an assignment of the company.
    fn assignment_subject(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<SubjectId>>> + Send;
    fn insert_assignment(
        &self,
        company: CompanyId,
        subject: SubjectId,
        who: &Assignee,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn delete_assignment(
        &self,
        company: CompanyId,
        subject: SubjectId,
        id: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The end of `user`'s break-glass opening of `subject` that is open at `now`, if any.
    fn break_glass_until(
        &self,
        company: CompanyId,
        subject: SubjectId,
        user: UserId,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<Timestamp>>> + Send;
    /// The name of an active member of the company.
    fn member_name(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Whether a role of this key exists for the company (built-in or its own).
    fn role_exists(
        &self,
        company: CompanyId,
        key: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn department_exists(
        &self,
        company: CompanyId,
        id: DepartmentId,
    ) -> impl Future<Output = Result<bool>> + Send;
}

/// What `actor` may do with `s` (loaded scoped by company).
pub async fn access<S: SubjectStore>(store: &S, actor: &Actor, s: &Subject) -> Result<Access> {
    if s.company_id != actor.company_id {
        return Err(Error::NotFound { entity: "subject" });
    }
    gate_reader(actor)?;
    let manage = is_privacy_office(actor);
    let via = if reads_all(actor) {
        Some(Via::CompanyWide)
    } else if s.owner_id == Some(actor.user_id) {
        Some(Via::Owner)
    } else if store
        .assignments(actor.company_id, s.id)
        .await?
        .iter()
        .any(|a| matches_actor(a, actor))
    {
        Some(Via::Assigned)
    } else {
        store
            .break_glass_until(actor.company_id, s.id, actor.user_id, Timestamp::now())
            .await?
            .map(Via::BreakGlass)
    };
    Ok(Access {
        via,
        write: via.is_some() && (may(actor, Action::Create) || may(actor, Action::Update)),
        manage,
    })
}

fn matches_actor(a: &Assignment, actor: &Actor) -> bool {
    a.user_id == Some(actor.user_id)
        || a.role_key
            .as_ref()
            .is_some_and(|k| actor.role_keys.contains(k))
        || (a.department_id.is_some() && a.department_id == actor.department_id)
}

/// A subject the actor may see (its file, or its header for the privacy office); not found
/// otherwise.
pub async fn get<S: SubjectStore>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
) -> Result<(Subject, Access)> {
    gate_reader(actor)?;
    let s = store
        .subject(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "subject" })?;
    let a = access(store, actor, &s).await?;
    if !a.opens() && !a.manage {
        return Err(Error::NotFound { entity: "subject" });
    }
    Ok((s, a))
}

/// A subject whose file the actor may open; not found otherwise (the privacy office too).
pub async fn open<S: SubjectStore>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
) -> Result<(Subject, Access)> {
    let (s, a) = get(store, actor, id).await?;
    if !a.opens() {
        return Err(Error::NotFound { entity: "subject" });
    }
    Ok((s, a))
}

/// The subjects the actor may see. An export needs `records.export` and is logged by the
/// caller ([`super::file::log_export`]).
pub async fn list<S: SubjectStore>(
    store: &S,
    actor: &Actor,
    q: &SubjectQuery,
) -> Result<Page<Subject>> {
    gate_reader(actor)?;
    if q.paging.is_export() {
        authorize_export(actor)?;
    }
    store
        .list_subjects(actor.company_id, &Visibility::of(actor), q)
        .await
}

pub fn authorize_export(actor: &Actor) -> Result<()> {
    if may(actor, Action::Export) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

fn parse_id(v: &mut Validator, field: &str, s: &str) -> Option<i64> {
    match s.trim().parse::<i64>() {
        Ok(i) if i > 0 => Some(i),
        _ => {
            v.push(field, "an id (a whole number from 1)");
            None
        }
    }
}

async fn check<S: SubjectStore + SetupStore>(
    store: &S,
    actor: &Actor,
    input: &SubjectInput,
    current: Option<&Subject>,
) -> Result<NewSubject> {
    let mut v = Validator::new();
    let kind_id = match (current, input.kind_id.trim()) {
        (Some(c), "") => Some(c.kind_id),
        (_, t) => match parse_id(&mut v, "kind_id", t) {
            Some(i) => {
                let kinds = store.record_kinds(actor.company_id).await?;
                if kinds.iter().any(|k| k.id.0 == i) {
                    Some(KindId(i))
                } else {
                    v.push("kind_id", "no such kind of subject");
                    None
                }
            }
            None => None,
        },
    };
    if let (Some(c), Some(k)) = (current, kind_id) {
        if c.kind_id != k {
            v.push("kind_id", "stays (a subject's kind is fixed once made)");
        }
    }
    let reference = v.line("reference", &input.reference, REFERENCE_MAX, true);
    let name = v.line("name", &input.name, NAME_MAX, true);
    let owner_id = match input.owner_id.trim() {
        "" => current.map_or(actor.author(), |c| c.owner_id),
        t => match parse_id(&mut v, "owner_id", t) {
            Some(i) => {
                if store
                    .member_name(actor.company_id, UserId(i))
                    .await?
                    .is_some()
                {
                    Some(UserId(i))
                } else {
                    v.push("owner_id", "no such user in the company");
                    None
                }
            }
            None => None,
        },
    };
    let custom = match kind_id {
        Some(k) => {
            let defs = store.kind_fields(actor.company_id, Some(k)).await?;
            let empty = Map::new();
            let values = input
                .custom
                .as_ref()
                .or(current.map(|c| &c.custom))
                .unwrap_or(&empty);
            crate::custom_fields::validate_values(&defs, values, &mut v)
        }
        None => Map::new(),
    };
    let ended_on = match &input.ended_on {
        None => current.and_then(|c| c.ended_on),
        Some(t) => v.date("ended_on", t),
    };
    v.finish()?;
    let kind_id = kind_id.ok_or_else(|| Error::invalid("kind_id", "choose a kind"))?;
    Ok(NewSubject {
        kind_id,
        reference,
        name,
        owner_id,
        custom,
        ended_on,
    })
}

fn subject_json(s: &NewSubject) -> Value {
    // Custom values are the subject's data: the trail names the fields, not the values.
    json!({"kind_id": s.kind_id.0, "reference": s.reference, "name": s.name,
        "owner_id": s.owner_id.map(|u| u.0), "ended_on": s.ended_on.map(|d| d.to_string()),
        "custom": s.custom.keys().collect::<Vec<_>>()})
}

/// A new subject (anyone who may create records); its owner is the actor unless named.
pub async fn create<S: SubjectStore + SetupStore>(
    store: &S,
    actor: &Actor,
    input: &SubjectInput,
) -> Result<Subject> {
    gate_reader(actor)?;
    if !may(actor, Action::Create) {
        return Err(Error::Forbidden);
    }
    let s = check(store, actor, input, None).await?;
    let audit = AuditDraft::by(actor, SUBJECT, None, "create", subject_json(&s));
    let id = store.insert_subject(actor.company_id, &s, audit).await?;
    store
        .subject(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "subject" })
}

/// Changes a subject (whoever may open its file and update records, or the privacy
/// office).
pub async fn update<S: SubjectStore + SetupStore>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
    input: &SubjectInput,
    version: Option<i64>,
) -> Result<Subject> {
    let (current, a) = get(store, actor, id).await?;
    if !(a.manage || (a.opens() && may(actor, Action::Update))) {
        return Err(Error::Forbidden);
    }
    let s = check(store, actor, input, Some(&current)).await?;
    let audit = AuditDraft::by(
        actor,
        SUBJECT,
        Some(id.to_string()),
        "update",
        json!({"before": {"reference": current.reference, "name": current.name,
            "owner_id": current.owner_id.map(|u| u.0),
            "ended_on": current.ended_on.map(|d| d.to_string())}, "after": subject_json(&s)}),
    );
    store
        .update_subject(
            actor.company_id,
            id,
            &s,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    store
        .subject(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "subject" })
}

/// Who is assigned to a subject (whoever sees it).
pub async fn assignments<S: SubjectStore>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
) -> Result<Vec<Assignment>> {
    get(store, actor, id).await?;
    store.assignments(actor.company_id, id).await
}

/// Assigns a user, a role or a department to a subject (the privacy office). Exactly one
/// is named (`assignee` otherwise); one that does not exist is refused on its field.
pub async fn assign<S: SubjectStore>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
    input: &AssignmentInput,
) -> Result<Assignment> {
    gate_office(actor)?;
    let (s, _) = get(store, actor, id).await?;
    let given = [&input.user_id, &input.role_key, &input.department_id]
        .iter()
        .filter(|x| !x.trim().is_empty())
        .count();
    if given != 1 {
        return Err(Error::invalid(
            "assignee",
            "name exactly one of user_id, role_key or department_id",
        ));
    }
    let mut v = Validator::new();
    let who = if !input.user_id.trim().is_empty() {
        match parse_id(&mut v, "user_id", &input.user_id) {
            Some(i)
                if store
                    .member_name(actor.company_id, UserId(i))
                    .await?
                    .is_some() =>
            {
                Some(Assignee::User(UserId(i)))
            }
            Some(_) => {
                v.push("user_id", "no such user in the company");
                None
            }
            None => None,
        }
    } else if !input.role_key.trim().is_empty() {
        let k = input.role_key.trim();
        if store.role_exists(actor.company_id, k).await? {
            Some(Assignee::Role(k.to_string()))
        } else {
            v.push("role_key", "no such role");
            None
        }
    } else {
        match parse_id(&mut v, "department_id", &input.department_id) {
            Some(i)
                if store
                    .department_exists(actor.company_id, DepartmentId(i))
                    .await? =>
            {
                Some(Assignee::Department(DepartmentId(i)))
            }
            Some(_) => {
                v.push("department_id", "no such department");
                None
            }
            None => None,
        }
    };
    v.finish()?;
    let who = who.ok_or_else(|| Error::invalid("assignee", "name who"))?;
    let existing = store.assignments(actor.company_id, id).await?;
    let same = existing.iter().any(|a| match &who {
        Assignee::User(u) => a.user_id == Some(*u),
        Assignee::Role(k) => a.role_key.as_deref() == Some(k.as_str()),
        Assignee::Department(d) => a.department_id == Some(*d),
    });
    if same {
        return Err(Error::invalid(
            "assignee",
            "is assigned to this subject already",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        ASSIGNMENT,
        None,
        "create",
        json!({"subject_id": s.id.0, "reference": s.reference, "assignee": match &who {
            Assignee::User(u) => json!({"user_id": u.0}),
            Assignee::Role(k) => json!({"role_key": k}),
            Assignee::Department(d) => json!({"department_id": d.0}),
        }}),
    );
    let aid = store
        .insert_assignment(actor.company_id, id, &who, audit)
        .await?;
    store
        .assignments(actor.company_id, id)
        .await?
        .into_iter()
        .find(|a| a.id == aid)
        .ok_or(Error::NotFound {
            entity: "assignment",
        })
}

/// Ends an assignment (the privacy office).
pub async fn unassign<S: SubjectStore>(store: &S, actor: &Actor, assignment: i64) -> Result<()> {
    gate_office(actor)?;
    let id = store
        .assignment_subject(actor.company_id, assignment)
        .await?
        .ok_or(Error::NotFound {
            entity: "assignment",
        })?;
    let (s, _) = get(store, actor, id).await?;
    let a = store
        .assignments(actor.company_id, id)
        .await?
        .into_iter()
        .find(|a| a.id == assignment)
        .ok_or(Error::NotFound {
            entity: "assignment",
        })?;
    let audit = AuditDraft::by(
        actor,
        ASSIGNMENT,
        Some(assignment.to_string()),
        "delete",
        json!({"subject_id": s.id.0, "reference": s.reference, "what": a.what(), "label": a.label}),
    );
    store
        .delete_assignment(actor.company_id, id, assignment, audit)
        .await
}

/// The kind's fields for a subject's form.
pub async fn fields_of<S: SetupStore>(
    store: &S,
    actor: &Actor,
    kind: KindId,
) -> Result<Vec<setup::KindField>> {
    setup::fields(store, actor, kind).await
}

pub const EXPORT_HEADERS: &[&str] = &["reference", "name", "kind", "owner", "created"];

pub fn export_row(s: &Subject) -> Vec<String> {
    vec![
        s.reference.clone(),
        s.name.clone(),
        s.kind_name.clone(),
        s.owner_name.clone(),
        s.created_at.rfc3339(),
    ]
}
