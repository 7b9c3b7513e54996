//! The audit trail: every change is an event, written by the store in the same transaction
//! as the change. Events form a SHA-256 hash chain (each hash covers the previous hash and
//! the event's canonical content), so a changed, removed or inserted row is detected by
//! [`verify_chain`].
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::Actor;
use crate::ids::{CompanyId, UserId};
use crate::time::Timestamp;

/// The hash the first event chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a service hands to the store with a change. The store fills `entity_id` for a
/// created record when it is `None`, assigns `seq` and `at`, and chains it.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub company_id: Option<CompanyId>,
    pub actor_id: Option<UserId>,
    pub actor: String,
    pub ip: Option<String>,
    pub entity: String,
    pub entity_id: Option<String>,
    pub action: String,
    pub changes: Value,
}

impl AuditDraft {
    pub fn by(
        actor: &Actor,
        entity: &str,
        entity_id: Option<String>,
        action: &str,
        changes: Value,
    ) -> Self {
        AuditDraft {
            company_id: Some(actor.company_id),
            actor_id: (actor.via != crate::auth::Via::Cli).then_some(actor.user_id),
            actor: actor.audit_name(),
            ip: actor.ip.clone(),
            entity: entity.to_string(),
            entity_id,
            action: action.to_string(),
            changes,
        }
    }
    /// An event with no signed-in actor (failed sign-ins, the CLI's `init`).
    pub fn system(
        actor: &str,
        ip: Option<String>,
        entity: &str,
        entity_id: Option<String>,
        action: &str,
        changes: Value,
    ) -> Self {
        AuditDraft {
            company_id: None,
            actor_id: None,
            actor: actor.to_string(),
            ip,
            entity: entity.to_string(),
            entity_id,
            action: action.to_string(),
            changes,
        }
    }
    pub fn in_company(mut self, company: CompanyId) -> Self {
        self.company_id = Some(company);
        self
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: Timestamp,
    pub company_id: Option<CompanyId>,
    pub actor_id: Option<UserId>,
    pub actor: String,
    pub ip: Option<String>,
    pub entity: String,
    pub entity_id: Option<String>,
    pub action: String,
    pub changes: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// The canonical content an event's hash covers: fixed field order, object keys sorted.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    at: i64,
    company_id: Option<i64>,
    actor_id: Option<i64>,
    actor: &'a str,
    ip: Option<&'a str>,
    entity: &'a str,
    entity_id: Option<&'a str>,
    action: &'a str,
    changes: &'a Value,
}

impl AuditEvent {
    /// Builds the stored event from a draft, chained to `prev_hash`.
    pub fn seal(draft: AuditDraft, seq: i64, at: Timestamp, prev_hash: &str) -> Self {
        let mut e = AuditEvent {
            seq,
            at,
            company_id: draft.company_id,
            actor_id: draft.actor_id,
            actor: draft.actor,
            ip: draft.ip,
            entity: draft.entity,
            entity_id: draft.entity_id,
            action: draft.action,
            changes: draft.changes,
            prev_hash: prev_hash.to_string(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        e
    }

    pub fn canonical(&self) -> String {
        let c = Canonical {
            seq: self.seq,
            at: self.at.0,
            company_id: self.company_id.map(|c| c.0),
            actor_id: self.actor_id.map(|u| u.0),
            actor: &self.actor,
            ip: self.ip.as_deref(),
            entity: &self.entity,
            entity_id: self.entity_id.as_deref(),
            action: &self.action,
            changes: &self.changes,
        };
        // Serializing plain data into a String cannot fail.
        serde_json::to_string(&c).unwrap_or_default()
    }

    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        hex::encode(h.finalize())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at event {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// Checks events one at a time, in `seq` order, so that a long trail is verified in pages
/// without sitting in memory. Catches a gap in the sequence (a removed row), a `prev_hash`
/// that is not the previous event's hash (an inserted or reordered row), and a hash that does
/// not match the content (an edited row).
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev: GENESIS.to_string(),
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, e: &AuditEvent) -> Result<(), ChainBreak> {
        if e.seq != self.expected_seq {
            return Err(ChainBreak {
                seq: e.seq,
                reason: format!(
                    "expected event {} here (a row was removed or inserted)",
                    self.expected_seq
                ),
            });
        }
        if e.prev_hash != self.prev {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "does not chain to the previous event".into(),
            });
        }
        if e.compute_hash() != e.hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: "content does not match its hash (the row was changed)".into(),
            });
        }
        self.prev.clone_from(&e.hash);
        self.expected_seq += 1;
        Ok(())
    }

    /// Ends the walk. `head` is the (seq, hash) the database says is last, if it keeps one,
    /// so that removing the newest rows is caught too. Returns how many events were checked.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let last = self.expected_seq - 1;
        if let Some((head_seq, head_hash)) = head {
            if head_seq != last || (head_seq > 0 && head_hash != self.prev) {
                return Err(ChainBreak {
                    seq: self.expected_seq,
                    reason: format!("the chain ends at event {last} but the head says {head_seq} (rows were removed)"),
                });
            }
        }
        Ok(u64::try_from(last).unwrap_or(0))
    }
}

/// Verifies a whole chain held in memory (see [`ChainVerifier`]).
pub fn verify_chain<I>(events: I, head: Option<(i64, &str)>) -> Result<u64, ChainBreak>
where
    I: IntoIterator<Item = AuditEvent>,
{
    let mut v = ChainVerifier::default();
    for e in events {
        v.push(&e)?;
    }
    v.finish(head)
}

/// `{"field": {"from": .., "to": ..}}` for the fields that differ between two JSON objects.
pub fn diff(before: &Value, after: &Value) -> Value {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for (k, av) in a {
        let bv = b.get(k).unwrap_or(&Value::Null);
        if bv != av {
            out.insert(k.clone(), serde_json::json!({ "from": bv, "to": av }));
        }
    }
    for (k, bv) in b {
        if !a.contains_key(k) {
            out.insert(
                k.clone(),
                serde_json::json!({ "from": bv, "to": Value::Null }),
            );
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let d = AuditDraft::system(
                    "cli",
                    None,
                    "user",
                    Some(seq.to_string()),
                    "create",
                    json!({"n": seq}),
                );
                let e = AuditEvent::seal(d, seq, Timestamp(seq * 1000), &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn a_valid_chain_verifies() {
        let c = chain(5);
        let head = (5, c[4].hash.clone());
        assert_eq!(verify_chain(c, Some((head.0, &head.1))), Ok(5));
    }

    #[test]
    fn an_edited_row_is_caught() {
        let mut c = chain(5);
        c[2].actor = "mallory".into();
        assert_eq!(verify_chain(c, None).map_err(|e| e.seq), Err(3));
    }

    #[test]
    fn a_removed_row_is_caught() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify_chain(c, None).map_err(|e| e.seq), Err(3));
    }

    #[test]
    fn a_removed_tail_is_caught_by_the_head() {
        let mut c = chain(5);
        let head_hash = c[4].hash.clone();
        c.truncate(3);
        assert!(verify_chain(c, Some((5, &head_hash))).is_err());
    }

    #[test]
    fn an_inserted_rehashed_row_is_caught() {
        let mut c = chain(3);
        let forged = AuditEvent::seal(
            AuditDraft::system("x", None, "user", None, "delete", json!({})),
            2,
            Timestamp(1),
            &c[0].hash,
        );
        c.insert(1, forged);
        assert!(verify_chain(c, None).is_err());
    }

    #[test]
    fn diff_lists_changed_fields_only() {
        let d = diff(&json!({"a": 1, "b": "x"}), &json!({"a": 2, "b": "x"}));
        assert_eq!(d, json!({"a": {"from": 1, "to": 2}}));
    }
}

// ---- browsing and verifying (the service) ----

use crate::auth::{authorize as authz, Action, Domain, Permission, Target};
use crate::list::{Page, Paging, SortDir};
use std::future::Future;

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub search: Option<String>,
    pub entity: Option<String>,
    pub action: Option<String>,
    pub actor: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait AuditStore: Send + Sync {
    fn list_events(
        &self,
        company: crate::ids::CompanyId,
        q: &AuditQuery,
    ) -> impl Future<Output = crate::Result<Page<AuditEvent>>> + Send;
    /// Every event in `seq` order, and the head the database keeps, for verification.
    fn verify(&self) -> impl Future<Output = crate::Result<Result<u64, ChainBreak>>> + Send;
}

pub async fn list_events(
    store: &impl AuditStore,
    actor: &Actor,
    q: &AuditQuery,
) -> crate::Result<Page<AuditEvent>> {
    authz(
        actor,
        Permission::new(Domain::Audit, Action::Read),
        &Target::company(actor.company_id),
    )?;
    store.list_events(actor.company_id, q).await
}

/// Every event matching `q` (up to the export limit), for a CSV/XLSX download.
pub async fn export_events(
    store: &impl AuditStore,
    actor: &Actor,
    q: &AuditQuery,
) -> crate::Result<Vec<AuditEvent>> {
    authz(
        actor,
        Permission::new(Domain::Audit, Action::Export),
        &Target::company(actor.company_id),
    )?;
    let q = AuditQuery {
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(store.list_events(actor.company_id, &q).await?.items)
}

pub async fn verify(
    store: &impl AuditStore,
    actor: &Actor,
) -> crate::Result<Result<u64, ChainBreak>> {
    authz(
        actor,
        Permission::new(Domain::Audit, Action::Read),
        &Target::company(actor.company_id),
    )?;
    store.verify().await
}
