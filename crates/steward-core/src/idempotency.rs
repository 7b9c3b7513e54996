//! Idempotency keys: a POST retried with the same `Idempotency-Key` gets the first answer
//! back instead of doing the work twice. The API's middleware claims the key before the
//! request runs and stores the answer after; the store makes the claim atomic.
use std::future::Future;

use crate::ids::UserId;
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
    /// First use of the key: run the request, then `complete` or `release` it.
    Fresh,
    /// Answered before: send this again.
    Replay(StoredResponse),
    /// A request with this key is running right now.
    InProgress,
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

pub trait IdempotencyStore: Send + Sync {
    /// Claims a key atomically: of two concurrent requests with one key, one runs.
    fn claim_idempotency(
        &self,
        request: KeyedRequest<'_>,
    ) -> impl Future<Output = Result<Claim>> + Send;
    /// Keeps the answer for later retries.
    fn complete_idempotency(
        &self,
        user: UserId,
        key: &str,
        status: u16,
        body: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Frees a key whose request failed on our side, so a retry runs again.
    fn release_idempotency(
        &self,
        user: UserId,
        key: &str,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// A key a client may send: 1 to 200 printable ASCII characters.
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

/// Claims `request`'s key before the request runs.
pub async fn claim(store: &impl IdempotencyStore, request: KeyedRequest<'_>) -> Result<Claim> {
    store.claim_idempotency(request).await
}

/// Keeps the answer to a request that ran, or frees the key when it failed on our side
/// (a 5xx), so that a retry runs again.
pub async fn finish(
    store: &impl IdempotencyStore,
    user: UserId,
    key: &str,
    status: u16,
    body: &str,
) -> Result<()> {
    if status >= 500 {
        store.release_idempotency(user, key).await
    } else {
        store.complete_idempotency(user, key, status, body).await
    }
}
