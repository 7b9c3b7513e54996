//! Records' retention and legal hold on both databases: each event a period counts from
//! (the record made, the relationship's end, the subject's last activity) lists a record
//! only once its period has run out, and only once; a held subject or category is not
//! listed, and a hold placed after the listing refuses the disposal (a conflict) until it
//! is released; a disposal deletes a note's text and a document's versions and bytes and
//! keeps the tombstone; a kept record stays; bad holds are refused naming the field with
//! nothing written; only the privacy office decides, and another company sees nothing.
//! Over random holds a held record is never disposed of.
use crate::common;

use chrono::Months;
use steward_core::auth::Actor;
use steward_core::files::FileStore;
use steward_core::records::file;
use steward_core::records::retention::{self, DisposalQuery, HoldInput};
use steward_core::records::setup::{self, CategoryInput};
use steward_core::records::subjects::{self, SubjectInput};
use steward_core::records::{CategoryId, SubjectId};
use steward_core::Error;
use steward_store::files::LocalFiles;
use steward_store::Store;

use common::{insert_user, records_subject as subject, world};

use common::sorted_fields as fields;

use common::session_actor as actor;

async fn rule(store: &Store, a: &Actor, name: &str, from: &str) -> CategoryId {
    setup::create_category(
        store,
        a,
        &CategoryInput {
            name: name.into(),
            sensitive: false,
            retention_months: "12".into(),
            retention_from: from.into(),
            ..CategoryInput::default()
        },
    )
    .await
    .expect("category")
    .id
}

async fn note(store: &Store, a: &Actor, s: SubjectId, c: CategoryId, title: &str) {
    common::records_note(store, a, s, c, title, &format!("The text of {title}")).await;
}

fn hold(reference: &str, category: Option<CategoryId>, reason: &str) -> HoldInput {
    HoldInput {
        subject_id: String::new(),
        subject_reference: reference.into(),
        category_id: category.map(|c| c.0.to_string()).unwrap_or_default(),
        reason: reason.into(),
    }
}

async fn due(store: &Store, a: &Actor) -> Vec<retention::Disposal> {
    retention::disposals(
        store,
        a,
        &DisposalQuery {
            status: Some("due".into()),
            ..DisposalQuery::default()
        },
    )
    .await
    .expect("disposals")
    .items
}

store_test!(retention_holds_and_disposal, |db| async move {
    let store = &db.store;
    let dir = tempfile::tempdir().expect("dir");
    let fs = LocalFiles::new(dir.path());
    let w = world(store).await;
    let a = &w.actor_a;
    let company = Some(w.a);
    let k = setup::apply_template(store, a, "clinic")
        .await
        .expect("clinic");
    let made = rule(store, a, "Letters", "record_created").await;
    let ended = rule(store, a, "Contracts", "relationship_end").await;
    let active = rule(store, a, "Visits", "last_activity").await;
    let (p1, p2, p3) = (
        subject(store, a, k.id, "P-1").await,
        subject(store, a, k.id, "P-2").await,
        subject(store, a, k.id, "P-3").await,
    );
    note(store, a, p1, made, "Referral").await;
    note(store, a, p2, made, "Held letter").await;
    note(store, a, p3, ended, "Contract").await;
    note(store, a, p2, active, "Visit").await;
    let doc = common::records_document(
        store,
        &fs,
        a,
        p1,
        made,
        "Scan",
        ("scan.txt", b"a scanned letter"),
    )
    .await;
    file::add_version(store, &fs, a, doc.id, "scan2.txt", b"the second scan")
        .await
        .expect("version");
    let keys: Vec<String> = file::item(store, a, doc.id)
        .await
        .expect("item")
        .0
        .versions
        .iter()
        .map(|v| v.file.storage_key.clone())
        .collect();
    assert_eq!(keys.len(), 2);

    // Bad holds: named, nothing written.
    let e = retention::place_hold(store, a, &hold("P-2", None, " "))
        .await
        .expect_err("no reason");
    assert_eq!(fields(&e), ["reason"]);
    let e = retention::place_hold(store, a, &hold("", None, "audit"))
        .await
        .expect_err("nothing named");
    assert_eq!(fields(&e), ["subject_id"]);
    let e = retention::place_hold(store, a, &hold("P-2", Some(made), "audit"))
        .await
        .expect_err("both");
    assert_eq!(fields(&e), ["category_id"]);
    let e = retention::place_hold(store, a, &hold("P-404", None, "audit"))
        .await
        .expect_err("no such subject");
    assert_eq!(fields(&e), ["subject_reference"]);
    assert_eq!(db.count("records_holds").await, 0, "nothing written");
    let h2 = retention::place_hold(store, a, &hold("p-2", None, "Litigation 2026/17"))
        .await
        .expect("hold on P-2");
    assert_eq!(h2.subject_id, Some(p2));

    // Nothing is due before its period has run out.
    let today = steward_core::time::today();
    let later = today + Months::new(13);
    assert_eq!(
        retention::list_due(store, company, today, None)
            .await
            .expect("today"),
        0
    );
    // A year and a month on: P-1's letter and scan; not P-2's (held), not P-3's contract
    // (the relationship goes on).
    assert_eq!(
        retention::list_due(store, company, later, None)
            .await
            .expect("later"),
        2
    );
    let listed = due(store, a).await;
    assert!(listed.iter().all(|d| d.subject_id == p1), "{listed:?}");
    assert_eq!(
        retention::list_due(store, company, later, None)
            .await
            .expect("again"),
        0,
        "listed once"
    );
    // The relationship ends today: its contract is due a year on.
    let s3 = subjects::get(store, a, p3).await.expect("p3").0;
    subjects::update(
        store,
        a,
        p3,
        &SubjectInput {
            reference: s3.reference.clone(),
            name: s3.name.clone(),
            ended_on: Some(today.to_string()),
            ..SubjectInput::default()
        },
        None,
    )
    .await
    .expect("ended");
    let e = subjects::update(
        store,
        a,
        p3,
        &SubjectInput {
            reference: s3.reference.clone(),
            name: s3.name.clone(),
            ended_on: Some("someday".into()),
            ..SubjectInput::default()
        },
        None,
    )
    .await
    .expect_err("bad day");
    assert_eq!(fields(&e), ["ended_on"]);
    assert_eq!(
        retention::list_due(store, company, later, None)
            .await
            .expect("contract"),
        1
    );
    assert_eq!(due(store, a).await.len(), 3);

    // Another company and a clinician see and decide nothing.
    assert!(due(store, &w.actor_b).await.is_empty());
    let scan = listed
        .iter()
        .find(|d| d.title == "Scan")
        .expect("scan listed");
    assert!(matches!(
        retention::dispose(store, &fs, &w.actor_b, scan.id).await,
        Err(Error::NotFound { .. })
    ));
    let nurse_u = insert_user(store, w.a, "nurse", &["employee"], None).await;
    let nurse = actor(store, nurse_u, w.a).await;
    assert!(matches!(
        retention::dispose(store, &fs, &nurse, scan.id).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        retention::holds(store, &nurse, true).await,
        Err(Error::Forbidden)
    ));

    // The scan is disposed of: its versions and bytes go, the tombstone stays.
    let d = retention::dispose(store, &fs, a, scan.id)
        .await
        .expect("dispose");
    assert_eq!(d.status, "disposed");
    assert_eq!(d.versions, 2);
    assert_eq!(d.bytes, 16 + 15);
    for k in &keys {
        assert!(fs.get(k).await.is_err(), "the bytes are gone");
    }
    let (it, _, _) = file::item(store, a, doc.id).await.expect("tombstone");
    assert!(it.disposed_at.is_some() && it.versions.is_empty());
    assert!(
        file::add_version(store, &fs, a, doc.id, "scan3.txt", b"again")
            .await
            .is_err()
    );
    assert!(matches!(
        retention::dispose(store, &fs, a, scan.id).await,
        Err(Error::Conflict { .. })
    ));

    // A hold placed after the listing refuses the disposal until released.
    let letter = listed
        .iter()
        .find(|d| d.title == "Referral")
        .expect("letter");
    let hc = retention::place_hold(store, a, &hold("", Some(made), "Regulator's inquiry"))
        .await
        .expect("category hold");
    let shown = due(store, a).await;
    assert!(shown.iter().any(|d| d.id == letter.id && d.held));
    assert!(matches!(
        retention::dispose(store, &fs, a, letter.id).await,
        Err(Error::Conflict { .. })
    ));
    let e = retention::release_hold(store, a, hc.id, "", None)
        .await
        .expect_err("no reason");
    assert_eq!(fields(&e), ["reason"]);
    let released = retention::release_hold(store, a, hc.id, "Inquiry closed", None)
        .await
        .expect("release");
    assert!(released.released_at.is_some());
    assert!(matches!(
        retention::release_hold(store, a, hc.id, "again", None).await,
        Err(Error::Conflict { .. })
    ));
    retention::dispose(store, &fs, a, letter.id)
        .await
        .expect("dispose the letter");
    let view = file::open_file(store, a, p1).await.expect("file");
    let referral = view
        .items
        .iter()
        .find(|i| i.title == "Referral")
        .expect("kept as a tombstone");
    assert!(referral.body.is_empty() && referral.disposed_at.is_some());

    // The contract is kept, with a note; it is decided once.
    let contract = due(store, a).await.into_iter().next().expect("contract");
    let e = retention::keep(store, a, contract.id, "")
        .await
        .expect_err("no note");
    assert_eq!(fields(&e), ["note"]);
    let kept = retention::keep(store, a, contract.id, "Open claim")
        .await
        .expect("keep");
    assert_eq!(
        (kept.status.as_str(), kept.note.as_str()),
        ("kept", "Open claim")
    );
    assert!(matches!(
        retention::dispose(store, &fs, a, contract.id).await,
        Err(Error::Conflict { .. })
    ));
    assert_eq!(
        retention::list_due(store, company, later, None)
            .await
            .expect("not again"),
        0
    );
    // The subject's hold still keeps P-2's records off the list.
    assert!(due(store, a).await.is_empty());
    assert_eq!(
        db.count("records_holds").await,
        2,
        "P-2's and the released category hold"
    );

    // A sensitive record's title: shown to who may read it, hidden from a privacy officer
    // without the grant, and not searched for them.
    let secret = setup::create_category(
        store,
        a,
        &CategoryInput {
            name: "Psychiatry".into(),
            sensitive: true,
            retention_months: "12".into(),
            retention_from: "record_created".into(),
            ..CategoryInput::default()
        },
    )
    .await
    .expect("sensitive category")
    .id;
    note(store, a, p1, secret, "Depression screening").await;
    assert_eq!(
        retention::list_due(store, company, later, None)
            .await
            .expect("sensitive"),
        1
    );
    let po_u = insert_user(store, w.a, "po", &["privacy_officer"], None).await;
    let po = actor(store, po_u, w.a).await;
    let seen = due(store, &po).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].title, retention::HIDDEN_TITLE);
    let search = |who: &Actor, text: &str| {
        let q = DisposalQuery {
            search: Some(text.into()),
            ..DisposalQuery::default()
        };
        let who = who.clone();
        async move {
            retention::disposals(store, &who, &q)
                .await
                .expect("search")
                .total
        }
    };
    assert_eq!(search(&po, "depression").await, 0);
    assert_eq!(search(a, "depression").await, 1);
    assert_eq!(
        search(&po, "p-1").await,
        3,
        "by reference: the scan, the letter, this"
    );
    assert_eq!(
        due(store, a).await[0].title,
        "Depression screening",
        "the admin reads sensitive records"
    );
});

store_test!(a_held_record_is_never_disposed_of, |db| async move {
    let store = &db.store;
    let dir = tempfile::tempdir().expect("dir");
    let fs = LocalFiles::new(dir.path());
    let w = world(store).await;
    let a = &w.actor_a;
    let k = setup::apply_template(store, a, "clinic")
        .await
        .expect("clinic");
    let cats = [
        rule(store, a, "A", "record_created").await,
        rule(store, a, "B", "record_created").await,
    ];
    let mut subjects = Vec::new();
    for i in 0..6 {
        let s = subject(store, a, k.id, &format!("S-{i}")).await;
        for c in cats {
            note(store, a, s, c, &format!("S-{i} in {}", c.0)).await;
        }
        subjects.push(s);
    }
    // A fixed pseudo-random sequence (a linear congruential generator): the run is the
    // same on both databases and every time.
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    let later = steward_core::time::today() + Months::new(13);
    let (mut refused, mut disposed) = (0, 0);
    for round in 0..4 {
        // Holds before the listing and after it.
        let mut held_subjects = Vec::new();
        let mut held_cats = Vec::new();
        let mut holds = Vec::new();
        for (i, s) in subjects.iter().enumerate() {
            if next() % 3 == 0 {
                let h = retention::place_hold(store, a, &hold(&format!("S-{i}"), None, "r"))
                    .await
                    .expect("hold");
                held_subjects.push(*s);
                holds.push(h.id);
            }
        }
        retention::list_due(store, Some(w.a), later, None)
            .await
            .expect("list");
        for (i, s) in subjects.iter().enumerate() {
            if !held_subjects.contains(s) && next() % 3 == 0 {
                let h = retention::place_hold(store, a, &hold(&format!("S-{i}"), None, "r"))
                    .await
                    .expect("hold");
                held_subjects.push(*s);
                holds.push(h.id);
            }
        }
        for c in cats {
            if next() % 2 == 0 {
                let h = retention::place_hold(store, a, &hold("", Some(c), "r"))
                    .await
                    .expect("hold");
                held_cats.push(c);
                holds.push(h.id);
            }
        }
        for d in due(store, a).await {
            let held = held_subjects.contains(&d.subject_id) || held_cats.contains(&d.category_id);
            assert_eq!(d.held, held, "round {round}: {d:?}");
            match retention::dispose(store, &fs, a, d.id).await {
                Ok(done) => {
                    assert!(
                        !held,
                        "round {round}: a held record was disposed of: {done:?}"
                    );
                    disposed += 1;
                }
                Err(Error::Conflict { .. }) => {
                    assert!(held, "round {round}: refused {d:?}");
                    refused += 1;
                }
                Err(e) => panic!("round {round}: {e}"),
            }
        }
        for h in holds {
            retention::release_hold(store, a, h, "done", None)
                .await
                .expect("release");
        }
    }
    // The sequence holds records after their listing (refused) and leaves others free.
    assert!(
        refused > 0 && disposed > 0,
        "refused {refused}, disposed {disposed}"
    );
});

// Anonymizing a subject: a held subject is refused; records whose category is held or whose
// retention runs on are kept, the rest erased with a tombstone; the identity goes; nobody
// but the privacy office does it, and only once.
store_test!(
    anonymize_keeps_what_retention_or_a_hold_requires,
    |db| async move {
        use steward_core::records::anonymize::{self, ANONYMIZED_NAME};
        let store = &db.store;
        let dir = tempfile::tempdir().expect("dir");
        let fs = LocalFiles::new(dir.path());
        let w = world(store).await;
        let a = &w.actor_a;
        let k = setup::apply_template(store, a, "clinic")
            .await
            .expect("clinic");
        let loose = setup::create_category(
            store,
            a,
            &CategoryInput {
                name: "Correspondence".into(),
                ..CategoryInput::default()
            },
        )
        .await
        .expect("no retention")
        .id;
        let kept = rule(store, a, "Letters", "record_created").await;
        let frozen = rule(store, a, "Claims", "record_created").await;
        let p1 = subject(store, a, k.id, "P-1").await;
        let p2 = subject(store, a, k.id, "P-2").await;
        note(store, a, p1, loose, "Thank-you card").await;
        note(store, a, p1, kept, "Referral").await;
        note(store, a, p1, frozen, "Claim").await;
        let doc = common::records_document(
            store,
            &fs,
            a,
            p1,
            loose,
            "Photo",
            ("photo.txt", b"a photo of the patient"),
        )
        .await;
        let key = file::item(store, a, doc.id).await.expect("item").0.versions[0]
            .file
            .storage_key
            .clone();
        retention::place_hold(store, a, &hold("", Some(frozen), "Claim 2026/3"))
            .await
            .expect("category hold");
        retention::place_hold(store, a, &hold("P-2", None, "Litigation"))
            .await
            .expect("subject hold");

        let plan = anonymize::plan(store, a, p1).await.expect("plan");
        let mut gone: Vec<&str> = plan.dispose.iter().map(|p| p.title.as_str()).collect();
        gone.sort_unstable();
        assert_eq!(gone, ["Photo", "Thank-you card"], "{plan:?}");
        let mut kept_titles: Vec<(&str, bool)> = plan
            .keep
            .iter()
            .map(|p| {
                (
                    p.title.as_str(),
                    p.kept_because.contains("hold") || p.kept_because.contains("runs until"),
                )
            })
            .collect();
        kept_titles.sort_unstable();
        assert_eq!(
            kept_titles,
            [("Claim", true), ("Referral", true)],
            "{plan:?}"
        );
        assert_eq!(plan.reference, format!("ANON-{}", p1.0));

        // Refused, nothing written: no reason; a held subject; someone else's company; a
        // reader who is not the privacy office.
        let nurse_u = insert_user(store, w.a, "nurse", &["employee"], None).await;
        let nurse = actor(store, nurse_u, w.a).await;
        let before = db.count("audit_events").await;
        let e = anonymize::anonymize(store, &fs, a, p1, "  ")
            .await
            .expect_err("no reason");
        assert_eq!(fields(&e), ["reason"]);
        let e = anonymize::anonymize(store, &fs, a, p2, "Erasure request")
            .await
            .expect_err("held");
        assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
        let e = anonymize::anonymize(store, &fs, &w.actor_b, p1, "Erasure request")
            .await
            .expect_err("another company");
        assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
        let e = anonymize::plan(store, &nurse, p1).await.expect_err("nurse");
        assert!(matches!(e, Error::Forbidden), "{e:?}");
        assert_eq!(db.count("audit_events").await, before, "nothing written");
        assert_eq!(
            subjects::get(store, a, p2).await.expect("p2").0.reference,
            "P-2"
        );

        let done = anonymize::anonymize(store, &fs, a, p1, "Erasure request 2026/9")
            .await
            .expect("anonymized");
        assert!(done.done);
        let s = subjects::get(store, a, p1).await.expect("p1").0;
        assert_eq!(s.reference, format!("ANON-{}", p1.0));
        assert_eq!(s.name, ANONYMIZED_NAME);
        assert!(s.custom.is_empty());
        assert!(s.anonymized_at.is_some());
        assert!(fs.get(&key).await.is_err(), "the photo's bytes are gone");
        let items = file::RecordStore::items(store, w.a, p1)
            .await
            .expect("items");
        for i in &items {
            let erased = i.title == "Photo" || i.title == "Thank-you card";
            assert_eq!(i.disposed_at.is_some(), erased, "{}", i.title);
            if erased {
                assert!(i.body.is_empty() && i.versions.is_empty(), "{}", i.title);
            } else {
                assert!(!i.body.is_empty(), "{} kept with its text", i.title);
            }
        }
        let tombstones = retention::disposals(
            store,
            a,
            &DisposalQuery {
                status: Some("disposed".into()),
                ..DisposalQuery::default()
            },
        )
        .await
        .expect("disposals")
        .items;
        assert_eq!(tombstones.len(), 2, "{tombstones:?}");
        assert!(tombstones
            .iter()
            .all(|d| d.note == "the subject was anonymized"));
        let e = anonymize::anonymize(store, &fs, a, p1, "again")
            .await
            .expect_err("twice");
        assert!(matches!(e, Error::Conflict { .. }), "{e:?}");
    }
);
