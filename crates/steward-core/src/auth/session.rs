//! Signing in and out, sessions and API tokens turned into an [`Actor`], password changes.
//! Sessions live in the database (so any instance can serve any request); the cookie holds a
//! random secret and the database only its SHA-256.
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::future::Future;

use super::{
    hash_password_off_thread, verify_password_off_thread, Actor, Grant, Password, Via, DUMMY_HASH,
};
use crate::audit::AuditDraft;
use crate::ids::{CompanyId, DepartmentId, UserId};
use crate::time::Timestamp;
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub idle_timeout_secs: i64,
    pub absolute_timeout_secs: i64,
    /// Failed sign-ins that cost nothing, per account and per address; after them each
    /// failure doubles the wait before the next attempt (1 s, 2 s, 4 s, ...).
    pub free_failures_per_account: u32,
    pub free_failures_per_address: u32,
    /// The longest wait, so that nobody is ever locked out for longer.
    pub max_delay_secs: i64,
    /// Failures older than this are forgotten.
    pub throttle_window_secs: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle_timeout_secs: 30 * 60,
            absolute_timeout_secs: 12 * 3600,
            free_failures_per_account: 5,
            free_failures_per_address: 20,
            max_delay_secs: 15 * 60,
            throttle_window_secs: 24 * 3600,
        }
    }
}

/// The longest sign-in name anyone can have (an e-mail address); longer text is refused
/// before it is looked up, counted or recorded.
pub const MAX_LOGIN_CHARS: usize = 254;

/// How long an account or address must wait after its `failures`-th failure: nothing after
/// the first `free`, then 1 s, doubling with each further failure, at most `max` seconds.
pub fn delay_after(failures: u32, free: u32, max: i64) -> i64 {
    if failures <= free {
        return 0;
    }
    let doublings = (failures - free - 1).min(40);
    (1i64 << doublings).min(max.max(0))
}

/// One throttle counter: failures counted under a key, and the earliest time the next
/// attempt under it is let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub failures: u32,
    pub next_at: Timestamp,
}

/// What to count an attempt under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKey {
    pub key: String,
    /// Failures that cost nothing under this key.
    pub free: u32,
}

/// Sessions are touched at most this often, so that reading pages does not write every time.
pub const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone)]
pub struct LoginUser {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What the store knows about a user acting in a company; `None` from the store when the
/// user is disabled, not a member, or the membership has expired.
#[derive(Debug, Clone)]
pub struct ActorRecord {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub company_id: CompanyId,
    pub company_name: String,
    pub company_currency: String,
    pub department_id: Option<DepartmentId>,
    pub role_keys: Vec<String>,
    pub grants: Vec<Grant>,
}

/// A company the signed-in user may switch to, as every page's frame lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameCompany {
    pub id: CompanyId,
    pub name: String,
    pub currency: String,
}

/// What every page's frame shows besides the actor: the companies the user may switch to
/// (by name) and their unread notifications in the session's company. The store reads it
/// in the same statement as the session, so a page costs no extra reads for its frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageFrame {
    pub companies: Vec<FrameCompany>,
    pub unread: u64,
}

/// What [`AuthStore::session_actor`] reads in one statement: the session, its actor (if the
/// user is still an enabled member) and the page frame (if the store could read it so).
pub type SessionRead = (SessionRecord, Option<ActorRecord>, Option<PageFrame>);

#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: crate::ids::TokenId,
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub read_only: bool,
    pub revoked: bool,
    pub last_used_at: Option<Timestamp>,
}

pub trait AuthStore: Send + Sync {
    fn find_login(&self, login: &str) -> impl Future<Output = Result<Option<LoginUser>>> + Send;
    /// Takes one attempt under every key, atomically (a row lock per key, taken in the
    /// order given): each key's failure count goes up by one and its next attempt waits
    /// `delay_after(count)`. Keys whose last failure is older than `window_secs` start from
    /// zero. When any key is still waiting (its `next_at` is after `now`), nothing is
    /// counted and the latest `next_at` is returned as `Err`. The count is taken before the
    /// password is checked, so attempts sent in parallel cannot slip past it; a good
    /// password clears the account's count afterwards.
    fn take_attempt(
        &self,
        keys: &[ThrottleKey],
        now: Timestamp,
        window_secs: i64,
        max_delay_secs: i64,
    ) -> impl Future<Output = Result<std::result::Result<Vec<u32>, Timestamp>>> + Send;
    /// Forgets the failures counted under `key` (a good password for the account).
    fn clear_failures(&self, key: &str) -> impl Future<Output = Result<()>> + Send;
    /// Whether `user` signed in from `address` since `since` (such an address is not held
    /// up by the failures others cause on the account).
    fn known_address(
        &self,
        user: UserId,
        address: &str,
        since: Timestamp,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Writes a failed sign-in's audit event.
    fn record_failure(&self, audit: AuditDraft) -> impl Future<Output = Result<()>> + Send;
    fn first_company(&self, user: UserId)
        -> impl Future<Output = Result<Option<CompanyId>>> + Send;
    /// Opens the session and remembers that the user signed in from its address.
    fn create_session(
        &self,
        s: &SessionRecord,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn get_session(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<SessionRecord>>> + Send;
    fn touch_session(
        &self,
        token_hash: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    fn delete_session(
        &self,
        token_hash: &str,
        audit: Option<AuditDraft>,
    ) -> impl Future<Output = Result<()>> + Send;
    fn switch_session_company(
        &self,
        token_hash: &str,
        company: CompanyId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn load_actor(
        &self,
        user: UserId,
        company: CompanyId,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<ActorRecord>>> + Send;
    /// The session and, in the same read, the actor it stands for (`None` when the user is
    /// disabled or no longer a member of the session's company) and the page frame (`None`
    /// when the store could not read it that way; the frame is then read on its own).
    fn session_actor(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<SessionRead>>> + Send;
    /// The API token and, in the same read, the actor it stands for.
    fn token_actor(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<(TokenRecord, Option<ActorRecord>)>>> + Send;
    fn password_hash(&self, user: UserId) -> impl Future<Output = Result<Option<String>>> + Send;
    /// Sets the hash and ends every session and API token of the user, in one transaction.
    fn set_password(
        &self,
        user: UserId,
        hash: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn find_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<TokenRecord>>> + Send;
    fn touch_token(
        &self,
        id: crate::ids::TokenId,
        at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// A fresh random secret (hex) for a session cookie or an API token.
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// What is stored for a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub struct SignIn<'a> {
    pub login: &'a str,
    pub password: &'a str,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub struct NewSession {
    /// The secret for the cookie; only its hash is stored.
    pub secret: String,
    pub user_id: UserId,
    pub company_id: CompanyId,
}

const BAD_CREDENTIALS: &str = "wrong user name or password";

/// Failures count per address, and per account (by id when the account exists, so that its
/// user name and e-mail share one budget; by a hash of the text typed otherwise, so that the
/// throttle table never holds what someone typed). An address the user signed in from
/// before is not held up by the account's count: others' failures cannot lock them out.
fn throttle_keys(
    cfg: &SessionConfig,
    login: &str,
    user: Option<UserId>,
    ip: Option<&str>,
    known_address: bool,
) -> Vec<ThrottleKey> {
    let mut keys = Vec::new();
    if let Some(ip) = ip {
        keys.push(ThrottleKey {
            key: format!("addr:{ip}"),
            free: cfg.free_failures_per_address,
        });
    }
    if !known_address {
        keys.push(ThrottleKey {
            key: account_key(login, user),
            free: cfg.free_failures_per_account,
        });
    }
    keys
}

fn account_key(login: &str, user: Option<UserId>) -> String {
    match user {
        Some(id) => format!("acct:#{id}"),
        None => format!("acct:{}", secret_hash(&login.trim().to_lowercase())),
    }
}

/// How long a known address counts as the user's own.
const KNOWN_ADDRESS_SECS: i64 = 90 * 86_400;

/// Checks the password and opens a session. Every failure answers the same way whether or
/// not the account exists, and takes the same time (argon2 runs against a dummy hash).
///
/// What a failure leaves behind is bounded: the name is at most [`MAX_LOGIN_CHARS`]; the
/// throttle counts under the address and the account (a hash of the name for unknown ones),
/// one row each, updated in place; the audit trail gets one event naming the account for a
/// known account, and for an unknown name an event without the name (it may be a password
/// typed into the wrong box) only at the 1st, 2nd, 4th, 8th, ... failure from the address.
pub async fn sign_in(
    store: &impl AuthStore,
    cfg: &SessionConfig,
    req: SignIn<'_>,
) -> Result<NewSession> {
    let now = Timestamp::now();
    let login = req.login.trim();
    if login.chars().count() > MAX_LOGIN_CHARS {
        return Err(Error::invalid(
            "login",
            format!("is longer than {MAX_LOGIN_CHARS} characters"),
        ));
    }
    let user = store.find_login(login).await?;
    let known = match (&user, req.ip.as_deref()) {
        (Some(u), Some(ip)) => {
            store
                .known_address(u.id, ip, now.plus_secs(-KNOWN_ADDRESS_SECS))
                .await?
        }
        _ => false,
    };
    let keys = throttle_keys(
        cfg,
        login,
        user.as_ref().map(|u| u.id),
        req.ip.as_deref(),
        known,
    );
    let counts = match store
        .take_attempt(&keys, now, cfg.throttle_window_secs, cfg.max_delay_secs)
        .await?
    {
        Ok(counts) => counts,
        Err(next_at) => {
            let wait = (next_at.0 - now.0 + 999_999) / 1_000_000;
            return Err(Error::Throttled {
                retry_after_secs: u64::try_from(wait.max(1)).unwrap_or(1),
            });
        }
    };
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = verify_password_off_thread(req.password, hash.as_deref().unwrap_or(DUMMY_HASH)).await
        && hash.is_some();
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        Some(u) => {
            let reason = if u.disabled {
                "disabled"
            } else if u.password_hash.is_none() {
                "no password"
            } else {
                "wrong password"
            };
            let mut audit = AuditDraft::system(
                &u.username,
                req.ip.clone(),
                "session",
                None,
                "sign_in_failed",
                serde_json::json!({ "reason": reason }),
            );
            audit.actor_id = Some(u.id);
            if let Some(c) = store.first_company(u.id).await? {
                audit = audit.in_company(c);
            }
            store.record_failure(audit).await?;
            return Err(Error::invalid("password", BAD_CREDENTIALS));
        }
        None => {
            // Counted under the address when there is one: record the 1st, 2nd, 4th, ...
            let n = if req.ip.is_some() {
                counts.first().copied().unwrap_or(1)
            } else {
                counts.last().copied().unwrap_or(1)
            };
            if n.is_power_of_two() {
                let audit = AuditDraft::system(
                    "unknown",
                    req.ip.clone(),
                    "session",
                    None,
                    "sign_in_failed",
                    serde_json::json!({ "reason": "unknown account", "failures": n }),
                );
                store.record_failure(audit).await?;
            }
            return Err(Error::invalid("password", BAD_CREDENTIALS));
        }
    };
    let company = store
        .first_company(user.id)
        .await?
        .ok_or_else(|| Error::invalid("password", BAD_CREDENTIALS))?;
    let secret = new_secret();
    let rec = SessionRecord {
        token_hash: secret_hash(&secret),
        user_id: user.id,
        company_id: company,
        created_at: now,
        last_seen_at: now,
        ip: req.ip.clone(),
        user_agent: req.user_agent.map(|ua| ua.chars().take(300).collect()),
    };
    let mut audit = AuditDraft::system(
        &user.username,
        req.ip,
        "session",
        None,
        "sign_in",
        serde_json::json!({}),
    );
    audit.actor_id = Some(user.id);
    audit.company_id = Some(company);
    store.create_session(&rec, audit).await?;
    store
        .clear_failures(&account_key(login, Some(user.id)))
        .await?;
    Ok(NewSession {
        secret,
        user_id: user.id,
        company_id: company,
    })
}

fn actor_from(rec: ActorRecord, ip: Option<String>, via: Via, read_only: bool) -> Actor {
    Actor {
        user_id: rec.user_id,
        username: rec.username,
        display_name: rec.display_name,
        company_id: rec.company_id,
        company_name: rec.company_name,
        company_currency: rec.company_currency,
        department_id: rec.department_id,
        role_keys: rec.role_keys,
        grants: rec.grants,
        read_only,
        ip,
        via,
    }
}

/// The actor behind a session cookie, or `Unauthenticated` when the session is unknown,
/// idle too long, too old, or its user was disabled.
pub async fn resolve_session(
    store: &impl AuthStore,
    cfg: &SessionConfig,
    secret: &str,
    ip: Option<String>,
) -> Result<Actor> {
    Ok(resolve_page_session(store, cfg, secret, ip).await?.0)
}

/// [`resolve_session`] and, from the same read, what the page's frame shows.
pub async fn resolve_page_session(
    store: &impl AuthStore,
    cfg: &SessionConfig,
    secret: &str,
    ip: Option<String>,
) -> Result<(Actor, Option<PageFrame>)> {
    let now = Timestamp::now();
    let hash = secret_hash(secret);
    // One read: the session, the user, the membership, the company and the role versions
    // (the grants come from the store's cache, keyed by role version), and the frame.
    let (s, rec, frame) = store
        .session_actor(&hash, now)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if now.0 - s.last_seen_at.0 > cfg.idle_timeout_secs * 1_000_000
        || now.0 - s.created_at.0 > cfg.absolute_timeout_secs * 1_000_000
    {
        store.delete_session(&hash, None).await?;
        return Err(Error::Unauthenticated);
    }
    let rec = rec.ok_or(Error::Unauthenticated)?;
    if now.0 - s.last_seen_at.0 > TOUCH_EVERY_SECS * 1_000_000 {
        store.touch_session(&hash, now).await?;
    }
    Ok((actor_from(rec, ip, Via::Session, false), frame))
}

/// The actor behind an API bearer token.
pub async fn resolve_token(
    store: &impl AuthStore,
    secret: &str,
    ip: Option<String>,
) -> Result<Actor> {
    let now = Timestamp::now();
    let (t, rec) = store
        .token_actor(&secret_hash(secret), now)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if t.revoked {
        return Err(Error::Unauthenticated);
    }
    let rec = rec.ok_or(Error::Unauthenticated)?;
    // Like sessions, a token's "last used" is written at most once a minute.
    if t.last_used_at
        .is_none_or(|at| now.0 - at.0 > TOUCH_EVERY_SECS * 1_000_000)
    {
        store.touch_token(t.id, now).await?;
    }
    Ok(actor_from(rec, ip, Via::Token, t.read_only))
}

/// The actor for an operator at the command line, acting as `user` in `company`.
pub async fn cli_actor(store: &impl AuthStore, user: UserId, company: CompanyId) -> Result<Actor> {
    let rec = store
        .load_actor(user, company, Timestamp::now())
        .await?
        .ok_or(Error::Forbidden)?;
    Ok(actor_from(rec, None, Via::Cli, false))
}

pub async fn sign_out(store: &impl AuthStore, actor: &Actor, secret: &str) -> Result<()> {
    let audit = AuditDraft::by(actor, "session", None, "sign_out", serde_json::json!({}));
    store
        .delete_session(&secret_hash(secret), Some(audit))
        .await
}

/// Changes the actor's own password; every session and API token of theirs ends (they sign
/// in again and make new tokens).
pub async fn change_password(
    store: &impl AuthStore,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<()> {
    let hash = store.password_hash(actor.user_id).await?;
    let matches = match hash.as_deref() {
        Some(h) => verify_password_off_thread(current, h).await,
        None => false,
    };
    if !matches {
        return Err(Error::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    if new != confirm {
        return Err(Error::invalid(
            "confirm_password",
            "does not match the new password",
        ));
    }
    if new == current {
        return Err(Error::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    let p = Password::parse(new, &[&actor.username]).map_err(|e| match e {
        Error::Invalid { message, .. } => Error::invalid("new_password", message),
        other => other,
    })?;
    let h = hash_password_off_thread(&p).await?;
    let audit = AuditDraft::by(
        actor,
        "user",
        Some(actor.user_id.to_string()),
        "change_password",
        serde_json::json!({}),
    );
    store.set_password(actor.user_id, &h, audit).await
}

/// Moves the session to another company the user belongs to.
pub async fn switch_company(
    store: &impl AuthStore,
    actor: &Actor,
    secret: &str,
    company: CompanyId,
) -> Result<()> {
    let now = Timestamp::now();
    store
        .load_actor(actor.user_id, company, now)
        .await?
        .ok_or(Error::NotFound { entity: "company" })?;
    let audit = AuditDraft::by(
        actor,
        "session",
        None,
        "switch_company",
        serde_json::json!({"to": company.0}),
    );
    store
        .switch_session_company(&secret_hash(secret), company, audit)
        .await
}
