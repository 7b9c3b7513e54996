//! Records' consent on both databases: bad consents are refused naming the field with
//! nothing written; a consent in force (the purpose compared regardless of case and
//! spacing) clears the flag on the subject's records in a category serving it, and its
//! withdrawal or end brings the flag back; the company's list filters by state and search;
//! the privacy office's list of records without consent follows; who may read, record and
//! withdraw is the file's access (the privacy office too), and another company sees nothing.
use crate::common;

use chrono::Duration;
use steward_core::auth::Actor;
use steward_core::records::consent::{self, ConsentInput, ConsentQuery};
use steward_core::records::file;
use steward_core::records::setup;
use steward_core::records::{CategoryId, SubjectId};
use steward_core::Error;
use steward_store::files::LocalFiles;
use steward_store::Store;

use common::sorted_fields as fields;
use common::{
    insert_user, records_note, records_subject as subject, session_actor as actor, world,
};

async fn note(store: &Store, a: &Actor, s: SubjectId, c: CategoryId, title: &str) {
    records_note(store, a, s, c, title, &format!("The text of {title}")).await;
}

fn day(days: i64) -> String {
    (steward_core::time::today() + Duration::days(days)).to_string()
}

fn input(purpose: &str, given: i64, ends: Option<i64>) -> ConsentInput {
    ConsentInput {
        purpose: purpose.into(),
        given_on: day(given),
        expires_on: ends.map(day).unwrap_or_default(),
        ..ConsentInput::default()
    }
}

async fn flagged(store: &Store, a: &Actor, s: SubjectId) -> Vec<String> {
    file::open_file(store, a, s)
        .await
        .expect("file")
        .unconsented
        .into_values()
        .collect()
}

async fn missing(store: &Store, a: &Actor) -> Vec<(String, i64)> {
    consent::unconsented(store, a, Default::default())
        .await
        .expect("unconsented")
        .items
        .into_iter()
        .map(|u| (u.subject, u.records))
        .collect()
}

async fn listed(
    store: &Store,
    a: &Actor,
    state: Option<&str>,
    search: Option<&str>,
) -> Vec<String> {
    consent::list(
        store,
        a,
        &ConsentQuery {
            state: state.map(str::to_string),
            search: search.map(str::to_string),
            ..ConsentQuery::default()
        },
    )
    .await
    .expect("consents")
    .items
    .into_iter()
    .map(|c| c.subject)
    .collect()
}

store_test!(consents_flag_and_clear, |db| async move {
    let store = &db.store;
    let dir = tempfile::tempdir().expect("dir");
    let fs = LocalFiles::new(dir.path());
    let w = world(store).await;
    let a = &w.actor_a;
    let k = setup::apply_template(store, a, "clinic")
        .await
        .expect("clinic");
    let cats = setup::categories(store, a).await.expect("categories");
    let research = cats
        .iter()
        .find(|c| c.purpose == "Research")
        .expect("the clinic's research category")
        .id;
    let visits = cats
        .iter()
        .find(|c| c.name == "Encounters")
        .expect("encounters")
        .id;
    let (p1, p2, p3) = (
        subject(store, a, k.id, "P-1").await,
        subject(store, a, k.id, "P-2").await,
        subject(store, a, k.id, "P-3").await,
    );
    note(store, a, p1, research, "Baseline").await;
    note(store, a, p1, visits, "Check-up").await;
    note(store, a, p2, research, "Baseline").await;
    note(store, a, p2, research, "Follow-up").await;
    note(store, a, p3, visits, "Check-up").await;
    assert_eq!(flagged(store, a, p1).await, ["Research"]);
    assert!(
        flagged(store, a, p3).await.is_empty(),
        "no purpose, no flag"
    );
    assert_eq!(
        missing(store, a).await,
        [
            ("P-1 Patient P-1".to_string(), 1),
            ("P-2 Patient P-2".to_string(), 2)
        ]
    );

    // Bad consents: each field named, nothing written.
    let other_doc = common::records_document(
        store,
        &fs,
        a,
        p2,
        research,
        "P-2's form",
        ("form.txt", b"signed"),
    )
    .await;
    for (bad, field) in [
        (input(" ", -1, None), "purpose"),
        (input("Research", 1, None), "given_on"),
        (input("Research", -10, Some(-11)), "expires_on"),
        (
            ConsentInput {
                given_on: "2026-02-30".into(),
                ..input("Research", 0, None)
            },
            "given_on",
        ),
        (
            ConsentInput {
                document_id: other_doc.id.0.to_string(),
                ..input("Research", 0, None)
            },
            "document_id",
        ),
    ] {
        let e = consent::give(store, a, p1, &bad).await.expect_err(field);
        assert_eq!(fields(&e), [field]);
    }
    assert_eq!(db.count("records_consents").await, 0, "nothing written");

    // P-1 consents (the purpose in another case and spacing): the flag goes.
    let c1 = consent::give(store, a, p1, &input("  research ", -30, None))
        .await
        .expect("give");
    assert_eq!(c1.state(steward_core::time::today()), "active");
    assert!(flagged(store, a, p1).await.is_empty());
    // P-2's ends within the month: in force, expiring.
    let c2 = consent::give(store, a, p2, &input("Research", -100, Some(10)))
        .await
        .expect("expiring");
    assert!(flagged(store, a, p2).await.is_empty());
    assert!(missing(store, a).await.is_empty());
    assert_eq!(consent::expiring_count(store, w.a).await.expect("count"), 1);
    // An expired consent of P-3's to marketing.
    consent::give(store, a, p3, &input("Marketing", -100, Some(-1)))
        .await
        .expect("expired");
    assert_eq!(
        listed(store, a, Some("expiring"), None).await,
        ["P-2 Patient P-2"]
    );
    assert_eq!(
        listed(store, a, Some("expired"), None).await,
        ["P-3 Patient P-3"]
    );
    assert_eq!(
        listed(store, a, Some("active"), None).await,
        ["P-1 Patient P-1"]
    );
    assert_eq!(
        listed(store, a, None, Some("marketing")).await,
        ["P-3 Patient P-3"]
    );
    assert_eq!(listed(store, a, None, None).await.len(), 3);
    assert!(matches!(
        consent::list(
            store,
            a,
            &ConsentQuery {
                state: Some("forever".into()),
                ..ConsentQuery::default()
            }
        )
        .await,
        Err(Error::Invalid { .. })
    ));

    // Withdrawal: not in the future, not before it was given; then the flag is back.
    let e = consent::withdraw(store, a, c1.id, &day(1), "", None)
        .await
        .expect_err("future");
    assert_eq!(fields(&e), ["withdrawn_on"]);
    let e = consent::withdraw(store, a, c1.id, &day(-31), "", None)
        .await
        .expect_err("before given");
    assert_eq!(fields(&e), ["withdrawn_on"]);
    let w1 = consent::withdraw(store, a, c1.id, "", "Moved away", None)
        .await
        .expect("withdraw");
    assert_eq!(
        (
            w1.state(steward_core::time::today()),
            w1.withdrawn_reason.as_str()
        ),
        ("withdrawn", "Moved away")
    );
    assert!(matches!(
        consent::withdraw(store, a, c1.id, "", "again", None).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        consent::withdraw(store, a, c2.id, "", "stale", Some(c2.version + 1)).await,
        Err(Error::Conflict { .. })
    ));
    assert_eq!(flagged(store, a, p1).await, ["Research"]);
    assert_eq!(
        listed(store, a, Some("withdrawn"), None).await,
        ["P-1 Patient P-1"]
    );
    assert_eq!(
        missing(store, a).await,
        [("P-1 Patient P-1".to_string(), 1)]
    );
    // The signed form is one of the subject's documents.
    let with_form = consent::give(
        store,
        a,
        p2,
        &ConsentInput {
            document_id: other_doc.id.0.to_string(),
            ..input("Research", 0, None)
        },
    )
    .await
    .expect("with its form");
    assert_eq!(
        (with_form.document_id, with_form.document_title.as_str()),
        (Some(other_doc.id), "P-2's form")
    );

    // Who: an employee with no access to P-1 finds nothing; the privacy office reads,
    // records and withdraws; an auditor reads but does not change; another company sees
    // nothing.
    let emp_u = insert_user(store, w.a, "emp", &["employee"], None).await;
    let emp = actor(store, emp_u, w.a).await;
    assert!(matches!(
        consent::of_subject(store, &emp, p1).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        consent::give(store, &emp, p1, &input("Research", 0, None)).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        consent::withdraw(store, &emp, c2.id, "", "", None).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        consent::list(store, &emp, &ConsentQuery::default()).await,
        Err(Error::Forbidden)
    ));
    let po_u = insert_user(store, w.a, "po", &["privacy_officer"], None).await;
    let po = actor(store, po_u, w.a).await;
    assert_eq!(
        consent::of_subject(store, &po, p2).await.expect("po").len(),
        2
    );
    consent::give(store, &po, p1, &input("Research", 0, None))
        .await
        .expect("the office records");
    assert!(flagged(store, a, p1).await.is_empty());
    let aud_u = insert_user(store, w.a, "aud", &["auditor"], None).await;
    let aud = actor(store, aud_u, w.a).await;
    assert_eq!(
        consent::of_subject(store, &aud, p3)
            .await
            .expect("auditor")
            .len(),
        1
    );
    assert!(matches!(
        consent::give(store, &aud, p3, &input("Research", 0, None)).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        consent::withdraw(store, &aud, c2.id, "", "", None).await,
        Err(Error::Forbidden)
    ));
    let b = &w.actor_b;
    assert!(matches!(
        consent::of_subject(store, b, p1).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        consent::withdraw(store, b, c2.id, "", "", None).await,
        Err(Error::NotFound { .. })
    ));
    assert!(listed(store, b, None, None).await.is_empty());
});
