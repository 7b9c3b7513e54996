//! The organisation as HR sees it: the department tree with each department's headcount
//! of active employees (the tree itself, its order and its edits are
//! [`crate::departments`]'s), positions (a title in a department that reports to another
//! position) and the org chart.
//!
//! The org chart is browsed a level at a time: a person with their chain of managers up to
//! the top and their direct reports (each with the number of their own direct reports), or
//! a department with its sub-departments and the people at its top. Each level is one
//! query with the report counts, so a 2,000-person department costs what one level of it
//! shows, never the whole tree. Everyone who may read HR (every employee) sees it, and only
//! directory data: name, position, department.
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain, Permission};
use crate::departments::{tree_order, DepartmentStore, TreeDepartment};
use crate::ids::{CompanyId, DepartmentId, EmployeeId};
use crate::{Error, Result};

/// How many people one level shows at a time (the rest come with "more").
pub const LEVEL_PAGE: u32 = 100;
/// Search results at most.
pub const SEARCH_LIMIT: u32 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PositionId(pub i64);

impl std::fmt::Display for PositionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A person as the org chart shows them: directory data and how many report to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgPerson {
    pub id: EmployeeId,
    pub name: String,
    pub position: String,
    pub department_id: Option<DepartmentId>,
    pub department: Option<String>,
    pub manager_id: Option<EmployeeId>,
    /// Direct reports who have not left.
    pub reports: i64,
}

/// Which level of the chart to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgLevel {
    /// People without a manager (or whose manager has left): the top.
    Top,
    /// A person's direct reports.
    ReportsOf(EmployeeId),
    /// The top of a department: its people whose manager is not in it.
    TopOf(DepartmentId),
}

/// A page of one level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgLevelPage {
    pub people: Vec<OrgPerson>,
    /// How many people the level has in all.
    pub total: i64,
    pub offset: u64,
}

impl OrgLevelPage {
    pub fn next_offset(&self) -> Option<u64> {
        let shown = self.offset + self.people.len() as u64;
        (i64::try_from(shown).unwrap_or(i64::MAX) < self.total).then_some(shown)
    }
}

/// A person's place: their chain of managers (top first) and their direct reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgNode {
    pub person: OrgPerson,
    pub chain: Vec<OrgPerson>,
    pub reports: OrgLevelPage,
}

/// A department with its place in the tree, its sub-departments and the people at its top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgDepartment {
    pub department: TreeDepartment,
    /// From the top of the tree down to the parent.
    pub chain: Vec<TreeDepartment>,
    pub children: Vec<TreeDepartment>,
    pub people: OrgLevelPage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    pub id: PositionId,
    pub title: String,
    pub department_id: Option<DepartmentId>,
    pub department: Option<String>,
    pub reports_to: Option<PositionId>,
    pub reports_to_title: Option<String>,
}

/// A position as written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PositionInput {
    pub title: String,
    pub department_id: Option<DepartmentId>,
    pub reports_to: Option<PositionId>,
}

/// An employee for bulk seeding (benchmarks): permanent, full time, active.
#[derive(Debug, Clone, Default)]
pub struct BulkEmployee {
    pub number: String,
    pub name: String,
    pub email: String,
    pub position: String,
    pub department_id: Option<DepartmentId>,
    pub manager_id: Option<EmployeeId>,
}

/// The org chart's and positions' tables.
pub trait OrgStore: Send + Sync {
    fn org_person(
        &self,
        company: CompanyId,
        id: EmployeeId,
    ) -> impl Future<Output = Result<Option<OrgPerson>>> + Send;
    /// The managers above `id`, nearest first (stops at a cycle).
    fn org_chain(
        &self,
        company: CompanyId,
        id: EmployeeId,
    ) -> impl Future<Output = Result<Vec<OrgPerson>>> + Send;
    /// One level of the chart, by name, with report counts (one query) and its size.
    fn org_level(
        &self,
        company: CompanyId,
        level: OrgLevel,
        limit: u32,
        offset: u64,
    ) -> impl Future<Output = Result<OrgLevelPage>> + Send;
    /// People whose name (or number, e-mail, position) contains `q` (lowercase).
    fn org_search(
        &self,
        company: CompanyId,
        q: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OrgPerson>>> + Send;
    /// Active employees per department.
    fn department_headcounts(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<(DepartmentId, i64)>>> + Send;
    fn positions(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Position>>> + Send;
    fn insert_position(
        &self,
        company: CompanyId,
        input: &PositionInput,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<PositionId>> + Send;
    fn update_position(
        &self,
        company: CompanyId,
        id: PositionId,
        input: &PositionInput,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Everyone who may read HR (every employee may, for themself) sees the chart.
pub fn authorize_chart(actor: &Actor) -> Result<()> {
    if actor.can_read(Domain::Hr) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// HR staff, and whoever may change people and departments, write positions and the tree.
pub fn authorize_shape(actor: &Actor) -> Result<()> {
    if super::is_hr_staff(actor)
        || actor
            .scope_for(Permission::new(Domain::Users, Action::Update))
            .is_some_and(|s| s == crate::auth::Scope::Company)
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The top of the chart (people without a manager).
pub async fn top(store: &impl OrgStore, actor: &Actor, offset: u64) -> Result<OrgLevelPage> {
    authorize_chart(actor)?;
    store
        .org_level(actor.company_id, OrgLevel::Top, LEVEL_PAGE, offset)
        .await
}

/// A person with their chain of managers and their direct reports.
pub async fn node(
    store: &impl OrgStore,
    actor: &Actor,
    id: EmployeeId,
    offset: u64,
) -> Result<OrgNode> {
    authorize_chart(actor)?;
    let person = store
        .org_person(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })?;
    let mut chain = store.org_chain(actor.company_id, id).await?;
    chain.reverse();
    let reports = store
        .org_level(
            actor.company_id,
            OrgLevel::ReportsOf(id),
            LEVEL_PAGE,
            offset,
        )
        .await?;
    Ok(OrgNode {
        person,
        chain,
        reports,
    })
}

/// One more level: a person's direct reports (for expanding a node in place).
pub async fn reports_of(
    store: &impl OrgStore,
    actor: &Actor,
    id: EmployeeId,
    offset: u64,
) -> Result<OrgLevelPage> {
    authorize_chart(actor)?;
    if store.org_person(actor.company_id, id).await?.is_none() {
        return Err(Error::NotFound { entity: "employee" });
    }
    store
        .org_level(
            actor.company_id,
            OrgLevel::ReportsOf(id),
            LEVEL_PAGE,
            offset,
        )
        .await
}

pub async fn search(store: &impl OrgStore, actor: &Actor, q: &str) -> Result<Vec<OrgPerson>> {
    authorize_chart(actor)?;
    let q: String = q.trim().to_lowercase().chars().take(100).collect();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    store.org_search(actor.company_id, &q, SEARCH_LIMIT).await
}

/// The whole department tree with HR's headcounts (small: departments, not people).
pub async fn department_tree<S: OrgStore + DepartmentStore>(
    store: &S,
    actor: &Actor,
) -> Result<Vec<TreeDepartment>> {
    authorize_chart(actor)?;
    let all = store.departments(actor.company_id).await?;
    let counts = store.department_headcounts(actor.company_id).await?;
    Ok(tree_order(&all, &counts))
}

/// A department's page of the chart.
pub async fn department<S: OrgStore + DepartmentStore>(
    store: &S,
    actor: &Actor,
    id: DepartmentId,
    offset: u64,
) -> Result<OrgDepartment> {
    let tree = department_tree(store, actor).await?;
    let department = tree
        .iter()
        .find(|d| d.id == id)
        .cloned()
        .ok_or(Error::NotFound {
            entity: "department",
        })?;
    let mut chain = Vec::new();
    let mut cur = department.parent_id;
    while let Some(p) = cur {
        if chain.len() > tree.len() {
            break;
        }
        match tree.iter().find(|d| d.id == p) {
            Some(d) => {
                chain.push(d.clone());
                cur = d.parent_id;
            }
            None => break,
        }
    }
    chain.reverse();
    let children = tree
        .iter()
        .filter(|d| d.parent_id == Some(id) && d.id != id)
        .cloned()
        .collect();
    let people = store
        .org_level(actor.company_id, OrgLevel::TopOf(id), LEVEL_PAGE, offset)
        .await?;
    Ok(OrgDepartment {
        department,
        chain,
        children,
        people,
    })
}

pub async fn positions<S: OrgStore>(store: &S, actor: &Actor) -> Result<Vec<Position>> {
    authorize_chart(actor)?;
    store.positions(actor.company_id).await
}

async fn check_position<S: OrgStore + DepartmentStore>(
    store: &S,
    actor: &Actor,
    id: Option<PositionId>,
    input: &PositionInput,
) -> Result<PositionInput> {
    let mut v = crate::error::Validator::new();
    let title = input.title.trim().to_string();
    if title.is_empty() {
        v.push("title", "a position needs a title");
    } else if title.chars().count() > 100 || title.chars().any(char::is_control) {
        v.push("title", "at most 100 characters, no control characters");
    }
    if let Some(d) = input.department_id {
        if !store
            .departments(actor.company_id)
            .await?
            .iter()
            .any(|x| x.id == d)
        {
            v.push("department_id", "no such department");
        }
    }
    let all = store.positions(actor.company_id).await?;
    if all.iter().any(|p| {
        Some(p.id) != id
            && p.department_id == input.department_id
            && p.title.eq_ignore_ascii_case(&title)
    }) {
        v.push("title", "this department has a position with this title");
    }
    if let Some(r) = input.reports_to {
        if !all.iter().any(|p| p.id == r) {
            v.push("reports_to", "no such position");
        } else if let Some(me) = id {
            // Walking up from the new superior must not come back to this position.
            let mut cur = Some(r);
            let mut steps = 0;
            while let Some(c) = cur {
                if c == me {
                    v.push(
                        "reports_to",
                        "a position cannot report to itself or to a position below it",
                    );
                    break;
                }
                steps += 1;
                if steps > all.len() {
                    break;
                }
                cur = all.iter().find(|p| p.id == c).and_then(|p| p.reports_to);
            }
        }
    }
    v.finish()?;
    Ok(PositionInput {
        title,
        department_id: input.department_id,
        reports_to: input.reports_to,
    })
}

pub async fn create_position<S: OrgStore + DepartmentStore>(
    store: &S,
    actor: &Actor,
    input: PositionInput,
) -> Result<Position> {
    authorize_shape(actor)?;
    let input = check_position(store, actor, None, &input).await?;
    let audit = AuditDraft::by(
        actor,
        "hr.position",
        None,
        "create",
        json!({"title": input.title, "department_id": input.department_id, "reports_to": input.reports_to}),
    );
    let id = store
        .insert_position(actor.company_id, &input, audit)
        .await?;
    position(store, actor, id).await
}

pub async fn update_position<S: OrgStore + DepartmentStore>(
    store: &S,
    actor: &Actor,
    id: PositionId,
    input: PositionInput,
) -> Result<Position> {
    authorize_shape(actor)?;
    let before = position(store, actor, id).await?;
    let input = check_position(store, actor, Some(id), &input).await?;
    let audit = AuditDraft::by(
        actor,
        "hr.position",
        Some(id.to_string()),
        "update",
        json!({"before": {"title": before.title, "department_id": before.department_id, "reports_to": before.reports_to},
               "after": {"title": input.title, "department_id": input.department_id, "reports_to": input.reports_to}}),
    );
    store
        .update_position(actor.company_id, id, &input, audit)
        .await?;
    position(store, actor, id).await
}

pub async fn position<S: OrgStore>(store: &S, actor: &Actor, id: PositionId) -> Result<Position> {
    positions(store, actor)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(Error::NotFound { entity: "position" })
}
