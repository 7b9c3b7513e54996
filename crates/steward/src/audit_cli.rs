//! The audit chain's key file and `steward audit verify | checkpoint`.
//!
//! The key lives outside the database (`audit.key` in the data folder, or the `audit_key`
//! setting), readable by the owner only, so that someone who can write to the database but
//! not read this file cannot re-seal a rewritten trail. Backups carry it; a restore writes
//! it back.
use anyhow::{anyhow, bail, Context};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use steward_core::audit::{self, AuditKey};
use steward_store::Store;

use crate::cli::AuditCommand;
use crate::config::Loaded;

/// Loads the key file into this process, if it exists. Says whether it did.
pub fn load_key(path: &Path) -> anyhow::Result<bool> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read the audit key {}", path.display()))
        }
    };
    let key = AuditKey::parse(&text)
        .map_err(|m| anyhow!("the audit key {} is damaged: {m}", path.display()))?;
    steward_store::set_audit_key(Some(key));
    Ok(true)
}

/// Writes the key file, readable by its owner only.
pub fn write_key(path: &Path, key: &AuditKey) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let tmp = path.with_extension("key.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("cannot write the audit key {}", tmp.display()))?;
    f.write_all(key.to_file().as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot write the audit key {}", path.display()))?;
    Ok(())
}

/// Starts keying a database whose trail is not keyed yet (a new one, or one from before
/// keys): refuses when the trail is keyed already, since the key file was then lost.
pub async fn create_key(store: &Store, path: &Path) -> anyhow::Result<()> {
    if store.has_keyed_events().await.map_err(|e| anyhow!("{e}"))? {
        bail!(
            "the audit key {} is missing, but this database's audit trail is sealed with one: \
             put the key back (it is in every backup; `steward restore` writes it) or point \
             `audit_key` at it. Nothing was changed.",
            path.display()
        );
    }
    let key = store
        .begin_keyed_chain(|k| {
            write_key(path, k).map_err(|e| steward_core::Error::Internal(format!("{e:#}")))
        })
        .await
        .map_err(|e| anyhow!("cannot start the keyed audit chain: {e}"))?;
    eprintln!(
        "audit: the trail is now sealed with the key {} (id {}, from event {}); keep it with your backups",
        path.display(),
        key.id(),
        key.from_seq
    );
    Ok(())
}

/// After a restore: the archive's key replaces the one made for the empty database; an
/// archive from before keys gets a new key from its last event on.
pub async fn after_restore(
    store: &Store,
    cfg: &Loaded,
    key: Option<&AuditKey>,
) -> anyhow::Result<()> {
    let path = cfg.config.audit_key_path();
    match key {
        Some(k) => {
            write_key(&path, k)?;
            eprintln!("audit: restored the key {} (id {})", path.display(), k.id());
        }
        None => {
            steward_store::set_audit_key(None);
            create_key(store, &path).await?;
        }
    }
    Ok(())
}

pub async fn audit(cfg: &Loaded, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = crate::commands::open_migrated(cfg).await?;
    match cmd {
        AuditCommand::Verify { checkpoint } => {
            let cp = match &checkpoint {
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    Some(
                        audit::read_checkpoint(&store, &text)
                            .map_err(|e| anyhow!("{}: {e}", path.display()))?,
                    )
                }
                None => None,
            };
            match audit::verify_all(&store, cp.as_ref())
                .await
                .map_err(|e| anyhow!("{e}"))?
            {
                Ok(n) => {
                    match &cp {
                        Some(c) => println!(
                            "audit trail intact: {n} events verified, event {} as at the checkpoint of {}",
                            c.seq,
                            c.at.rfc3339()
                        ),
                        None => println!("audit trail intact: {n} events verified"),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    eprintln!("AUDIT TRAIL BROKEN: {b}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        AuditCommand::Checkpoint { output } => {
            match audit::checkpoint(&store)
                .await
                .map_err(|e| anyhow!("{e}"))?
            {
                Ok(text) => {
                    match output {
                        Some(path) => {
                            std::fs::write(&path, &text)
                                .with_context(|| format!("cannot write {}", path.display()))?;
                            eprintln!("checkpoint written to {}: keep it where the database's users cannot write", path.display());
                        }
                        None => print!("{text}"),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(b) => {
                    eprintln!("AUDIT TRAIL BROKEN, no checkpoint taken: {b}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}
