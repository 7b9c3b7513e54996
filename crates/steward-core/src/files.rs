//! The FileStore: where uploaded files (attachments, employee documents) live. Files are
//! stored under random names; their index (name, type, size, SHA-256, owner record) is in
//! the database. Content types are checked from the bytes, not from what the client says:
//! a file whose bytes are not one of [`ALLOWED`] is refused, whatever its name.
//!
//! Attachments hang a file on any record ([`RecordRef`]) whose kind takes them: the kind's
//! domain registers what the actor may do (`Registry::attachments`; tasks and cases today).
//! Who may see the record sees and downloads its attachments; the kind's rule says who adds
//! them; the uploader or someone the rule allows removes one (softly: the row is kept,
//! marked removed, and audited).
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::Actor;
use crate::ids::{CompanyId, FileId, UserId};
use crate::registry::Registry;
pub use crate::registry::{AttachAccess, BoxFuture};
use crate::time::Timestamp;
use crate::work::RecordRef;
use crate::{Error, Result};

/// The largest file accepted (20 MiB).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The longest file name kept (characters).
pub const MAX_NAME: usize = 200;

/// The content types Steward accepts, as sniffed from the bytes: (type, label).
pub const ALLOWED: &[(&str, &str)] = &[
    ("application/pdf", "PDF"),
    ("image/png", "PNG"),
    ("image/jpeg", "JPEG"),
    ("image/gif", "GIF"),
    ("image/webp", "WebP"),
    ("text/plain", "plain text"),
    ("text/csv", "CSV"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word (DOCX)",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel (XLSX)",
    ),
    (
        "application/vnd.oasis.opendocument.text",
        "OpenDocument text",
    ),
    (
        "application/vnd.oasis.opendocument.spreadsheet",
        "OpenDocument spreadsheet",
    ),
];

/// What the `accept` attribute of a file input offers.
pub const ACCEPT: &str = ".pdf,.png,.jpg,.jpeg,.gif,.webp,.txt,.csv,.docx,.xlsx,.odt,.ods";

/// Where the bytes live. Keys are made by the store ([`random_key`]) and never come from a
/// client; implementations still refuse any key that is not one ([`valid_key`]).
///
/// Object-safe (boxed futures), so the web layer holds an `Arc<dyn FileStore>` and the
/// binary chooses the implementation: a local folder today, S3-compatible storage next.
pub trait FileStore: Send + Sync {
    /// Stores the bytes under a new random key and returns it.
    fn put<'a>(&'a self, bytes: &'a [u8]) -> BoxFuture<'a, Result<String>>;
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Vec<u8>>>;
    /// Removes the bytes; a missing key is not an error.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>>;
}

/// A new storage key: 32 random hex digits (128 bits).
pub fn random_key() -> String {
    let bytes: [u8; 16] = rand::random();
    hex::encode(bytes)
}

/// Whether `key` is one [`random_key`] makes: exactly 32 lowercase hex digits, so it can
/// never name a path outside the store's folder.
pub fn valid_key(key: &str) -> bool {
    key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The content type of `bytes`, judged by their first bytes (magic numbers); `None` when
/// they are none of the [`ALLOWED`] kinds.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Some("image/gif");
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return sniff_zip(bytes);
    }
    if is_text(bytes) {
        return Some("text/plain");
    }
    None
}

/// Office documents are ZIP archives; what is inside tells which. ODF puts its `mimetype`
/// entry first, stored; OOXML has `word/` or `xl/` parts (their names are in the local
/// file headers, which we scan without unpacking).
fn sniff_zip(bytes: &[u8]) -> Option<&'static str> {
    // The first local header: name length at 26, extra at 28, name from 30.
    if bytes.len() > 30 {
        let n = usize::from(u16::from_le_bytes([bytes[26], bytes[27]]));
        let extra = usize::from(u16::from_le_bytes([bytes[28], bytes[29]]));
        let name = bytes.get(30..30 + n)?;
        if name == b"mimetype" {
            let data = bytes.get(30 + n + extra..)?;
            for (prefix, t) in [
                (
                    &b"application/vnd.oasis.opendocument.text"[..],
                    "application/vnd.oasis.opendocument.text",
                ),
                (
                    &b"application/vnd.oasis.opendocument.spreadsheet"[..],
                    "application/vnd.oasis.opendocument.spreadsheet",
                ),
            ] {
                // `…text` must not match `…text-template`: the next byte starts the next
                // header (`PK`), not more of the name.
                if data.starts_with(prefix)
                    && !data
                        .get(prefix.len())
                        .is_some_and(|b| b.is_ascii_lowercase() || *b == b'-' || *b == b'.')
                {
                    return Some(t);
                }
            }
            return None;
        }
    }
    let window = &bytes[..bytes.len().min(4 * 1024 * 1024)];
    let has = |needle: &[u8]| window.windows(needle.len()).any(|w| w == needle);
    if has(b"word/document.xml") || (has(b"[Content_Types].xml") && has(b"word/")) {
        return Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    }
    if has(b"xl/workbook.xml") || (has(b"[Content_Types].xml") && has(b"xl/")) {
        return Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    }
    None
}

/// UTF-8 text without control characters other than tab, newline, carriage return and form
/// feed (a BOM is fine). Binary files (executables, archives) fail on their NUL bytes.
fn is_text(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => !s
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')),
        Err(_) => false,
    }
}

/// The label of an allowed type ("PDF").
pub fn type_label(content_type: &str) -> &str {
    ALLOWED
        .iter()
        .find(|(t, _)| *t == content_type)
        .map(|(_, l)| *l)
        .unwrap_or(content_type)
}

/// The name to keep: the last path component, without control characters or quotes,
/// trimmed to [`MAX_NAME`] characters; `file` when nothing is left.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\'' | ';' | '<' | '>' | '`'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    let cleaned: String = cleaned.chars().take(MAX_NAME).collect();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// An upload that passed the checks: what the index stores about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Filled once the bytes are stored.
    pub storage_key: String,
}

/// Checks an upload in `field`: not empty, at most [`MAX_FILE_BYTES`], and of an allowed
/// type judged from its bytes. A `.csv` name makes allowed text `text/csv`.
pub fn check_upload(field: &str, name: &str, bytes: &[u8]) -> Result<NewFile> {
    if bytes.is_empty() {
        return Err(Error::invalid(field, "choose a file (it is empty)"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::invalid(
            field,
            format!(
                "is too large ({} MB); at most {} MB",
                bytes.len().div_ceil(1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    let name = clean_name(name);
    let Some(mut content_type) = sniff(bytes) else {
        let allowed: Vec<&str> = ALLOWED.iter().map(|(_, l)| *l).collect();
        return Err(Error::invalid(
            field,
            format!(
                "this kind of file is not accepted (its content is not {})",
                allowed.join(", ")
            ),
        ));
    };
    if content_type == "text/plain" && name.to_ascii_lowercase().ends_with(".csv") {
        content_type = "text/csv";
    }
    Ok(NewFile {
        name,
        content_type: content_type.to_string(),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: hex::encode(Sha256::digest(bytes)),
        storage_key: String::new(),
    })
}

/// [`check_upload`] on a blocking thread: sniffing and hashing up to [`MAX_FILE_BYTES`] holds
/// a CPU, so it never runs on the async workers (the bytes are copied once; an empty or
/// oversized upload is refused here without the copy).
pub async fn check_upload_off(field: &str, name: &str, bytes: &[u8]) -> Result<NewFile> {
    if bytes.is_empty() || bytes.len() > MAX_FILE_BYTES {
        return check_upload(field, name, bytes);
    }
    let (field, name, bytes) = (field.to_string(), name.to_string(), bytes.to_vec());
    crate::blocking::try_run(move || check_upload(&field, &name, &bytes)).await
}

/// Checks the upload and stores its bytes. The caller indexes it (and on failure calls
/// [`FileStore::delete`] with the key).
pub async fn store_upload(
    files: &(impl FileStore + ?Sized),
    field: &str,
    name: &str,
    bytes: &[u8],
) -> Result<NewFile> {
    let mut f = check_upload_off(field, name, bytes).await?;
    f.storage_key = files.put(bytes).await?;
    Ok(f)
}

/// Passes on the result of indexing a stored file; when indexing failed, deletes the bytes
/// first (a file nobody indexed is never reachable).
pub async fn forget_on_error<T>(
    files: &(impl FileStore + ?Sized),
    file: &NewFile,
    indexed: Result<T>,
) -> Result<T> {
    if indexed.is_err() {
        if let Err(d) = files.delete(&file.storage_key).await {
            tracing::warn!(error = %d, "could not delete the bytes of a failed upload");
        }
    }
    indexed
}

/// A file's index row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileMeta {
    pub id: FileId,
    pub company_id: CompanyId,
    #[serde(skip)]
    pub storage_key: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

impl FileMeta {
    /// "12.5 KB".
    pub fn size_label(&self) -> String {
        size_label(self.size)
    }
    pub fn type_label(&self) -> &str {
        type_label(&self.content_type)
    }
}

pub fn size_label(size: i64) -> String {
    let s = size.max(0) as f64;
    if s < 1024.0 {
        format!("{size} B")
    } else if s < 1024.0 * 1024.0 {
        format!("{:.1} KB", s / 1024.0)
    } else {
        format!("{:.1} MB", s / (1024.0 * 1024.0))
    }
}

/// A download: the bytes and what to send them as.
#[derive(Debug, Clone)]
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

// ---------------------------------------------------------------- attachments

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct AttachmentId(pub i64);

impl std::fmt::Display for AttachmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The kinds of record that take attachments.
pub const ATTACHABLE: &[&str] = &["task", "case"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub record: RecordRef,
    pub file: FileMeta,
    pub created_by: Option<UserId>,
    pub created_by_name: String,
    pub created_at: Timestamp,
}

/// The attachments' and files' tables.
pub trait AttachmentStore: Send + Sync {
    /// Indexes the file and attaches it, with the audit event (entity id filled in with
    /// the attachment's id), in one transaction.
    fn insert_attachment(
        &self,
        company: CompanyId,
        record: &RecordRef,
        file: &NewFile,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<AttachmentId>> + Send;
    /// The record's attachments that are not removed, oldest first.
    fn list_attachments(
        &self,
        company: CompanyId,
        record: &RecordRef,
    ) -> impl Future<Output = Result<Vec<Attachment>>> + Send;
    /// An attachment that is not removed.
    fn get_attachment(
        &self,
        company: CompanyId,
        id: AttachmentId,
    ) -> impl Future<Output = Result<Option<Attachment>>> + Send;
    /// Marks it removed (not found when it is not there or removed already).
    fn remove_attachment(
        &self,
        company: CompanyId,
        id: AttachmentId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// The record's attachments, if the actor sees the record (the record's kind says, through
/// the [`Registry`]).
pub async fn list_attachments(
    store: &impl AttachmentStore,
    reg: &Registry,
    actor: &Actor,
    record: &RecordRef,
) -> Result<Vec<Attachment>> {
    reg.attachment_access(actor, record).await?;
    store.list_attachments(actor.company_id, record).await
}

/// What the actor may do with a record's attachments (not found when they do not see it).
pub async fn record_access(
    reg: &Registry,
    actor: &Actor,
    record: &RecordRef,
) -> Result<AttachAccess> {
    reg.attachment_access(actor, record).await
}

/// Whether the actor may remove this attachment (for pages).
pub fn can_remove(actor: &Actor, access: AttachAccess, a: &Attachment) -> bool {
    !actor.read_only
        && (access.remove_any || (a.created_by.is_some() && a.created_by == actor.author()))
}

/// Uploads a file to a record: checks the actor's access and the file (by content), stores
/// the bytes, indexes and attaches them with an audit event.
pub async fn attach<S, F>(
    store: &S,
    files: &F,
    reg: &Registry,
    actor: &Actor,
    record: &RecordRef,
    name: &str,
    bytes: &[u8],
) -> Result<Attachment>
where
    S: AttachmentStore,
    F: FileStore + ?Sized,
{
    let access = reg.attachment_access(actor, record).await?;
    if !access.add {
        return Err(Error::Forbidden);
    }
    let file = store_upload(files, "file", name, bytes).await?;
    let audit = AuditDraft::by(
        actor,
        "attachment",
        None,
        "create",
        json!({"record": record.to_string(), "name": file.name, "content_type": file.content_type,
               "size": file.size, "sha256": file.sha256}),
    );
    let inserted = store
        .insert_attachment(actor.company_id, record, &file, actor.author(), audit)
        .await;
    let id = forget_on_error(files, &file, inserted).await?;
    store
        .get_attachment(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "attachment",
        })
}

/// An attachment, if the actor sees the record it hangs on.
pub async fn get_attachment<S: AttachmentStore>(
    store: &S,
    reg: &Registry,
    actor: &Actor,
    id: AttachmentId,
) -> Result<(Attachment, AttachAccess)> {
    let a = store
        .get_attachment(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "attachment",
        })?;
    let access = match reg.attachment_access(actor, &a.record).await {
        Ok(x) => x,
        Err(Error::Forbidden) | Err(Error::NotFound { .. }) => {
            return Err(Error::NotFound {
                entity: "attachment",
            })
        }
        Err(e) => return Err(e),
    };
    Ok((a, access))
}

/// The attachment's bytes, if the actor sees its record.
pub async fn download_attachment<S, F>(
    store: &S,
    files: &F,
    reg: &Registry,
    actor: &Actor,
    id: AttachmentId,
) -> Result<Download>
where
    S: AttachmentStore,
    F: FileStore + ?Sized,
{
    let (a, _) = get_attachment(store, reg, actor, id).await?;
    let bytes = files.get(&a.file.storage_key).await?;
    Ok(Download {
        name: a.file.name,
        content_type: a.file.content_type,
        bytes,
    })
}

/// Removes an attachment (softly; audited). The uploader or whoever may change the record.
pub async fn remove_attachment<S: AttachmentStore>(
    store: &S,
    reg: &Registry,
    actor: &Actor,
    id: AttachmentId,
) -> Result<Attachment> {
    let (a, access) = get_attachment(store, reg, actor, id).await?;
    if !can_remove(actor, access, &a) {
        return Err(Error::Forbidden);
    }
    let audit = AuditDraft::by(
        actor,
        "attachment",
        Some(id.to_string()),
        "delete",
        json!({"record": a.record.to_string(), "name": a.file.name, "sha256": a.file.sha256}),
    );
    store.remove_attachment(actor.company_id, id, audit).await?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_allowed_kinds() {
        assert_eq!(sniff(b"%PDF-1.4\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a..."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"name,amount\nx,1\n"), Some("text/plain"));
        assert_eq!(sniff("Grüße\r\n".as_bytes()), Some("text/plain"));
        let mut docx = b"PK\x03\x04".to_vec();
        docx.extend_from_slice(&[0u8; 26]);
        docx.extend_from_slice(b"[Content_Types].xml....word/document.xml");
        assert_eq!(
            sniff(&docx),
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        );
        let mut odt = b"PK\x03\x04".to_vec();
        odt.extend_from_slice(&[0u8; 22]);
        odt.extend_from_slice(&8u16.to_le_bytes());
        odt.extend_from_slice(&0u16.to_le_bytes());
        odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.textPK");
        assert_eq!(sniff(&odt), Some("application/vnd.oasis.opendocument.text"));
    }

    #[test]
    fn refuses_an_executable_named_pdf() {
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00";
        assert_eq!(sniff(exe), None);
        let e = check_upload("file", "invoice.pdf", exe).expect_err("refused");
        assert!(
            matches!(e, Error::Invalid { ref field, .. } if field == "file"),
            "{e}"
        );
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
        assert!(check_upload("document", "a.txt", elf).is_err());
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        assert!(
            check_upload("file", "x.docx", zip).is_err(),
            "a zip that is no document"
        );
    }

    #[test]
    fn checks_size_and_emptiness_naming_the_field() {
        let e = check_upload("document", "a.pdf", b"").expect_err("empty");
        assert_eq!(e.field_errors()[0].field, "document");
        let big = vec![b'a'; MAX_FILE_BYTES + 1];
        let e = check_upload("document", "a.txt", &big).expect_err("too large");
        assert_eq!(e.field_errors()[0].field, "document");
        assert!(e.to_string().contains("at most 20 MB"), "{e}");
        let ok = check_upload("file", "../../etc/list.csv", b"a,b\n1,2\n").expect("csv");
        assert_eq!(ok.name, "list.csv");
        assert_eq!(ok.content_type, "text/csv");
        assert_eq!(ok.size, 8);
        assert_eq!(ok.sha256.len(), 64);
    }

    #[test]
    fn names_and_keys_cannot_reach_outside() {
        assert_eq!(clean_name("C:\\Users\\x\\..\\scan.pdf"), "scan.pdf");
        assert_eq!(clean_name("../.."), "file");
        assert_eq!(clean_name(".htaccess"), "htaccess");
        assert_eq!(clean_name("a\"b\r\n.pdf"), "ab.pdf");
        let k = random_key();
        assert!(valid_key(&k), "{k}");
        assert_ne!(k, random_key());
        for bad in [
            "../etc/passwd",
            "",
            "ABCDEF0123456789abcdef0123456789",
            "0123456789abcdef0123456789abcde/",
        ] {
            assert!(!valid_key(bad), "{bad}");
        }
        assert_eq!(size_label(12), "12 B");
        assert_eq!(size_label(2048), "2.0 KB");
    }
}
