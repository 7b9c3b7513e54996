//! Records' full-text search on both databases: words are found whatever their case and
//! accents, the last one as a prefix; a text document is found by its text and its newest
//! version's replaces the older; a disposed record is no longer found; an empty query is
//! refused on `q`; the subjects shown are logged. Over random owners, assignments (a user,
//! a role) and break-glass openings, a search returns exactly the matching records the
//! caller may open: never one they may not (another company's, a sensitive one without the
//! grant, a subject they have no access to), and none is missed.
use crate::common;

use std::collections::BTreeSet;

use steward_core::auth::Actor;
use steward_core::records::file::{self, ItemInput, RecordStore};
use steward_core::records::search;
use steward_core::records::setup;
use steward_core::records::subjects::{self, AssignmentInput};
use steward_core::records::{CategoryId, ItemId};
use steward_core::Error;
use steward_store::files::LocalFiles;
use steward_store::Store;

use common::{
    insert_user, records_note as note, records_subject as subject, session_actor as actor, world,
};

async fn found(store: &Store, a: &Actor, q: &str) -> Vec<ItemId> {
    search::search(store, a, q, Some(100))
        .await
        .expect("search")
        .into_iter()
        .map(|h| h.item_id)
        .collect()
}

fn category(cats: &[setup::Category], name: &str) -> CategoryId {
    cats.iter().find(|c| c.name == name).expect(name).id
}

store_test!(
    search_folds_words_and_follows_the_records,
    |db| async move {
        let store = &db.store;
        let dir = tempfile::tempdir().expect("dir");
        let fs = LocalFiles::new(dir.path());
        let w = world(store).await;
        let a = &w.actor_a;
        let k = setup::apply_template(store, a, "clinic")
            .await
            .expect("clinic");
        let cats = setup::categories(store, a).await.expect("categories");
        let visits = category(&cats, "Encounters");
        let p1 = subject(store, a, k.id, "P-1").await;
        let n1 = note(
            store,
            a,
            p1,
            visits,
            "Check-up",
            "Patient reports CAFÉ-induced hypertension; BP 150/95.",
        )
        .await;
        let n2 = note(
            store,
            a,
            p1,
            visits,
            "Follow-up",
            "Blood pressure down to 128/82.",
        )
        .await;
        assert_eq!(found(store, a, "cafe").await, [n1]);
        assert_eq!(
            found(store, a, "Hyperten").await,
            [n1],
            "the last word as a prefix"
        );
        assert_eq!(found(store, a, "blood pressure").await, [n2]);
        assert!(
            found(store, a, "pressure hypertension").await.is_empty(),
            "every word"
        );
        assert_eq!(
            found(store, a, "patient").await,
            [n1],
            "newest first, title or text"
        );
        assert_eq!(found(store, a, "up").await, [n2, n1], "newest first");
        let hit = search::search(store, a, "blood", None)
            .await
            .expect("hit")
            .remove(0);
        assert_eq!(
            (
                hit.subject.as_str(),
                hit.category.as_str(),
                hit.snippet.as_str()
            ),
            (
                "P-1 Patient P-1",
                "Encounters",
                "Blood pressure down to 128/82."
            )
        );
        for bad in ["", "  ;; ", "a b c d e f g h i"] {
            let e = search::search(store, a, bad, None).await.expect_err(bad);
            assert_eq!(e.field_errors()[0].field, "q");
        }

        // A text document is found by its text; a new version's text replaces the old.
        let doc = file::add_document(
            store,
            &fs,
            a,
            p1,
            &ItemInput {
                category_id: visits.0.to_string(),
                title: "Lab report".into(),
                body: String::new(),
            },
            "lab.txt",
            "Ferritin low. Suspected anaemia.".as_bytes(),
        )
        .await
        .expect("document")
        .id;
        assert_eq!(found(store, a, "ferritin").await, [doc]);
        file::add_version(
            store,
            &fs,
            a,
            doc,
            "lab2.txt",
            b"Ferritin normal after iron.",
        )
        .await
        .expect("version");
        assert!(found(store, a, "anaemia").await.is_empty());
        assert_eq!(found(store, a, "iron").await, [doc]);
        assert_eq!(found(store, a, "lab report").await, [doc], "by its title");

        // The subjects shown are logged, one row each.
        let log = file::subject_log(store, a, p1, Default::default())
            .await
            .expect("log");
        assert!(
            log.items.iter().any(|e| e.action == "search"),
            "{:?}",
            log.items
        );

        // A disposed record is not found.
        let later = steward_core::time::today() + chrono::Months::new(200);
        steward_core::records::retention::list_due(store, Some(w.a), later, None)
            .await
            .expect("list");
        let due = steward_core::records::retention::disposals(store, a, &Default::default())
            .await
            .expect("due");
        let d = due
            .items
            .iter()
            .find(|d| d.item_id == n2)
            .expect("the follow-up is due");
        steward_core::records::retention::dispose(store, &fs, a, d.id)
            .await
            .expect("dispose");
        assert!(found(store, a, "blood").await.is_empty());

        // Another company finds nothing of it.
        assert!(found(store, &w.actor_b, "ferritin").await.is_empty());
    }
);

/// A small deterministic generator (the runs are repeatable).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

store_test!(
    search_never_reveals_a_record_the_caller_may_not_open,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let admin = &w.actor_a;
        let k = setup::apply_template(store, admin, "clinic")
            .await
            .expect("clinic");
        let cats = setup::categories(store, admin).await.expect("categories");
        let plain = category(&cats, "Encounters");
        let secret = category(&cats, "Mental health");
        let roles = ["employee", "hr_lead", "front_office", "accountant"];
        let mut people = vec![admin.clone()];
        for i in 0..6 {
            let u = insert_user(
                store,
                w.a,
                &format!("u{i}"),
                &[roles[i % roles.len()]],
                None,
            )
            .await;
            people.push(actor(store, u, w.a).await);
        }
        // Another company's record with the same word.
        let kb = setup::apply_template(store, &w.actor_b, "clinic")
            .await
            .expect("clinic b");
        let cats_b = setup::categories(store, &w.actor_b)
            .await
            .expect("categories b");
        let sb = subject(store, &w.actor_b, kb.id, "B-1").await;
        note(
            store,
            &w.actor_b,
            sb,
            category(&cats_b, "Encounters"),
            "B's",
            "zebra crossing",
        )
        .await;

        let mut rng = Lcg(0x5eed);
        let mut subjects_made = Vec::new();
        for round in 0..3 {
            for n in 0..6 {
                let owner = &people[rng.next(people.len())];
                let s = subject(store, owner, k.id, &format!("R{round}-{n}")).await;
                subjects_made.push(s);
                match rng.next(4) {
                    0 => {
                        let who = &people[1 + rng.next(people.len() - 1)];
                        subjects::assign(
                            store,
                            admin,
                            s,
                            &AssignmentInput {
                                user_id: who.user_id.0.to_string(),
                                ..AssignmentInput::default()
                            },
                        )
                        .await
                        .expect("assign a user");
                    }
                    1 => {
                        subjects::assign(
                            store,
                            admin,
                            s,
                            &AssignmentInput {
                                role_key: roles[rng.next(roles.len())].into(),
                                ..AssignmentInput::default()
                            },
                        )
                        .await
                        .expect("assign a role");
                    }
                    _ => {}
                }
                for j in 0..1 + rng.next(3) {
                    let c = if rng.next(3) == 0 { secret } else { plain };
                    let body = if rng.next(4) == 0 {
                        "giraffe"
                    } else {
                        "zebra seen"
                    };
                    note(store, admin, s, c, &format!("Note {j}"), body).await;
                }
            }
            // Some break the glass on a subject they cannot open.
            for _ in 0..2 {
                let who = &people[1 + rng.next(people.len() - 1)];
                let s = subjects_made[rng.next(subjects_made.len())];
                match file::break_glass(store, who, s, "an emergency").await {
                    Ok(_) | Err(Error::Conflict { .. }) => {}
                    Err(e) => panic!("break-glass: {e}"),
                }
            }
            // Each person finds exactly the zebra records they may open.
            for (p, who) in people.iter().chain([&w.actor_b]).enumerate() {
                let got: BTreeSet<ItemId> = found(store, who, "zebra").await.into_iter().collect();
                let mut expected = BTreeSet::new();
                for s in &subjects_made {
                    if subjects::open(store, who, *s).await.is_err() {
                        continue;
                    }
                    for i in store.items(who.company_id, *s).await.expect("items") {
                        if i.body.contains("zebra")
                            && (!i.sensitive || steward_core::records::reads_sensitive(who))
                        {
                            expected.insert(i.id);
                        }
                    }
                }
                if who.company_id == w.b {
                    assert_eq!(got.len(), 1, "round {round}: company B finds its own");
                    continue;
                }
                assert_eq!(got, expected, "round {round}, person {p}");
            }
        }
    }
);
