//! Work's dashboard tiles: open and overdue tasks by person, approvals waiting by age,
//! escalations by SLA state. Registered by `work::register`.
use super::dashboard::{Bar, Tile, TileFuture, TileLine, TileSource};
use crate::auth::{Action, Actor, Domain};
use crate::list::{Paging, SortDir};
use crate::time::Timestamp;

/// Open tasks by person and overdue tasks by person (within what the manager may read).
pub struct OpenTasks;

impl<S: crate::work::tasks::TaskStore + Sync> TileSource<S> for OpenTasks {
    fn name(&self) -> &'static str {
        "Tasks"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(async move {
            use crate::work::tasks;
            if !actor.can_read(Domain::Work) {
                return Ok(Vec::new());
            }
            let scope = tasks::list_scope(actor, Action::Read)?;
            let mut rows = store
                .workload(actor.company_id, scope, tasks::today())
                .await?;
            let open: i64 = rows.iter().map(|r| r.open).sum();
            let overdue: i64 = rows.iter().map(|r| r.overdue).sum();
            rows.sort_by(|a, b| b.open.cmp(&a.open).then(a.name.cmp(&b.name)));
            let open_bars = rows
                .iter()
                .filter(|r| r.open > 0)
                .map(|r| Bar {
                    label: r.name.clone(),
                    value: r.open,
                    link: Some(format!("/tasks?status=active&assignee={}", r.user_id.0)),
                })
                .collect();
            rows.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.name.cmp(&b.name)));
            let overdue_bars = rows
                .iter()
                .filter(|r| r.overdue > 0)
                .map(|r| Bar {
                    label: r.name.clone(),
                    value: r.overdue,
                    link: Some(format!("/tasks?overdue=yes&assignee={}", r.user_id.0)),
                })
                .collect();
            Ok(vec![
                Tile::new(
                    "tasks.open",
                    "Open tasks by person",
                    open,
                    "open tasks",
                    "/tasks?status=active",
                )
                .with_bars(open_bars),
                Tile::new(
                    "tasks.overdue",
                    "Overdue tasks",
                    overdue,
                    "past their due date",
                    "/tasks?overdue=yes",
                )
                .with_bars(overdue_bars),
            ])
        })
    }
}

/// The approvals waiting for me, by how long they have waited.
pub struct WaitingApprovals;

impl<S: crate::work::approvals::ApprovalStore + Sync> TileSource<S> for WaitingApprovals {
    fn name(&self) -> &'static str {
        "Approvals"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(async move {
            use crate::work::approvals::{self, ApprovalQuery, ApprovalSort, Mailbox};
            if !actor.can_read(Domain::Work) {
                return Ok(Vec::new());
            }
            let q = ApprovalQuery {
                mailbox: Mailbox::Inbox,
                sort: ApprovalSort::Created,
                dir: SortDir::Asc,
                paging: Paging::new(Some(crate::list::MAX_LIMIT), None),
                ..Default::default()
            };
            let page = approvals::list_any_kind(store, actor, &q).await?;
            let now = Timestamp::now();
            let buckets: [(&str, i64, i64); 4] = [
                ("under a day", 0, 86_400),
                ("1-3 days", 86_400, 3 * 86_400),
                ("3-7 days", 3 * 86_400, 7 * 86_400),
                ("over a week", 7 * 86_400, i64::MAX),
            ];
            let mut counts = [0i64; 4];
            for a in &page.items {
                let age = (now.0 - a.created_at.0) / 1_000_000;
                if let Some(i) = buckets
                    .iter()
                    .position(|(_, lo, hi)| age >= *lo && age < *hi)
                {
                    counts[i] += 1;
                }
            }
            let bars = buckets
                .iter()
                .zip(counts)
                .map(|((label, _, _), value)| Bar {
                    label: (*label).to_string(),
                    value,
                    link: Some("/approvals?sort=created&dir=asc".into()),
                })
                .collect();
            let overdue = page.items.iter().filter(|a| a.overdue()).count();
            let lines = page
                .items
                .iter()
                .take(3)
                .map(|a| TileLine {
                    text: format!("{} ({})", a.title, a.requester_name),
                    when: Some(a.created_at),
                    link: Some(format!("/approvals/{}", a.id.0)),
                })
                .collect();
            let mut t = Tile::new(
                "approvals.waiting",
                "Approvals waiting for me",
                i64::try_from(page.total).unwrap_or(i64::MAX),
                &if overdue > 0 {
                    format!("waiting, {overdue} past their deadline")
                } else {
                    "waiting".to_string()
                },
                "/approvals",
            )
            .with_bars(bars);
            t.lines = lines;
            Ok(vec![t])
        })
    }
}

/// Open escalations by SLA state.
pub struct Escalations;

impl<S: crate::work::cases::CaseStore + Sync> TileSource<S> for Escalations {
    fn name(&self) -> &'static str {
        "Escalations"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(async move {
            use crate::work::cases::{self, SlaState};
            if !actor.can_read(Domain::Escalations) {
                return Ok(Vec::new());
            }
            // One grouped count, not a list per state.
            let counts = cases::open_by_sla(store, actor).await?;
            let mut bars = Vec::new();
            let mut total = 0i64;
            let mut breached = 0i64;
            for state in SlaState::ALL.iter().filter(|s| **s != SlaState::Met) {
                let n = counts
                    .iter()
                    .find(|(st, _)| st == state)
                    .map_or(0, |(_, n)| i64::try_from(*n).unwrap_or(i64::MAX));
                total += n;
                if *state == SlaState::Breached {
                    breached = n;
                }
                bars.push(Bar {
                    label: state.label().to_string(),
                    value: n,
                    link: Some(format!("/cases?status=open&sla={}", state.as_str())),
                });
            }
            Ok(vec![Tile::new(
                "cases.sla",
                "Escalations by SLA state",
                total,
                &format!("open, {breached} breached"),
                "/cases?status=open",
            )
            .with_bars(bars)])
        })
    }
}
