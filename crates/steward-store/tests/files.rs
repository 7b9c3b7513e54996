//! Attachments on both databases: upload through the FileStore (bytes round trip, content
//! sniffed), list, download, another company's or an outsider's view is not found, soft
//! removal, and every upload and removal in the audit trail.
use crate::common;

use steward_core::auth::session::cli_actor;
use steward_core::files::{self, AttachmentStore, FileStore};
use steward_core::work::tasks::{self, TaskInput};
use steward_core::work::RecordRef;
use steward_core::Error;
use steward_store::files::LocalFiles;

use common::{insert_user, world, TestDb};

async fn audit_count(db: &TestDb, action: &str) -> i64 {
    let raw = db.raw().await;
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query(
            "SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'attachment' AND action = $1",
        )
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

store_test!(attachments_on_tasks, |db| async move {
    let s = &db.store;
    let dir = tempfile::tempdir().expect("dir");
    let fs = LocalFiles::new(dir.path());
    let w = world(s).await;
    let alice = insert_user(s, w.a, "alice", &["employee"], None).await;
    let bob = insert_user(s, w.a, "bob", &["employee"], None).await;
    let alice_a = cli_actor(s, alice, w.a).await.expect("alice");
    let bob_a = cli_actor(s, bob, w.a).await.expect("bob");
    let task = tasks::create_task(
        s,
        &common::registry(s),
        &w.actor_a,
        &TaskInput {
            title: "Sign the lease".into(),
            assignee_id: Some(alice),
            ..Default::default()
        },
    )
    .await
    .expect("task");
    let record = RecordRef::new("task", task.id.0);
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".to_vec();

    // The assignee attaches a PDF.
    let a = files::attach(
        s,
        &fs,
        &common::registry(s),
        &alice_a,
        &record,
        "lease.pdf",
        &pdf,
    )
    .await
    .expect("attach");
    assert_eq!(a.file.content_type, "application/pdf");
    assert_eq!(a.file.name, "lease.pdf");
    assert_eq!(a.file.size, pdf.len() as i64);
    assert_eq!(a.created_by, Some(alice));
    assert_eq!(fs.get(&a.file.storage_key).await.expect("bytes"), pdf);

    // An executable named .pdf is refused, naming the field; nothing is indexed.
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    let e = files::attach(
        s,
        &fs,
        &common::registry(s),
        &alice_a,
        &record,
        "invoice.pdf",
        &exe,
    )
    .await
    .expect_err("refused");
    assert!(
        matches!(e, Error::Invalid { ref field, .. } if field == "file"),
        "{e}"
    );
    assert_eq!(db.count("files").await, 1);

    // Owner (admin) and assignee see it; bob (not involved) and company B do not.
    let list = files::list_attachments(s, &common::registry(s), &w.actor_a, &record)
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    let d = files::download_attachment(s, &fs, &common::registry(s), &w.actor_a, a.id)
        .await
        .expect("download");
    assert_eq!(d.bytes, pdf);
    assert_eq!(d.content_type, "application/pdf");
    assert!(matches!(
        files::list_attachments(s, &common::registry(s), &bob_a, &record).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        files::download_attachment(s, &fs, &common::registry(s), &bob_a, a.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        files::download_attachment(s, &fs, &common::registry(s), &w.actor_b, a.id).await,
        Err(Error::NotFound { .. })
    ));
    assert!(s.get_attachment(w.b, a.id).await.expect("get").is_none());
    assert!(matches!(
        files::attach(
            s,
            &fs,
            &common::registry(s),
            &bob_a,
            &record,
            "x.txt",
            b"hello"
        )
        .await,
        Err(Error::NotFound { .. })
    ));

    // Removal is soft and audited; a second removal is not found.
    files::remove_attachment(s, &common::registry(s), &alice_a, a.id)
        .await
        .expect("remove");
    assert!(
        files::list_attachments(s, &common::registry(s), &w.actor_a, &record)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(matches!(
        files::remove_attachment(s, &common::registry(s), &alice_a, a.id).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(db.count("attachments").await, 1, "kept, marked removed");
    assert_eq!(audit_count(&db, "create").await, 1);
    assert_eq!(audit_count(&db, "delete").await, 1);

    // A kind that takes no attachments.
    assert!(matches!(
        files::attach(
            s,
            &fs,
            &common::registry(s),
            &w.actor_a,
            &RecordRef::new("ledger.entry", 1),
            "a.txt",
            b"x"
        )
        .await,
        Err(Error::NotFound { .. })
    ));
});
