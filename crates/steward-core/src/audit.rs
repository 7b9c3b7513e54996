//! The audit trail: every change is an event, written by the store in the same transaction
//! as the change. Events form a hash chain (each hash covers the previous hash and the
//! event), so a changed, removed or inserted row is detected by [`verify_chain`].
//!
//! The chain is keyed: from the event named in the key file on ([`AuditKey::from_seq`]) each
//! hash is an HMAC-SHA256 under a secret kept outside the database, over the exact bytes
//! stored, so someone who can write to the database but not read the key cannot re-seal a
//! rewritten trail. Events before it (written before keys existed) keep their plain SHA-256
//! over the canonical content and are protected by the first keyed event, which chains to
//! them. A [`Checkpoint`], kept elsewhere by an auditor, proves that nothing up to it was
//! changed or removed since, which the head stored in the database alone cannot.
use hmac::{Hmac, Mac};
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
    /// Builds the stored event from a draft, chained to `prev_hash` with the legacy plain
    /// SHA-256 (a store without a key; events before [`AuditKey::from_seq`]).
    pub fn seal(draft: AuditDraft, seq: i64, at: Timestamp, prev_hash: &str) -> Self {
        Self::seal_with(draft, seq, at, prev_hash, None)
    }

    /// Builds the stored event, keyed when `key` covers `seq`. The store writes
    /// `changes.to_string()`, the very text the keyed hash covers.
    pub fn seal_with(
        draft: AuditDraft,
        seq: i64,
        at: Timestamp,
        prev_hash: &str,
        key: Option<&AuditKey>,
    ) -> Self {
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
        let stored = StoredEvent::from(&e);
        e.hash = match key.filter(|k| k.covers(seq)) {
            Some(k) => stored.keyed_hash(k),
            None => stored.legacy_hash(),
        };
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

    /// The legacy (unkeyed) hash.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical().as_bytes());
        hex::encode(h.finalize())
    }
}

/// An event exactly as the database holds it (`changes` as its stored text): what a
/// keyed hash covers, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub at: i64,
    pub company_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub ip: Option<String>,
    pub entity: String,
    pub entity_id: Option<String>,
    pub action: String,
    pub changes: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<&AuditEvent> for StoredEvent {
    fn from(e: &AuditEvent) -> Self {
        StoredEvent {
            seq: e.seq,
            at: e.at.0,
            company_id: e.company_id.map(|c| c.0),
            actor_id: e.actor_id.map(|u| u.0),
            actor: e.actor.clone(),
            ip: e.ip.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            action: e.action.clone(),
            changes: e.changes.to_string(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

fn mac_for(secret: &[u8]) -> HmacSha256 {
    #[allow(clippy::expect_used)]
    HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length")
}

/// Feeds one field, length-prefixed, so that no two different events feed the same bytes.
fn field(m: &mut HmacSha256, v: Option<&[u8]>) {
    match v {
        None => m.update(&[0]),
        Some(b) => {
            m.update(&[1]);
            m.update(&(b.len() as u64).to_le_bytes());
            m.update(b);
        }
    }
}

impl StoredEvent {
    /// The legacy hash: plain SHA-256 over the canonical content, `changes` re-parsed (a
    /// row edited into invalid JSON hashes as a string, and so fails).
    pub fn legacy_hash(&self) -> String {
        let changes = serde_json::from_str(&self.changes)
            .unwrap_or_else(|_| Value::String(self.changes.clone()));
        AuditEvent {
            seq: self.seq,
            at: Timestamp(self.at),
            company_id: self.company_id.map(CompanyId),
            actor_id: self.actor_id.map(UserId),
            actor: self.actor.clone(),
            ip: self.ip.clone(),
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            action: self.action.clone(),
            changes,
            prev_hash: self.prev_hash.clone(),
            hash: String::new(),
        }
        .compute_hash()
    }

    /// HMAC-SHA256 under the key over every column as stored and the previous hash.
    pub fn keyed_hash(&self, key: &AuditKey) -> String {
        let mut m = mac_for(&key.secret);
        field(&mut m, Some(b"steward-audit-v2"));
        field(&mut m, Some(self.prev_hash.as_bytes()));
        field(&mut m, Some(self.seq.to_string().as_bytes()));
        field(&mut m, Some(self.at.to_string().as_bytes()));
        let company = self.company_id.map(|c| c.to_string());
        field(&mut m, company.as_deref().map(str::as_bytes));
        let actor_id = self.actor_id.map(|c| c.to_string());
        field(&mut m, actor_id.as_deref().map(str::as_bytes));
        field(&mut m, Some(self.actor.as_bytes()));
        field(&mut m, self.ip.as_deref().map(str::as_bytes));
        field(&mut m, Some(self.entity.as_bytes()));
        field(&mut m, self.entity_id.as_deref().map(str::as_bytes));
        field(&mut m, Some(self.action.as_bytes()));
        field(&mut m, Some(self.changes.as_bytes()));
        hex::encode(m.finalize().into_bytes())
    }
}

/// The secret the chain is keyed with, and the first event it keys. Lives in a file outside
/// the database (`audit.key` in the data folder, or `audit_key` in the configuration),
/// created with the database and carried by backups.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey {
    secret: [u8; 32],
    /// Events from this one on are keyed; earlier ones are legacy SHA-256.
    pub from_seq: i64,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AuditKey {{ id: {}, from_seq: {} }}",
            self.id(),
            self.from_seq
        )
    }
}

const KEY_FILE_HEADER: &str = "# Steward audit chain key. Keep it secret, and keep it with the database's backups:\n# without it the audit trail cannot be verified.\n";

impl AuditKey {
    /// A fresh random key for events from `from_seq` on.
    pub fn generate(from_seq: i64) -> AuditKey {
        use rand::RngCore;
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        AuditKey {
            secret,
            from_seq: from_seq.max(1),
        }
    }

    /// A key from known bytes (tests).
    pub fn from_secret(secret: [u8; 32], from_seq: i64) -> AuditKey {
        AuditKey { secret, from_seq }
    }

    pub fn covers(&self, seq: i64) -> bool {
        seq >= self.from_seq
    }

    /// A short public name of the key (not secret: a hash of it), shown in checkpoints.
    pub fn id(&self) -> String {
        let mut m = mac_for(&self.secret);
        m.update(b"steward-audit-key-id");
        hex::encode(&m.finalize().into_bytes()[..8])
    }

    /// The key file's text.
    pub fn to_file(&self) -> String {
        format!(
            "{KEY_FILE_HEADER}key={}\nfrom={}\n",
            hex::encode(self.secret),
            self.from_seq
        )
    }

    /// Reads a key file.
    pub fn parse(text: &str) -> Result<AuditKey, String> {
        let mut secret = None;
        let mut from = None;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once('=') {
                Some(("key", v)) => {
                    let b = hex::decode(v.trim()).map_err(|_| "key= is not hex".to_string())?;
                    secret = Some(
                        <[u8; 32]>::try_from(b.as_slice())
                            .map_err(|_| "key= must be 32 bytes (64 hex digits)".to_string())?,
                    );
                }
                Some(("from", v)) => {
                    from = Some(
                        v.trim()
                            .parse::<i64>()
                            .map_err(|_| "from= is not a number".to_string())?,
                    );
                }
                _ => return Err(format!("unexpected line `{line}`")),
            }
        }
        match (secret, from) {
            (Some(secret), Some(from_seq)) if from_seq >= 1 => Ok(AuditKey { secret, from_seq }),
            _ => Err("needs a key= and a from= line".into()),
        }
    }

    fn checkpoint_mac(&self, body: &str) -> String {
        // A key of its own for checkpoints, derived from the chain's key.
        let mut d = mac_for(&self.secret);
        d.update(b"steward-audit-checkpoint");
        let sub = d.finalize().into_bytes();
        let mut m = mac_for(&sub);
        m.update(body.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }
}

/// A signed statement of the chain's head at one moment: "event `seq` had hash `hash`".
/// An auditor keeps it elsewhere; verifying against it later proves that no event up to
/// `seq` was changed or removed since, even by someone who also moved the stored head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: Timestamp,
    pub key_id: String,
}

const CHECKPOINT_HEADER: &str = "steward audit checkpoint v1";

impl Checkpoint {
    fn body(&self) -> String {
        format!(
            "{CHECKPOINT_HEADER}\nseq: {}\nhash: {}\nat: {}\nkey: {}\n",
            self.seq,
            self.hash,
            self.at.rfc3339(),
            self.key_id
        )
    }

    /// The statement with its MAC, as printed by `steward audit checkpoint`.
    pub fn sign(&self, key: &AuditKey) -> String {
        let body = self.body();
        let mac = key.checkpoint_mac(&body);
        format!("{body}mac: {mac}\n")
    }

    /// Reads a signed checkpoint, checking its MAC with `key`.
    pub fn parse(text: &str, key: &AuditKey) -> Result<Checkpoint, String> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        if lines.next() != Some(CHECKPOINT_HEADER) {
            return Err(format!(
                "not a checkpoint (the first line must be `{CHECKPOINT_HEADER}`)"
            ));
        }
        let mut get = |name: &str| -> Result<String, String> {
            let l = lines.next().ok_or_else(|| format!("missing `{name}:`"))?;
            l.strip_prefix(&format!("{name}: "))
                .map(str::to_string)
                .ok_or_else(|| format!("expected `{name}:`, found `{l}`"))
        };
        let seq_text = get("seq")?;
        let seq = seq_text
            .parse::<i64>()
            .map_err(|_| "seq: is not a number".to_string())?;
        let hash = get("hash")?;
        let at_text = get("at")?;
        let at = chrono::DateTime::parse_from_rfc3339(&at_text)
            .map(|d| Timestamp(d.timestamp_micros()))
            .map_err(|_| "at: is not a time".to_string())?;
        let key_id = get("key")?;
        let mac = get("mac")?;
        let cp = Checkpoint {
            seq,
            hash,
            at,
            key_id,
        };
        if cp.key_id != key.id() {
            return Err(format!(
                "the checkpoint was made with key {}, this installation's is {}",
                cp.key_id,
                key.id()
            ));
        }
        // The MAC covers the lines as written.
        let body = format!(
            "{CHECKPOINT_HEADER}\nseq: {seq_text}\nhash: {}\nat: {at_text}\nkey: {}\n",
            cp.hash, cp.key_id
        );
        if key.checkpoint_mac(&body) != mac {
            return Err("the checkpoint's signature does not match (it was altered)".into());
        }
        Ok(cp)
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
/// that is not the previous event's hash (an inserted or reordered row), a hash that does
/// not match the content (an edited row, or a trail re-sealed without the key), and with a
/// checkpoint, a chain that no longer holds the checkpoint's event.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev: String,
    key: Option<AuditKey>,
    checkpoint: Option<Checkpoint>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier::new(None, None)
    }
}

impl ChainVerifier {
    pub fn new(key: Option<AuditKey>, checkpoint: Option<Checkpoint>) -> Self {
        ChainVerifier {
            expected_seq: 1,
            prev: GENESIS.to_string(),
            key,
            checkpoint,
        }
    }

    pub fn push(&mut self, e: &AuditEvent) -> Result<(), ChainBreak> {
        self.push_stored(&StoredEvent::from(e))
    }

    pub fn push_stored(&mut self, e: &StoredEvent) -> Result<(), ChainBreak> {
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
        match self.key.as_ref().filter(|k| k.covers(e.seq)) {
            Some(k) => {
                if e.keyed_hash(k) != e.hash {
                    let reason = if e.legacy_hash() == e.hash {
                        "sealed without the key (the trail was rewritten by someone who does not hold it)"
                    } else {
                        "content does not match its keyed hash (the row was changed)"
                    };
                    return Err(ChainBreak {
                        seq: e.seq,
                        reason: reason.into(),
                    });
                }
            }
            None => {
                if e.legacy_hash() != e.hash {
                    return Err(ChainBreak {
                        seq: e.seq,
                        reason: "content does not match its hash (the row was changed)".into(),
                    });
                }
            }
        }
        if let Some(cp) = &self.checkpoint {
            if cp.seq == e.seq && cp.hash != e.hash {
                return Err(ChainBreak {
                    seq: e.seq,
                    reason: format!(
                        "differs from the checkpoint of {}: the trail up to it was rewritten",
                        cp.at.rfc3339()
                    ),
                });
            }
        }
        self.prev.clone_from(&e.hash);
        self.expected_seq += 1;
        Ok(())
    }

    /// Ends the walk. `head` is the (seq, hash) the database says is last, if it keeps one,
    /// so that removing the newest rows is caught too (unless the head was moved with them:
    /// only a checkpoint catches that). Returns how many events were checked.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let last = self.expected_seq - 1;
        if let Some(cp) = &self.checkpoint {
            if last < cp.seq {
                return Err(ChainBreak {
                    seq: last + 1,
                    reason: format!(
                        "the trail ends at event {last} but the checkpoint of {} saw event {}: events {}..={} are missing",
                        cp.at.rfc3339(),
                        cp.seq,
                        last + 1,
                        cp.seq
                    ),
                });
            }
        }
        if let Some(k) = &self.key {
            if last > 0 && last < k.from_seq - 1 {
                return Err(ChainBreak {
                    seq: last + 1,
                    reason: format!(
                        "the trail ends at event {last}, before the key's first event {} (rows were removed)",
                        k.from_seq
                    ),
                });
            }
        }
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
    /// Walks every event in `seq` order against the head the database keeps, the store's
    /// key and `checkpoint`. With `company`, counts only that company's events and names a
    /// break only when it is one of them (the trail is one chain over every company; a
    /// company must not learn the others' numbers).
    fn verify_scoped(
        &self,
        company: Option<crate::ids::CompanyId>,
        checkpoint: Option<&Checkpoint>,
    ) -> impl Future<Output = crate::Result<Result<u64, ChainBreak>>> + Send;
    /// The whole chain, as the operator verifies it.
    fn verify(&self) -> impl Future<Output = crate::Result<Result<u64, ChainBreak>>> + Send {
        self.verify_scoped(None, None)
    }
    /// The company's newest `limit` events, newest first, without counting the trail (the
    /// home page: a count would grow with the trail).
    fn recent_events(
        &self,
        company: crate::ids::CompanyId,
        limit: u32,
    ) -> impl Future<Output = crate::Result<Vec<AuditEvent>>> + Send;
    /// How many of the company's events happened at or after `since`, counting no further
    /// than `cap` (a dashboard number stays cheap on a busy day).
    fn count_since(
        &self,
        company: crate::ids::CompanyId,
        since: Timestamp,
        cap: u32,
    ) -> impl Future<Output = crate::Result<u64>> + Send;
    /// The newest event's number and hash.
    fn head(&self) -> impl Future<Output = crate::Result<(i64, String)>> + Send;
    /// The key the chain is sealed with, when the store has one.
    fn audit_key(&self) -> Option<AuditKey>;
}

/// The company's newest `limit` events (at most 100), for those who may read the trail.
pub async fn recent_events(
    store: &impl AuditStore,
    actor: &Actor,
    limit: u32,
) -> crate::Result<Vec<AuditEvent>> {
    authz(
        actor,
        Permission::new(Domain::Audit, Action::Read),
        &Target::company(actor.company_id),
    )?;
    store.recent_events(actor.company_id, limit.min(100)).await
}

/// How many of the company's events happened since `since`, up to `cap` (the dashboard).
pub async fn count_since(
    store: &impl AuditStore,
    actor: &Actor,
    since: Timestamp,
    cap: u32,
) -> crate::Result<u64> {
    authz(
        actor,
        Permission::new(Domain::Audit, Action::Read),
        &Target::company(actor.company_id),
    )?;
    store.count_since(actor.company_id, since, cap).await
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

/// Verifies the trail for the actor. A company's auditor or admin learns about their own
/// company's events only: how many verified, and a break when it is one of theirs. The
/// whole chain, with totals and any break named, is for the operator at the command line.
pub async fn verify(
    store: &impl AuditStore,
    actor: &Actor,
) -> crate::Result<Result<u64, ChainBreak>> {
    authz(
        actor,
        Permission::new(Domain::Audit, Action::Read),
        &Target::company(actor.company_id),
    )?;
    let scope = (actor.via != crate::auth::Via::Cli).then_some(actor.company_id);
    store.verify_scoped(scope, None).await
}

/// The operator's verification of the whole chain, optionally against a checkpoint.
pub async fn verify_all(
    store: &impl AuditStore,
    checkpoint: Option<&Checkpoint>,
) -> crate::Result<Result<u64, ChainBreak>> {
    store.verify_scoped(None, checkpoint).await
}

/// Reads a checkpoint file's text, checked against the store's key.
pub fn read_checkpoint(store: &impl AuditStore, text: &str) -> crate::Result<Checkpoint> {
    let key = store.audit_key().ok_or_else(|| {
        crate::Error::invalid(
            "checkpoint",
            "this installation has no audit key to check it with",
        )
    })?;
    Checkpoint::parse(text, &key).map_err(|m| crate::Error::invalid("checkpoint", m))
}

/// A signed statement of the current head, after verifying the chain up to it (a
/// checkpoint of a broken chain would vouch for the break).
pub async fn checkpoint(store: &impl AuditStore) -> crate::Result<Result<String, ChainBreak>> {
    let key = store.audit_key().ok_or_else(|| {
        crate::Error::invalid(
            "audit_key",
            "this installation has no audit key: checkpoints need one",
        )
    })?;
    let (seq, hash) = store.head().await?;
    if let Err(b) = store.verify_scoped(None, None).await? {
        return Ok(Err(b));
    }
    let cp = Checkpoint {
        seq,
        hash,
        at: Timestamp::now(),
        key_id: key.id(),
    };
    Ok(Ok(cp.sign(&key)))
}

/// The break a company may be told of: its own event's, or only that the trail is broken.
pub fn scoped_break(b: ChainBreak, own: bool) -> ChainBreak {
    if own {
        b
    } else {
        ChainBreak {
            seq: 0,
            reason: "the trail is broken outside this company's events; the operator's `steward audit verify` names where".into(),
        }
    }
}
