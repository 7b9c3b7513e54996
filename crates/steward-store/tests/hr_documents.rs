//! Employee documents and certifications on both databases: HR uploads (checked by
//! content), the employee sees their own, a colleague and another company do not, every
//! view and download is audited, certifications and the company list by expiry, and the
//! expiry reminders go to the employee and their manager once.
use crate::common;

use chrono::{Duration, NaiveDate};
use steward_core::auth::session::cli_actor;
use steward_core::files::FileStore;
use steward_core::hr::documents::{
    self, CertQuery, CertWindow, CertificationInput, DocumentInput, ExpiryState,
};
use steward_core::ids::UserId;
use steward_core::Error;
use steward_store::files::LocalFiles;
use steward_store::hr::SeedEmployee;

use common::{insert_user, world, TestDb};

async fn audit_count(db: &TestDb, entity: &str, action: &str) -> i64 {
    let raw = db.raw().await;
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) AS n FROM audit_events WHERE entity = $1 AND action = $2")
            .bind(entity)
            .bind(action)
            .fetch_one(&raw)
            .await
            .expect("count audit"),
        "n",
    )
    .expect("n");
    raw.close().await;
    n
}

async fn notifications_of(db: &TestDb, user: UserId) -> i64 {
    let raw = db.raw().await;
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query(
            "SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND kind = 'hr.expiry'",
        )
        .bind(user.0)
        .fetch_one(&raw)
        .await
        .expect("count"),
        "n",
    )
    .expect("n");
    raw.close().await;
    n
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

store_test!(documents_and_certifications, |db| async move {
    let s = &db.store;
    let dir = tempfile::tempdir().expect("dir");
    let fs = LocalFiles::new(dir.path());
    let w = world(s).await;
    let hr = &w.actor_a;
    let boss_u = insert_user(s, w.a, "boss", &["employee"], None).await;
    let tom_u = insert_user(s, w.a, "tom", &["employee"], None).await;
    let eve_u = insert_user(s, w.a, "eve", &["employee"], None).await;
    let start = day("2024-01-01");
    let boss = s
        .seed_employee(
            w.a,
            &SeedEmployee {
                user_id: Some(boss_u),
                ..SeedEmployee::new("E1", "Bea Boss", start)
            },
        )
        .await
        .expect("boss");
    let tom = s
        .seed_employee(
            w.a,
            &SeedEmployee {
                user_id: Some(tom_u),
                manager_id: Some(boss),
                ..SeedEmployee::new("E2", "Tom Tiller", start)
            },
        )
        .await
        .expect("tom");
    let _eve = s
        .seed_employee(
            w.a,
            &SeedEmployee {
                user_id: Some(eve_u),
                ..SeedEmployee::new("E3", "Eve Else", start)
            },
        )
        .await
        .expect("eve");
    let tom_a = cli_actor(s, tom_u, w.a).await.expect("tom");
    let eve_a = cli_actor(s, eve_u, w.a).await.expect("eve");
    let boss_a = cli_actor(s, boss_u, w.a).await.expect("boss");
    let today = documents::today();
    let soon = today + Duration::days(10);
    let pdf = b"%PDF-1.4\n%fake but sniffable\n%%EOF\n".to_vec();

    // HR uploads; the fields and the file are checked together.
    let bad = documents::upload_document(
        s,
        &fs,
        hr,
        tom,
        &DocumentInput {
            category: "passport".into(),
            title: "".into(),
            expires: String::new(),
        },
        "x.exe",
        b"MZ\x90\x00\x03\x00\x00\x00",
    )
    .await
    .expect_err("bad");
    let fields: Vec<String> = bad.field_errors().into_iter().map(|f| f.field).collect();
    assert_eq!(fields, ["category", "title", "file"]);
    let doc = documents::upload_document(
        s,
        &fs,
        hr,
        tom,
        &DocumentInput {
            category: "licence".into(),
            title: "Forklift licence".into(),
            expires: soon.to_string(),
        },
        "licence.pdf",
        &pdf,
    )
    .await
    .expect("upload");
    assert_eq!(doc.file.content_type, "application/pdf");
    assert_eq!(doc.state(today), ExpiryState::Soon);
    assert_eq!(fs.get(&doc.file.storage_key).await.expect("bytes"), pdf);
    // The employee may not upload (HR files documents).
    assert!(matches!(
        documents::upload_document(
            s,
            &fs,
            &tom_a,
            tom,
            &DocumentInput {
                category: "other".into(),
                title: "x".into(),
                expires: String::new()
            },
            "a.txt",
            b"hi"
        )
        .await,
        Err(Error::Forbidden)
    ));

    // Tom sees his own, downloads it; both are audited.
    assert_eq!(
        documents::list_documents(s, &tom_a, tom)
            .await
            .expect("own")
            .len(),
        1
    );
    let (seen, access) = documents::view_document(s, &tom_a, doc.id)
        .await
        .expect("view");
    assert_eq!(seen.title, "Forklift licence");
    assert!(access.documents && !access.edit);
    let d = documents::download_document(s, &fs, &tom_a, doc.id)
        .await
        .expect("download");
    assert_eq!(d.bytes, pdf);
    assert_eq!(audit_count(&db, "hr_document", "view").await, 1);
    assert_eq!(audit_count(&db, "hr_document", "download").await, 1);
    assert_eq!(audit_count(&db, "hr_document", "create").await, 1);

    // A colleague and the manager do not see documents (personal data); company B not at all.
    assert!(matches!(
        documents::list_documents(s, &eve_a, tom).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        documents::view_document(s, &eve_a, doc.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        documents::download_document(s, &fs, &boss_a, doc.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        documents::view_document(s, &w.actor_b, doc.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        documents::list_documents(s, &w.actor_b, tom).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(
        audit_count(&db, "hr_document", "view").await,
        1,
        "refused views are not logged as views"
    );

    // Certifications: HR adds; the manager sees them (job data), a colleague does not.
    let e = documents::add_certification(
        s,
        hr,
        tom,
        &CertificationInput {
            name: "First aid".into(),
            issued: "2025-01-10".into(),
            expires: "2024-01-01".into(),
            ..Default::default()
        },
    )
    .await
    .expect_err("expires before issued");
    assert_eq!(e.field_errors()[0].field, "expires");
    let cert = documents::add_certification(
        s,
        hr,
        tom,
        &CertificationInput {
            name: "Forklift".into(),
            issuer: "Safety Board".into(),
            issued: "2025-01-10".into(),
            expires: (today - Duration::days(3)).to_string(),
            document_id: doc.id.to_string(),
        },
    )
    .await
    .expect("cert");
    assert_eq!(cert.document_id, Some(doc.id));
    documents::add_certification(
        s,
        hr,
        tom,
        &CertificationInput {
            name: "Fire warden".into(),
            expires: (today + Duration::days(200)).to_string(),
            ..Default::default()
        },
    )
    .await
    .expect("cert 2");
    assert_eq!(
        documents::list_employee_certifications(s, &boss_a, tom)
            .await
            .expect("manager")
            .len(),
        2
    );
    assert!(matches!(
        documents::list_employee_certifications(s, &eve_a, tom).await,
        Err(Error::Forbidden)
    ));

    // The company list: HR only; the window narrows by expiry.
    let soonq = CertQuery::default();
    let page = documents::list_certifications(s, hr, &soonq)
        .await
        .expect("list");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].name, "Forklift");
    let all = documents::list_certifications(
        s,
        hr,
        &CertQuery {
            window: CertWindow::All,
            ..Default::default()
        },
    )
    .await
    .expect("all");
    assert_eq!(all.total, 2);
    let found = documents::list_certifications(
        s,
        hr,
        &CertQuery {
            window: CertWindow::All,
            search: Some("tiller".into()),
            ..Default::default()
        },
    )
    .await
    .expect("search by employee");
    assert_eq!(found.total, 2);
    // Every sort key, both ways, runs on this backend and keeps the rows.
    for (_, sort) in <documents::CertSort as steward_core::list::SortKey>::ALL {
        for dir in [
            steward_core::list::SortDir::Asc,
            steward_core::list::SortDir::Desc,
        ] {
            let sorted = documents::list_certifications(
                s,
                hr,
                &CertQuery {
                    window: CertWindow::All,
                    sort: *sort,
                    dir,
                    ..Default::default()
                },
            )
            .await
            .expect("sorted");
            assert_eq!(sorted.items.len(), 2, "{sort:?} {dir:?}");
        }
    }
    assert!(matches!(
        documents::list_certifications(s, &tom_a, &soonq).await,
        Err(Error::Forbidden)
    ));
    assert_eq!(
        documents::list_certifications(s, &w.actor_b, &soonq)
            .await
            .expect("b")
            .total,
        0
    );

    // Reminders: the document (in 10 days) and the expired certification, to Tom and his
    // manager; once.
    let n = documents::run_reminders(s, today).await.expect("remind");
    assert_eq!(n, 2);
    assert_eq!(notifications_of(&db, tom_u).await, 2);
    assert_eq!(notifications_of(&db, boss_u).await, 2);
    assert_eq!(notifications_of(&db, eve_u).await, 0);
    assert_eq!(documents::run_reminders(s, today).await.expect("again"), 0);

    // Removal (HR only), soft and audited; the certification loses its document link.
    assert!(matches!(
        documents::remove_document(s, &tom_a, doc.id).await,
        Err(Error::Forbidden)
    ));
    documents::remove_document(s, hr, doc.id)
        .await
        .expect("remove");
    assert!(matches!(
        documents::view_document(s, hr, doc.id).await,
        Err(Error::NotFound { .. })
    ));
    let certs = documents::list_employee_certifications(s, hr, tom)
        .await
        .expect("certs");
    assert!(certs.iter().all(|c| c.document_id.is_none()));
    documents::remove_certification(s, hr, cert.id)
        .await
        .expect("remove cert");
    assert_eq!(
        documents::list_employee_certifications(s, hr, tom)
            .await
            .expect("certs")
            .len(),
        1
    );
    assert_eq!(audit_count(&db, "hr_document", "delete").await, 1);
    assert_eq!(audit_count(&db, "hr_certification", "delete").await, 1);
});
