//! Records. Everyone holds `records.read`/`create`/`update` on what they own or are
//! assigned to (self-service), the auditor and the admin read every file, the privacy
//! office (`records.approve` company-wide: the admin here) keeps the setup, assignments,
//! the access log, the break-glass review, legal holds, disposals and the company's consents. The kept subject is the admin's and nobody
//! is assigned to it: to anyone else it is 404. A read-only admin token reads files but is
//! not the privacy office (`approve` is not a read).
use super::*;

/// The privacy office's reads (the admin, not through a read-only token).
#[rustfmt::skip]
const OFFICE_READS: Expect = [
    "401", "2xx", "403", "403", "403", "403", "403", "403", "403", "403",
];
/// Writes by anyone who may create records (not the auditor, not a read-only token).
#[rustfmt::skip]
const CREATE: Expect = [
    "401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403",
];
/// The kept subject's file: the admin and company-wide readers; 404 to anyone else.
#[rustfmt::skip]
const FILE_READS: Expect = [
    "401", "2xx", "404", "404", "404", "404", "404", "404", "2xx", "2xx",
];
/// Writing in the kept subject's file: the admin; the auditor and a read-only token open
/// it but may not write (403); 404 to anyone else.
#[rustfmt::skip]
const FILE_WRITES: Expect = [
    "401", "2xx", "404", "404", "404", "404", "404", "404", "403", "403",
];
/// "Who has seen this file": the privacy office and the subject's owner (the admin, also
/// through a read-only token); the auditor opens the file but is neither (403).
#[rustfmt::skip]
const OWNER_LOG: Expect = [
    "401", "2xx", "404", "404", "404", "404", "404", "404", "403", "2xx",
];
/// A template the company has already: 422 for the privacy office, 403 for anyone else.
#[rustfmt::skip]
const TEMPLATE_TWICE: Expect = [
    "401", "422", "403", "403", "403", "403", "403", "403", "403", "403",
];
/// Anonymizing without a reason: 422 for the privacy office, 403 for anyone else.
#[rustfmt::skip]
const ANONYMIZE_WITHOUT_REASON: Expect = [
    "401", "422", "403", "403", "403", "403", "403", "403", "403", "403",
];
/// A search without its `q`: 400 for anyone who may use Records (everyone).
#[rustfmt::skip]
const SEARCH_WITHOUT_WORDS: Expect = [
    "401", "400", "400", "400", "400", "400", "400", "400", "400", "400",
];
/// Break-glass on a fresh subject of the admin's: anyone without access opens it; who
/// has access already (the admin, the auditor, a read-only admin token) gets 409.
#[rustfmt::skip]
const BREAK_GLASS: Expect = [
    "401", "409", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "409", "409",
];

#[rustfmt::skip]
pub(super) const ROWS: &[Row] = &[
    row("GET",    "/api/v1/records/kinds",                        Id::None,                  Body::None,                        EVERYONE_READS),
    row("POST",   "/api/v1/records/kinds",                        Id::None,                  Body::Rec(RecBody::NewKind),       ADMIN_WRITES),
    row("GET",    "/api/v1/records/kinds/{id}",                   Id::Rec(RecId::Kind),      Body::None,                        EVERYONE_READS),
    row("PUT",    "/api/v1/records/kinds/{id}",                   Id::Rec(RecId::Kind),      Body::Rec(RecBody::KindUpdate),    ADMIN_WRITES),
    row("GET",    "/api/v1/records/kinds/{id}/fields",            Id::Rec(RecId::Kind),      Body::None,                        EVERYONE_READS),
    row("POST",   "/api/v1/records/kinds/{id}/fields",            Id::Rec(RecId::Kind),      Body::Rec(RecBody::NewField),      ADMIN_WRITES),
    row("PUT",    "/api/v1/records/kind-fields/{id}",             Id::Rec(RecId::FreshField), Body::Rec(RecBody::FieldUpdate),  ADMIN_WRITES),
    row("POST",   "/api/v1/records/templates",                    Id::None,                  Body::Rec(RecBody::Template),      TEMPLATE_TWICE),
    row("GET",    "/api/v1/records/categories",                   Id::None,                  Body::None,                        EVERYONE_READS),
    row("POST",   "/api/v1/records/categories",                   Id::None,                  Body::Rec(RecBody::NewCategory),   ADMIN_WRITES),
    row("PUT",    "/api/v1/records/categories/{id}",              Id::Rec(RecId::Category),  Body::Rec(RecBody::CategoryUpdate), ADMIN_WRITES),
    row("GET",    "/api/v1/records/subjects",                     Id::None,                  Body::None,                        EVERYONE_READS),
    row("POST",   "/api/v1/records/subjects",                     Id::None,                  Body::Rec(RecBody::NewSubject),    CREATE),
    row("GET",    "/api/v1/records/subjects/{id}",                Id::Rec(RecId::Subject),   Body::None,                        FILE_READS),
    row("PUT",    "/api/v1/records/subjects/{id}",                Id::Rec(RecId::Subject),   Body::Rec(RecBody::SubjectUpdate), FILE_WRITES),
    row("GET",    "/api/v1/records/subjects/{id}/file",           Id::Rec(RecId::Subject),   Body::None,                        FILE_READS),
    row("POST",   "/api/v1/records/subjects/{id}/notes",          Id::Rec(RecId::Subject),   Body::Rec(RecBody::Note),          FILE_WRITES),
    row("POST",   "/api/v1/records/subjects/{id}/documents",      Id::Rec(RecId::Subject),   Body::Rec(RecBody::Document),      FILE_WRITES),
    row("POST",   "/api/v1/records/items/{id}/versions",          Id::Rec(RecId::Document),  Body::Rec(RecBody::Version),       FILE_WRITES),
    row("GET",    "/api/v1/records/versions/{id}/download",       Id::Rec(RecId::Version),   Body::None,                        FILE_READS),
    row("GET",    "/api/v1/records/subjects/{id}/assignments",    Id::Rec(RecId::Subject),   Body::None,                        FILE_READS),
    row("POST",   "/api/v1/records/subjects/{id}/assignments",    Id::Rec(RecId::FreshSubject), Body::Rec(RecBody::Assign),     ADMIN_WRITES),
    row("DELETE", "/api/v1/records/assignments/{id}",             Id::Rec(RecId::FreshAssignment), Body::None,                  ADMIN_WRITES),
    row("GET",    "/api/v1/records/subjects/{id}/access-log",     Id::Rec(RecId::Subject),   Body::None,                        OWNER_LOG),
    row("GET",    "/api/v1/records/users/{id}/access-log",        Id::TargetUser,            Body::None,                        OFFICE_READS),
    row("POST",   "/api/v1/records/subjects/{id}/break-glass",    Id::Rec(RecId::FreshSubject), Body::Rec(RecBody::BreakGlass), BREAK_GLASS),
    row("GET",    "/api/v1/records/break-glass",                  Id::None,                  Body::None,                        OFFICE_READS),
    row("POST",   "/api/v1/records/break-glass/{id}/review",      Id::Rec(RecId::FreshBreakGlass), Body::Rec(RecBody::Review),  ADMIN_WRITES),
    row("GET",    "/api/v1/records/holds",                        Id::None,                  Body::None,                        OFFICE_READS),
    row("POST",   "/api/v1/records/holds",                        Id::None,                  Body::Rec(RecBody::Hold),          ADMIN_WRITES),
    row("POST",   "/api/v1/records/holds/{id}/release",           Id::Rec(RecId::FreshHold), Body::Rec(RecBody::Release),       ADMIN_WRITES),
    row("GET",    "/api/v1/records/disposals",                    Id::None,                  Body::None,                        OFFICE_READS),
    row("POST",   "/api/v1/records/disposals/run",                Id::None,                  Body::None,                        ADMIN_WRITES),
    row("POST",   "/api/v1/records/disposals/{id}/dispose",       Id::Rec(RecId::FreshDisposal), Body::None,                    ADMIN_WRITES),
    row("POST",   "/api/v1/records/disposals/{id}/keep",          Id::Rec(RecId::FreshDisposal), Body::Rec(RecBody::Keep),      ADMIN_WRITES),
    row("GET",    "/api/v1/records/subjects/{id}/consents",       Id::Rec(RecId::Subject),   Body::None,                        FILE_READS),
    row("POST",   "/api/v1/records/subjects/{id}/consents",       Id::Rec(RecId::Subject),   Body::Rec(RecBody::Consent),       FILE_WRITES),
    row("POST",   "/api/v1/records/consents/{id}/withdraw",       Id::Rec(RecId::FreshConsent), Body::Rec(RecBody::Withdraw),   FILE_WRITES),
    row("GET",    "/api/v1/records/consents",                     Id::None,                  Body::None,                        OFFICE_READS),
    row("GET",    "/api/v1/records/unconsented",                  Id::None,                  Body::None,                        OFFICE_READS),
    row("GET",    "/api/v1/records/search",                       Id::None,                  Body::None,                        SEARCH_WITHOUT_WORDS),
    row("GET",    "/api/v1/records/subjects/{id}/export",         Id::Rec(RecId::Subject),   Body::None,                        OFFICE_READS),
    row("GET",    "/api/v1/records/subjects/{id}/anonymize",      Id::Rec(RecId::Subject),   Body::None,                        OFFICE_READS),
    row("POST",   "/api/v1/records/subjects/{id}/anonymize",      Id::Rec(RecId::Subject),   Body::Rec(RecBody::AnonymizeNoReason), ANONYMIZE_WITHOUT_REASON),
];

/// What the rows act on: the clinic's kind, a category, the admin's subject with a
/// document of one version.
pub(super) struct RecordsFixture {
    pub kind: i64,
    pub category: i64,
    pub subject: i64,
    pub document: i64,
    pub version: i64,
    /// A category kept 12 months from the record's making (the disposal rows' notes).
    pub retained: i64,
    /// A user without access to anything: breaks the glass for the review rows.
    pub outsider: reqwest::Client,
}

async fn created(r: reqwest::Response) -> Value {
    let status = r.status();
    let v: Value = r.json().await.expect("json");
    assert_eq!(status, 201, "the records fixture is made: {v}");
    v
}

fn id_of(v: &Value) -> i64 {
    v["id"].as_i64().expect("id")
}

pub(super) async fn fixture(app: &TestApp, admin: &reqwest::Client) -> RecordsFixture {
    let kind = created(
        admin
            .post(app.url("/api/v1/records/templates"))
            .json(&json!({"template": "clinic"}))
            .send()
            .await
            .expect("template"),
    )
    .await;
    let category = created(
        admin
            .post(app.url("/api/v1/records/categories"))
            .json(&json!({"name": "Matrix kept category", "retention_months": 12}))
            .send()
            .await
            .expect("category"),
    )
    .await;
    let retained = created(
        admin
            .post(app.url("/api/v1/records/categories"))
            .json(&json!({"name": "Matrix retained category", "retention_months": 12}))
            .send()
            .await
            .expect("category"),
    )
    .await;
    let subject = fresh_subject(app, admin, id_of(&kind)).await;
    let doc = created(
        admin
            .post(app.url(&format!("/api/v1/records/subjects/{subject}/documents")))
            .multipart(upload(id_of(&category)))
            .send()
            .await
            .expect("document"),
    )
    .await;
    add_user(
        &app.store,
        app.company,
        "records_outsider",
        PASSWORD,
        &["employee"],
    )
    .await;
    let outsider = app.api(&app.token("records_outsider", PASSWORD, false).await);
    RecordsFixture {
        kind: id_of(&kind),
        category: id_of(&category),
        subject,
        document: id_of(&doc),
        version: doc["versions"][0]["id"].as_i64().expect("version"),
        retained: id_of(&retained),
        outsider,
    }
}

fn upload(category: i64) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("category_id", category.to_string())
        .text("title", format!("Matrix document {}", unique()))
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"matrix".to_vec()).file_name("matrix.txt"),
        )
}

/// A patient of the admin's, nobody assigned.
async fn fresh_subject(app: &TestApp, admin: &reqwest::Client, kind: i64) -> i64 {
    id_of(
        &created(
            admin
                .post(app.url("/api/v1/records/subjects"))
                .json(&subject_body(kind))
                .send()
                .await
                .expect("subject"),
        )
        .await,
    )
}

fn subject_body(kind: i64) -> Value {
    let n = unique();
    json!({"kind_id": kind, "reference": format!("M-{n}"), "name": format!("Matrix {n}"),
        "custom": {"date_of_birth": "1970-01-01"}})
}

/// What `{id}` stands for in these rows.
#[derive(Debug, Clone, Copy)]
pub(super) enum RecId {
    Kind,
    /// A field of the kind, made for this request.
    FreshField,
    Category,
    /// The kept subject (the admin's, nobody assigned).
    Subject,
    /// A subject of the admin's made for this request.
    FreshSubject,
    /// The kept subject's document.
    Document,
    /// Its first version.
    Version,
    /// An assignment (of a role to a fresh subject) made for this request.
    FreshAssignment,
    /// A break-glass opening of a fresh subject by an outsider, made for this request.
    FreshBreakGlass,
    /// A legal hold on a fresh subject, made for this request.
    FreshHold,
    /// A note of a fresh subject in a category kept 12 months, listed as due by running
    /// the retention job 13 months on, for this request.
    FreshDisposal,
    /// A consent of the kept subject's, made for this request.
    FreshConsent,
}

/// The bodies of these rows.
#[derive(Debug, Clone, Copy)]
pub(super) enum RecBody {
    NewKind,
    KindUpdate,
    NewField,
    FieldUpdate,
    Template,
    NewCategory,
    CategoryUpdate,
    /// `version` carries the kind's id.
    NewSubject,
    SubjectUpdate,
    /// `version` carries the kept category's id.
    Note,
    /// A multipart upload into the kept category.
    Document,
    /// A multipart upload of a version.
    Version,
    Assign,
    BreakGlass,
    Review,
    /// A hold on the kept category (`version` carries its id).
    Hold,
    Release,
    Keep,
    Consent,
    Withdraw,
    /// An anonymization without its reason (422: nothing is anonymized).
    AnonymizeNoReason,
}

fn fixture_of(f: &Fixture) -> &RecordsFixture {
    f.records.as_ref().expect("the records fixture")
}

pub(super) async fn id(app: &TestApp, f: &Fixture, i: RecId) -> i64 {
    let x = fixture_of(f);
    match i {
        RecId::Kind => x.kind,
        RecId::FreshField => id_of(
            &created(
                f.admin
                    .post(app.url(&format!("/api/v1/records/kinds/{}/fields", x.kind)))
                    .json(
                        &json!({"key": format!("matrix_{}", unique()), "label": "Matrix",
                        "kind": "text"}),
                    )
                    .send()
                    .await
                    .expect("field"),
            )
            .await,
        ),
        RecId::Category => x.category,
        RecId::Subject => x.subject,
        RecId::FreshSubject => fresh_subject(app, &f.admin, x.kind).await,
        RecId::Document => x.document,
        RecId::Version => x.version,
        RecId::FreshAssignment => {
            let s = fresh_subject(app, &f.admin, x.kind).await;
            id_of(
                &created(
                    f.admin
                        .post(app.url(&format!("/api/v1/records/subjects/{s}/assignments")))
                        .json(&json!({"role_key": "hr_lead"}))
                        .send()
                        .await
                        .expect("assignment"),
                )
                .await,
            )
        }
        RecId::FreshHold => {
            let s = fresh_subject(app, &f.admin, x.kind).await;
            id_of(
                &created(
                    f.admin
                        .post(app.url("/api/v1/records/holds"))
                        .json(&json!({"subject_id": s, "reason": "matrix"}))
                        .send()
                        .await
                        .expect("hold"),
                )
                .await,
            )
        }
        RecId::FreshDisposal => {
            let s = fresh_subject(app, &f.admin, x.kind).await;
            let title = format!("Matrix due {}", unique());
            created(
                f.admin
                    .post(app.url(&format!("/api/v1/records/subjects/{s}/notes")))
                    .json(&json!({"category_id": x.retained, "title": title, "body": "due"}))
                    .send()
                    .await
                    .expect("note"),
            )
            .await;
            let later = steward_core::time::today() + chrono::Months::new(13);
            steward_core::records::retention::list_due(&app.store, Some(app.company), later, None)
                .await
                .expect("list due");
            let page: Value = f
                .admin
                .get(app.url("/api/v1/records/disposals"))
                .query(&[("status", "due"), ("search", title.as_str())])
                .send()
                .await
                .expect("disposals")
                .json()
                .await
                .expect("json");
            page["items"][0]["id"].as_i64().expect("the note is due")
        }
        RecId::FreshConsent => id_of(
            &created(
                f.admin
                    .post(app.url(&format!("/api/v1/records/subjects/{}/consents", x.subject)))
                    .json(&json!({"purpose": format!("Matrix {}", unique())}))
                    .send()
                    .await
                    .expect("consent"),
            )
            .await,
        ),
        RecId::FreshBreakGlass => {
            let s = fresh_subject(app, &f.admin, x.kind).await;
            id_of(
                &created(
                    x.outsider
                        .post(app.url(&format!("/api/v1/records/subjects/{s}/break-glass")))
                        .json(&json!({"reason": "matrix"}))
                        .send()
                        .await
                        .expect("break-glass"),
                )
                .await,
            )
        }
    }
}

/// What a body's `version` carries.
pub(super) fn version(f: &Fixture, b: RecBody) -> i64 {
    let x = fixture_of(f);
    match b {
        RecBody::NewSubject => x.kind,
        RecBody::Note | RecBody::Document | RecBody::Hold => x.category,
        _ => 0,
    }
}

/// The JSON body of a row (none for the multipart ones).
pub(super) fn body(b: RecBody, version: i64) -> Option<Value> {
    let n = unique();
    Some(match b {
        RecBody::NewKind => {
            json!({"key": format!("matrix_{n}"), "name": format!("Matrix kind {n}")})
        }
        RecBody::KindUpdate => json!({"name": "Patient"}),
        RecBody::NewField => {
            json!({"key": format!("matrix_{n}"), "label": "Matrix field", "kind": "text"})
        }
        RecBody::FieldUpdate => json!({"label": "Matrix field changed"}),
        RecBody::Template => json!({"template": "clinic"}),
        RecBody::NewCategory => json!({"name": format!("Matrix category {n}")}),
        RecBody::CategoryUpdate => {
            json!({"name": "Matrix kept category", "retention_months": 24, "retention_from": "last_activity"})
        }
        RecBody::NewSubject => subject_body(version),
        RecBody::SubjectUpdate => json!({"reference": "M-KEPT", "name": "Matrix kept subject"}),
        RecBody::Note => json!({"category_id": version, "body": format!("Matrix note {n}")}),
        RecBody::Document | RecBody::Version => return None,
        RecBody::Assign => json!({"role_key": "employee"}),
        RecBody::BreakGlass => json!({"reason": "matrix"}),
        RecBody::Review => json!({"note": "matrix"}),
        RecBody::Hold => json!({"category_id": version, "reason": "matrix"}),
        RecBody::Release => json!({"reason": "matrix"}),
        RecBody::Keep => json!({"note": "matrix"}),
        RecBody::Consent => json!({"purpose": format!("Matrix {n}")}),
        RecBody::Withdraw => json!({"reason": "matrix"}),
        RecBody::AnonymizeNoReason => json!({"reason": " "}),
    })
}

/// The multipart body of a row, if it has one.
pub(super) fn multipart(b: RecBody, version: i64) -> Option<reqwest::multipart::Form> {
    match b {
        RecBody::Document => Some(upload(version)),
        RecBody::Version => Some(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"matrix v2".to_vec()).file_name("matrix.txt"),
        )),
        _ => None,
    }
}
