//! Notifications: telling a person that something needs them. Any part of Steward calls
//! [`notify`] with [`NewNotification`]s (after its own change is committed); each one is
//! stored for the in-app notification centre (the unread count in every page's header) and,
//! by the person's choice for that group of kinds ([`Delivery`]), mailed at once (a
//! `work.notify.mail` job), collected into the daily digest (the `work.digest` job), or
//! dropped. E-mail itself goes through [`super::mail`].
//!
//! A person sees and marks only their own notifications in the company they are signed in
//! to: every store call is keyed by (company, user), so another user's notification is
//! "not found".
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::Arc;

use crate::audit::AuditDraft;
use crate::auth::Actor;
use crate::ids::{CompanyId, UserId};
use crate::jobs::{Handlers, Job, JobError, JobKind, JobResult, JobStore, NewJob};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::{Error, Result};

pub use super::mail::{send_mail, Mail, Mailer};

/// The job that mails one notification at once.
pub const NOTIFY_MAIL: &str = "work.notify.mail";
/// The daily digest job.
pub const DIGEST: &str = "work.digest";
/// The digest goes out at this hour (UTC) every day.
pub const DIGEST_HOUR_UTC: u32 = 7;
/// A digest lists at most this many notifications (the rest: "see all").
pub const DIGEST_MAX_ITEMS: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NotificationId(pub i64);

impl std::fmt::Display for NotificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a part of Steward asks to tell a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNotification {
    pub company: CompanyId,
    pub user: UserId,
    /// `group.event`, e.g. `task.assigned`, `approval.waiting`, `case.breached`: 1-64 of
    /// `a-z 0-9 . _ -`. The part before the first dot is its group ([`GROUPS`]).
    pub kind: String,
    /// One line, 1-200 characters.
    pub title: String,
    /// Plain text, at most 4,000 characters.
    pub body: String,
    /// A path inside Steward such as `/tasks/7` (never another site).
    pub link: Option<String>,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: NotificationId,
    pub company: CompanyId,
    pub user: UserId,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub read_at: Option<Timestamp>,
    pub mailed_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Notification {
    pub fn is_read(&self) -> bool {
        self.read_at.is_some()
    }
    pub fn group(&self) -> &'static str {
        group_of(&self.kind)
    }
}

/// The groups of kinds a person chooses a delivery for: (key, label).
pub const GROUPS: &[(&str, &str)] = &[
    ("task", "Tasks"),
    ("approval", "Approvals"),
    ("case", "Escalations"),
    ("system", "System and other"),
];

/// The group of a kind: its first word when that is a group, else `system`.
pub fn group_of(kind: &str) -> &'static str {
    let first = kind.split('.').next().unwrap_or("");
    GROUPS
        .iter()
        .find(|(g, _)| *g == first)
        .map(|(g, _)| *g)
        .unwrap_or("system")
}

/// How a person wants to hear about a group of kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// In the app only (the default).
    #[default]
    App,
    /// In the app, and by e-mail at once.
    Email,
    /// In the app, and in the daily e-mail digest.
    Digest,
    /// Not at all.
    Off,
}

impl Delivery {
    pub const ALL: [Delivery; 4] = [
        Delivery::App,
        Delivery::Email,
        Delivery::Digest,
        Delivery::Off,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::App => "app",
            Delivery::Email => "email",
            Delivery::Digest => "digest",
            Delivery::Off => "off",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Delivery::App => "In the app only",
            Delivery::Email => "E-mail at once",
            Delivery::Digest => "Daily e-mail digest",
            Delivery::Off => "Off",
        }
    }
    pub fn parse(s: &str) -> Option<Delivery> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// One person's choice for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    pub group: String,
    pub delivery: Delivery,
}

/// A member of the company who can be told, with the address to mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user: UserId,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotificationSort {
    #[default]
    Created,
    Kind,
    Title,
}

impl SortKey for NotificationSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("created", NotificationSort::Created),
        ("kind", NotificationSort::Kind),
        ("title", NotificationSort::Title),
    ];
}

/// Which of my notifications to list.
#[derive(Debug, Clone, Default)]
pub struct NotificationQuery {
    pub unread_only: bool,
    /// A group key ([`GROUPS`]).
    pub group: Option<String>,
    /// Words in the title or body.
    pub search: Option<String>,
    pub sort: NotificationSort,
    /// Default: newest first.
    pub dir: Option<SortDir>,
    pub paging: Paging,
}

/// A notification to store, and whether to mail it at once.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub item: NewNotification,
    pub mail_now: bool,
}

pub trait NotifyStore: Send + Sync {
    /// Those of `users` who are members of `company` and not disabled.
    fn recipients(
        &self,
        company: CompanyId,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<Recipient>>> + Send;
    /// The stored choices of `users` in `company` (groups without a row are [`Delivery::App`]).
    fn deliveries(
        &self,
        company: CompanyId,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<(UserId, Preference)>>> + Send;
    /// Stores the notifications in one transaction, with a `work.notify.mail` job
    /// ([`mail_job`]) for each one to mail at once (marked mailed). Returns their ids.
    fn insert_notifications(
        &self,
        items: &[Outgoing],
    ) -> impl Future<Output = Result<Vec<NotificationId>>> + Send;
    fn get_notification(
        &self,
        company: CompanyId,
        user: UserId,
        id: NotificationId,
    ) -> impl Future<Output = Result<Option<Notification>>> + Send;
    fn list_notifications(
        &self,
        company: CompanyId,
        user: UserId,
        q: &NotificationQuery,
    ) -> impl Future<Output = Result<Page<Notification>>> + Send;
    /// One indexed count: the header shows it on every page.
    fn unread_count(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Marks those of `ids` that are the user's and unread; returns how many.
    fn mark_read(
        &self,
        company: CompanyId,
        user: UserId,
        ids: &[NotificationId],
        now: Timestamp,
    ) -> impl Future<Output = Result<u64>> + Send;
    fn mark_all_read(
        &self,
        company: CompanyId,
        user: UserId,
        now: Timestamp,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Replaces the user's choices (one row per group), audited.
    fn set_preferences(
        &self,
        company: CompanyId,
        user: UserId,
        prefs: &[Preference],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// (company, user) of everyone who chose the digest for some group.
    fn digest_subscribers(&self) -> impl Future<Output = Result<Vec<(CompanyId, UserId)>>> + Send;
    /// The user's unread notifications not mailed yet, oldest first, up to `limit`.
    fn unmailed(
        &self,
        company: CompanyId,
        user: UserId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Notification>>> + Send;
    /// Marks the notifications mailed and enqueues `job` (the digest mail), in one transaction.
    fn mark_mailed(
        &self,
        ids: &[NotificationId],
        now: Timestamp,
        job: NewJob,
    ) -> impl Future<Output = Result<()>> + Send;
}

fn check(n: &NewNotification) -> Result<()> {
    let kind_ok = (1..=64).contains(&n.kind.len())
        && n.kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !kind_ok {
        return Err(Error::invalid(
            "kind",
            "must be 1-64 characters: a-z, 0-9, '.', '_' or '-'",
        ));
    }
    let title = n.title.trim();
    if title.is_empty() || title.chars().count() > 200 || title.chars().any(char::is_control) {
        return Err(Error::invalid(
            "title",
            "must be one line of 1 to 200 characters",
        ));
    }
    if n.body.chars().count() > 4000 {
        return Err(Error::invalid("body", "must be at most 4,000 characters"));
    }
    if let Some(l) = &n.link {
        if !valid_link(l) {
            return Err(Error::invalid(
                "link",
                "must be a path inside Steward, such as /tasks/7",
            ));
        }
    }
    Ok(())
}

/// A path inside this site: starts with one `/`, no scheme, no backslash, no spaces.
pub fn valid_link(l: &str) -> bool {
    l.starts_with('/')
        && !l.starts_with("//")
        && l.len() <= 500
        && !l
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

/// Stores the notifications and, by each user's preference, enqueues their e-mail. Users
/// who are not active members of the notification's company are skipped (logged), and so
/// are groups a user turned off. Call it after the change it reports is committed.
pub async fn notify<S: NotifyStore + JobStore>(
    store: &S,
    items: Vec<NewNotification>,
) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    for n in &items {
        check(n)?;
    }
    let mut by_company: std::collections::BTreeMap<CompanyId, Vec<UserId>> = Default::default();
    for n in &items {
        by_company.entry(n.company).or_default().push(n.user);
    }
    let mut members = std::collections::HashSet::new();
    let mut prefs = std::collections::HashMap::new();
    for (company, mut users) in by_company {
        users.sort();
        users.dedup();
        for r in store.recipients(company, &users).await? {
            members.insert((company, r.user));
        }
        for (u, p) in store.deliveries(company, &users).await? {
            prefs.insert((company, u, p.group), p.delivery);
        }
    }
    let mut out = Vec::with_capacity(items.len());
    for mut n in items {
        if !members.contains(&(n.company, n.user)) {
            tracing::warn!(user = %n.user, company = %n.company, kind = %n.kind,
                "not notifying a user who is not an active member of the company");
            continue;
        }
        let delivery = prefs
            .get(&(n.company, n.user, group_of(&n.kind).to_string()))
            .copied()
            .unwrap_or_default();
        if delivery == Delivery::Off {
            continue;
        }
        n.title = n.title.trim().to_string();
        out.push(Outgoing {
            item: n,
            mail_now: delivery == Delivery::Email,
        });
    }
    if out.is_empty() {
        return Ok(());
    }
    store.insert_notifications(&out).await?;
    Ok(())
}

/// The job that mails notification `id` to `user` at once (the store enqueues it with the
/// notification).
pub fn mail_job(company: CompanyId, user: UserId, id: NotificationId) -> Result<NewJob> {
    Ok(NewJob::new(
        JobKind::new(NOTIFY_MAIL)?,
        serde_json::json!({ "company": company.0, "user": user.0, "notification": id.0 }),
    )
    .attempts(super::mail::MAIL_ATTEMPTS)
    .dedupe(format!("notify-mail:{}", id.0))
    .for_company(company))
}

// ---- services for the signed-in person ----

fn writable(actor: &Actor) -> Result<()> {
    if actor.read_only || actor.author().is_none() {
        return Err(Error::Forbidden);
    }
    Ok(())
}

pub async fn list(
    store: &impl NotifyStore,
    actor: &Actor,
    q: &NotificationQuery,
) -> Result<Page<Notification>> {
    if let Some(g) = &q.group {
        if !GROUPS.iter().any(|(k, _)| k == g) {
            return Err(Error::invalid("group", "unknown group"));
        }
    }
    store
        .list_notifications(actor.company_id, actor.user_id, q)
        .await
}

pub async fn get(
    store: &impl NotifyStore,
    actor: &Actor,
    id: NotificationId,
) -> Result<Notification> {
    store
        .get_notification(actor.company_id, actor.user_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "notification",
        })
}

pub async fn unread_count(store: &impl NotifyStore, actor: &Actor) -> Result<u64> {
    store.unread_count(actor.company_id, actor.user_id).await
}

/// Marks one of my notifications read (again is fine); not mine: not found.
pub async fn mark_read(
    store: &impl NotifyStore,
    actor: &Actor,
    id: NotificationId,
) -> Result<Notification> {
    writable(actor)?;
    let n = get(store, actor, id).await?;
    if n.read_at.is_none() {
        store
            .mark_read(actor.company_id, actor.user_id, &[id], Timestamp::now())
            .await?;
    }
    get(store, actor, id).await
}

/// Marks every unread notification of mine read; returns how many.
pub async fn mark_all_read(store: &impl NotifyStore, actor: &Actor) -> Result<u64> {
    writable(actor)?;
    store
        .mark_all_read(actor.company_id, actor.user_id, Timestamp::now())
        .await
}

/// My choice per group, every group listed (the default where I chose nothing).
pub async fn preferences(store: &impl NotifyStore, actor: &Actor) -> Result<Vec<Preference>> {
    let stored = store.deliveries(actor.company_id, &[actor.user_id]).await?;
    Ok(GROUPS
        .iter()
        .map(|(g, _)| Preference {
            group: g.to_string(),
            delivery: stored
                .iter()
                .find(|(_, p)| p.group == *g)
                .map(|(_, p)| p.delivery)
                .unwrap_or_default(),
        })
        .collect())
}

/// Sets my choices: one per known group; groups not named keep their current choice.
pub async fn set_preferences(
    store: &impl NotifyStore,
    actor: &Actor,
    changes: &[Preference],
) -> Result<Vec<Preference>> {
    writable(actor)?;
    for p in changes {
        if !GROUPS.iter().any(|(g, _)| *g == p.group) {
            return Err(Error::invalid(
                "group",
                format!(
                    "unknown group `{}` (task, approval, case or system)",
                    p.group
                ),
            ));
        }
    }
    let mut all = preferences(store, actor).await?;
    for p in changes {
        if let Some(slot) = all.iter_mut().find(|a| a.group == p.group) {
            slot.delivery = p.delivery;
        }
    }
    let audit = AuditDraft::by(
        actor,
        "notification_prefs",
        Some(actor.user_id.to_string()),
        "update",
        serde_json::json!(all
            .iter()
            .map(|p| (p.group.clone(), p.delivery.as_str()))
            .collect::<std::collections::BTreeMap<_, _>>()),
    );
    store
        .set_preferences(actor.company_id, actor.user_id, &all, audit)
        .await?;
    Ok(all)
}

// ---- jobs ----

/// The next digest job: due at the next [`DIGEST_HOUR_UTC`] after `now`, enqueued once per
/// day however many workers schedule it.
pub fn digest_job(now: Timestamp) -> Result<NewJob> {
    use chrono::{Duration, TimeZone, Utc};
    let dt = now.to_datetime();
    let today = dt.date_naive();
    let at_today = today
        .and_hms_opt(DIGEST_HOUR_UTC, 0, 0)
        .ok_or_else(|| Error::internal("digest hour"))?;
    let next = if dt.naive_utc() < at_today {
        at_today
    } else {
        at_today + Duration::days(1)
    };
    let next_utc = Utc.from_utc_datetime(&next);
    Ok(NewJob::new(JobKind::new(DIGEST)?, serde_json::json!({}))
        .at(Timestamp(next_utc.timestamp_micros()))
        .dedupe(format!("work.digest:{}", next.date()))
        .attempts(3))
}

/// Makes sure the next digest is scheduled (the worker calls it when it starts; each digest
/// schedules the next).
pub async fn schedule_digest<S: JobStore>(store: &S) -> Result<()> {
    store.enqueue(&[digest_job(Timestamp::now())?]).await?;
    Ok(())
}

/// Registers `work.notify.mail` and `work.digest`.
pub fn register_jobs<S>(registry: &mut Handlers, store: S, mailer: Arc<dyn Mailer>)
where
    S: NotifyStore + JobStore + Clone + 'static,
{
    if let Ok(kind) = JobKind::new(NOTIFY_MAIL) {
        let (s, m) = (store.clone(), mailer.clone());
        registry.register(&kind, move |job: Job| {
            let (s, m) = (s.clone(), m.clone());
            async move { mail_one(&s, m.as_ref(), &job).await }
        });
    }
    if let Ok(kind) = JobKind::new(DIGEST) {
        registry.register(&kind, move |_job: Job| {
            let (s, m) = (store.clone(), mailer.clone());
            async move { run_digest(&s, m.as_ref(), Timestamp::now()).await }
        });
    }
}

fn internal(e: Error) -> JobError {
    JobError::retry(e.to_string())
}

async fn mail_one<S: NotifyStore>(store: &S, mailer: &dyn Mailer, job: &Job) -> JobResult {
    let field = |k: &str| {
        job.payload
            .get(k)
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| JobError::permanent(format!("payload without `{k}`")))
    };
    let (company, user, id) = (
        CompanyId(field("company")?),
        UserId(field("user")?),
        NotificationId(field("notification")?),
    );
    let Some(n) = store
        .get_notification(company, user, id)
        .await
        .map_err(internal)?
    else {
        return Err(JobError::permanent("the notification no longer exists"));
    };
    let Some(r) = store
        .recipients(company, &[user])
        .await
        .map_err(internal)?
        .into_iter()
        .next()
    else {
        return Err(JobError::permanent(
            "the user is no longer an active member of the company",
        ));
    };
    let (subject, body) = templates::notification(
        &r.display_name,
        &n.title,
        &n.body,
        &n.link,
        &mailer.base_url(),
    );
    let mail = Mail {
        company: Some(company),
        to: r.email,
        subject,
        body,
        reply_to: None,
        ..Default::default()
    };
    mail.validate()
        .map_err(|e| JobError::permanent(format!("cannot mail: {e}")))?;
    mailer.send(&mail).await.map_err(|e| JobError {
        message: e.message,
        permanent: e.permanent,
    })
}

/// Mails each digest subscriber their unread, not yet mailed notifications of the groups
/// they chose the digest for (one `mail.send` job each, enqueued with the notifications
/// marked mailed, so a rerun sends nothing twice), then schedules tomorrow's digest.
pub async fn run_digest<S: NotifyStore + JobStore>(
    store: &S,
    mailer: &dyn Mailer,
    now: Timestamp,
) -> JobResult {
    let base = mailer.base_url();
    let mut sent = 0usize;
    for (company, user) in store.digest_subscribers().await.map_err(internal)? {
        let groups: Vec<String> = store
            .deliveries(company, &[user])
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|(_, p)| p.delivery == Delivery::Digest)
            .map(|(_, p)| p.group)
            .collect();
        let items: Vec<Notification> = store
            .unmailed(company, user, DIGEST_MAX_ITEMS * 5)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|n| groups.iter().any(|g| g == n.group()))
            .take(DIGEST_MAX_ITEMS as usize)
            .collect();
        if items.is_empty() {
            continue;
        }
        let Some(r) = store
            .recipients(company, &[user])
            .await
            .map_err(internal)?
            .into_iter()
            .next()
        else {
            continue;
        };
        let (subject, body) = templates::digest(&r.display_name, &items, &base);
        let mail = Mail {
            company: Some(company),
            to: r.email,
            subject,
            body,
            reply_to: None,
            ..Default::default()
        };
        let Ok(job) = mail.job() else {
            tracing::warn!(user = %user, "digest not mailed: the user's address is not valid");
            continue;
        };
        let ids: Vec<NotificationId> = items.iter().map(|n| n.id).collect();
        store.mark_mailed(&ids, now, job).await.map_err(internal)?;
        sent += 1;
    }
    tracing::info!(digests = sent, "daily digest");
    let next = digest_job(now.plus_secs(60)).map_err(internal)?;
    store.enqueue(&[next]).await.map_err(internal)?;
    Ok(())
}

/// The mails notifications become, in plain text. Short, with the link to act on.
pub mod templates {
    use super::Notification;
    use crate::work::mail::subject_line;

    /// The footer of every mail: why they got it and where to change that.
    fn footer(base_url: &str) -> String {
        format!(
            "\n\n-- \nSent by Steward. You receive this because of your notification settings:\n{}/notifications/preferences\n",
            base_url.trim_end_matches('/')
        )
    }

    fn link(base_url: &str, path: &Option<String>) -> String {
        match path {
            Some(p) => format!("\n\nOpen: {}{}", base_url.trim_end_matches('/'), p),
            None => String::new(),
        }
    }

    /// A notification sent at once: subject = its title.
    pub fn notification(
        display_name: &str,
        title: &str,
        body: &str,
        link_path: &Option<String>,
        base_url: &str,
    ) -> (String, String) {
        let mut text = format!("Hello {display_name},\n\n{title}");
        if !body.trim().is_empty() {
            text.push_str("\n\n");
            text.push_str(body.trim());
        }
        text.push_str(&link(base_url, link_path));
        text.push_str(&footer(base_url));
        (subject_line(&format!("[Steward] {title}")), text)
    }

    /// The daily digest: every notification not yet read or mailed, oldest first.
    pub fn digest(display_name: &str, items: &[Notification], base_url: &str) -> (String, String) {
        let n = items.len();
        let mut text = format!(
            "Hello {display_name},\n\nYou have {n} unread notification{} in Steward:\n",
            if n == 1 { "" } else { "s" }
        );
        for item in items {
            text.push_str(&format!(
                "\n* {} ({})",
                item.title,
                item.created_at.display()
            ));
            if !item.body.trim().is_empty() {
                let first = item.body.trim().lines().next().unwrap_or("");
                text.push_str(&format!("\n  {first}"));
            }
            if let Some(p) = &item.link {
                text.push_str(&format!("\n  {}{}", base_url.trim_end_matches('/'), p));
            }
        }
        text.push_str(&format!(
            "\n\nAll notifications: {}/notifications",
            base_url.trim_end_matches('/')
        ));
        text.push_str(&footer(base_url));
        (
            subject_line(&format!(
                "[Steward] Daily digest: {n} unread notification{}",
                if n == 1 { "" } else { "s" }
            )),
            text,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n() -> NewNotification {
        NewNotification {
            company: CompanyId(1),
            user: UserId(1),
            kind: "task.assigned".into(),
            title: "Task assigned".into(),
            body: String::new(),
            link: Some("/tasks/7".into()),
        }
    }

    #[test]
    fn notifications_are_checked() {
        assert!(check(&n()).is_ok());
        for link in [
            "https://evil.example/",
            "//evil.example",
            "/a b",
            "javascript:x",
        ] {
            let bad = NewNotification {
                link: Some(link.into()),
                ..n()
            };
            assert!(check(&bad).is_err(), "{link}");
        }
        assert!(check(&NewNotification {
            title: " ".into(),
            ..n()
        })
        .is_err());
        assert!(check(&NewNotification {
            kind: "Task".into(),
            ..n()
        })
        .is_err());
    }

    #[test]
    fn kinds_fall_into_groups() {
        assert_eq!(group_of("task.assigned"), "task");
        assert_eq!(group_of("approval"), "approval");
        assert_eq!(group_of("job.dead"), "system");
        assert_eq!(Delivery::parse("digest"), Some(Delivery::Digest));
        assert_eq!(Delivery::parse("sms"), None);
    }

    #[test]
    fn the_digest_is_due_at_the_next_seven_oclock() {
        // 2026-12-02 05:00 UTC -> the same day at 07:00.
        let t = Timestamp(1_796_187_600 * 1_000_000);
        let j = digest_job(t).expect("job");
        assert_eq!(j.run_at.0, (1_796_187_600 + 2 * 3600) * 1_000_000);
        assert_eq!(j.dedupe_key.as_deref(), Some("work.digest:2026-12-02"));
        let later = digest_job(Timestamp(j.run_at.0)).expect("job");
        assert_eq!(later.dedupe_key.as_deref(), Some("work.digest:2026-12-03"));
    }
}
