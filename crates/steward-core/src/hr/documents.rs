//! Employee documents and certifications.
//!
//! Documents (contract, ID, licence, certificate, other) are files in the FileStore,
//! checked by content, with a category, a title and an expiry date. They are personal data:
//! HR staff and the employee themself see them ([`super::Visibility::personal`]); every view
//! and every download is written to the audit trail. HR staff add and remove them.
//!
//! Certifications and trainings (name, issuer, issued, expires, optionally a document) are
//! job data: HR, the employee and their managers see them; HR staff add and remove them;
//! readers of HR at company scope see the company list of those expiring soon.
//!
//! The daily job `hr.expiry_reminders` tells the employee and their manager
//! [`REMIND_DAYS`] days before a document or certification expires, once (`reminded_at`).
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use super::{is_hr_staff, visibility, EmployeeRef, HrBaseStore};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain, Permission, Scope};
use crate::error::Validator;
use crate::files::{check_upload_off, forget_on_error, Download, FileMeta, FileStore, NewFile};
use crate::ids::{CompanyId, DocumentId, EmployeeId, UserId};
use crate::jobs::{Handlers, Job, JobKind, JobStore, NewJob};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::work::notify::{notify, NewNotification, NotifyStore};
use crate::{Error, Result};

/// Reminders go out this many days before the expiry date.
pub const REMIND_DAYS: i64 = 30;
/// The daily reminder job.
pub const REMINDER_JOB: &str = "hr.expiry_reminders";
/// The hour (UTC) the reminder job runs.
pub const REMINDER_HOUR_UTC: u32 = 6;
pub const MAX_TITLE: usize = 200;

/// Document categories: (key, label).
pub const CATEGORIES: &[(&str, &str)] = &[
    ("contract", "Contract"),
    ("id", "ID document"),
    ("licence", "Licence"),
    ("certificate", "Certificate"),
    ("other", "Other"),
];

pub fn category_label(key: &str) -> &str {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or(key)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CertificationId(pub i64);

impl std::fmt::Display for CertificationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub id: DocumentId,
    pub company_id: CompanyId,
    pub employee_id: EmployeeId,
    pub employee_name: String,
    pub category: String,
    pub title: String,
    pub expires: Option<NaiveDate>,
    pub file: FileMeta,
    pub uploaded_by: Option<UserId>,
    pub uploaded_by_name: String,
    pub uploaded_at: Timestamp,
}

/// Where a date stands against today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryState {
    None,
    Valid,
    /// Within [`REMIND_DAYS`].
    Soon,
    Expired,
}

impl ExpiryState {
    pub fn of(expires: Option<NaiveDate>, today: NaiveDate) -> ExpiryState {
        match expires {
            None => ExpiryState::None,
            Some(d) if d < today => ExpiryState::Expired,
            Some(d) if d <= today + Duration::days(REMIND_DAYS) => ExpiryState::Soon,
            Some(_) => ExpiryState::Valid,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiryState::None => "none",
            ExpiryState::Valid => "valid",
            ExpiryState::Soon => "soon",
            ExpiryState::Expired => "expired",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ExpiryState::None => "no expiry",
            ExpiryState::Valid => "valid",
            ExpiryState::Soon => "expires soon",
            ExpiryState::Expired => "expired",
        }
    }
    /// The badge class pages use.
    pub fn badge(self) -> &'static str {
        match self {
            ExpiryState::None | ExpiryState::Valid => "",
            ExpiryState::Soon => "warn",
            ExpiryState::Expired => "error",
        }
    }
}

impl Document {
    pub fn state(&self, today: NaiveDate) -> ExpiryState {
        ExpiryState::of(self.expires, today)
    }
    pub fn category_label(&self) -> &str {
        category_label(&self.category)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certification {
    pub id: CertificationId,
    pub company_id: CompanyId,
    pub employee_id: EmployeeId,
    pub employee_name: String,
    pub name: String,
    pub issuer: String,
    pub issued: Option<NaiveDate>,
    pub expires: Option<NaiveDate>,
    pub document_id: Option<DocumentId>,
    pub created_at: Timestamp,
}

impl Certification {
    pub fn state(&self, today: NaiveDate) -> ExpiryState {
        ExpiryState::of(self.expires, today)
    }
}

/// What a new document is (validated), besides its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub employee_id: EmployeeId,
    pub category: String,
    pub title: String,
    pub expires: Option<NaiveDate>,
}

/// The form or JSON of a new document (text as typed).
#[derive(Debug, Clone, Default)]
pub struct DocumentInput {
    pub category: String,
    pub title: String,
    /// `YYYY-MM-DD` or empty.
    pub expires: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertification {
    pub employee_id: EmployeeId,
    pub name: String,
    pub issuer: String,
    pub issued: Option<NaiveDate>,
    pub expires: Option<NaiveDate>,
    pub document_id: Option<DocumentId>,
}

#[derive(Debug, Clone, Default)]
pub struct CertificationInput {
    pub name: String,
    pub issuer: String,
    pub issued: String,
    pub expires: String,
    /// A document id of the same employee, or empty.
    pub document_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertSort {
    #[default]
    Expires,
    Name,
    Employee,
    Issued,
}

impl SortKey for CertSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("expires", CertSort::Expires),
        ("name", CertSort::Name),
        ("employee", CertSort::Employee),
        ("issued", CertSort::Issued),
    ];
}

/// Which certifications the company list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertWindow {
    /// Expired, or expiring within [`REMIND_DAYS`] (the default view).
    #[default]
    Soon,
    /// Expiring within 90 days, or expired.
    Quarter,
    Expired,
    All,
}

impl CertWindow {
    pub const ALL: &'static [(&'static str, &'static str, CertWindow)] = &[
        (
            "soon",
            "Expired or expiring within 30 days",
            CertWindow::Soon,
        ),
        (
            "quarter",
            "Expired or expiring within 90 days",
            CertWindow::Quarter,
        ),
        ("expired", "Expired", CertWindow::Expired),
        ("all", "All", CertWindow::All),
    ];
    pub fn parse(s: &str) -> Option<CertWindow> {
        Self::ALL
            .iter()
            .find(|(k, _, _)| *k == s)
            .map(|(_, _, w)| *w)
    }
    /// (expires before, expires until) bounds for `today`.
    pub fn bounds(self, today: NaiveDate) -> (Option<NaiveDate>, Option<NaiveDate>) {
        match self {
            CertWindow::Soon => (None, Some(today + Duration::days(REMIND_DAYS))),
            CertWindow::Quarter => (None, Some(today + Duration::days(90))),
            CertWindow::Expired => (None, Some(today - Duration::days(1))),
            CertWindow::All => (None, None),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CertQuery {
    /// Name, issuer or employee name, case-insensitive substring.
    pub search: Option<String>,
    pub window: CertWindow,
    pub today: Option<NaiveDate>,
    pub sort: CertSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// A document or certification whose reminder is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryItem {
    pub company_id: CompanyId,
    /// `document` or `certification`.
    pub kind: &'static str,
    pub id: i64,
    pub employee_id: EmployeeId,
    pub title: String,
    pub expires: NaiveDate,
    /// The employee's display name (preferred, else legal).
    pub employee_name: String,
    /// Who is told: the employee's own user and their manager's, where they have one.
    pub employee_user: Option<UserId>,
    pub manager_user: Option<UserId>,
}

/// This part's tables.
pub trait DocumentStore: Send + Sync {
    /// Indexes the file and inserts the document with its audit event (entity id filled
    /// in) in one transaction.
    fn insert_document(
        &self,
        company: CompanyId,
        doc: &NewDocument,
        file: &NewFile,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<DocumentId>> + Send;
    /// A document that is not removed.
    fn get_document(
        &self,
        company: CompanyId,
        id: DocumentId,
    ) -> impl Future<Output = Result<Option<Document>>> + Send;
    /// The employee's documents that are not removed, by category then title.
    fn employee_documents(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> impl Future<Output = Result<Vec<Document>>> + Send;
    /// Marks it removed (not found when it is not there).
    fn remove_document(
        &self,
        company: CompanyId,
        id: DocumentId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Writes an audit event alone (a view or download of a document).
    fn log_access(&self, audit: AuditDraft) -> impl Future<Output = Result<()>> + Send;

    fn insert_certification(
        &self,
        company: CompanyId,
        cert: &NewCertification,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<CertificationId>> + Send;
    fn get_certification(
        &self,
        company: CompanyId,
        id: CertificationId,
    ) -> impl Future<Output = Result<Option<Certification>>> + Send;
    /// The employee's certifications that are not removed, by expiry (none last).
    fn employee_certifications(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> impl Future<Output = Result<Vec<Certification>>> + Send;
    fn remove_certification(
        &self,
        company: CompanyId,
        id: CertificationId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The company list (with an expiry date, within the window).
    fn list_certifications(
        &self,
        company: CompanyId,
        q: &CertQuery,
    ) -> impl Future<Output = Result<Page<Certification>>> + Send;

    /// Documents and certifications of every company, not removed, not reminded yet,
    /// expiring on or before `until`, with whom to tell (one query per kind, not one per
    /// item).
    fn due_expiry_reminders(
        &self,
        until: NaiveDate,
    ) -> impl Future<Output = Result<Vec<ExpiryItem>>> + Send;
    /// Sets `reminded_at` on the items, in one transaction.
    fn mark_reminded(
        &self,
        items: &[ExpiryItem],
        at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
}

// ---------------------------------------------------------------- access

pub use crate::time::today;

async fn employee(store: &impl HrBaseStore, actor: &Actor, id: EmployeeId) -> Result<EmployeeRef> {
    if !actor.can_read(Domain::Hr) {
        return Err(Error::Forbidden);
    }
    store
        .employee_ref(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })
}

/// What the actor may do with an employee's documents and certifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocAccess {
    /// See (and download) documents.
    pub documents: bool,
    /// See certifications.
    pub certifications: bool,
    /// Add and remove certifications (HR staff).
    pub edit: bool,
    /// Upload and remove documents (personal data: HR staff with `hr_personal.update`).
    pub edit_documents: bool,
}

pub async fn access_to(
    store: &impl HrBaseStore,
    actor: &Actor,
    emp: &EmployeeRef,
) -> Result<DocAccess> {
    let v = visibility(store, actor, emp).await?;
    let edit = v.edit && !actor.read_only;
    Ok(DocAccess {
        documents: v.personal,
        certifications: v.job,
        edit,
        edit_documents: v.edit_personal && !actor.read_only,
    })
}

/// The employee and what the actor may do with their documents.
pub async fn employee_access(
    store: &impl HrBaseStore,
    actor: &Actor,
    id: EmployeeId,
) -> Result<(EmployeeRef, DocAccess)> {
    let emp = employee(store, actor, id).await?;
    let access = access_to(store, actor, &emp).await?;
    Ok((emp, access))
}

/// Validates a new document's fields (all errors at once).
pub fn validate_document(employee_id: EmployeeId, input: &DocumentInput) -> Result<NewDocument> {
    let mut v = Validator::new();
    let category = input.category.trim().to_string();
    if !CATEGORIES.iter().any(|(k, _)| *k == category) {
        v.push("category", "contract, id, licence, certificate or other");
    }
    let title = v.line("title", &input.title, MAX_TITLE, true);
    let expires = v.date("expires", &input.expires);
    v.finish()?;
    Ok(NewDocument {
        employee_id,
        category,
        title,
        expires,
    })
}

// ---------------------------------------------------------------- documents

/// The employee's documents, for HR and the employee (the listing is not a view of any
/// one document; opening or downloading one is logged).
pub async fn list_documents(
    store: &(impl HrBaseStore + DocumentStore),
    actor: &Actor,
    employee_id: EmployeeId,
) -> Result<Vec<Document>> {
    let (_, access) = employee_access(store, actor, employee_id).await?;
    if !access.documents {
        return Err(Error::Forbidden);
    }
    store
        .employee_documents(actor.company_id, employee_id)
        .await
}

/// Uploads a document for an employee (HR staff): checks the fields and the file (by its
/// content), stores the bytes, indexes them with an audit event.
pub async fn upload_document<S, F>(
    store: &S,
    files: &F,
    actor: &Actor,
    employee_id: EmployeeId,
    input: &DocumentInput,
    file_name: &str,
    bytes: &[u8],
) -> Result<Document>
where
    S: HrBaseStore + DocumentStore,
    F: FileStore + ?Sized,
{
    let (emp, access) = employee_access(store, actor, employee_id).await?;
    if !access.edit_documents {
        return Err(Error::Forbidden);
    }
    // Field errors and the file's error together; the file is checked (sniffed, hashed) once.
    let fields = validate_document(emp.id, input);
    let checked = check_upload_off("file", file_name, bytes).await;
    let (doc, mut file) = match (fields, checked) {
        (Ok(d), Ok(f)) => (d, f),
        (a, b) => {
            let mut errors = Vec::new();
            if let Err(e) = a {
                errors.extend(e.field_errors());
            }
            if let Err(e) = b {
                errors.extend(e.field_errors());
            }
            return Err(Error::InvalidMany(errors));
        }
    };
    file.storage_key = files.put(bytes).await?;
    let audit = AuditDraft::by(
        actor,
        "hr_document",
        None,
        "create",
        json!({"employee_id": emp.id.0, "category": doc.category, "title": doc.title,
               "expires": doc.expires.map(|d| d.to_string()), "name": file.name,
               "content_type": file.content_type, "size": file.size, "sha256": file.sha256}),
    );
    let inserted = store
        .insert_document(actor.company_id, &doc, &file, actor.author(), audit)
        .await;
    let id = forget_on_error(files, &file, inserted).await?;
    store
        .get_document(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "document" })
}

/// A document the actor may see; not found otherwise (a colleague's documents are not
/// there for them).
async fn load_document(
    store: &(impl HrBaseStore + DocumentStore),
    actor: &Actor,
    id: DocumentId,
) -> Result<(Document, DocAccess)> {
    if !actor.can_read(Domain::Hr) {
        return Err(Error::Forbidden);
    }
    let doc = store
        .get_document(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "document" })?;
    let emp = store
        .employee_ref(actor.company_id, doc.employee_id)
        .await?
        .ok_or(Error::NotFound { entity: "document" })?;
    let access = access_to(store, actor, &emp).await?;
    if !access.documents {
        return Err(Error::NotFound { entity: "document" });
    }
    Ok((doc, access))
}

fn access_audit(actor: &Actor, doc: &Document, action: &str) -> AuditDraft {
    AuditDraft::by(
        actor,
        "hr_document",
        Some(doc.id.to_string()),
        action,
        json!({"employee_id": doc.employee_id.0, "title": doc.title, "name": doc.file.name}),
    )
}

/// Opens a document (its details); the view is written to the audit trail.
pub async fn view_document(
    store: &(impl HrBaseStore + DocumentStore),
    actor: &Actor,
    id: DocumentId,
) -> Result<(Document, DocAccess)> {
    let (doc, access) = load_document(store, actor, id).await?;
    store.log_access(access_audit(actor, &doc, "view")).await?;
    Ok((doc, access))
}

/// A document's bytes; the download is written to the audit trail first.
pub async fn download_document<S, F>(
    store: &S,
    files: &F,
    actor: &Actor,
    id: DocumentId,
) -> Result<Download>
where
    S: HrBaseStore + DocumentStore,
    F: FileStore + ?Sized,
{
    let (doc, _) = load_document(store, actor, id).await?;
    let bytes = files.get(&doc.file.storage_key).await?;
    store
        .log_access(access_audit(actor, &doc, "download"))
        .await?;
    Ok(Download {
        name: doc.file.name,
        content_type: doc.file.content_type,
        bytes,
    })
}

/// Removes a document (HR staff; softly, audited).
pub async fn remove_document(
    store: &(impl HrBaseStore + DocumentStore),
    actor: &Actor,
    id: DocumentId,
) -> Result<Document> {
    let (doc, access) = load_document(store, actor, id).await?;
    if !access.edit_documents {
        return Err(Error::Forbidden);
    }
    let audit = AuditDraft::by(
        actor,
        "hr_document",
        Some(id.to_string()),
        "delete",
        json!({"employee_id": doc.employee_id.0, "title": doc.title, "sha256": doc.file.sha256}),
    );
    store.remove_document(actor.company_id, id, audit).await?;
    Ok(doc)
}

// ---------------------------------------------------------------- certifications

pub async fn list_employee_certifications(
    store: &(impl HrBaseStore + DocumentStore),
    actor: &Actor,
    employee_id: EmployeeId,
) -> Result<Vec<Certification>> {
    let (_, access) = employee_access(store, actor, employee_id).await?;
    if !access.certifications {
        return Err(Error::Forbidden);
    }
    store
        .employee_certifications(actor.company_id, employee_id)
        .await
}

/// What an employee's documents page shows, access checked once: the person, what the
/// actor may do, their documents (empty when the actor may see only certifications) and
/// their certifications. Forbidden when the actor may see neither.
pub struct EmployeeFiles {
    pub employee: EmployeeRef,
    pub access: DocAccess,
    pub documents: Vec<Document>,
    pub certifications: Vec<Certification>,
}

pub async fn employee_files(
    store: &(impl HrBaseStore + DocumentStore),
    actor: &Actor,
    employee_id: EmployeeId,
) -> Result<EmployeeFiles> {
    let (employee, access) = employee_access(store, actor, employee_id).await?;
    if !access.documents && !access.certifications {
        return Err(Error::Forbidden);
    }
    let documents = if access.documents {
        store
            .employee_documents(actor.company_id, employee_id)
            .await?
    } else {
        Vec::new()
    };
    let certifications = if access.certifications {
        store
            .employee_certifications(actor.company_id, employee_id)
            .await?
    } else {
        Vec::new()
    };
    Ok(EmployeeFiles {
        employee,
        access,
        documents,
        certifications,
    })
}

/// Adds a certification or training (HR staff). A document must be the same employee's.
pub async fn add_certification(
    store: &(impl HrBaseStore + DocumentStore),
    actor: &Actor,
    employee_id: EmployeeId,
    input: &CertificationInput,
) -> Result<Certification> {
    let (emp, access) = employee_access(store, actor, employee_id).await?;
    if !access.edit {
        return Err(Error::Forbidden);
    }
    let mut v = Validator::new();
    let name = v.line("name", &input.name, MAX_TITLE, true);
    let issuer = v.line("issuer", &input.issuer, MAX_TITLE, false);
    let issued = v.date("issued", &input.issued);
    let expires = v.date("expires", &input.expires);
    if let (Some(i), Some(e)) = (issued, expires) {
        if e < i {
            v.push("expires", "must not be before the issue date");
        }
    }
    let mut document_id = None;
    let d = input.document_id.trim();
    if !d.is_empty() {
        match d.parse::<i64>() {
            Ok(n) if n > 0 => match store.get_document(actor.company_id, DocumentId(n)).await? {
                Some(doc) if doc.employee_id == emp.id => document_id = Some(doc.id),
                _ => v.push("document_id", "is not a document of this employee"),
            },
            _ => v.push("document_id", "must be a document id"),
        }
    }
    v.finish()?;
    let cert = NewCertification {
        employee_id: emp.id,
        name,
        issuer,
        issued,
        expires,
        document_id,
    };
    let audit = AuditDraft::by(
        actor,
        "hr_certification",
        None,
        "create",
        json!({"employee_id": emp.id.0, "name": cert.name, "issuer": cert.issuer,
               "issued": cert.issued.map(|d| d.to_string()),
               "expires": cert.expires.map(|d| d.to_string()),
               "document_id": cert.document_id.map(|d| d.0)}),
    );
    let id = store
        .insert_certification(actor.company_id, &cert, actor.author(), audit)
        .await?;
    store
        .get_certification(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "certification",
        })
}

pub async fn remove_certification(
    store: &(impl HrBaseStore + DocumentStore),
    actor: &Actor,
    id: CertificationId,
) -> Result<Certification> {
    if !actor.can_read(Domain::Hr) {
        return Err(Error::Forbidden);
    }
    let cert = store
        .get_certification(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "certification",
        })?;
    let (_, access) = employee_access(store, actor, cert.employee_id).await?;
    if !access.certifications {
        return Err(Error::NotFound {
            entity: "certification",
        });
    }
    if !access.edit {
        return Err(Error::Forbidden);
    }
    let audit = AuditDraft::by(
        actor,
        "hr_certification",
        Some(id.to_string()),
        "delete",
        json!({"employee_id": cert.employee_id.0, "name": cert.name}),
    );
    store
        .remove_certification(actor.company_id, id, audit)
        .await?;
    Ok(cert)
}

/// May the actor see the company list of certifications (HR read at company scope: HR
/// staff, the auditor)?
pub fn can_list_company(actor: &Actor) -> bool {
    is_hr_staff(actor)
        || actor.scope_for(Permission::new(Domain::Hr, Action::Read)) == Some(Scope::Company)
}

/// The company list of certifications, expiring soonest first by default.
pub async fn list_certifications(
    store: &impl DocumentStore,
    actor: &Actor,
    q: &CertQuery,
) -> Result<Page<Certification>> {
    if !can_list_company(actor) {
        return Err(Error::Forbidden);
    }
    let q = CertQuery {
        today: Some(q.today.unwrap_or_else(today)),
        ..q.clone()
    };
    store.list_certifications(actor.company_id, &q).await
}

/// The same rows for CSV/XLSX.
pub async fn export_certifications(
    store: &impl DocumentStore,
    actor: &Actor,
    q: &CertQuery,
) -> Result<Vec<Certification>> {
    let q = CertQuery {
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(list_certifications(store, actor, &q).await?.items)
}

pub const EXPORT_HEADERS: &[&str] = &[
    "id",
    "employee_id",
    "employee",
    "name",
    "issuer",
    "issued",
    "expires",
    "state",
];

pub fn export_row(c: &Certification, today: NaiveDate) -> Vec<String> {
    vec![
        c.id.to_string(),
        c.employee_id.to_string(),
        c.employee_name.clone(),
        c.name.clone(),
        c.issuer.clone(),
        c.issued.map(|d| d.to_string()).unwrap_or_default(),
        c.expires.map(|d| d.to_string()).unwrap_or_default(),
        c.state(today).as_str().to_string(),
    ]
}

// ---------------------------------------------------------------- reminders

/// Sends the reminders due on `today`: for every document and certification expiring
/// within [`REMIND_DAYS`] (or already expired) and not reminded yet, tells the employee
/// and their manager, then marks it reminded. Returns how many items were reminded.
pub async fn run_reminders<S>(store: &S, today: NaiveDate) -> Result<usize>
where
    S: DocumentStore + NotifyStore + JobStore,
{
    let items = store
        .due_expiry_reminders(today + Duration::days(REMIND_DAYS))
        .await?;
    let mut notes = Vec::new();
    for item in &items {
        let mut users: Vec<UserId> = [item.employee_user, item.manager_user]
            .into_iter()
            .flatten()
            .collect();
        users.sort();
        users.dedup();
        let (what, link) = match item.kind {
            "document" => ("Document", format!("/hr/documents/{}", item.id)),
            _ => (
                "Certification",
                format!("/hr/employees/{}/documents", item.employee_id),
            ),
        };
        let verb = if item.expires < today {
            "expired on"
        } else {
            "expires on"
        };
        let title: String = format!(
            "{what} “{}” of {} {verb} {}",
            item.title, item.employee_name, item.expires
        )
        .chars()
        .take(200)
        .collect();
        let body = format!(
            "{what} “{}” of {} {verb} {}. Please arrange a renewal and upload the new one.",
            item.title, item.employee_name, item.expires
        );
        notes.extend(users.into_iter().map(|u| NewNotification {
            company: item.company_id,
            user: u,
            kind: "hr.expiry".into(),
            title: title.clone(),
            body: body.clone(),
            link: Some(link.clone()),
        }));
    }
    // Told first, marked after: a crash between the two repeats a reminder rather than
    // losing one.
    notify(store, notes).await?;
    store.mark_reminded(&items, Timestamp::now()).await?;
    Ok(items.len())
}

/// The reminder job for `day` (once per day: the dedupe key is the day).
pub fn reminder_job(day: NaiveDate) -> Result<NewJob> {
    crate::jobs::daily_job(REMINDER_JOB, reminder_time(), day)
}

/// When the daily expiry reminders run (UTC).
fn reminder_time() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(REMINDER_HOUR_UTC, 0, 0).unwrap_or_default()
}

pub fn register_jobs<S>(registry: &mut Handlers, store: S)
where
    S: super::HrBackend + Clone + 'static,
{
    let Ok(kind) = JobKind::new(REMINDER_JOB) else {
        return;
    };
    registry.register(&kind, move |_job: Job| {
        let store = store.clone();
        async move {
            let day = today();
            let n = run_reminders(&store, day).await?;
            tracing::info!(reminded = n, "document and certification expiry reminders");
            store
                .enqueue(&[reminder_job(day + Duration::days(1))?])
                .await?;
            Ok(())
        }
    });
}

/// Makes sure today's (or, past the hour, tomorrow's) reminder run is queued; each run
/// queues the next.
pub async fn schedule(store: &impl JobStore) -> Result<()> {
    crate::jobs::schedule_daily(store, REMINDER_JOB, reminder_time()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn expiry_states() {
        let today = d("2026-03-01");
        assert_eq!(ExpiryState::of(None, today), ExpiryState::None);
        assert_eq!(
            ExpiryState::of(Some(d("2026-02-28")), today),
            ExpiryState::Expired
        );
        assert_eq!(ExpiryState::of(Some(today), today), ExpiryState::Soon);
        assert_eq!(
            ExpiryState::of(Some(d("2026-03-31")), today),
            ExpiryState::Soon
        );
        assert_eq!(
            ExpiryState::of(Some(d("2026-04-01")), today),
            ExpiryState::Valid
        );
    }

    #[test]
    fn documents_are_validated_naming_the_fields() {
        let e = validate_document(
            EmployeeId(1),
            &DocumentInput {
                category: "passport-ish".into(),
                title: " ".into(),
                expires: "2026-13-01".into(),
            },
        )
        .expect_err("bad");
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["category", "title", "expires"]);
        let ok = validate_document(
            EmployeeId(1),
            &DocumentInput {
                category: "licence".into(),
                title: "Driving licence".into(),
                expires: "2027-01-31".into(),
            },
        )
        .expect("ok");
        assert_eq!(ok.expires, Some(d("2027-01-31")));
    }

    #[test]
    fn the_reminder_job_is_once_a_day() {
        let j = reminder_job(d("2026-03-01")).expect("job");
        assert_eq!(
            j.dedupe_key.as_deref(),
            Some("hr.expiry_reminders:2026-03-01")
        );
    }
}
