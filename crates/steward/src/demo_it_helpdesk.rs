//! The demo company's helpdesk: ticket categories, two groups, a few knowledge-base articles
//! and 60 tickets from the staff in every state (new, in progress, waiting on the
//! requester, resolved and rated, closed), one about to breach its first response and one
//! breached, then one run of the SLA job so their states and warnings are as the job
//! leaves them. The IT lead ("it") and the technicians answer some of them.
use steward_core::auth::Actor;
use steward_core::ids::UserId;
use steward_core::it::helpdesk::{
    self, priority, HelpdeskStore, Level, Ticket, TicketCategoryId, TicketId, TicketStatus,
};
use steward_core::it::helpdesk_kb::{self as kb, ArticleInput};
use steward_core::it::helpdesk_sla;
use steward_core::it::helpdesk_tickets::{self as tickets, TicketAction};
use steward_core::time::Timestamp;
use steward_core::work::sla::{self, SlaState};
use steward_core::Error;
use steward_store::Store;

use crate::demo_work::DemoUsers;

const TICKETS: usize = 60;
const MINUTE: i64 = 60_000_000;

const SUBJECTS: &[(&str, &str)] = &[
    ("Laptop does not wake from sleep", "Hardware"),
    ("Cannot connect to the VPN from home", "Network"),
    ("Printer on 2nd floor jams", "Printing"),
    ("Need access to the finance share", "Access"),
    ("Outlook keeps asking for my password", "Software"),
    ("Second monitor flickers", "Hardware"),
    ("Wi-Fi drops in meeting room B", "Network"),
    ("Install the PDF editor", "Software"),
    ("New starter needs an account", "Access"),
    ("Scanner sends empty pages", "Printing"),
];

const ARTICLES: &[(&str, &str)] = &[
    (
        "Connecting to the VPN",
        "1. Open **Northwind VPN**.\n2. Sign in with your usual password.\n3. Approve the prompt on your phone.\n\nStill stuck? Raise a ticket in *Network*.",
    ),
    (
        "Clearing a paper jam",
        "Open the front cover, pull the green lever and remove the paper **towards you**. Never pull it backwards.",
    ),
    (
        "Resetting your password",
        "Go to the sign-in page and choose *Forgot password*. The link is valid for one hour.",
    ),
    (
        "Docking station: two monitors",
        "Use the two DisplayPort sockets on the back. HDMI on the front drives one monitor only.",
    ),
];

fn actor(users: &DemoUsers, name: &str) -> Result<Actor, Error> {
    users
        .actor(name)
        .ok_or_else(|| Error::internal(format!("the demo has no `{name}`")))
}

/// How long ago (real time) a ticket must have been raised for `share` percent of
/// `target` business minutes to be used by `now`.
fn raised_for(now: Timestamp, cal: &sla::Calendar, target: i64, share: i64) -> Timestamp {
    let want = sla::minutes(target) * share / 100;
    let mut t = now;
    for _ in 0..(14 * 24 * 60) {
        if sla::business_time_between(t, now, cal) >= want {
            return t;
        }
        t = Timestamp(t.0 - MINUTE);
    }
    t
}

pub async fn seed(store: &Store, users: &DemoUsers) -> steward_core::Result<()> {
    let lead = actor(users, "it")?;
    let company = users.company;
    let mut cats: Vec<(String, TicketCategoryId)> = Vec::new();
    for name in ["Hardware", "Software", "Network", "Access", "Printing"] {
        let c = helpdesk::create_category(store, &lead, name).await?;
        cats.push((name.to_string(), c.id));
    }
    let all = users.all();
    let techs: Vec<UserId> = all
        .iter()
        .filter(|(_, _, r)| r == "it_technician" || r == "it_lead")
        .map(|(_, id, _)| *id)
        .collect();
    let requesters: Vec<UserId> = all
        .iter()
        .filter(|(_, _, r)| r != "it_technician" && r != "it_lead" && r != "auditor")
        .map(|(_, id, _)| *id)
        .collect();
    if techs.is_empty() || requesters.is_empty() {
        return Ok(());
    }
    let desk = helpdesk::create_group(store, &lead, "Service desk", &techs).await?;
    let field =
        helpdesk::create_group(store, &lead, "Field support", &techs[..techs.len().min(2)]).await?;
    let mut article_ids = Vec::new();
    for (title, body) in ARTICLES {
        let k = kb::create(
            store,
            &lead,
            &ArticleInput {
                title: (*title).into(),
                body: (*body).into(),
                published: true,
            },
        )
        .await?;
        article_ids.push(k.id);
    }
    kb::create(
        store,
        &lead,
        &ArticleInput {
            title: "Draft: replacing laptop batteries".into(),
            body: "Work in progress.".into(),
            published: false,
        },
    )
    .await?;

    let now = Timestamp::now();
    let targets = store.helpdesk_sla(company).await?;
    let cal = helpdesk::calendar(store, company).await?;
    let levels = [Level::Low, Level::Medium, Level::High];
    let statuses = [
        TicketStatus::New,
        TicketStatus::InProgress,
        TicketStatus::WaitingOnRequester,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];
    let mut rows = Vec::with_capacity(TICKETS);
    for i in 0..TICKETS {
        let (subject, cat) = SUBJECTS[i % SUBJECTS.len()];
        let urgency = levels[(i * 7 + 1) % 3];
        let impact = levels[(i * 5) % 3];
        let p = priority(urgency, impact);
        let status = statuses[i % statuses.len()];
        let hours_ago = 2 + (i as i64 * 37) % (24 * 40);
        let mut created = Timestamp(now.0 - hours_ago * 60 * MINUTE);
        let assignee = (status != TicketStatus::New).then(|| techs[i % techs.len()]);
        let group = match i % 3 {
            0 => Some(desk.id),
            1 => Some(field.id),
            _ => None,
        }
        .filter(|_| assignee.is_some());
        let mut first_response_at = None;
        let mut resolved_at = None;
        let mut closed_at = None;
        let mut paused_since = None;
        match status {
            TicketStatus::New => {
                // A recent one, so the new ones are mostly on track.
                created = Timestamp(now.0 - (10 + i as i64) * MINUTE);
            }
            TicketStatus::InProgress => {
                first_response_at = Some(Timestamp(created.0 + 20 * MINUTE));
            }
            TicketStatus::WaitingOnRequester => {
                first_response_at = Some(Timestamp(created.0 + 15 * MINUTE));
                paused_since = Some(Timestamp(created.0 + 60 * MINUTE));
            }
            TicketStatus::Resolved | TicketStatus::Closed => {
                first_response_at = Some(Timestamp(created.0 + 25 * MINUTE));
                resolved_at = Some(Timestamp(created.0 + 90 * MINUTE));
                if status == TicketStatus::Closed {
                    closed_at = Some(Timestamp(created.0 + 3 * 60 * MINUTE));
                }
            }
        }
        rows.push(Ticket {
            id: TicketId(0),
            company,
            requester: requesters[(i * 3) % requesters.len()],
            requester_name: String::new(),
            subject: subject.into(),
            description: "Reported through the demo. Happens every morning since last week.".into(),
            category_id: cats.iter().find(|(n, _)| n == cat).map(|(_, id)| *id),
            category: None,
            urgency,
            impact,
            priority: p,
            status,
            assignee,
            assignee_name: None,
            group_id: group,
            group: None,
            created_at: created,
            updated_at: created,
            first_response_at,
            resolved_at,
            closed_at,
            paused_since,
            paused_micros: 0,
            first_response_due: None,
            resolution_due: None,
            sla_state: if status.is_open() {
                SlaState::OnTrack
            } else {
                SlaState::Met
            },
            response_warned_at: None,
            response_breached_at: None,
            resolution_warned_at: None,
            resolution_breached_at: None,
            rating: None,
            rating_comment: String::new(),
            version: 1,
        });
    }
    // One about to breach its first response (85 % used) and one long breached.
    let near = &mut rows[0];
    near.subject = "Email server unreachable for the sales team".into();
    near.urgency = Level::High;
    near.impact = Level::Medium;
    near.priority = priority(near.urgency, near.impact);
    near.assignee = Some(techs[0]);
    near.group_id = Some(desk.id);
    near.created_at = raised_for(
        now,
        &cal,
        targets.target(near.priority).first_response_minutes,
        85,
    );
    let late = &mut rows[5];
    late.subject = "Payroll PC will not start".into();
    late.urgency = Level::High;
    late.impact = Level::High;
    late.priority = priority(late.urgency, late.impact);
    late.status = TicketStatus::New;
    late.assignee = Some(techs[techs.len() - 1]);
    late.created_at = Timestamp(now.0 - 10 * 24 * 60 * MINUTE);
    for t in &mut rows {
        t.updated_at = t.created_at;
        let s = if t.status.is_open() {
            t.sla_state
        } else {
            SlaState::Met
        };
        helpdesk::refresh_sla(t, &targets, &cal, now);
        if !t.status.is_open() {
            t.sla_state = s;
        }
    }
    let audit = steward_core::audit::AuditDraft::system(
        "demo",
        None,
        helpdesk::TICKET,
        None,
        "seed",
        serde_json::json!({"tickets": rows.len()}),
    )
    .in_company(company);
    store.insert_tickets_bulk(&rows, audit).await?;
    // The SLA job's view of them: warnings and the breach, recorded once.
    helpdesk_sla::run(store, now).await?;

    // A conversation on a few: replies, internal notes, a rating, a linked article.
    let q = helpdesk::TicketQuery {
        view: helpdesk::View::All,
        paging: steward_core::list::Paging::new(Some(100), None),
        ..Default::default()
    };
    let list = tickets::list(store, &lead, &q).await?.items;
    for (n, t) in list.iter().enumerate().take(20) {
        if t.status == TicketStatus::InProgress {
            tickets::act(
                store,
                &lead,
                t.id,
                &TicketAction::Note {
                    body: "Checked the logs: the same error as last month. Ordering a spare."
                        .into(),
                },
                None,
            )
            .await?;
            if let Some(k) = article_ids.get(n % article_ids.len()) {
                tickets::act(
                    store,
                    &lead,
                    t.id,
                    &TicketAction::LinkArticle { article: *k },
                    None,
                )
                .await?;
            }
        }
        if t.status == TicketStatus::WaitingOnRequester {
            // Staff's public question was the reason it waits.
            tickets::act(
                store,
                &lead,
                t.id,
                &TicketAction::Reply {
                    body: "Could you send a photo of the error message?".into(),
                },
                None,
            )
            .await?;
        }
        if t.status == TicketStatus::Resolved {
            if let Some((name, _, _)) = all.iter().find(|(_, id, _)| *id == t.requester) {
                if let Some(requester) = users.actor(name) {
                    tickets::act(
                        store,
                        &requester,
                        t.id,
                        &TicketAction::Rate {
                            rating: 3 + (n as i64 % 3),
                            comment: "Fixed quickly, thank you.".into(),
                        },
                        None,
                    )
                    .await?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use steward_core::it::helpdesk::HelpdeskStore;
    use steward_core::work::sla::SlaState;
    use steward_store::Store;

    /// The demo's helpdesk has open tickets on track, one warned and one breached.
    #[tokio::test]
    async fn demo_tickets_cover_the_sla_states() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("demo.db").display());
        let store = Store::connect(&url, steward_store::ConnectOptions::default())
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        assert!(
            crate::demo::prepare(&store, true, &dir.path().join("files"))
                .await
                .expect("seed")
        );
        let open = store.open_sla_tickets().await.expect("open");
        let has = |s: SlaState| open.iter().any(|t| t.sla_state == s);
        assert!(has(SlaState::Breached), "one breached");
        assert!(has(SlaState::Warning), "one near breach");
        assert!(has(SlaState::Paused), "some wait on the requester");
        assert!(open.len() >= 30 && open.len() < 60, "{}", open.len());
    }
}
