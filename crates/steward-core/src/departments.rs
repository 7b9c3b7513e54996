//! Departments: a name, a head (the manager of everyone in it) and members
//! (`memberships.department_id`). Approval chains ask "who is this person's manager?" here:
//! the head of their department, or nobody when they are the head themself. Departments
//! form a tree (`parent_id`, never a cycle; [`tree_order`]) and have a short `code`
//! ([`edit`]: HR staff or whoever may change people shape it).
//!
//! Every plain read and write of departments is here; domains add their own views on top
//! (HR's headcount per department: `hr::org::department_tree`). This is an engine: it
//! names no domain module.
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain, Permission};
use crate::ids::{CompanyId, DepartmentId, UserId};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub head: Option<UserId>,
    pub head_name: Option<String>,
    pub members: i64,
    /// The department it belongs under (the tree); `None` at the top.
    pub parent_id: Option<DepartmentId>,
    /// A short code (`FIN`, `OPS-2`), unique in the company.
    pub code: Option<String>,
}

/// A person of the company with their department, for the members table and pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub department: Option<DepartmentId>,
}

/// A department in the tree, with its depth. `employees` is a headcount a domain supplies
/// (HR: active employees, `hr::org::department_tree`); 0 where none was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TreeDepartment {
    pub id: DepartmentId,
    pub name: String,
    pub code: Option<String>,
    pub parent_id: Option<DepartmentId>,
    pub head_name: Option<String>,
    pub head: Option<UserId>,
    pub depth: usize,
    pub employees: i64,
    /// People of the company placed in it (`memberships.department_id`): whose manager the
    /// head is.
    pub members: i64,
}

pub trait DepartmentStore: Send + Sync {
    fn departments(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<Department>>> + Send;
    fn insert_department(
        &self,
        company: CompanyId,
        name: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<DepartmentId>> + Send;
    /// Renames and sets the head in one write.
    fn update_department(
        &self,
        company: CompanyId,
        id: DepartmentId,
        name: &str,
        head: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Name, head, parent and code in one write (HR's department tree).
    fn edit_department(
        &self,
        company: CompanyId,
        id: DepartmentId,
        edit: &DepartmentEdit,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn set_member_department(
        &self,
        company: CompanyId,
        user: UserId,
        department: Option<DepartmentId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Everyone with a membership in the company (enabled or not), by name.
    fn members(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Member>>> + Send;
    fn member(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> impl Future<Output = Result<Option<Member>>> + Send;
}

const MAX_NAME: usize = 100;

fn gate(actor: &Actor, action: Action) -> Result<()> {
    crate::auth::authorize_company(actor, Permission::new(Domain::Users, action))
}

fn check_name(name: &str) -> Result<String> {
    if name.trim().is_empty() {
        return Err(Error::invalid("name", "a department needs a name"));
    }
    crate::input::line("name", name, MAX_NAME, true)
}

/// Everyone who can see people can see the departments.
pub async fn list(store: &impl DepartmentStore, actor: &Actor) -> Result<Vec<Department>> {
    if !actor.can_read(Domain::Users) && !actor.can_read(Domain::Work) {
        return Err(Error::Forbidden);
    }
    store.departments(actor.company_id).await
}

/// The departments for a domain's forms and filters: whoever may read `domain` (at any
/// scope) gets the list (HR's pages: `Domain::Hr`).
pub async fn list_for(
    store: &impl DepartmentStore,
    actor: &Actor,
    domain: Domain,
) -> Result<Vec<Department>> {
    if !actor.can_read(domain) {
        return Err(Error::Forbidden);
    }
    store.departments(actor.company_id).await
}

/// The tree in display order, read as [`list`] reads (no headcounts).
pub async fn tree(store: &impl DepartmentStore, actor: &Actor) -> Result<Vec<TreeDepartment>> {
    Ok(tree_order(&list(store, actor).await?, &[]))
}

/// Who may be made a department's head: everyone of the company, for those who shape the
/// tree ([`edit`]; HR staff may not read the people list itself).
pub async fn head_candidates(store: &impl DepartmentStore, actor: &Actor) -> Result<Vec<Member>> {
    gate_tree(actor)?;
    store.members(actor.company_id).await
}

/// Whether `actor` may rename, recode, move and set the head of departments ([`edit`]).
pub fn may_shape(actor: &Actor) -> bool {
    gate_tree(actor).is_ok()
}

/// Whether `actor` may create departments and move people between them ([`create`],
/// [`set_member`]).
pub fn may_manage(actor: &Actor) -> bool {
    gate(actor, Action::Update).is_ok()
}

pub async fn members(store: &impl DepartmentStore, actor: &Actor) -> Result<Vec<Member>> {
    gate(actor, Action::Read)?;
    store.members(actor.company_id).await
}

pub async fn get(
    store: &impl DepartmentStore,
    actor: &Actor,
    id: DepartmentId,
) -> Result<Department> {
    list(store, actor)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or(Error::NotFound {
            entity: "department",
        })
}

pub async fn create(store: &impl DepartmentStore, actor: &Actor, name: &str) -> Result<Department> {
    gate(actor, Action::Update)?;
    let name = check_name(name)?;
    let existing = store.departments(actor.company_id).await?;
    if existing.iter().any(|d| d.name.eq_ignore_ascii_case(&name)) {
        return Err(Error::invalid("name", "a department with this name exists"));
    }
    let audit = AuditDraft::by(actor, "department", None, "create", json!({"name": name}));
    let id = store
        .insert_department(actor.company_id, &name, audit)
        .await?;
    get(store, actor, id).await
}

/// Renames a department and sets (or clears) its head, who must belong to the company.
pub async fn update(
    store: &impl DepartmentStore,
    actor: &Actor,
    id: DepartmentId,
    name: &str,
    head: Option<UserId>,
) -> Result<Department> {
    gate(actor, Action::Update)?;
    let name = check_name(name)?;
    let all = store.departments(actor.company_id).await?;
    let before = all.iter().find(|d| d.id == id).ok_or(Error::NotFound {
        entity: "department",
    })?;
    if all
        .iter()
        .any(|d| d.id != id && d.name.eq_ignore_ascii_case(&name))
    {
        return Err(Error::invalid("name", "a department with this name exists"));
    }
    if let Some(h) = head {
        if store.member(actor.company_id, h).await?.is_none() {
            return Err(Error::invalid("head", "no such person in this company"));
        }
    }
    let audit = AuditDraft::by(
        actor,
        "department",
        Some(id.to_string()),
        "update",
        json!({"before": {"name": before.name, "head": before.head},
               "after": {"name": name, "head": head}}),
    );
    store
        .update_department(actor.company_id, id, &name, head, audit)
        .await?;
    get(store, actor, id).await
}

/// Puts a person into a department (or none).
pub async fn set_member(
    store: &impl DepartmentStore,
    actor: &Actor,
    user: UserId,
    department: Option<DepartmentId>,
) -> Result<Member> {
    gate(actor, Action::Update)?;
    let before = store
        .member(actor.company_id, user)
        .await?
        .ok_or(Error::NotFound { entity: "user" })?;
    if let Some(d) = department {
        if !store
            .departments(actor.company_id)
            .await?
            .iter()
            .any(|x| x.id == d)
        {
            return Err(Error::invalid("department_id", "no such department"));
        }
    }
    let audit = AuditDraft::by(
        actor,
        "membership",
        Some(user.to_string()),
        "set_department",
        json!({"before": before.department, "after": department}),
    );
    store
        .set_member_department(actor.company_id, user, department, audit)
        .await?;
    store
        .member(actor.company_id, user)
        .await?
        .ok_or(Error::NotFound { entity: "user" })
}

/// What HR edits of a department: all of it at once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DepartmentEdit {
    pub name: String,
    pub code: Option<String>,
    pub parent_id: Option<DepartmentId>,
    pub head: Option<UserId>,
}

const MAX_CODE: usize = 20;

/// HR staff or whoever may change people (`users.update`) shape the tree.
fn gate_tree(actor: &Actor) -> Result<()> {
    if actor.can_company_wide(Permission::new(Domain::Hr, Action::Update)) {
        return Ok(());
    }
    gate(actor, Action::Update)
}

/// Whether `candidate` is `id` or lies below it in the tree (by the parents in `all`).
/// Stops at a cycle already in the data.
pub fn is_within(all: &[Department], id: DepartmentId, candidate: DepartmentId) -> bool {
    let mut cur = Some(candidate);
    let mut steps = 0;
    while let Some(c) = cur {
        if c == id {
            return true;
        }
        steps += 1;
        if steps > all.len() {
            return false;
        }
        cur = all.iter().find(|d| d.id == c).and_then(|d| d.parent_id);
    }
    false
}

/// Renames, recodes, moves (under another department or to the top) and sets the head of
/// a department. Moving it under itself or one of its own sub-departments is refused on
/// `parent_id`; all field errors come back at once.
pub async fn edit(
    store: &impl DepartmentStore,
    actor: &Actor,
    id: DepartmentId,
    input: DepartmentEdit,
) -> Result<Department> {
    gate_tree(actor)?;
    let all = store.departments(actor.company_id).await?;
    let before = all.iter().find(|d| d.id == id).ok_or(Error::NotFound {
        entity: "department",
    })?;
    let mut v = crate::error::Validator::new();
    let name = v.check("name", check_name(&input.name));
    if let Some(n) = &name {
        if all
            .iter()
            .any(|d| d.id != id && d.name.eq_ignore_ascii_case(n))
        {
            v.push("name", "a department with this name exists");
        }
    }
    let code = input
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    if let Some(c) = &code {
        if c.chars().count() > MAX_CODE
            || !c
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
        {
            v.push(
                "code",
                format!("at most {MAX_CODE} letters, digits, '-', '_' or '.'"),
            );
        } else if all
            .iter()
            .any(|d| d.id != id && d.code.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(c)))
        {
            v.push("code", "another department has this code");
        }
    }
    if let Some(p) = input.parent_id {
        if !all.iter().any(|d| d.id == p) {
            v.push("parent_id", "no such department");
        } else if is_within(&all, id, p) {
            v.push(
                "parent_id",
                "a department cannot be placed under itself or one of its own sub-departments",
            );
        }
    }
    if let Some(h) = input.head {
        if store.member(actor.company_id, h).await?.is_none() {
            v.push("head", "no such person in this company");
        }
    }
    v.finish()?;
    let after = DepartmentEdit {
        name: name.unwrap_or_default(),
        code,
        parent_id: input.parent_id,
        head: input.head,
    };
    let audit = AuditDraft::by(
        actor,
        "department",
        Some(id.to_string()),
        "update",
        json!({"before": {"name": before.name, "head": before.head, "parent_id": before.parent_id, "code": before.code},
               "after": {"name": after.name, "head": after.head, "parent_id": after.parent_id, "code": after.code}}),
    );
    store
        .edit_department(actor.company_id, id, &after, audit)
        .await?;
    get(store, actor, id).await
}

/// The department tree in display order (each department after its parent, siblings by
/// name), with depths and headcounts. A cycle in the data is cut where it closes.
pub fn tree_order(all: &[Department], counts: &[(DepartmentId, i64)]) -> Vec<TreeDepartment> {
    use std::collections::{HashMap, HashSet};
    let known: HashSet<DepartmentId> = all.iter().map(|d| d.id).collect();
    let counts: HashMap<DepartmentId, i64> = counts.iter().copied().collect();
    // Children by parent (a parent not in the list counts as the top), siblings by name.
    let mut kids: HashMap<Option<DepartmentId>, Vec<&Department>> = HashMap::new();
    for d in all {
        let parent = d.parent_id.filter(|p| known.contains(p));
        kids.entry(parent).or_default().push(d);
    }
    for v in kids.values_mut() {
        v.sort_by_key(|d| d.name.to_lowercase());
    }
    let mut out = Vec::with_capacity(all.len());
    let mut seen = HashSet::with_capacity(all.len());
    // Depth first, with an explicit stack (children pushed in reverse to pop by name).
    let level = |parent: Option<DepartmentId>, depth: usize| {
        kids.get(&parent)
            .into_iter()
            .flat_map(move |v| v.iter().rev().map(move |d| (*d, depth)))
    };
    let mut stack: Vec<(&Department, usize)> = level(None, 0).collect();
    while let Some((d, depth)) = stack.pop() {
        if !seen.insert(d.id) {
            continue;
        }
        out.push(tree_department(d, depth, &counts));
        stack.extend(level(Some(d.id), depth + 1));
    }
    // Departments caught in a cycle have no way down from the top: list them at the end.
    for d in all {
        if seen.insert(d.id) {
            out.push(tree_department(d, 0, &counts));
        }
    }
    out
}

fn tree_department(
    d: &Department,
    depth: usize,
    counts: &std::collections::HashMap<DepartmentId, i64>,
) -> TreeDepartment {
    TreeDepartment {
        id: d.id,
        name: d.name.clone(),
        code: d.code.clone(),
        parent_id: d.parent_id,
        head_name: d.head_name.clone(),
        head: d.head,
        depth,
        employees: counts.get(&d.id).copied().unwrap_or(0),
        members: d.members,
    }
}

/// Who a person reports to, by the people records (HR keeps the reporting line). The
/// approval engine's "manager" asks this first, then the department's head.
pub trait ReportingLine: Send + Sync {
    /// The user account of `user`'s line manager, if both have one.
    fn line_manager(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> impl Future<Output = Result<Option<UserId>>> + Send;
}

/// The manager of `user`: their line manager, else the head of their department; never
/// themself.
pub async fn manager_of(
    store: &(impl DepartmentStore + ReportingLine),
    company: CompanyId,
    user: Option<UserId>,
    department: Option<DepartmentId>,
) -> Result<Option<UserId>> {
    if let Some(u) = user {
        if let Some(m) = store.line_manager(company, u).await?.filter(|m| *m != u) {
            return Ok(Some(m));
        }
    }
    let Some(d) = department else {
        return Ok(None);
    };
    let head = store
        .departments(company)
        .await?
        .into_iter()
        .find(|x| x.id == d)
        .and_then(|x| x.head);
    Ok(head.filter(|h| Some(*h) != user))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: i64, name: &str, parent: Option<i64>) -> Department {
        Department {
            id: DepartmentId(id),
            name: name.into(),
            head: None,
            head_name: None,
            members: 0,
            parent_id: parent.map(DepartmentId),
            code: None,
        }
    }

    #[test]
    fn the_tree_lists_parents_before_children_and_survives_cycles() {
        let all = vec![
            d(1, "Operations", None),
            d(2, "Warehouse", Some(1)),
            d(3, "Finance", None),
            d(4, "Loop A", Some(5)),
            d(5, "Loop B", Some(4)),
        ];
        let t = tree_order(&all, &[(DepartmentId(2), 7)]);
        let names: Vec<(&str, usize)> = t.iter().map(|x| (x.name.as_str(), x.depth)).collect();
        assert_eq!(
            names,
            vec![
                ("Finance", 0),
                ("Operations", 0),
                ("Warehouse", 1),
                ("Loop A", 0),
                ("Loop B", 0)
            ]
        );
        assert_eq!(t[2].employees, 7);
        assert!(is_within(&all, DepartmentId(1), DepartmentId(2)));
        assert!(!is_within(&all, DepartmentId(2), DepartmentId(1)));
        assert!(!is_within(&all, DepartmentId(1), DepartmentId(4)));
    }
}
