//! The local-folder FileStore and the files index (see `steward_core::files`), and the
//! attachments' table.
//!
//! Bytes live under `<root>/<k0k1>/<k2k3>/<key>`, where the key is 32 random hex digits
//! made here: a client never names a path, and a key that is not one is refused before any
//! path is built. A file is written to `<root>/tmp/` first, synced, then renamed into place,
//! so a crash never leaves half a file under a real key.
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::path::{Path, PathBuf};
use steward_core::audit::AuditDraft;
use steward_core::files::{
    random_key, valid_key, Attachment, AttachmentId, AttachmentStore, BoxFuture, FileMeta,
    FileStore, NewFile,
};
use steward_core::ids::{CompanyId, FileId, UserId};
use steward_core::time::Timestamp;
use steward_core::work::RecordRef;
use steward_core::{Error, Result};
use tokio::io::AsyncWriteExt;

use crate::{append_audit, db, get_i64, get_str, opt_i64, Store};

/// Files in a folder on this machine.
#[derive(Debug, Clone)]
pub struct LocalFiles {
    root: PathBuf,
}

fn io(what: &str, e: std::io::Error) -> Error {
    Error::Internal(format!("file store: {what}: {e}"))
}

impl LocalFiles {
    /// A store in `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> LocalFiles {
        LocalFiles { root: root.into() }
    }

    /// A folder under the system's temporary directory, for tests and benchmarks.
    pub fn temporary() -> LocalFiles {
        LocalFiles::new(std::env::temp_dir().join("steward-files"))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of a key; refuses anything that is not a key we make.
    fn path_of(&self, key: &str) -> Result<PathBuf> {
        if !valid_key(key) {
            return Err(Error::NotFound { entity: "file" });
        }
        Ok(self.root.join(&key[0..2]).join(&key[2..4]).join(key))
    }
}

impl FileStore for LocalFiles {
    fn put<'a>(&'a self, bytes: &'a [u8]) -> BoxFuture<'a, Result<String>> {
        Box::pin(self.put_file(bytes))
    }
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(self.get_file(key))
    }
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(self.delete_file(key))
    }
}

impl LocalFiles {
    async fn put_file(&self, bytes: &[u8]) -> Result<String> {
        let key = random_key();
        let path = self.path_of(&key)?;
        let tmp_dir = self.root.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(|e| io("create folder", e))?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| io("create folder", e))?;
        }
        let tmp = tmp_dir.join(format!("{key}.part"));
        let written = async {
            let mut f = tokio::fs::File::create(&tmp).await?;
            f.write_all(bytes).await?;
            f.sync_all().await?;
            drop(f);
            tokio::fs::rename(&tmp, &path).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io("write", e));
        }
        Ok(key)
    }

    async fn get_file(&self, key: &str) -> Result<Vec<u8>> {
        let path = self.path_of(key)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::error!(key, "a stored file is missing from the file store");
                Err(Error::NotFound { entity: "file" })
            }
            Err(e) => Err(io("read", e)),
        }
    }

    async fn delete_file(&self, key: &str) -> Result<()> {
        let path = self.path_of(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("delete", e)),
        }
    }
}

/// Indexes a stored file inside the caller's transaction.
pub(crate) async fn insert_file(
    tx: &mut Transaction<'static, Any>,
    company: CompanyId,
    file: &NewFile,
    by: Option<UserId>,
) -> Result<FileId> {
    let row = sqlx::query(
        "INSERT INTO files (company_id, storage_key, name, content_type, size, sha256, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(company.0)
    .bind(&file.storage_key)
    .bind(&file.name)
    .bind(&file.content_type)
    .bind(file.size)
    .bind(&file.sha256)
    .bind(by.map(|u| u.0))
    .bind(Timestamp::now().0)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    Ok(FileId(get_i64(&row, "id")?))
}

/// Fills in the audit event's entity id with the new row's `id` (when the caller left it
/// empty), appends it and commits: the end of every insert here and in `hr::documents`.
pub(crate) async fn commit_created(
    mut tx: Transaction<'static, Any>,
    mut audit: AuditDraft,
    id: i64,
) -> Result<()> {
    if audit.entity_id.is_none() {
        audit.entity_id = Some(id.to_string());
    }
    append_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db)
}

/// Marks row `id` of `table` (a table with `company_id` and `deleted_at`) removed; not
/// found (as `entity`) when it is not there or removed already. `table` is one of ours,
/// never client text.
pub(crate) async fn soft_delete(
    tx: &mut Transaction<'static, Any>,
    table: &'static str,
    company: CompanyId,
    id: i64,
    entity: &'static str,
) -> Result<()> {
    let done = sqlx::query(&format!(
        "UPDATE {table} SET deleted_at = $3 WHERE company_id = $1 AND id = $2 AND deleted_at IS NULL"
    ))
    .bind(company.0)
    .bind(id)
    .bind(Timestamp::now().0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound { entity });
    }
    Ok(())
}

/// The columns [`file_of`] reads, from `files f`.
pub(crate) const FILE_COLUMNS: &str = "f.id AS f_id, f.company_id AS f_company_id, \
    f.storage_key AS f_storage_key, f.name AS f_name, f.content_type AS f_content_type, \
    f.size AS f_size, f.sha256 AS f_sha256, f.created_by AS f_created_by, f.created_at AS f_created_at";

pub(crate) fn file_of(r: &AnyRow) -> Result<FileMeta> {
    Ok(FileMeta {
        id: FileId(get_i64(r, "f_id")?),
        company_id: CompanyId(get_i64(r, "f_company_id")?),
        storage_key: get_str(r, "f_storage_key")?,
        name: get_str(r, "f_name")?,
        content_type: get_str(r, "f_content_type")?,
        size: get_i64(r, "f_size")?,
        sha256: get_str(r, "f_sha256")?,
        created_by: opt_i64(r, "f_created_by")?.map(UserId),
        created_at: Timestamp(get_i64(r, "f_created_at")?),
    })
}

fn attachment_of(r: &AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        id: AttachmentId(get_i64(r, "id")?),
        record: RecordRef::new(&get_str(r, "record_kind")?, get_i64(r, "record_id")?),
        file: file_of(r)?,
        created_by: opt_i64(r, "created_by")?.map(UserId),
        created_by_name: crate::opt_str(r, "by_name")?.unwrap_or_default(),
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

fn attachment_select() -> String {
    format!(
        "SELECT a.id, a.record_kind, a.record_id, a.created_by, a.created_at, u.display_name AS by_name, {FILE_COLUMNS} \
         FROM attachments a JOIN files f ON f.id = a.file_id AND f.company_id = a.company_id \
         LEFT JOIN users u ON u.id = a.created_by"
    )
}

impl AttachmentStore for Store {
    async fn insert_attachment(
        &self,
        company: CompanyId,
        record: &RecordRef,
        file: &NewFile,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<AttachmentId> {
        let mut tx = self.begin().await?;
        let file_id = insert_file(&mut tx, company, file, by).await?;
        let row = sqlx::query(
            "INSERT INTO attachments (company_id, record_kind, record_id, file_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(company.0)
        .bind(&record.kind)
        .bind(record.id)
        .bind(file_id.0)
        .bind(by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        commit_created(tx, audit, id).await?;
        Ok(AttachmentId(id))
    }

    async fn list_attachments(
        &self,
        company: CompanyId,
        record: &RecordRef,
    ) -> Result<Vec<Attachment>> {
        let sql = format!(
            "{} WHERE a.company_id = $1 AND a.record_kind = $2 AND a.record_id = $3 \
             AND a.deleted_at IS NULL ORDER BY a.id",
            attachment_select()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(&record.kind)
            .bind(record.id)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(attachment_of)
            .collect()
    }

    async fn get_attachment(
        &self,
        company: CompanyId,
        id: AttachmentId,
    ) -> Result<Option<Attachment>> {
        let sql = format!(
            "{} WHERE a.company_id = $1 AND a.id = $2 AND a.deleted_at IS NULL",
            attachment_select()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(attachment_of)
            .transpose()
    }

    async fn remove_attachment(
        &self,
        company: CompanyId,
        id: AttachmentId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        soft_delete(&mut tx, "attachments", company, id.0, "attachment").await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_and_no_way_out_of_the_folder() {
        let dir = tempfile::tempdir().expect("dir");
        let fs = LocalFiles::new(dir.path());
        let key = fs.put(b"%PDF-1.4 hello").await.expect("put");
        assert!(valid_key(&key));
        assert_eq!(fs.get(&key).await.expect("get"), b"%PDF-1.4 hello");
        // Sharded: <root>/ab/cd/abcd...
        assert!(dir
            .path()
            .join(&key[0..2])
            .join(&key[2..4])
            .join(&key)
            .is_file());
        // Nothing left in tmp.
        let tmp: Vec<_> = std::fs::read_dir(dir.path().join("tmp"))
            .expect("tmp")
            .collect();
        assert!(tmp.is_empty());
        let other = fs.put(b"%PDF-1.4 hello").await.expect("put again");
        assert_ne!(key, other, "every upload gets its own key");
        fs.delete(&key).await.expect("delete");
        assert!(matches!(fs.get(&key).await, Err(Error::NotFound { .. })));
        fs.delete(&key).await.expect("deleting twice is fine");

        // A secret next to the store must stay out of reach.
        std::fs::write(dir.path().join("secret"), b"x").expect("write");
        for bad in [
            "../secret",
            "../../etc/passwd",
            "/etc/passwd",
            "..",
            "ab/../../secret",
            "0123456789abcdef0123456789abcde.",
            "",
        ] {
            assert!(
                matches!(fs.get(bad).await, Err(Error::NotFound { .. })),
                "{bad}"
            );
            assert!(fs.delete(bad).await.is_err(), "{bad}");
        }
        assert!(dir.path().join("secret").is_file());
    }
}
