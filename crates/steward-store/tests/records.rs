//! Records on both databases through core's services: templates set up kinds, fields and
//! categories in one call (twice is refused on `template`, nothing written); subjects are
//! checked against their kind's fields (`custom.<key>`) and their reference is unique; a
//! subject opens to its owner, to who is assigned (a user, a role, a department) and to a
//! company-wide reader, and is not found to anyone else (and to another company); a
//! sensitive category needs its own grant; a record in a category that does not exist is
//! refused on `category_id`; documents are checked by their content and versioned (a new
//! version keeps the old); every view, download and export is in the access log and the
//! audit trail; break-glass needs a reason (nothing written without one), opens the file
//! for a while, tells the owner and the privacy officers and waits for review.
use crate::common;

use serde_json::{json, Map, Value};
use steward_core::auth::Actor;
use steward_core::ids::UserId;
use steward_core::list::Paging;
use steward_core::records::file::{self, ItemInput};
use steward_core::records::setup::{self, CategoryInput};
use steward_core::records::subjects::{self, AssignmentInput, SubjectInput, SubjectQuery};
use steward_core::records::{CategoryId, KindId, SubjectId};
use steward_core::work::notify::{NotificationQuery, NotifyStore};
use steward_core::Error;
use steward_store::files::LocalFiles;
use steward_store::Store;

use common::{insert_user, world};

use common::sorted_fields as fields;

use common::session_actor as actor;

fn custom(pairs: &[(&str, &str)]) -> Option<Map<String, Value>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect(),
    )
}

async fn patient(store: &Store, a: &Actor, kind: KindId, reference: &str) -> SubjectId {
    subjects::create(
        store,
        a,
        &SubjectInput {
            kind_id: kind.0.to_string(),
            reference: reference.into(),
            name: format!("Patient {reference}"),
            owner_id: String::new(),
            custom: custom(&[("date_of_birth", "1970-02-03")]),
            ended_on: None,
        },
    )
    .await
    .expect("patient")
    .id
}

async fn category(store: &Store, a: &Actor, name: &str) -> CategoryId {
    setup::categories(store, a)
        .await
        .expect("categories")
        .into_iter()
        .find(|c| c.name == name)
        .expect("category")
        .id
}

async fn access_rows(db: &common::TestDb) -> i64 {
    db.count("records_access_log").await
}

store_test!(templates_kinds_and_subjects, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let a = &w.actor_a;
    let k = setup::apply_template(store, a, "clinic")
        .await
        .expect("clinic");
    assert_eq!(k.key, "patient");
    let f = setup::fields(store, a, k.id).await.expect("fields");
    assert!(f.iter().any(|f| f.key == "date_of_birth" && f.required));
    let cats = setup::categories(store, a).await.expect("categories");
    assert!(cats
        .iter()
        .any(|c| c.name == "Mental health" && c.sensitive));
    assert!(cats.iter().any(|c| c.name == "Encounters"
        && c.retention_months == Some(120)
        && c.retention_from == "last_activity"));
    let before = db.count("records_kinds").await;
    let e = setup::apply_template(store, a, "clinic")
        .await
        .expect_err("twice");
    assert_eq!(fields(&e), ["template"]);
    assert_eq!(db.count("records_kinds").await, before, "nothing written");
    let e = setup::apply_template(store, a, "bakery")
        .await
        .expect_err("unknown");
    assert_eq!(fields(&e), ["template"]);
    setup::apply_template(store, a, "finance")
        .await
        .expect("finance");
    setup::apply_template(store, a, "factory")
        .await
        .expect("factory");
    // Another company sees none of it.
    assert!(setup::kinds(store, &w.actor_b)
        .await
        .expect("kinds")
        .is_empty());
    assert!(matches!(
        setup::kind(store, &w.actor_b, k.id).await,
        Err(Error::NotFound { .. })
    ));
    // Categories: named errors, names unique.
    let e = setup::create_category(
        store,
        a,
        &CategoryInput {
            name: "encounters".into(),
            ..CategoryInput::default()
        },
    )
    .await
    .expect_err("taken");
    assert_eq!(fields(&e), ["name"]);

    // Subjects: custom values checked, the reference unique.
    let e = subjects::create(
        store,
        a,
        &SubjectInput {
            kind_id: k.id.0.to_string(),
            reference: "P-1".into(),
            name: "Ada".into(),
            owner_id: String::new(),
            custom: custom(&[("blood_type", "purple")]),
            ended_on: None,
        },
    )
    .await
    .expect_err("bad custom");
    assert_eq!(fields(&e), ["custom.blood_type", "custom.date_of_birth"]);
    let e = subjects::create(
        store,
        a,
        &SubjectInput {
            kind_id: "999999".into(),
            reference: "".into(),
            name: "Ada".into(),
            ..SubjectInput::default()
        },
    )
    .await
    .expect_err("no kind");
    assert_eq!(fields(&e), ["kind_id", "reference"]);
    let p1 = patient(store, a, k.id, "P-1").await;
    let e = subjects::create(
        store,
        a,
        &SubjectInput {
            kind_id: k.id.0.to_string(),
            reference: "p-1".into(),
            name: "Twin".into(),
            owner_id: String::new(),
            custom: custom(&[("date_of_birth", "1970-02-03")]),
            ended_on: None,
        },
    )
    .await
    .expect_err("taken reference");
    assert_eq!(fields(&e), ["reference"]);
    let s = subjects::update(
        store,
        a,
        p1,
        &SubjectInput {
            reference: "P-1".into(),
            name: "Ada Lovelace".into(),
            ..SubjectInput::default()
        },
        None,
    )
    .await
    .expect("update keeps the custom values");
    assert_eq!(s.name, "Ada Lovelace");
    assert_eq!(s.custom.get("date_of_birth"), Some(&json!("1970-02-03")));
    for r in ["P-2", "P-3"] {
        patient(store, a, k.id, r).await;
    }
    let page = subjects::list(
        store,
        a,
        &SubjectQuery {
            search: Some("p-".into()),
            paging: Paging::new(Some(2), None),
            ..SubjectQuery::default()
        },
    )
    .await
    .expect("list");
    assert_eq!(page.total, 3);
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].reference, "P-1");
});

store_test!(access_by_need_and_sensitive_categories, |db| async move {
    let store = &db.store;
    let dir = tempfile::tempdir().expect("dir");
    let fs = LocalFiles::new(dir.path());
    let w = world(store).await;
    let admin = &w.actor_a;
    let k = setup::apply_template(store, admin, "clinic")
        .await
        .expect("clinic");
    let doc_u = insert_user(store, w.a, "doctor", &["employee"], None).await;
    let other_u = insert_user(store, w.a, "other", &["employee"], None).await;
    let auditor_u = insert_user(store, w.a, "auditor", &["auditor"], None).await;
    let doctor = actor(store, doc_u, w.a).await;
    let other = actor(store, other_u, w.a).await;
    let auditor = actor(store, auditor_u, w.a).await;
    // The doctor makes a patient (their own) and writes in its file.
    let p = patient(store, &doctor, k.id, "P-10").await;
    let enc = category(store, admin, "Encounters").await;
    let mental = category(store, admin, "Mental health").await;
    file::add_note(
        store,
        &doctor,
        p,
        &ItemInput {
            category_id: enc.0.to_string(),
            title: String::new(),
            body: "Came in with a cough.\nPrescribed rest.".into(),
        },
    )
    .await
    .expect("note");
    // A category that does not exist: refused naming it, nothing written.
    let items = db.count("records_items").await;
    let e = file::add_note(
        store,
        &doctor,
        p,
        &ItemInput {
            category_id: "999999".into(),
            title: String::new(),
            body: "x".into(),
        },
    )
    .await
    .expect_err("no category");
    assert_eq!(fields(&e), ["category_id"]);
    // A sensitive category needs its own grant.
    let e = file::add_note(
        store,
        &doctor,
        p,
        &ItemInput {
            category_id: mental.0.to_string(),
            title: String::new(),
            body: "x".into(),
        },
    )
    .await
    .expect_err("sensitive");
    assert_eq!(fields(&e), ["category_id"]);
    assert_eq!(db.count("records_items").await, items, "nothing written");
    file::add_note(
        store,
        admin,
        p,
        &ItemInput {
            category_id: mental.0.to_string(),
            title: "Assessment".into(),
            body: "Confidential.".into(),
        },
    )
    .await
    .expect("the admin holds records_sensitive");
    let v = file::open_file(store, &doctor, p)
        .await
        .expect("owner opens");
    assert_eq!(v.items.len(), 1);
    assert_eq!(v.hidden, 1, "the sensitive note is left out");
    let v = file::open_file(store, admin, p).await.expect("admin opens");
    assert_eq!(v.items.len(), 2);
    let sensitive = v.items.iter().find(|i| i.sensitive).expect("sensitive").id;
    assert!(matches!(
        file::item(store, &doctor, sensitive).await,
        Err(Error::NotFound { .. })
    ));
    // Not assigned: not found, not listed; another company: not found either.
    for who in [&other, &w.actor_b] {
        assert!(matches!(
            file::open_file(store, who, p).await,
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            subjects::get(store, who, p).await,
            Err(Error::NotFound { .. })
        ));
    }
    let listed = subjects::list(store, &other, &SubjectQuery::default())
        .await
        .expect("list");
    assert_eq!(listed.total, 0);
    // The auditor reads every file, writes none.
    file::open_file(store, &auditor, p)
        .await
        .expect("auditor reads");
    assert!(matches!(
        file::add_note(
            store,
            &auditor,
            p,
            &ItemInput {
                category_id: enc.0.to_string(),
                title: String::new(),
                body: "x".into()
            }
        )
        .await,
        Err(Error::Forbidden)
    ));
    // Assigned by role, then by user: the file opens; ended: closed again.
    let e = subjects::assign(
        store,
        &doctor,
        p,
        &AssignmentInput {
            role_key: "employee".into(),
            ..AssignmentInput::default()
        },
    )
    .await
    .expect_err("the privacy office assigns");
    assert!(matches!(e, Error::Forbidden));
    let e = subjects::assign(store, admin, p, &AssignmentInput::default())
        .await
        .expect_err("nobody named");
    assert_eq!(fields(&e), ["assignee"]);
    let e = subjects::assign(
        store,
        admin,
        p,
        &AssignmentInput {
            role_key: "no_such_role".into(),
            ..AssignmentInput::default()
        },
    )
    .await
    .expect_err("no role");
    assert_eq!(fields(&e), ["role_key"]);
    let by_user = subjects::assign(
        store,
        admin,
        p,
        &AssignmentInput {
            user_id: other_u.0.to_string(),
            ..AssignmentInput::default()
        },
    )
    .await
    .expect("assign the user");
    let v = file::open_file(store, &other, p)
        .await
        .expect("assigned opens");
    assert_eq!(v.items.len(), 1);
    assert_eq!(
        subjects::list(store, &other, &SubjectQuery::default())
            .await
            .expect("list")
            .total,
        1
    );
    subjects::unassign(store, admin, by_user.id)
        .await
        .expect("unassign");
    assert!(file::open_file(store, &other, p).await.is_err());
    subjects::assign(
        store,
        admin,
        p,
        &AssignmentInput {
            role_key: "employee".into(),
            ..AssignmentInput::default()
        },
    )
    .await
    .expect("assign the role");
    file::open_file(store, &other, p).await.expect("by role");

    // Documents: checked by content, versioned, downloads logged.
    let e = file::add_document(
        store,
        &fs,
        &doctor,
        p,
        &ItemInput {
            category_id: enc.0.to_string(),
            title: "Scan".into(),
            body: String::new(),
        },
        "scan.pdf",
        b"\x00\x01\x02 not a pdf",
    )
    .await
    .expect_err("not what it claims");
    assert_eq!(fields(&e), ["file"]);
    let d = common::records_document(
        store,
        &fs,
        &doctor,
        p,
        enc,
        "Referral",
        ("referral.txt", b"Referral, first version"),
    )
    .await;
    let d2 = file::add_version(
        store,
        &fs,
        &doctor,
        d.id,
        "referral.txt",
        b"Referral, second",
    )
    .await
    .expect("version");
    assert_eq!(d2.versions.len(), 2);
    assert_eq!(d2.versions[0].number, 2);
    let old = d2.versions[1].id;
    let before = access_rows(&db).await;
    let bytes = file::download(store, &fs, &doctor, old)
        .await
        .expect("old version");
    assert_eq!(bytes.bytes, b"Referral, first version");
    assert_eq!(access_rows(&db).await, before + 1);
    assert!(matches!(
        file::download(store, &fs, &w.actor_b, old).await,
        Err(Error::NotFound { .. })
    ));
    // The access log: per subject (the owner and the privacy office), per user.
    let log = file::subject_log(store, &doctor, p, Paging::default())
        .await
        .expect("owner reads who has seen the file");
    assert!(log
        .items
        .iter()
        .any(|e| e.actor == "other" && e.action == "view"));
    assert!(log.items.iter().any(|e| e.action == "download"));
    assert!(matches!(
        file::subject_log(store, &other, p, Paging::default()).await,
        Err(Error::Forbidden)
    ));
    let mine = file::user_log(store, &other, other_u, Paging::default())
        .await
        .expect("own log");
    assert!(mine.total >= 2);
    assert!(file::user_log(store, &other, doc_u, Paging::default())
        .await
        .is_err());
    // Each access is in the audit trail too.
    let events = db
        .count(&format!(
            "audit_events WHERE entity = 'records.access' AND entity_id = '{}'",
            p.0
        ))
        .await;
    assert_eq!(
        events,
        db.count(&format!("records_access_log WHERE subject_id = {}", p.0))
            .await
    );
    assert!(events >= 4, "{events}");
});

store_test!(
    break_glass_needs_a_reason_and_is_reviewed,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let admin = &w.actor_a;
        let k = setup::apply_template(store, admin, "clinic")
            .await
            .expect("clinic");
        let owner_u = insert_user(store, w.a, "owner", &["employee"], None).await;
        let nurse_u = insert_user(store, w.a, "nurse", &["employee"], None).await;
        let po_u = insert_user(store, w.a, "po", &["privacy_officer"], None).await;
        let owner = actor(store, owner_u, w.a).await;
        let nurse = actor(store, nurse_u, w.a).await;
        let po = actor(store, po_u, w.a).await;
        let p = patient(store, &owner, k.id, "P-20").await;
        // The privacy officer sees the header, not the file.
        subjects::get(store, &po, p).await.expect("header");
        assert!(matches!(
            file::open_file(store, &po, p).await,
            Err(Error::NotFound { .. })
        ));
        // Without a reason: refused naming it, nothing written.
        let (glass, log) = (
            db.count("records_break_glass").await,
            db.count("records_access_log").await,
        );
        for reason in ["", "   "] {
            let e = file::break_glass(store, &nurse, p, reason)
                .await
                .expect_err("no reason");
            assert_eq!(fields(&e), ["reason"]);
        }
        assert_eq!(db.count("records_break_glass").await, glass);
        assert_eq!(db.count("records_access_log").await, log);
        // Another company's subject is not found.
        assert!(matches!(
            file::break_glass(store, &w.actor_b, p, "emergency").await,
            Err(Error::NotFound { .. })
        ));
        let b = file::break_glass(store, &nurse, p, "Unconscious patient in the ER")
            .await
            .expect("break-glass");
        assert!(b.expires_at.0 > b.opened_at.0);
        let v = file::open_file(store, &nurse, p).await.expect("opened");
        assert!(matches!(v.access.via, Some(subjects::Via::BreakGlass(_))));
        assert!(matches!(
            file::break_glass(store, &nurse, p, "again").await,
            Err(Error::Conflict { .. })
        ));
        // Logged with the reason, told to the owner and the privacy officer.
        let log = file::subject_log(store, &po, p, Paging::default())
            .await
            .expect("log");
        assert!(log
            .items
            .iter()
            .any(|e| e.action == "break_glass" && e.reason == "Unconscious patient in the ER"));
        assert!(log
            .items
            .iter()
            .any(|e| e.action == "view" && e.reason == "break-glass"));
        for u in [owner_u, po_u, w.admin_a] {
            let n = store
                .list_notifications(w.a, u, &NotificationQuery::default())
                .await
                .expect("notifications");
            assert!(
                n.items.iter().any(|n| n.kind == "records.break_glass"),
                "user {u} is told"
            );
        }
        // The review queue.
        let q = file::review_queue(store, &po, true, Paging::default())
            .await
            .expect("queue");
        assert_eq!(q.total, 1);
        assert!(matches!(
            file::review_queue(store, &nurse, true, Paging::default()).await,
            Err(Error::Forbidden)
        ));
        let e = file::review(store, &po, b.id, " ", None)
            .await
            .expect_err("note");
        assert_eq!(fields(&e), ["note"]);
        let r = file::review(store, &po, b.id, "Justified: ER admission.", None)
            .await
            .expect("review");
        assert!(r.reviewed_at.is_some());
        assert!(matches!(
            file::review(store, &po, b.id, "again", None).await,
            Err(Error::Conflict { .. })
        ));
        assert_eq!(
            file::review_queue(store, &po, true, Paging::default())
                .await
                .expect("queue")
                .total,
            0
        );
        let _ = UserId(0);
    }
);
