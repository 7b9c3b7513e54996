//! iCalendar feeds behind revocable secret URLs (the format: ical.rs).
use super::*;

// ---------------------------------------------------------------- feeds

pub async fn feeds(store: &impl TimeoffStore, actor: &Actor) -> Result<Vec<Feed>> {
    require_use(actor)?;
    store.timeoff_feeds(actor.company_id, actor.user_id).await
}

/// Creates a feed; returns it with its secret token (shown once; only its hash is kept).
/// `team` with a department needs company-wide reading; `team` without one is the actor's
/// reports.
pub async fn create_feed(
    store: &impl TimeoffBackend,
    actor: &Actor,
    scope: &str,
    department: Option<DepartmentId>,
) -> Result<(Feed, String)> {
    require_use(actor)?;
    let Some(user) = actor.author() else {
        return Err(Error::Forbidden);
    };
    let mine = me(store, actor).await?;
    let (employee_id, department_id, label) = match scope.trim() {
        "person" => {
            let m = mine
                .ok_or_else(|| Error::invalid("scope", "you have no employee record to publish"))?;
            (Some(m.id), None, format!("Time off of {}", m.name))
        }
        "team" => match department {
            Some(d) => {
                if !reads_all(actor) {
                    return Err(Error::invalid(
                        "department_id",
                        "only HR may publish a department's calendar",
                    ));
                }
                (None, Some(d), format!("Time off of department #{}", d.0))
            }
            None => {
                let m = mine.ok_or_else(|| {
                    Error::invalid("scope", "you have no employee record, so no reports")
                })?;
                (Some(m.id), None, format!("Time off of {}'s team", m.name))
            }
        },
        _ => return Err(Error::invalid("scope", "person or team")),
    };
    let token = crate::auth::session::new_secret();
    let nf = NewFeed {
        user_id: user,
        scope: scope.trim().to_string(),
        employee_id,
        department_id,
        token_hash: crate::auth::session::secret_hash(&token),
        label,
    };
    let audit = AuditDraft::by(
        actor,
        "hr.timeoff.feed",
        None,
        "create",
        json!({"scope": nf.scope, "employee": employee_id.map(|e| e.0), "department": department_id.map(|d| d.0)}),
    );
    let id = store
        .timeoff_insert_feed(actor.company_id, &nf, audit)
        .await?;
    let f = store
        .timeoff_feeds(actor.company_id, user)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(Error::NotFound { entity: "feed" })?;
    Ok((f, token))
}

pub async fn revoke_feed(store: &impl TimeoffStore, actor: &Actor, id: i64) -> Result<()> {
    require_use(actor)?;
    let audit = AuditDraft::by(
        actor,
        "hr.timeoff.feed",
        Some(id.to_string()),
        "revoke",
        json!({}),
    );
    if store
        .timeoff_revoke_feed(actor.company_id, actor.user_id, id, audit)
        .await?
    {
        Ok(())
    } else {
        Err(Error::NotFound { entity: "feed" })
    }
}

/// The iCalendar text of a feed by its secret token; `None` for an unknown or revoked one.
/// Approved time off only, names and dates only; a year back and a year ahead.
pub async fn feed_ics(
    store: &(impl TimeoffBackend + crate::auth::session::AuthStore),
    token: &str,
    now: Timestamp,
) -> Result<Option<String>> {
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(f) = store
        .timeoff_feed_by_hash(&crate::auth::session::secret_hash(token))
        .await?
    else {
        return Ok(None);
    };
    let company = f.company_id;
    // A feed speaks for its owner: it stops when they can no longer sign in to the company
    // (disabled, or their membership ended), and a department's feed when they no longer
    // read all of HR.
    let owner = match crate::auth::session::cli_actor(store, f.user_id, company).await {
        Ok(a) => a,
        Err(Error::Forbidden) => return Ok(None),
        Err(e) => return Err(e),
    };
    if f.department_id.is_some() && !reads_all(&owner) {
        return Ok(None);
    }
    let all = store.timeoff_employees(company).await?;
    let ids: Vec<EmployeeId> = match (f.scope.as_str(), f.employee_id, f.department_id) {
        ("person", Some(e), _) => vec![e],
        ("team", _, Some(d)) => all
            .iter()
            .filter(|e| e.department_id == Some(d))
            .map(|e| e.id)
            .collect(),
        ("team", Some(m), None) => {
            let mut v: Vec<EmployeeId> = below(&all, m).into_iter().collect();
            v.push(m);
            v
        }
        _ => Vec::new(),
    };
    let today = now.to_datetime().date_naive();
    let from = today - chrono::Duration::days(366);
    let to = today + chrono::Duration::days(366);
    let reqs = store
        .timeoff_requests_between(company, from, to, Some(&ids))
        .await?;
    let events: Vec<ical::FeedEvent> = reqs
        .iter()
        .filter(|r| r.status == "approved")
        .map(|r| ical::FeedEvent {
            uid: format!("timeoff-{}-{}@steward", company.0, r.id),
            name: r.employee_name.clone(),
            start: r.span.start,
            end: r.span.end,
            partial: r.span.start_pm || r.span.end_am,
        })
        .collect();
    Ok(Some(ical::calendar(&f.label, &events, now)))
}
