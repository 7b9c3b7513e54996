//! Work locations: where people work and, through the location's working calendar, which
//! days are working days for them (time off counts a holiday of the location's calendar as
//! no working day; see `timeoff::calendar_of`). A clinic's second site gets its own public
//! holidays by getting its own calendar.
//!
//! Everyone who may read the directory sees the locations (they are directory data: the
//! employee list shows and filters by them); HR staff create, change and remove them. A
//! location someone works at, or that job history refers to, cannot be removed: the
//! history would lose where a person worked.
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use super::timeoff::TimeoffStore;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain, Permission};
use crate::ids::{CompanyId, LocationId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::{Error, Result};

pub const NAME_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub id: LocationId,
    pub name: String,
    pub address: String,
    pub calendar_id: Option<i64>,
    pub calendar_name: Option<String>,
    /// Employees at the location who have not left.
    pub employees: i64,
}

/// A location as written. `calendar_id` none: the company's default calendar applies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocationInput {
    pub name: String,
    pub address: String,
    pub calendar_id: Option<i64>,
}

/// What refers to a location (and so keeps it from being removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LocationUsage {
    /// Employee records at the location, leavers included.
    pub employees: i64,
    /// Job-history rows that name it.
    pub job_history: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LocationSort {
    #[default]
    Name,
    Employees,
}

impl SortKey for LocationSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("name", LocationSort::Name),
        ("employees", LocationSort::Employees),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct LocationQuery {
    /// Part of the name or address (any case).
    pub search: Option<String>,
    pub sort: LocationSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// The locations table.
pub trait LocationStore: Send + Sync {
    /// All of a company's locations with their calendar's name and active headcount.
    fn locations(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Location>>> + Send;
    /// A duplicate name is refused (`name`).
    fn insert_location(
        &self,
        company: CompanyId,
        input: &LocationInput,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<LocationId>> + Send;
    /// A duplicate name is refused (`name`); another company's location is not found.
    fn update_location(
        &self,
        company: CompanyId,
        id: LocationId,
        input: &LocationInput,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn location_usage(
        &self,
        company: CompanyId,
        id: LocationId,
    ) -> impl Future<Output = Result<LocationUsage>> + Send;
    /// Removes the location; a reference added since the usage check is a conflict.
    fn delete_location(
        &self,
        company: CompanyId,
        id: LocationId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Reading: whoever may read the directory (the employee list).
pub fn authorize_read(actor: &Actor) -> Result<()> {
    if actor.can(Permission::new(Domain::Hr, Action::Read)) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Writing: HR staff.
pub fn authorize_write(actor: &Actor) -> Result<()> {
    if super::is_hr_staff(actor) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// All locations by name (small: a company has a handful of sites).
pub async fn all(store: &impl LocationStore, actor: &Actor) -> Result<Vec<Location>> {
    authorize_read(actor)?;
    store.locations(actor.company_id).await
}

/// A page of locations. A company has few locations, so the search, sort and page are
/// applied to the company's whole set here rather than in SQL.
pub async fn list(
    store: &impl LocationStore,
    actor: &Actor,
    q: &LocationQuery,
) -> Result<Page<Location>> {
    let mut items = all(store, actor).await?;
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let s = s.to_lowercase();
        items.retain(|l| {
            l.name.to_lowercase().contains(&s) || l.address.to_lowercase().contains(&s)
        });
    }
    items.sort_by(|a, b| {
        let by = match q.sort {
            LocationSort::Name => std::cmp::Ordering::Equal,
            LocationSort::Employees => a.employees.cmp(&b.employees),
        };
        by.then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.id.cmp(&b.id))
    });
    if q.dir == SortDir::Desc {
        items.reverse();
    }
    let total = items.len() as u64;
    let offset = usize::try_from(q.paging.offset).unwrap_or(usize::MAX);
    let items = items
        .into_iter()
        .skip(offset)
        .take(q.paging.limit as usize)
        .collect();
    Ok(Page {
        items,
        total,
        limit: q.paging.limit,
        offset: q.paging.offset,
    })
}

/// One location; another company's is not found.
pub async fn get(store: &impl LocationStore, actor: &Actor, id: LocationId) -> Result<Location> {
    all(store, actor)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or(Error::NotFound { entity: "location" })
}

/// Trims and checks an input; every field error at once.
async fn check<S: LocationStore + TimeoffStore>(
    store: &S,
    actor: &Actor,
    id: Option<LocationId>,
    input: &LocationInput,
) -> Result<LocationInput> {
    let mut v = crate::error::Validator::new();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        v.push("name", "a location needs a name");
    } else if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        v.push("name", "at most 100 characters, no control characters");
    } else if store
        .locations(actor.company_id)
        .await?
        .iter()
        .any(|l| Some(l.id) != id && l.name.to_lowercase() == name.to_lowercase())
    {
        v.push("name", "another location has this name");
    }
    let address = input.address.trim().replace("\r\n", "\n");
    // The limit counts the address as sent (line breaks as they came), as the API declares.
    if input.address.chars().count() > ADDRESS_MAX
        || address.chars().any(|c| c.is_control() && c != '\n')
    {
        v.push("address", "at most 500 characters, no control characters");
    }
    if let Some(c) = input.calendar_id {
        if !store
            .timeoff_calendars(actor.company_id)
            .await?
            .iter()
            .any(|x| x.id == c)
        {
            v.push("calendar_id", "no such working calendar");
        }
    }
    v.finish()?;
    Ok(LocationInput {
        name,
        address,
        calendar_id: input.calendar_id,
    })
}

fn input_json(i: &LocationInput) -> serde_json::Value {
    json!({"name": i.name, "address": i.address, "calendar_id": i.calendar_id})
}

pub async fn create<S: LocationStore + TimeoffStore>(
    store: &S,
    actor: &Actor,
    input: LocationInput,
) -> Result<Location> {
    authorize_write(actor)?;
    let input = check(store, actor, None, &input).await?;
    let audit = AuditDraft::by(actor, "hr.location", None, "create", input_json(&input));
    let id = store
        .insert_location(actor.company_id, &input, audit)
        .await?;
    get(store, actor, id).await
}

pub async fn update<S: LocationStore + TimeoffStore>(
    store: &S,
    actor: &Actor,
    id: LocationId,
    input: LocationInput,
) -> Result<Location> {
    authorize_write(actor)?;
    let before = get(store, actor, id).await?;
    let input = check(store, actor, Some(id), &input).await?;
    let audit = AuditDraft::by(
        actor,
        "hr.location",
        Some(id.to_string()),
        "update",
        json!({"before": {"name": before.name, "address": before.address, "calendar_id": before.calendar_id},
               "after": input_json(&input)}),
    );
    store
        .update_location(actor.company_id, id, &input, audit)
        .await?;
    get(store, actor, id).await
}

/// Removes a location nobody works at and no job history names.
pub async fn delete(store: &impl LocationStore, actor: &Actor, id: LocationId) -> Result<()> {
    authorize_write(actor)?;
    let before = get(store, actor, id).await?;
    let usage = store.location_usage(actor.company_id, id).await?;
    if usage.employees > 0 {
        return Err(Error::conflict(format!(
            "{} {} (leavers included, unlike the headcount shown) {} {}; move them to another location first",
            usage.employees,
            if usage.employees == 1 {
                "employee record"
            } else {
                "employee records"
            },
            if usage.employees == 1 { "names" } else { "name" },
            before.name
        )));
    }
    if usage.job_history > 0 {
        return Err(Error::conflict(format!(
            "{} job-history {} {}; it stays so the history keeps where people worked",
            usage.job_history,
            if usage.job_history == 1 {
                "row names"
            } else {
                "rows name"
            },
            before.name
        )));
    }
    let audit = AuditDraft::by(
        actor,
        "hr.location",
        Some(id.to_string()),
        "delete",
        json!({"name": before.name, "address": before.address, "calendar_id": before.calendar_id}),
    );
    store.delete_location(actor.company_id, id, audit).await
}

pub const EXPORT_HEADERS: &[&str] = &["id", "name", "address", "calendar", "employees"];

pub fn export_row(l: &Location) -> Vec<String> {
    vec![
        l.id.to_string(),
        l.name.clone(),
        l.address.clone(),
        l.calendar_name.clone().unwrap_or_default(),
        l.employees.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_names_are_the_allowlist() {
        assert_eq!(
            LocationSort::parse("employees"),
            Some(LocationSort::Employees)
        );
        assert_eq!(LocationSort::parse("address"), None);
        assert_eq!(LocationSort::Name.name(), "name");
    }
}
