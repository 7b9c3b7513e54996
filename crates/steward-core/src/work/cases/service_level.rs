//! Service levels: targets and settings, the pure SLA arithmetic (due times, warnings,
//! breaches; timers paused while waiting) and the `work.sla` job.
use super::*;

/// First-response and resolution targets of one priority, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    pub priority: Priority,
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
}

/// A company's service levels: targets per priority, the working calendar, and when to warn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaSettings {
    /// One per priority, in [`Priority::ALL`] order.
    pub targets: Vec<SlaTarget>,
    pub calendar: Calendar,
    /// Warn the assignee when this share of a target is used (1-99).
    pub warn_percent: i64,
    pub version: i64,
}

impl Default for SlaSettings {
    fn default() -> Self {
        let t = |priority, fr, res| SlaTarget {
            priority,
            first_response_minutes: fr,
            resolution_minutes: res,
        };
        SlaSettings {
            targets: vec![
                t(Priority::Low, 16 * 60, 80 * 60),
                t(Priority::Normal, 8 * 60, 40 * 60),
                t(Priority::High, 4 * 60, 16 * 60),
                t(Priority::Urgent, 60, 8 * 60),
            ],
            calendar: Calendar::default(),
            warn_percent: 80,
            version: 0,
        }
    }
}

impl SlaSettings {
    pub fn target(&self, p: Priority) -> SlaTarget {
        self.targets
            .iter()
            .find(|t| t.priority == p)
            .copied()
            .or_else(|| {
                SlaSettings::default()
                    .targets
                    .into_iter()
                    .find(|t| t.priority == p)
            })
            .unwrap_or(SlaTarget {
                priority: p,
                first_response_minutes: 8 * 60,
                resolution_minutes: 40 * 60,
            })
    }

    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::new();
        for t in &self.targets {
            let p = t.priority.as_str();
            if !(1..=60 * 24 * 365).contains(&t.first_response_minutes) {
                v.push(
                    &format!("{p}.first_response"),
                    "must be 1 minute to a year of business time",
                );
            }
            if !(1..=60 * 24 * 365).contains(&t.resolution_minutes) {
                v.push(
                    &format!("{p}.resolution"),
                    "must be 1 minute to a year of business time",
                );
            } else if t.resolution_minutes < t.first_response_minutes {
                v.push(
                    &format!("{p}.resolution"),
                    "must not be shorter than the first response",
                );
            }
        }
        if !(1..=99).contains(&self.warn_percent) {
            v.push("warn_percent", "must be 1 to 99");
        }
        if let Err(e) = self.calendar.validate() {
            for fe in e.field_errors() {
                v.push(&fe.field, fe.message);
            }
        }
        v.finish()
    }
}

/// A holiday of the working calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub day: chrono::NaiveDate,
    pub name: String,
}

/// What the SLA job needs of an open case.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaCase {
    pub id: CaseId,
    pub company: CompanyId,
    pub subject: String,
    pub priority: Priority,
    pub status: CaseStatus,
    pub assignee: Option<UserId>,
    pub created_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub paused_since: Option<Timestamp>,
    pub paused_micros: i64,
    pub first_response_due: Option<Timestamp>,
    pub resolution_due: Option<Timestamp>,
    pub sla_state: SlaState,
    pub response_warned: bool,
    pub response_breached: bool,
    pub resolution_warned: bool,
    pub resolution_breached: bool,
}

/// A change the SLA job writes for one case.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaUpdate {
    pub id: CaseId,
    pub company: CompanyId,
    pub sla_state: SlaState,
    pub first_response_due: Option<Timestamp>,
    pub resolution_due: Option<Timestamp>,
    /// Each is applied once: the store skips an event already recorded.
    pub events: Vec<SlaEvent>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SlaRunReport {
    pub evaluated: u64,
    pub updated: u64,
    pub warnings: u64,
    pub breaches: u64,
}

// ---------------------------------------------------------------------------------------
// SLA arithmetic (pure)
// ---------------------------------------------------------------------------------------

impl SlaTarget {
    fn targets(self) -> sla::Targets {
        sla::Targets {
            first_response_minutes: self.first_response_minutes,
            resolution_minutes: self.resolution_minutes,
        }
    }
}

impl SlaCase {
    fn clock(&self) -> sla::Clock {
        sla::Clock {
            created_at: self.created_at,
            first_response_at: self.first_response_at,
            paused_since: self.paused_since,
            paused_micros: self.paused_micros,
            response_warned: self.response_warned,
            response_breached: self.response_breached,
            resolution_warned: self.resolution_warned,
            resolution_breached: self.resolution_breached,
        }
    }
}

/// Due times of a case from its start, pauses and the settings: (first response, resolution).
pub fn due_times(
    created_at: Timestamp,
    paused_micros: i64,
    first_response_at: Option<Timestamp>,
    priority: Priority,
    s: &SlaSettings,
) -> (Option<Timestamp>, Timestamp) {
    let clock = sla::Clock {
        created_at,
        first_response_at,
        paused_since: None,
        paused_micros,
        response_warned: false,
        response_breached: false,
        resolution_warned: false,
        resolution_breached: false,
    };
    sla::due_times(&clock, s.target(priority).targets(), &s.calendar)
}

/// What the job finds for one open case at `now`.
pub fn evaluate_case(c: &SlaCase, s: &SlaSettings, now: Timestamp) -> Option<SlaUpdate> {
    let clock = c.clock();
    let t = s.target(c.priority).targets();
    let (fr_due, res_due) = sla::due_times(&clock, t, &s.calendar);
    let (state, events) = sla::evaluate(&clock, t, s.warn_percent, &s.calendar, now);
    let changed = state != c.sla_state
        || fr_due != c.first_response_due
        || Some(res_due) != c.resolution_due
        || !events.is_empty();
    changed.then_some(SlaUpdate {
        id: c.id,
        company: c.company,
        sla_state: state,
        first_response_due: fr_due,
        resolution_due: Some(res_due),
        events,
    })
}

pub(super) fn as_sla_case(c: &Case) -> SlaCase {
    SlaCase {
        id: c.id,
        company: c.company,
        subject: c.subject.clone(),
        priority: c.priority,
        status: c.status,
        assignee: c.assignee,
        created_at: c.created_at,
        first_response_at: c.first_response_at,
        paused_since: c.paused_since,
        paused_micros: c.paused_micros,
        first_response_due: c.first_response_due,
        resolution_due: c.resolution_due,
        sla_state: c.sla_state,
        response_warned: c.response_warned_at.is_some(),
        response_breached: c.response_breached_at.is_some(),
        resolution_warned: c.resolution_warned_at.is_some(),
        resolution_breached: c.resolution_breached_at.is_some(),
    }
}

/// Brings a case's due times and SLA state up to date after a change (no events: those
/// are the job's).
pub(super) fn refresh_sla(c: &mut Case, s: &SlaSettings, now: Timestamp) {
    if c.status.is_open() {
        let (fr, res) = due_times(
            c.created_at,
            c.paused_micros,
            c.first_response_at,
            c.priority,
            s,
        );
        c.first_response_due = fr;
        c.resolution_due = Some(res);
        if let Some(u) = evaluate_case(&as_sla_case(c), s, now) {
            c.sla_state = u.sla_state;
        }
        if c.paused_since.is_some() {
            c.sla_state = SlaState::Paused;
        }
    } else {
        c.first_response_due = None;
        c.resolution_due = None;
        c.sla_state = sla::closed_state(
            c.response_breached_at.is_some() || c.resolution_breached_at.is_some(),
        );
    }
}

// ---------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------

pub async fn sla_settings(
    store: &impl CaseStore,
    actor: &Actor,
) -> Result<(SlaSettings, Vec<Holiday>)> {
    require(is_back_office(actor))?;
    Ok((
        store.sla_settings(actor.company_id).await?,
        store.holidays(actor.company_id).await?,
    ))
}

/// Saves targets, calendar and holidays; open cases' due times follow at the next job run.
pub async fn save_sla_settings(
    store: &impl CaseStore,
    actor: &Actor,
    mut settings: SlaSettings,
    mut holidays: Vec<Holiday>,
) -> Result<SlaSettings> {
    authorize(
        actor,
        perm(Action::Approve),
        &Target::company(actor.company_id),
    )?;
    require(can_configure(actor))?;
    let mut seen = BTreeSet::new();
    for p in Priority::ALL {
        if !settings.targets.iter().any(|t| t.priority == *p) {
            return Err(Error::invalid(
                format!("{p}.first_response"),
                "a target is needed for every priority",
            ));
        }
    }
    settings.targets.retain(|t| seen.insert(t.priority));
    settings.targets.sort_by_key(|t| t.priority.rank());
    let mut v = Validator::new();
    holidays.sort_by_key(|h| h.day);
    holidays.dedup_by_key(|h| h.day);
    for h in &mut holidays {
        h.name = h.name.trim().chars().take(100).collect();
        if h.name.chars().any(char::is_control) {
            v.push("holidays", "names must be one line");
        }
    }
    if holidays.len() > 1000 {
        v.push("holidays", "at most 1,000 holidays");
    }
    v.finish()?;
    settings.calendar.holidays = holidays.iter().map(|h| h.day).collect();
    settings.validate()?;
    let before = store.sla_settings(actor.company_id).await?;
    let audit = AuditDraft::by(
        actor,
        "case_sla",
        Some(actor.company_id.to_string()),
        "update",
        crate::audit::diff(
            &serde_json::to_value(&before).unwrap_or_default(),
            &serde_json::to_value(&settings).unwrap_or_default(),
        ),
    );
    store
        .save_sla_settings(actor.company_id, &settings, &holidays, audit)
        .await?;
    store.sla_settings(actor.company_id).await
}

/// `mon=09:00-17:00` style weekday hours from form or API text.
pub fn parse_week(get: impl Fn(&str) -> Option<String>) -> Result<[Option<Hours>; 7]> {
    let mut week = [None; 7];
    let mut v = Validator::new();
    for (i, d) in sla::WEEKDAYS.iter().enumerate() {
        if let Some(h) = v.check(d, Hours::parse(&get(d).unwrap_or_default())) {
            week[i] = h;
        }
    }
    v.finish()?;
    Ok(week)
}

/// `YYYY-MM-DD name` per line.
pub fn parse_holidays(text: &str) -> Result<Vec<Holiday>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (day, name) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
            Error::invalid(
                "holidays",
                format!("line {}: start with a date as YYYY-MM-DD", n + 1),
            )
        })?;
        out.push(Holiday {
            day,
            name: name.trim().to_string(),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The SLA job
// ---------------------------------------------------------------------------------------

pub const SLA_JOB: &str = "work.sla";

/// Enqueues the next SLA run at the start of the next minute (once, whoever asks).
pub async fn ensure_sla_scheduled(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_next_minute(store, SLA_JOB).await
}

/// Evaluates every open case of every company at `now`: refreshes due times and SLA states,
/// records warnings and breaches once, and tells the assignee (warnings) or the managers
/// (breaches).
pub async fn evaluate_sla<S: CaseStore + JobStore + NotifyStore>(
    store: &S,
    now: Timestamp,
) -> Result<SlaRunReport> {
    let cases = store.open_sla_cases().await?;
    let mut settings: HashMap<CompanyId, SlaSettings> = HashMap::new();
    let mut updates = Vec::new();
    let mut report = SlaRunReport {
        evaluated: cases.len() as u64,
        ..Default::default()
    };
    for c in &cases {
        if let std::collections::hash_map::Entry::Vacant(e) = settings.entry(c.company) {
            e.insert(store.sla_settings(c.company).await?);
        }
        if let Some(s) = settings.get(&c.company) {
            if let Some(u) = evaluate_case(c, s, now) {
                updates.push(u);
            }
        }
    }
    if updates.is_empty() {
        return Ok(report);
    }
    report.updated = updates.len() as u64;
    let applied = store.apply_sla(&updates, now).await?;
    let by_id: HashMap<CaseId, &SlaCase> = cases.iter().map(|c| (c.id, c)).collect();
    let mut managers: HashMap<CompanyId, Vec<UserId>> = HashMap::new();
    // All of a run's notifications go out in one call.
    let mut items: Vec<super::notify::NewNotification> = Vec::new();
    for (u, events) in updates.iter().zip(applied) {
        let Some(c) = by_id.get(&u.id) else { continue };
        for ev in events {
            let title = format!("Case #{} {}: {}", c.id, ev.describe(), c.subject);
            if let std::collections::hash_map::Entry::Vacant(e) = managers.entry(c.company) {
                e.insert(store.case_managers(c.company).await?);
            }
            let bosses = managers.get(&c.company).cloned().unwrap_or_default();
            let (to, kind, body) = if ev.is_breach() {
                report.breaches += 1;
                let mut to = bosses;
                if let Some(a) = c.assignee {
                    if !to.contains(&a) {
                        to.push(a);
                    }
                }
                (
                    to,
                    "case.sla_breach",
                    "The service level of this case was breached; it is escalated to you.",
                )
            } else {
                report.warnings += 1;
                (
                    c.assignee.map(|a| vec![a]).unwrap_or(bosses),
                    "case.sla_warning",
                    "This case will breach its service level soon.",
                )
            };
            items.extend(to.into_iter().map(|user| super::notify::NewNotification {
                company: c.company,
                user,
                kind: kind.to_string(),
                title: title.clone(),
                body: body.to_string(),
                link: Some(format!("/cases/{}", c.id)),
            }));
        }
    }
    if !items.is_empty() {
        // The events are recorded; a notification that fails is logged, not retried.
        if let Err(e) = super::notify::notify(store, items).await {
            tracing::warn!(error = %e, "SLA notifications failed");
        }
    }
    Ok(report)
}
