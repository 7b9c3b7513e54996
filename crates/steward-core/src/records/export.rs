//! A subject's right-of-access export: everything Steward holds about one subject, as one
//! archive (`.tar.gz`): `subject.json` (the subject with its custom values, every record of
//! its file with each document's versions, its consents, who is assigned, and the access
//! log of its file) and `files/<version>/<name>` (every version's bytes, as uploaded). The
//! privacy office answers such a request (`records.approve` and `records.export`
//! company-wide), sensitive records included: the subject is owed all of it. The export is
//! logged in the file's access log (`export`) and the audit trail before it is handed out.
use serde_json::json;

use super::consent::ConsentStore;
use super::file::{AccessQuery, NewAccess, RecordStore};
use super::subjects::{self, SubjectStore};
use super::{gate_office, may, SubjectId, ACCESS};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::files::FileStore;
use crate::list::Paging;
use crate::{Error, Result};

/// The archive: its file name and bytes.
#[derive(Debug, Clone)]
pub struct SubjectArchive {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// Exports a subject's data for a right-of-access request (the privacy office).
pub async fn export_subject<S, F>(
    store: &S,
    files: &F,
    actor: &Actor,
    id: SubjectId,
) -> Result<SubjectArchive>
where
    S: SubjectStore + RecordStore + ConsentStore,
    F: FileStore + ?Sized,
{
    gate_office(actor)?;
    if !may(actor, Action::Export) {
        return Err(Error::Forbidden);
    }
    let (subject, _) = subjects::get(store, actor, id).await?;
    let company = actor.company_id;
    let items = store.items(company, id).await?;
    let consents = store.subject_consents(company, id).await?;
    let assignments = store.assignments(company, id).await?;
    let log = store
        .access_log(
            company,
            &AccessQuery {
                subject: Some(id),
                user: None,
                paging: Paging::export(),
            },
        )
        .await?;
    let mut entries = Vec::new();
    let mut n_files = 0;
    for i in &items {
        for v in &i.versions {
            let bytes = files.get(&v.file.storage_key).await?;
            entries.push(steward_io::archive::Entry {
                path: format!("files/{}/{}", v.id.0, v.file.name),
                bytes,
            });
            n_files += 1;
        }
    }
    let now = crate::time::Timestamp::now();
    let doc = json!({
        "exported_at": now.rfc3339(),
        "exported_by": actor.display_name,
        "subject": subject,
        "records": items,
        "consents": consents,
        "assignments": assignments,
        "access_log": log.items,
        "files": "files/<version id>/<file name>: every version of every document",
    });
    let body = serde_json::to_vec_pretty(&doc).map_err(Error::internal)?;
    entries.insert(
        0,
        steward_io::archive::Entry {
            path: "subject.json".into(),
            bytes: body,
        },
    );
    let what = format!(
        "the subject's data for a right-of-access request ({} records, {n_files} files)",
        items.len()
    );
    let a = NewAccess {
        subject_id: Some(id),
        user_id: actor.author(),
        action: "export".into(),
        what: what.clone(),
        reason: "right of access".into(),
    };
    let audit = AuditDraft::by(
        actor,
        ACCESS,
        Some(id.to_string()),
        "export",
        json!({"subject_id": id.0, "reference": subject.reference, "what": what}),
    );
    store.log_access(company, &a, audit).await?;
    let folder = format!("{} export", subject.reference);
    let mtime = u64::try_from(now.0 / 1_000_000).unwrap_or(0);
    let bytes = crate::blocking::try_run(move || {
        steward_io::archive::tar_gz(&folder, &entries, mtime).map_err(Error::internal)
    })
    .await?;
    Ok(SubjectArchive {
        file_name: format!(
            "{}-export.tar.gz",
            steward_io::archive::safe_name(&subject.reference)
        ),
        bytes,
    })
}
