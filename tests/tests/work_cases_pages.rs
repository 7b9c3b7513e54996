//! The case pages over plain HTTP: the front office's view of a case has no internal notes,
//! Markdown is rendered without raw HTML, forms answer with the field at fault, another
//! company's case is 404, the service levels form saves, the report renders and exports.
use steward_e2e::*;

const PW: &str = "a long enough test passphrase";

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let r = c.post(app.url(path)).form(form).send().await.expect("post");
    let status = r.status().as_u16();
    let to = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, to, r.text().await.unwrap_or_default())
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = c.get(app.url(path)).send().await.expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

both_databases!(case_pages_work_for_both_offices, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "fo", PW, &["front_office"]).await;
    let fo = app.signed_in("fo", PW).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;

    let (st, page) = get(&fo, &app, "/cases/new").await;
    assert_eq!(st, 200);
    assert!(page.contains("for=\"customer_name\""), "labelled fields");
    // A form with mistakes comes back with the messages beside the fields, keeping the input.
    let (st, _, page) = post(
        &fo,
        &app,
        "/cases",
        &[
            ("customer_name", "Dana"),
            ("subject", ""),
            ("category", "billing"),
        ],
    )
    .await;
    assert_eq!(st, 422);
    assert!(page.contains("id=\"subject-err\""), "{page}");
    assert!(page.contains("id=\"customer_email-err\""));
    assert!(page.contains("value=\"Dana\""));
    let (st, to, _) = post(
        &fo,
        &app,
        "/cases",
        &[
            ("customer_name", "Dana"),
            ("customer_email", "dana@customer.example"),
            ("subject", "Double charge"),
            ("category", "billing"),
            ("priority", "high"),
            (
                "description",
                "Charged **twice** <script>alert(1)</script> [x](javascript:alert(1))",
            ),
        ],
    )
    .await;
    assert_eq!(st, 303);
    assert!(to.starts_with("/cases/"), "{to}");
    let id: i64 = to.trim_start_matches("/cases/").parse().expect("id");

    let (st, page) = get(&fo, &app, &to).await;
    assert_eq!(st, 200);
    assert!(
        page.contains("<strong>twice</strong>"),
        "Markdown is rendered"
    );
    assert!(
        !page.contains("<script>alert(1)</script>"),
        "raw HTML is not"
    );
    assert!(page.contains("&lt;script&gt;"));
    assert!(
        !page.contains("javascript:alert"),
        "unsafe links are dropped"
    );
    assert!(
        !page.contains("id=\"take\""),
        "the front office gets no back-office actions"
    );
    assert!(page.contains("id=\"comment-form\""));

    // The back office takes it and writes a note; the front office never sees the note.
    let (_, page) = get(&admin, &app, &to).await;
    assert!(page.contains("id=\"take\""));
    let (st, _, _) = post(&admin, &app, &to, &[("action", "take")]).await;
    assert_eq!(st, 303);
    let (st, _, _) = post(
        &admin,
        &app,
        &to,
        &[
            ("action", "log"),
            ("kind", "note"),
            ("body", "Secret: refund approved"),
        ],
    )
    .await;
    assert_eq!(st, 303);
    let (st, _, page) = post(
        &admin,
        &app,
        &to,
        &[("action", "log"), ("kind", "note"), ("body", "")],
    )
    .await;
    assert_eq!(st, 422);
    assert!(page.contains("id=\"body-err\""));
    let (st, _, page) = post(
        &admin,
        &app,
        &to,
        &[("action", "note"), ("body", "stale"), ("version", "1")],
    )
    .await;
    assert_eq!(st, 409);
    assert!(page.contains("changed by someone else"));
    let (_, page) = get(&admin, &app, &to).await;
    assert!(page.contains("Secret: refund approved"));
    let (_, page) = get(&fo, &app, &to).await;
    assert!(
        !page.contains("Secret"),
        "internal notes never reach the front office"
    );
    // The front office may not post back-office actions.
    let (st, _, _) = post(&fo, &app, &to, &[("action", "note"), ("body", "x")]).await;
    assert_eq!(st, 403);

    // Lists: the queue with filters and export; the front office's own.
    let (st, page) = get(&admin, &app, "/cases?status=open&priority=high&assignee=me").await;
    assert_eq!(st, 200);
    assert!(page.contains("Double charge"));
    let (st, page) = get(&admin, &app, "/cases?sla=nonsense").await;
    assert_eq!(st, 422);
    assert!(page.contains("id=\"sla-err\""));
    let (_, page) = get(&admin, &app, "/cases?priority=low").await;
    assert!(!page.contains("Double charge"));
    let (st, csv) = get(&fo, &app, "/cases?format=csv").await;
    assert_eq!(st, 200);
    assert!(csv.contains("Double charge"));

    // Resolve; the front office sees it resolved.
    let (st, _, _) = post(
        &admin,
        &app,
        &to,
        &[
            ("action", "resolve"),
            ("resolution", "Refunded"),
            ("resolution_category", "refund"),
        ],
    )
    .await;
    assert_eq!(st, 303);
    let (_, page) = get(&fo, &app, &to).await;
    assert!(page.contains(">Resolved<"), "{page}");
    assert!(page.contains("Refunded"));

    // Another company's admin gets 404.
    let other = steward_core::company::create_company(&app.store, "test", "Other", "EUR")
        .await
        .expect("company");
    add_user(&app.store, other, "bob", PW, &["admin"]).await;
    let bob = app.signed_in("bob", PW).await;
    let (st, _) = get(&bob, &app, &format!("/cases/{id}")).await;
    assert_eq!(st, 404);
    let (st, _, _) = post(&bob, &app, &format!("/cases/{id}"), &[("action", "take")]).await;
    assert_eq!(st, 404);

    // Service levels: the form saves and names a bad field.
    let (st, page) = get(&admin, &app, "/cases/sla").await;
    assert_eq!(st, 200);
    assert!(page.contains("name=\"urgent.first_response\""));
    let mut form: Vec<(&str, &str)> = vec![
        ("version", "0"),
        ("warn_percent", "75"),
        ("time_zone", "Europe/Berlin"),
        ("mon", "08:00-16:00"),
        ("tue", "08:00-16:00"),
        ("wed", "08:00-16:00"),
        ("thu", "08:00-16:00"),
        ("fri", "08:00-12:00"),
        ("sat", ""),
        ("sun", ""),
        ("holidays", "2026-12-25 Christmas\n2026-12-26 Boxing Day"),
        ("low.first_response", "960"),
        ("low.resolution", "4800"),
        ("normal.first_response", "480"),
        ("normal.resolution", "2400"),
        ("high.first_response", "240"),
        ("high.resolution", "960"),
        ("urgent.first_response", "30"),
        ("urgent.resolution", "240"),
    ];
    let (st, to, _) = post(&admin, &app, "/cases/sla", &form).await;
    assert_eq!(st, 303, "saved");
    assert_eq!(to, "/cases/sla");
    let (_, page) = get(&admin, &app, "/cases/sla").await;
    assert!(page.contains("Boxing Day") && page.contains("08:00-16:00"));
    assert!(
        page.contains("value=\"Europe/Berlin\" list=\"time-zones\""),
        "{page}"
    );
    assert!(page.contains("<option value=\"America/New_York\">"));
    form[0] = ("version", "1");
    form[3] = ("mon", "16:00-08:00");
    let (st, _, page) = post(&admin, &app, "/cases/sla", &form).await;
    assert_eq!(st, 422);
    assert!(page.contains("day must end after it starts"), "{page}");
    // An unknown zone is named beside its field.
    form[3] = ("mon", "08:00-16:00");
    form[2] = ("time_zone", "Europe/Atlantis");
    let (st, _, page) = post(&admin, &app, "/cases/sla", &form).await;
    assert_eq!(st, 422);
    assert!(page.contains("id=\"time_zone-err\""), "{page}");
    assert!(page.contains("Europe/Atlantis"), "{page}");
    let (st, _) = get(&fo, &app, "/cases/sla").await;
    assert_eq!(st, 403);

    // The report.
    let (st, page) = get(&admin, &app, "/cases/report").await;
    assert_eq!(st, 200);
    assert!(page.contains("Billing"));
    let (st, page) = get(&admin, &app, "/cases/report?from=yesterday").await;
    assert_eq!(st, 422);
    assert!(page.contains("id=\"from-err\""));
    let (st, csv) = get(&admin, &app, "/cases/report?format=csv").await;
    assert_eq!(st, 200);
    assert!(csv.starts_with("group,key,label"), "{csv}");
});
