//! The manager's dashboard: a grid of [`Tile`]s, each a title, a big number, an optional
//! bar chart and a link to the filtered list behind it. Any domain adds tiles by
//! implementing [`TileSource`] and registering it (`Registry::tile(name, handler(store,
//! source))`); [`dashboard`] asks every registered source. A source that fails shows as an
//! unavailable tile; it does not take the page down.
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::audit::AuditStore;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::jobs::JobStore;
use crate::list::Paging;
use crate::time::Timestamp;
use crate::work::notify::NotifyStore;
use crate::Result;

/// One bar of a tile's chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    /// The list behind this bar (e.g. that person's open tasks).
    pub link: Option<String>,
}

/// A line of text in a tile (recent events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TileLine {
    pub text: String,
    pub when: Option<Timestamp>,
    pub link: Option<String>,
}

/// What a tile shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tile {
    /// Stable, for tests and anchors: `audit.recent`, `tasks.overdue`.
    pub key: String,
    pub title: String,
    /// The big number.
    pub number: i64,
    /// What the number counts ("unread", "events today").
    pub caption: String,
    /// Bars, largest first is the usual order; empty: no chart.
    pub bars: Vec<Bar>,
    pub lines: Vec<TileLine>,
    /// The filtered list behind the tile.
    pub link: String,
    /// Shown when the tile's data could not be read.
    pub unavailable: bool,
}

impl Tile {
    pub fn new(key: &str, title: &str, number: i64, caption: &str, link: &str) -> Tile {
        Tile {
            key: key.into(),
            title: title.into(),
            number,
            caption: caption.into(),
            bars: Vec::new(),
            lines: Vec::new(),
            link: link.into(),
            unavailable: false,
        }
    }
    pub fn with_bars(mut self, bars: Vec<Bar>) -> Tile {
        self.bars = bars;
        self
    }
    pub fn with_lines(mut self, lines: Vec<TileLine>) -> Tile {
        self.lines = lines;
        self
    }
}

/// A domain's dashboard tiles for the signed-in manager, as the registry keeps them: only
/// what that person may see.
pub type TileHandler = Arc<dyn Fn(Actor) -> TileFuture<'static> + Send + Sync>;

pub type TileFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Tile>>> + Send + 'a>>;

/// A domain's contribution to the dashboard. `tiles` is called with the signed-in manager;
/// it returns only what that person may see (check with `actor.can(...)`), and may return
/// none.
pub trait TileSource<S>: Send + Sync {
    /// A short name for logs.
    fn name(&self) -> &'static str;
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a>;
}

/// Who sees the dashboard: the manager (Work approve). Looking is a read: a read-only token
/// of the manager sees it too.
pub fn authorize_dashboard(actor: &Actor) -> Result<()> {
    let mut looking = actor.clone();
    looking.read_only = false;
    authorize(
        &looking,
        Permission::new(Domain::Work, Action::Approve),
        &Target::company(actor.company_id),
    )
}

/// Every registered source's tiles, in the order registered, computed at the same time
/// (each source is a few indexed counts; the page waits for the slowest, not the sum). A
/// failing source becomes one unavailable tile (logged), so that one broken part does not
/// hide the others.
pub async fn dashboard(
    sources: &[(&'static str, TileHandler)],
    actor: &Actor,
) -> Result<Vec<Tile>> {
    authorize_dashboard(actor)?;
    let mut running = tokio::task::JoinSet::new();
    for (i, (name, tiles)) in sources.iter().enumerate() {
        let (name, fut) = (*name, tiles(actor.clone()));
        running.spawn(async move { (i, name, fut.await) });
    }
    let mut done = Vec::with_capacity(sources.len());
    while let Some(r) = running.join_next().await {
        match r {
            Ok(x) => done.push(x),
            Err(e) => tracing::warn!(error = %e, "a dashboard tile's task failed"),
        }
    }
    done.sort_by_key(|(i, _, _)| *i);
    let mut out = Vec::new();
    for (_, name, r) in done {
        match r {
            Ok(t) => out.extend(t),
            Err(e) => {
                tracing::warn!(source = name, error = %e, "dashboard tile failed");
                let mut t = Tile::new(name, name, 0, "", "/dashboard");
                t.unavailable = true;
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// A [`TileSource`] over `store`, as the registry keeps it (`Registry::tile`).
pub fn handler<S, T>(store: S, source: T) -> TileHandler
where
    S: Clone + Send + Sync + 'static,
    T: TileSource<S> + 'static,
{
    let source = Arc::new(source);
    Arc::new(move |actor: Actor| {
        let (store, source) = (store.clone(), source.clone());
        Box::pin(async move { source.tiles(&store, &actor).await })
    })
}

/// Recent audit events (for those who may read the audit trail).
pub struct RecentAudit;

/// The day's changes are counted up to this many.
const RECENT_CAP: u32 = 10_000;

impl<S: AuditStore + Sync> TileSource<S> for RecentAudit {
    fn name(&self) -> &'static str {
        "Recent changes"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(async move {
            if !actor.can(Permission::new(Domain::Audit, Action::Read)) {
                return Ok(Vec::new());
            }
            let since = Timestamp::now().plus_secs(-86_400);
            // The newest eight and a count of the day's changes that stops at a cap: both
            // index ranges, however long the trail.
            let (recent, n) = tokio::join!(
                crate::audit::recent_events(store, actor, 8),
                crate::audit::count_since(store, actor, since, RECENT_CAP)
            );
            let recent: Vec<_> = recent?.into_iter().filter(|e| e.at >= since).collect();
            let n = n?;
            let lines = recent
                .iter()
                .map(|e| TileLine {
                    text: format!(
                        "{} {} {}{}",
                        e.actor,
                        e.action,
                        e.entity,
                        e.entity_id
                            .as_deref()
                            .map(|i| format!(" #{i}"))
                            .unwrap_or_default()
                    ),
                    when: Some(e.at),
                    link: None,
                })
                .collect();
            // Bars: the day's events by entity.
            let mut by: std::collections::BTreeMap<String, i64> = Default::default();
            for e in &recent {
                *by.entry(e.entity.clone()).or_default() += 1;
            }
            let mut bars: Vec<Bar> = by
                .into_iter()
                .map(|(label, value)| Bar {
                    link: Some(format!("/audit?entity={label}")),
                    label,
                    value,
                })
                .collect();
            bars.sort_by(|a, b| b.value.cmp(&a.value).then(a.label.cmp(&b.label)));
            let caption = if n >= u64::from(RECENT_CAP) {
                "changes in the last 24 hours (at least)"
            } else {
                "changes in the last 24 hours"
            };
            Ok(vec![Tile::new(
                "audit.recent",
                "Recent changes",
                i64::try_from(n).unwrap_or(i64::MAX),
                caption,
                &format!("/audit?from={}", since.to_datetime().format("%Y-%m-%d")),
            )
            .with_lines(lines)
            .with_bars(bars)])
        })
    }
}

/// My unread notifications.
pub struct MyNotifications;

impl<S: NotifyStore + Sync> TileSource<S> for MyNotifications {
    fn name(&self) -> &'static str {
        "Notifications"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(async move {
            // The page's total is the unread count: one list, no second count.
            let q = crate::work::notify::NotificationQuery {
                unread_only: true,
                paging: Paging::new(Some(5), None),
                ..Default::default()
            };
            let page = crate::work::notify::list(store, actor, &q).await?;
            let n = page.total;
            let lines = page
                .items
                .into_iter()
                .map(|x| TileLine {
                    text: x.title,
                    when: Some(x.created_at),
                    link: x.link,
                })
                .collect();
            Ok(vec![Tile::new(
                "notifications.unread",
                "My notifications",
                i64::try_from(n).unwrap_or(i64::MAX),
                "unread",
                "/notifications?unread=true",
            )
            .with_lines(lines)])
        })
    }
}

/// Background jobs that failed for good (for those who may see the jobs page).
pub struct DeadJobs;

impl<S: JobStore + Sync> TileSource<S> for DeadJobs {
    fn name(&self) -> &'static str {
        "Background jobs"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(async move {
            if !actor.can(Permission::new(Domain::System, Action::Read)) {
                return Ok(Vec::new());
            }
            let s = crate::jobs::job_stats(store, actor).await?;
            let v = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            let bars = vec![
                Bar {
                    label: "queued".into(),
                    value: v(s.queued),
                    link: Some("/jobs?status=queued".into()),
                },
                Bar {
                    label: "running".into(),
                    value: v(s.running),
                    link: Some("/jobs?status=running".into()),
                },
                Bar {
                    label: "failed".into(),
                    value: v(s.dead),
                    link: Some("/jobs?status=dead".into()),
                },
            ];
            Ok(vec![Tile::new(
                "jobs.dead",
                "Background jobs",
                v(s.dead),
                "failed for good (e-mail, timers)",
                "/jobs?status=dead",
            )
            .with_bars(bars)])
        })
    }
}
