//! A subject's file: its records (notes and documents, each in a category), the access log
//! and break-glass. Opening a file, downloading a document and exporting subjects are each
//! written to the access log and, in the same transaction, the hash-chained audit trail.
//! Documents are uploads checked by their content (`files::check_upload`, as HR's) and
//! versioned: a new version is a new file, the older ones stay listed and downloadable.
//! A record in a sensitive category is left out for anyone without
//! `records_sensitive.read`, and not found when asked for by id.
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use super::setup::{Category, SetupStore};
use super::subjects::{self, Access, Subject, SubjectStore, Via, BREAK_GLASS_SECS};
use super::{
    gate_office, gate_reader, is_privacy_office, may, reads_sensitive, writes_sensitive,
    BreakGlassId, CategoryId, ItemId, SubjectId, VersionId, ACCESS, BREAK_GLASS, ITEM,
};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::files::{check_upload_off, forget_on_error, Download, FileMeta, FileStore, NewFile};
use crate::ids::{CompanyId, UserId};
use crate::jobs::JobStore;
use crate::list::{Page, Paging};
use crate::time::Timestamp;
use crate::work::notify::{self, NewNotification, NotifyStore};
use crate::{Error, Result};

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const REASON_MAX: usize = 1000;

/// One version of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocVersion {
    pub id: VersionId,
    pub item_id: ItemId,
    pub number: i64,
    pub file: FileMeta,
    pub created_by_name: String,
    pub created_at: Timestamp,
}

/// A record of a subject's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: ItemId,
    pub subject_id: SubjectId,
    pub category_id: CategoryId,
    pub category: String,
    pub sensitive: bool,
    /// `note` or `document`.
    pub kind: String,
    pub title: String,
    /// A note's text.
    pub body: String,
    pub created_by_name: String,
    pub created_at: Timestamp,
    /// Disposed of at the end of its retention period: the content is gone, the title and
    /// category stay (the tombstone is the disposal's).
    pub disposed_at: Option<Timestamp>,
    /// A document's versions, newest first.
    pub versions: Vec<DocVersion>,
}

/// A note or a document's details as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemInput {
    pub category_id: String,
    pub title: String,
    /// A note's text (ignored for documents).
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    pub subject_id: SubjectId,
    pub category_id: CategoryId,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// What the search index holds for it ([`super::search::index_text`]).
    pub text: String,
}

/// One access to a file (or an export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessEntry {
    pub id: i64,
    pub subject_id: Option<SubjectId>,
    pub subject: String,
    pub user_id: Option<UserId>,
    pub actor: String,
    pub at: Timestamp,
    /// `view`, `download`, `export` or `break_glass`.
    pub action: String,
    pub what: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccess {
    pub subject_id: Option<SubjectId>,
    /// Who (none for the command line).
    pub user_id: Option<UserId>,
    pub action: String,
    pub what: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct AccessQuery {
    pub subject: Option<SubjectId>,
    pub user: Option<UserId>,
    pub paging: Paging,
}

/// A break-glass opening and its review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BreakGlass {
    pub id: BreakGlassId,
    pub subject_id: SubjectId,
    pub subject: String,
    pub user_id: UserId,
    pub user_name: String,
    pub reason: String,
    pub opened_at: Timestamp,
    pub expires_at: Timestamp,
    pub reviewed_at: Option<Timestamp>,
    pub reviewed_by_name: String,
    pub review_note: String,
    pub version: i64,
}

pub trait RecordStore: Send + Sync {
    /// The subject's records, oldest first, with documents' versions.
    fn items(
        &self,
        company: CompanyId,
        subject: SubjectId,
    ) -> impl Future<Output = Result<Vec<Item>>> + Send;
    fn item(
        &self,
        company: CompanyId,
        id: ItemId,
    ) -> impl Future<Output = Result<Option<Item>>> + Send;
    /// A note, or a document with its first version (`file`), in one transaction.
    fn insert_item(
        &self,
        company: CompanyId,
        item: &NewItem,
        file: Option<&NewFile>,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<ItemId>> + Send;
    /// The next version of a document. Its id.
    fn insert_version(
        &self,
        company: CompanyId,
        item: ItemId,
        file: &NewFile,
        text: &str,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<VersionId>> + Send;
    fn version(
        &self,
        company: CompanyId,
        id: VersionId,
    ) -> impl Future<Output = Result<Option<DocVersion>>> + Send;
    /// Writes the access log's row and the audit event in one transaction.
    fn log_access(
        &self,
        company: CompanyId,
        a: &NewAccess,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Newest first.
    fn access_log(
        &self,
        company: CompanyId,
        q: &AccessQuery,
    ) -> impl Future<Output = Result<Page<AccessEntry>>> + Send;
    /// The opening, its access-log row and audit event in one transaction.
    fn insert_break_glass(
        &self,
        company: CompanyId,
        subject: SubjectId,
        user: UserId,
        reason: &str,
        until: Timestamp,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<BreakGlassId>> + Send;
    /// Newest first; `pending`: not reviewed yet.
    fn break_glass_list(
        &self,
        company: CompanyId,
        pending: bool,
        paging: Paging,
    ) -> impl Future<Output = Result<Page<BreakGlass>>> + Send;
    fn break_glass(
        &self,
        company: CompanyId,
        id: BreakGlassId,
    ) -> impl Future<Output = Result<Option<BreakGlass>>> + Send;
    /// Marks it reviewed; one reviewed already is refused on `note` (a conflict of state).
    fn review_break_glass(
        &self,
        company: CompanyId,
        id: BreakGlassId,
        by: Option<UserId>,
        note: &str,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The active members of the company who hold `records.approve` company-wide.
    fn privacy_officers(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<UserId>>> + Send;
}

/// What the file shows: the subject, what the actor may do and the records they may see.
#[derive(Debug, Clone)]
pub struct FileView {
    pub subject: Subject,
    pub access: Access,
    pub items: Vec<Item>,
    /// How many sensitive records were left out.
    pub hidden: usize,
    /// The records whose category's purpose has no consent in force, with the purpose.
    pub unconsented: std::collections::BTreeMap<ItemId, String>,
    /// The subject's consents, newest given first.
    pub consents: Vec<super::consent::Consent>,
}

fn access_audit(actor: &Actor, s: &Subject, a: &NewAccess) -> AuditDraft {
    AuditDraft::by(
        actor,
        ACCESS,
        a.subject_id.map(|i| i.to_string()),
        &a.action,
        json!({"subject_id": s.id.0, "reference": s.reference, "what": a.what,
            "reason": a.reason}),
    )
}

fn via_reason(via: Option<Via>) -> &'static str {
    match via {
        Some(Via::BreakGlass(_)) => "break-glass",
        _ => "",
    }
}

/// Opens a subject's file: its records the actor may see. The view is logged.
pub async fn open_file<S>(store: &S, actor: &Actor, id: SubjectId) -> Result<FileView>
where
    S: SubjectStore + RecordStore + SetupStore + super::consent::ConsentStore,
{
    let (subject, access) = subjects::open(store, actor, id).await?;
    let all = store.items(actor.company_id, id).await?;
    let n = all.len();
    let items: Vec<Item> = if reads_sensitive(actor) {
        all
    } else {
        all.into_iter().filter(|i| !i.sensitive).collect()
    };
    let hidden = n - items.len();
    let a = NewAccess {
        subject_id: Some(id),
        user_id: actor.author(),
        action: "view".into(),
        what: format!("the file ({} records)", items.len()),
        reason: via_reason(access.via).into(),
    };
    store
        .log_access(actor.company_id, &a, access_audit(actor, &subject, &a))
        .await?;
    let cats = store.record_categories(actor.company_id).await?;
    let consents = store.subject_consents(actor.company_id, id).await?;
    let unconsented = super::consent::flags(&items, &cats, &consents, crate::time::today());
    Ok(FileView {
        subject,
        access,
        items,
        hidden,
        unconsented,
        consents,
    })
}

async fn check_item<S: SetupStore>(
    store: &S,
    actor: &Actor,
    input: &ItemInput,
    note: bool,
) -> Result<(Category, String, String)> {
    let mut v = Validator::new();
    let cats = store.record_categories(actor.company_id).await?;
    let category = match input.category_id.trim().parse::<i64>() {
        Ok(i) if i > 0 => match cats.into_iter().find(|c| c.id.0 == i) {
            Some(c) => {
                if c.sensitive && !writes_sensitive(actor) {
                    v.push(
                        "category_id",
                        "a sensitive category: records in it need the records_sensitive grant",
                    );
                }
                Some(c)
            }
            None => {
                v.push("category_id", "no such category");
                None
            }
        },
        _ => {
            v.push("category_id", "choose a category");
            None
        }
    };
    let title = v.line("title", &input.title, TITLE_MAX, !note);
    let body = if note {
        v.text("body", &input.body, BODY_MAX, true)
    } else {
        String::new()
    };
    v.finish()?;
    let category = category.ok_or_else(|| Error::invalid("category_id", "choose a category"))?;
    let title = if title.is_empty() {
        body.lines().next().unwrap_or("").chars().take(80).collect()
    } else {
        title
    };
    Ok((category, title, body))
}

fn writable(a: &Access) -> Result<()> {
    if a.write {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// A note in a subject's file.
pub async fn add_note<S: SubjectStore + SetupStore + RecordStore>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
    input: &ItemInput,
) -> Result<Item> {
    let (s, a) = subjects::open(store, actor, id).await?;
    writable(&a)?;
    let (c, title, body) = check_item(store, actor, input, true).await?;
    let text = {
        let (t, b) = (title.clone(), body.clone());
        crate::blocking::run(move || super::search::index_text(&t, &b)).await?
    };
    let item = NewItem {
        subject_id: s.id,
        category_id: c.id,
        kind: "note".into(),
        title,
        body,
        text,
    };
    // The note's text is the subject's data: the trail names the note, not its text.
    let audit = AuditDraft::by(
        actor,
        ITEM,
        None,
        "create",
        json!({"subject_id": s.id.0, "kind": "note", "category": c.name, "title": item.title}),
    );
    let iid = store
        .insert_item(actor.company_id, &item, None, actor.author(), audit)
        .await?;
    item_of(store, actor, iid).await
}

/// A document in a subject's file: the upload is checked by its content (`file`), the
/// fields with it; nothing is written when either is refused.
#[allow(clippy::too_many_arguments)]
pub async fn add_document<S, F>(
    store: &S,
    files: &F,
    actor: &Actor,
    id: SubjectId,
    input: &ItemInput,
    file_name: &str,
    bytes: &[u8],
) -> Result<Item>
where
    S: SubjectStore + SetupStore + RecordStore,
    F: FileStore + ?Sized,
{
    let (s, a) = subjects::open(store, actor, id).await?;
    writable(&a)?;
    let fields = check_item(store, actor, input, false).await;
    let checked = check_upload_off("file", file_name, bytes).await;
    let ((c, title, _), mut file) = match (fields, checked) {
        (Ok(f), Ok(u)) => (f, u),
        (x, y) => {
            let mut errors = Vec::new();
            if let Err(e) = x {
                errors.extend(e.field_errors());
            }
            if let Err(e) = y {
                errors.extend(e.field_errors());
            }
            return Err(Error::InvalidMany(errors));
        }
    };
    let text = document_index(&title, &file.content_type, bytes).await?;
    file.storage_key = files.put(bytes).await?;
    let item = NewItem {
        subject_id: s.id,
        category_id: c.id,
        kind: "document".into(),
        title,
        body: String::new(),
        text,
    };
    let audit = AuditDraft::by(
        actor,
        ITEM,
        None,
        "create",
        json!({"subject_id": s.id.0, "kind": "document", "category": c.name,
            "title": item.title, "name": file.name, "content_type": file.content_type,
            "size": file.size, "sha256": file.sha256}),
    );
    let inserted = store
        .insert_item(actor.company_id, &item, Some(&file), actor.author(), audit)
        .await;
    let iid = forget_on_error(files, &file, inserted).await?;
    item_of(store, actor, iid).await
}

/// What the search index holds for a document: its title's words and those of its text
/// (plain text), folded on a blocking thread.
async fn document_index(title: &str, content_type: &str, bytes: &[u8]) -> Result<String> {
    let (t, ct, b) = (title.to_string(), content_type.to_string(), bytes.to_vec());
    crate::blocking::run(move || {
        super::search::index_text(&t, &super::search::document_text(&ct, &b))
    })
    .await
}

/// A record the actor may open (its subject's file, and the sensitive grant when its
/// category needs it); not found otherwise.
pub async fn item<S: SubjectStore + RecordStore>(
    store: &S,
    actor: &Actor,
    id: ItemId,
) -> Result<(Item, Subject, Access)> {
    gate_reader(actor)?;
    let item = store
        .item(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "record" })?;
    let (s, a) = subjects::open(store, actor, item.subject_id)
        .await
        .map_err(|e| e.hidden_as("record"))?;
    if item.sensitive && !reads_sensitive(actor) {
        return Err(Error::NotFound { entity: "record" });
    }
    Ok((item, s, a))
}

async fn item_of<S: SubjectStore + RecordStore>(
    store: &S,
    actor: &Actor,
    id: ItemId,
) -> Result<Item> {
    store
        .item(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "record" })
}

/// A new version of a document; the older ones stay.
pub async fn add_version<S, F>(
    store: &S,
    files: &F,
    actor: &Actor,
    id: ItemId,
    file_name: &str,
    bytes: &[u8],
) -> Result<Item>
where
    S: SubjectStore + RecordStore,
    F: FileStore + ?Sized,
{
    let (it, s, a) = item(store, actor, id).await?;
    writable(&a)?;
    if it.kind != "document" {
        return Err(Error::invalid(
            "file",
            "a note has no versions: upload a document",
        ));
    }
    if it.sensitive && !writes_sensitive(actor) {
        return Err(Error::Forbidden);
    }
    if it.disposed_at.is_some() {
        return Err(Error::conflict(
            "this record was disposed of at the end of its retention period",
        ));
    }
    let mut file = check_upload_off("file", file_name, bytes).await?;
    let text = document_index(&it.title, &file.content_type, bytes).await?;
    file.storage_key = files.put(bytes).await?;
    let audit = AuditDraft::by(
        actor,
        ITEM,
        Some(id.to_string()),
        "new_version",
        json!({"subject_id": s.id.0, "title": it.title, "number": it.versions.len() + 1,
            "name": file.name, "content_type": file.content_type, "size": file.size,
            "sha256": file.sha256}),
    );
    let inserted = store
        .insert_version(actor.company_id, id, &file, &text, actor.author(), audit)
        .await;
    forget_on_error(files, &file, inserted).await?;
    item_of(store, actor, id).await
}

/// A version's bytes; the download is logged first.
pub async fn download<S, F>(store: &S, files: &F, actor: &Actor, id: VersionId) -> Result<Download>
where
    S: SubjectStore + RecordStore,
    F: FileStore + ?Sized,
{
    gate_reader(actor)?;
    let v = store
        .version(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "document" })?;
    let (it, s, a) = item(store, actor, v.item_id)
        .await
        .map_err(|e| e.hidden_as("document"))?;
    let bytes = files.get(&v.file.storage_key).await?;
    let log = NewAccess {
        subject_id: Some(s.id),
        user_id: actor.author(),
        action: "download".into(),
        what: format!("{} (version {}, {})", it.title, v.number, v.file.name),
        reason: via_reason(a.via).into(),
    };
    store
        .log_access(actor.company_id, &log, access_audit(actor, &s, &log))
        .await?;
    Ok(Download {
        name: v.file.name,
        content_type: v.file.content_type,
        bytes,
    })
}

/// Logs an export of the subject list (`rows` exported).
pub async fn log_export<S: RecordStore>(store: &S, actor: &Actor, rows: usize) -> Result<()> {
    let a = NewAccess {
        subject_id: None,
        user_id: actor.author(),
        action: "export".into(),
        what: format!("the subject list ({rows} rows)"),
        reason: String::new(),
    };
    let audit = AuditDraft::by(actor, ACCESS, None, "export", json!({"what": a.what}));
    store.log_access(actor.company_id, &a, audit).await
}

/// Who has seen a subject's file: the privacy office, and the subject's owner.
pub async fn subject_log<S: SubjectStore + RecordStore>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
    paging: Paging,
) -> Result<Page<AccessEntry>> {
    let (s, _) = subjects::get(store, actor, id).await?;
    if !(is_privacy_office(actor) || s.owner_id == Some(actor.user_id)) {
        return Err(Error::Forbidden);
    }
    store
        .access_log(
            actor.company_id,
            &AccessQuery {
                subject: Some(id),
                user: None,
                paging,
            },
        )
        .await
}

/// What one user has opened (the privacy office; anyone for themselves).
pub async fn user_log<S: RecordStore>(
    store: &S,
    actor: &Actor,
    user: UserId,
    paging: Paging,
) -> Result<Page<AccessEntry>> {
    gate_reader(actor)?;
    if !(is_privacy_office(actor) || user == actor.user_id) {
        return Err(Error::Forbidden);
    }
    store
        .access_log(
            actor.company_id,
            &AccessQuery {
                subject: None,
                user: Some(user),
                paging,
            },
        )
        .await
}

/// Opens a subject's file the actor has no access to, for [`BREAK_GLASS_SECS`], giving a
/// reason (refused on `reason` when empty, nothing written). The opening is logged and
/// audited; the owner and every privacy officer are told; it waits in the review queue.
/// Someone who may open the file already needs no break-glass (a conflict).
pub async fn break_glass<S>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
    reason: &str,
) -> Result<BreakGlass>
where
    S: SubjectStore + RecordStore + NotifyStore + JobStore,
{
    gate_reader(actor)?;
    let s = store
        .subject(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "subject" })?;
    let reason = crate::input::text("reason", reason, REASON_MAX, true)?;
    let a = subjects::access(store, actor, &s).await?;
    if a.opens() {
        return Err(Error::conflict(
            "you may open this file already: no break-glass needed",
        ));
    }
    let until = Timestamp::now().plus_secs(BREAK_GLASS_SECS);
    let audit = AuditDraft::by(
        actor,
        BREAK_GLASS,
        None,
        "open",
        json!({"subject_id": s.id.0, "reference": s.reference, "reason": reason,
            "until": until.rfc3339()}),
    );
    let bid = store
        .insert_break_glass(actor.company_id, id, actor.user_id, &reason, until, audit)
        .await?;
    let mut to = store.privacy_officers(actor.company_id).await?;
    if let Some(o) = s.owner_id {
        to.push(o);
    }
    to.sort();
    to.dedup();
    let items: Vec<NewNotification> = to
        .into_iter()
        .filter(|u| *u != actor.user_id)
        .map(|user| NewNotification {
            company: actor.company_id,
            user,
            kind: "records.break_glass".into(),
            title: format!("Break-glass: {} opened {}", actor.display_name, s.reference),
            body: format!("Reason given: {reason}"),
            link: Some("/records/break-glass".into()),
        })
        .collect();
    if let Err(e) = notify::notify(store, items).await {
        tracing::warn!(error = %e, "break-glass notification failed");
    }
    store
        .break_glass(actor.company_id, bid)
        .await?
        .ok_or(Error::NotFound {
            entity: "break-glass",
        })
}

/// The review queue (the privacy office): `pending` only those not reviewed yet.
pub async fn review_queue<S: RecordStore>(
    store: &S,
    actor: &Actor,
    pending: bool,
    paging: Paging,
) -> Result<Page<BreakGlass>> {
    gate_office(actor)?;
    store
        .break_glass_list(actor.company_id, pending, paging)
        .await
}

/// Marks a break-glass opening reviewed with a note (the privacy office; the note is
/// required, `note`). One reviewed already is a conflict.
pub async fn review<S: RecordStore>(
    store: &S,
    actor: &Actor,
    id: BreakGlassId,
    note: &str,
    version: Option<i64>,
) -> Result<BreakGlass> {
    gate_office(actor)?;
    if !may(actor, Action::Approve) {
        return Err(Error::Forbidden);
    }
    let b = store
        .break_glass(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "break-glass",
        })?;
    let note = crate::input::text("note", note, REASON_MAX, true)?;
    if b.reviewed_at.is_some() {
        return Err(Error::conflict("this break-glass was reviewed already"));
    }
    let audit = AuditDraft::by(
        actor,
        BREAK_GLASS,
        Some(id.to_string()),
        "review",
        json!({"subject_id": b.subject_id.0, "user_id": b.user_id.0, "note": note}),
    );
    store
        .review_break_glass(
            actor.company_id,
            id,
            actor.author(),
            &note,
            version.unwrap_or(b.version),
            audit,
        )
        .await?;
    store
        .break_glass(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "break-glass",
        })
}
