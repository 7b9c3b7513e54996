//! Notifications on both databases: stored per (company, user), unread counts, marking read,
//! preferences (off, e-mail at once, digest), the notification mail job and the daily digest
//! delivered through a recording mailer by a real worker.
use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;
use steward_core::ids::{CompanyId, UserId};
use steward_core::jobs::{JobQuery, JobStatus, JobStore, Worker, WorkerConfig};
use steward_core::list::Paging;
use steward_core::time::Timestamp;
use steward_core::work::mail::{send_mail, Mail, MailError, MailFuture, Mailer, NotConfigured};
use steward_core::work::notify::{
    self, Delivery, NewNotification, NotificationId, NotificationQuery, NotifyStore, Preference,
};
use steward_core::Error;

use common::{create_user, world};

#[derive(Default, Clone)]
struct Recorder(Arc<Mutex<Vec<Mail>>>);

impl Mailer for Recorder {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async move {
            self.0
                .lock()
                .map_err(|_| MailError::retry("poisoned"))?
                .push(mail.clone());
            Ok(())
        })
    }
    fn describe(&self) -> String {
        "recorder".into()
    }
    fn base_url(&self) -> String {
        "https://steward.test".into()
    }
}

impl Recorder {
    fn mails(&self) -> Vec<Mail> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

fn note(company: CompanyId, user: UserId, kind: &str, title: &str) -> NewNotification {
    NewNotification {
        company,
        user,
        kind: kind.into(),
        title: title.into(),
        body: format!("About {title}."),
        link: Some("/tasks/7".into()),
    }
}

/// Runs a worker with the Work jobs until `done` holds or 10 s pass.
async fn run_worker_until<F>(store: steward_store::Store, mailer: Arc<dyn Mailer>, done: F)
where
    F: Fn() -> bool,
{
    let mut registry = steward_core::registry::Registry::new();
    steward_core::work::register(&mut registry, store.clone(), mailer);
    let worker = Worker::new(
        store,
        registry.jobs().clone(),
        WorkerConfig {
            poll_interval: Duration::from_millis(50),
            ..WorkerConfig::default()
        },
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(worker.run(async move {
        let _ = rx.await;
    }));
    for _ in 0..200 {
        if done() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = tx.send(());
    let _ = handle.await;
}

store_test!(notifications_are_per_user_and_company, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let ann = create_user(s, &w.actor_a, "ann", &["employee"], None).await;
    // Admin B is not a member of company A: skipped, not an error.
    notify::notify(
        s,
        vec![
            note(w.a, w.admin_a, "task.assigned", "First"),
            note(w.a, w.admin_a, "approval.waiting", "Second"),
            note(w.a, ann, "task.assigned", "Ann's"),
            note(w.a, w.admin_b, "task.assigned", "Not a member"),
        ],
    )
    .await
    .expect("notify");
    assert_eq!(s.unread_count(w.a, w.admin_a).await.expect("count"), 2);
    assert_eq!(s.unread_count(w.a, ann).await.expect("count"), 1);
    assert_eq!(s.unread_count(w.a, w.admin_b).await.expect("count"), 0);
    assert_eq!(s.unread_count(w.b, w.admin_b).await.expect("count"), 0);

    let page = notify::list(s, &w.actor_a, &NotificationQuery::default())
        .await
        .expect("list");
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].title, "Second", "newest first");
    assert_eq!(page.items[0].link.as_deref(), Some("/tasks/7"));
    let tasks_only = notify::list(
        s,
        &w.actor_a,
        &NotificationQuery {
            group: Some("task".into()),
            ..Default::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(tasks_only.total, 1);
    let searched = notify::list(
        s,
        &w.actor_a,
        &NotificationQuery {
            search: Some("about first".into()),
            ..Default::default()
        },
    )
    .await
    .expect("search");
    assert_eq!(searched.total, 1);
    let bad = notify::list(
        s,
        &w.actor_a,
        &NotificationQuery {
            group: Some("nope".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(bad, Err(Error::Invalid { .. })));

    // Ann's notification is not the admin's: not found, and not marked.
    let anns = s
        .list_notifications(w.a, ann, &NotificationQuery::default())
        .await
        .expect("ann's list");
    let anns_id = anns.items[0].id;
    assert!(matches!(
        notify::get(s, &w.actor_a, anns_id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        notify::mark_read(s, &w.actor_a, anns_id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        notify::mark_read(s, &w.actor_b, anns_id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(s.unread_count(w.a, ann).await.expect("count"), 1);

    let first = page.items[1].id;
    let read = notify::mark_read(s, &w.actor_a, first).await.expect("mark");
    assert!(read.read_at.is_some());
    assert_eq!(notify::unread_count(s, &w.actor_a).await.expect("count"), 1);
    // Again is fine.
    notify::mark_read(s, &w.actor_a, first)
        .await
        .expect("again");
    let unread = notify::list(
        s,
        &w.actor_a,
        &NotificationQuery {
            unread_only: true,
            ..Default::default()
        },
    )
    .await
    .expect("unread");
    assert_eq!(unread.total, 1);
    assert_eq!(notify::mark_all_read(s, &w.actor_a).await.expect("all"), 1);
    assert_eq!(notify::unread_count(s, &w.actor_a).await.expect("count"), 0);
    assert_eq!(s.unread_count(w.a, ann).await.expect("ann untouched"), 1);

    // A read-only token cannot mark.
    let mut ro = w.actor_a.clone();
    ro.read_only = true;
    assert!(matches!(
        notify::mark_all_read(s, &ro).await,
        Err(Error::Forbidden)
    ));

    // Paging.
    let many: Vec<_> = (0..7)
        .map(|i| note(w.a, w.admin_a, "case.new", &format!("Case {i}")))
        .collect();
    notify::notify(s, many).await.expect("notify many");
    let p = notify::list(
        s,
        &w.actor_a,
        &NotificationQuery {
            paging: Paging::new(Some(3), Some(3)),
            ..Default::default()
        },
    )
    .await
    .expect("page");
    assert_eq!((p.total, p.items.len()), (9, 3));

    // Invalid input names the field.
    let bad = notify::notify(
        s,
        vec![NewNotification {
            link: Some("https://evil.example".into()),
            ..note(w.a, w.admin_a, "task.x", "x")
        }],
    )
    .await;
    assert!(matches!(bad, Err(Error::Invalid { ref field, .. }) if field == "link"));
});

store_test!(preferences_choose_the_delivery, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let prefs = notify::preferences(s, &w.actor_a).await.expect("prefs");
    assert_eq!(prefs.len(), notify::GROUPS.len());
    assert!(prefs.iter().all(|p| p.delivery == Delivery::App));
    let before = db.count("audit_events").await;
    notify::set_preferences(
        s,
        &w.actor_a,
        &[
            Preference {
                group: "task".into(),
                delivery: Delivery::Email,
            },
            Preference {
                group: "case".into(),
                delivery: Delivery::Off,
            },
            Preference {
                group: "approval".into(),
                delivery: Delivery::Digest,
            },
        ],
    )
    .await
    .expect("set");
    assert_eq!(db.count("audit_events").await, before + 1, "audited");
    let bad = notify::set_preferences(
        s,
        &w.actor_a,
        &[Preference {
            group: "weather".into(),
            delivery: Delivery::Email,
        }],
    )
    .await;
    assert!(matches!(bad, Err(Error::Invalid { ref field, .. }) if field == "group"));
    let prefs = notify::preferences(s, &w.actor_a).await.expect("prefs");
    let of = |g: &str| prefs.iter().find(|p| p.group == g).map(|p| p.delivery);
    assert_eq!(of("task"), Some(Delivery::Email));
    assert_eq!(of("case"), Some(Delivery::Off));
    assert_eq!(of("system"), Some(Delivery::App));
    // B's admin's choices are theirs alone.
    let b_prefs = notify::preferences(s, &w.actor_b).await.expect("prefs b");
    assert!(b_prefs.iter().all(|p| p.delivery == Delivery::App));

    notify::notify(
        s,
        vec![
            note(w.a, w.admin_a, "task.assigned", "Mail me"),
            note(w.a, w.admin_a, "case.new", "Never"),
            note(w.a, w.admin_a, "approval.waiting", "Digest me"),
        ],
    )
    .await
    .expect("notify");
    assert_eq!(s.unread_count(w.a, w.admin_a).await.expect("count"), 2);
    let jobs = s
        .list_jobs(
            Some(w.a),
            &JobQuery {
                kind: Some(notify::NOTIFY_MAIL.into()),
                ..Default::default()
            },
        )
        .await
        .expect("jobs");
    assert_eq!(jobs.total, 1, "one mail at once");

    // The worker mails the task notification; the digest collects the approval.
    let rec = Recorder::default();
    let r2 = rec.clone();
    run_worker_until(s.clone(), Arc::new(rec.clone()), move || {
        !r2.mails().is_empty()
    })
    .await;
    let mails = rec.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "admin-a@example.com");
    assert_eq!(mails[0].subject, "[Steward] Mail me");
    assert!(
        mails[0].body.contains("About Mail me."),
        "{}",
        mails[0].body
    );
    assert!(mails[0].body.contains("https://steward.test/tasks/7"));

    notify::run_digest(s, &rec, Timestamp::now())
        .await
        .expect("digest");
    let digest_jobs = s
        .list_jobs(
            Some(w.a),
            &JobQuery {
                kind: Some("mail.send".into()),
                ..Default::default()
            },
        )
        .await
        .expect("jobs");
    assert_eq!(digest_jobs.total, 1);
    let m: Mail = serde_json::from_value(digest_jobs.items[0].payload.clone()).expect("mail");
    assert!(m.subject.contains("1 unread notification"), "{}", m.subject);
    assert!(m.body.contains("Digest me"));
    assert!(!m.body.contains("Mail me"), "mailed at once, not again");
    // A second digest sends nothing new, and tomorrow's is scheduled once.
    notify::run_digest(s, &rec, Timestamp::now())
        .await
        .expect("digest again");
    let again = s
        .list_jobs(
            Some(w.a),
            &JobQuery {
                kind: Some("mail.send".into()),
                ..Default::default()
            },
        )
        .await
        .expect("jobs");
    assert_eq!(again.total, 1);
    let digests = s
        .list_jobs(
            None,
            &JobQuery {
                kind: Some(notify::DIGEST.into()),
                ..Default::default()
            },
        )
        .await
        .expect("digest jobs");
    assert_eq!(digests.total, 1);
    assert!(digests.items[0].run_at > Timestamp::now());
});

store_test!(mail_without_smtp_fails_for_good, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let id = send_mail(
        s,
        Mail {
            company: Some(w.a),
            to: "someone@example.com".into(),
            subject: "Hello".into(),
            body: "Text".into(),
            reply_to: None,
            ..Default::default()
        },
    )
    .await
    .expect("enqueue");
    let bad = send_mail(
        s,
        Mail {
            company: Some(w.a),
            to: "not an address".into(),
            subject: "Hello".into(),
            body: String::new(),
            reply_to: None,
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(bad, Err(Error::Invalid { ref field, .. }) if field == "to"));
    let store = s.clone();
    let probe = s.clone();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = done.clone();
    let watcher = tokio::spawn(async move {
        for _ in 0..200 {
            if let Ok(Some(j)) = probe.get_job(id).await {
                if j.status == JobStatus::Dead {
                    flag.store(true, std::sync::atomic::Ordering::SeqCst);
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let d = done.clone();
    run_worker_until(store, Arc::new(NotConfigured), move || {
        d.load(std::sync::atomic::Ordering::SeqCst)
    })
    .await;
    let _ = watcher.await;
    let job = s.get_job(id).await.expect("get").expect("job");
    assert_eq!(job.status, JobStatus::Dead);
    assert_eq!(job.attempts, 1, "no retries: it cannot help");
    assert!(job
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("no SMTP server is configured")));
    let _ = NotificationId(0);
});
