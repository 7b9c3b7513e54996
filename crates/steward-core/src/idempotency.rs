//! Idempotency keys: a POST retried with the same `Idempotency-Key` gets the first answer
//! back instead of doing the work twice. The API's middleware claims the key before the
//! request runs and stores the answer after; the store makes the claim atomic.
//!
//! A claim is a lease (holder and expiry, renewed while the request runs), so a retry after
//! a crash is never refused for ever: once the holder is gone, a retry takes the claim over
//! if the write did not commit, or gets an answer rebuilt from what the write made if it
//! did. The write's transaction marks the claim committed only while its holder still holds
//! it, so a request whose claim was taken over cannot write as well (a fence).
use std::future::Future;

use crate::ids::UserId;
use crate::time::Timestamp;
use crate::Result;

/// An answer kept for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub body: String,
}

/// What a POST with an `Idempotency-Key` should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Ours to run (first use of the key, or a claim whose holder is gone and whose write
    /// did not commit, `taken_over`): run the request, then [`finish`] it.
    Fresh { taken_over: bool },
    /// Answered before: send this again.
    Replay(StoredResponse),
    /// A request with this key is running right now (its lease is live).
    InProgress,
    /// The request's write committed but its holder was gone before the answer was kept (a
    /// crash between the two). The claim is now ours: rebuild the answer from what the
    /// write made, then [`finish`] it.
    Committed { entity: String, entity_id: String },
    /// The key was used for another method, path or body.
    Mismatch,
}

/// A request a key names: who sent it, where, and the SHA-256 of its body.
#[derive(Debug, Clone, Copy)]
pub struct KeyedRequest<'a> {
    pub user: UserId,
    pub key: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub request_hash: &'a str,
}

/// Who holds a claim: the key and a random token of the request running it. Writes made
/// while it runs mark the claim committed in their own transaction, only while this token
/// still holds it ([`current`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub user: UserId,
    pub key: String,
    pub token: String,
}

impl Holder {
    pub fn new(user: UserId, key: &str) -> Holder {
        let bytes: [u8; 16] = rand::random();
        Holder {
            user,
            key: key.to_string(),
            token: hex::encode(bytes),
        }
    }
}

/// How long a claim stays with its holder without being renewed. A running request renews
/// it every [`RENEW_EVERY_SECS`]; a retry may take over a claim whose lease ran out.
pub const LEASE_SECS: i64 = 10;
pub const RENEW_EVERY_SECS: u64 = 3;

pub trait IdempotencyStore: Send + Sync {
    /// Claims a key atomically for `holder` until `lease_until`: of two concurrent requests
    /// with one key, one runs; a claim whose lease ran out before `now` and whose write did
    /// not commit is taken over (also atomically: one of several retries gets it).
    fn claim_idempotency(
        &self,
        request: KeyedRequest<'_>,
        holder: &Holder,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> impl Future<Output = Result<Claim>> + Send;
    /// Extends the holder's lease; false when the claim is no longer the holder's.
    fn renew_idempotency(
        &self,
        holder: &Holder,
        lease_until: Timestamp,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Keeps the answer for later retries (only while `holder` holds the claim).
    fn complete_idempotency(
        &self,
        holder: &Holder,
        status: u16,
        body: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Frees a claim whose request failed on our side, so a retry runs again; when its
    /// write had committed, ends the lease instead, so a retry rebuilds the answer.
    fn release_idempotency(&self, holder: &Holder) -> impl Future<Output = Result<()>> + Send;
}

tokio::task_local! {
    static CURRENT: Holder;
}

/// Runs `f` (the request) as `holder`: the store marks the claim committed in every write
/// transaction `f` makes ([`current`]).
pub async fn scope<F: Future>(holder: Holder, f: F) -> F::Output {
    CURRENT.scope(holder, f).await
}

/// The claim the running request holds, if it runs under an `Idempotency-Key`.
pub fn current() -> Option<Holder> {
    CURRENT.try_with(Holder::clone).ok()
}

/// A key a client may send: 1 to 200 printable ASCII characters.
/// A key given as part of a request body or service call: absent or empty for none, else
/// [`check_key`]'s rule, refused on the field `key`.
pub fn optional_key(key: Option<&str>) -> Result<Option<String>> {
    match key.filter(|k| !k.is_empty()) {
        None => Ok(None),
        Some(k) => check_key(k.as_bytes())
            .map(|k| Some(k.to_string()))
            .map_err(|_| {
                crate::Error::invalid(
                    "key",
                    "an idempotency key is 1-200 printable ASCII characters",
                )
            }),
    }
}

pub fn check_key(raw: &[u8]) -> Result<&str> {
    let key = std::str::from_utf8(raw)
        .ok()
        .filter(|k| k.bytes().all(|b| (0x20..0x7f).contains(&b)))
        .ok_or_else(|| crate::Error::invalid("Idempotency-Key", "must be printable ASCII"))?;
    if key.is_empty() || key.len() > 200 {
        return Err(crate::Error::invalid(
            "Idempotency-Key",
            "must be 1 to 200 characters",
        ));
    }
    Ok(key)
}

/// Claims `request`'s key for `holder` before the request runs.
pub async fn claim(
    store: &impl IdempotencyStore,
    request: KeyedRequest<'_>,
    holder: &Holder,
) -> Result<Claim> {
    let now = Timestamp::now();
    store
        .claim_idempotency(request, holder, now, now.plus_secs(LEASE_SECS))
        .await
}

/// Renews the holder's lease.
pub async fn renew(store: &impl IdempotencyStore, holder: &Holder) -> Result<bool> {
    store
        .renew_idempotency(holder, Timestamp::now().plus_secs(LEASE_SECS))
        .await
}

/// Keeps the answer to a request that ran, or frees the key when it failed on our side
/// (a 5xx), so that a retry runs again.
pub async fn finish(
    store: &impl IdempotencyStore,
    holder: &Holder,
    status: u16,
    body: &str,
) -> Result<()> {
    if status >= 500 {
        store.release_idempotency(holder).await
    } else {
        store.complete_idempotency(holder, status, body).await
    }
}
