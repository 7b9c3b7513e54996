//! Sessions, sign-in throttling, the actor's grants, passwords, API token look-up.
use steward_core::audit::AuditDraft;
use steward_core::auth::session::{
    delay_after, ActorRecord, AuthStore, FrameCompany, LoginUser, PageFrame, SessionRead,
    SessionRecord, ThrottleKey, TokenRecord,
};
use steward_core::ids::{CompanyId, DepartmentId, TokenId, UserId};
use steward_core::time::Timestamp;
use steward_core::Result;

use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

/// What an actor is made of, read in the same statement as the session or token (`s`):
/// the user (enabled), the membership (not expired, `$2` is now), the company, and the
/// user's roles in it as `id:version:key` (keys are `[a-z0-9_]`), whose grants come from
/// the cache by version. A missing user or membership leaves these columns NULL.
const ACTOR_COLUMNS: &str = "u.id AS actor_id, u.username, u.display_name, \
     c.id AS actor_company, c.name AS company_name, c.currency, m.department_id, \
     (SELECT string_agg(CAST(r.id AS TEXT) || ':' || CAST(r.version AS TEXT) || ':' || r.key, ',' ORDER BY r.id) \
      FROM user_roles ur JOIN roles r ON r.id = ur.role_id \
      WHERE ur.user_id = u.id AND ur.company_id = c.id) AS roles";

/// What every page's frame shows, read with the session: the user's unread notifications in
/// the session's company, counted up to 100 (the bell shows "99+" beyond; the hundredth row
/// found by the index stops the count, so a person with 100,000 unread costs what one with
/// 100 does), and the companies they may switch to, by name, each as
/// `id:currency:length:name` (the name's length in characters, so any name reads back).
const FRAME_COLUMNS: &str = "COALESCE((SELECT 100 FROM notifications n \
       WHERE n.user_id = u.id AND n.company_id = c.id AND n.read_at IS NULL LIMIT 1 OFFSET 99), \
      (SELECT COUNT(*) FROM notifications n \
       WHERE n.user_id = u.id AND n.company_id = c.id AND n.read_at IS NULL)) AS frame_unread, \
     (SELECT string_agg(CAST(c2.id AS TEXT) || ':' || c2.currency || ':' \
        || CAST(length(c2.name) AS TEXT) || ':' || c2.name, '' ORDER BY c2.name, c2.id) \
      FROM memberships m2 JOIN companies c2 ON c2.id = m2.company_id \
      WHERE m2.user_id = u.id AND (m2.valid_until IS NULL OR m2.valid_until > $2)) AS frame_companies";

/// The companies of [`FRAME_COLUMNS`]; `None` if the text is not what it writes.
fn frame_companies(text: &str) -> Option<Vec<FrameCompany>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (id, r) = rest.split_once(':')?;
        let (currency, r) = r.split_once(':')?;
        let (len, r) = r.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let end = r.char_indices().nth(len).map_or(r.len(), |(i, _)| i);
        if r[..end].chars().count() != len {
            return None;
        }
        out.push(FrameCompany {
            id: CompanyId(id.parse().ok()?),
            name: r[..end].to_string(),
            currency: currency.to_string(),
        });
        rest = &r[end..];
    }
    Some(out)
}

/// The joins from a session or token row `s` to its actor's columns.
const ACTOR_JOINS: &str = "LEFT JOIN users u ON u.id = s.user_id AND u.disabled = 0 \
     LEFT JOIN memberships m ON m.user_id = u.id AND m.company_id = s.company_id \
       AND (m.valid_until IS NULL OR m.valid_until > $2) \
     LEFT JOIN companies c ON c.id = m.company_id";

impl Store {
    /// The actor from a row with [`ACTOR_COLUMNS`]; `None` when the joins found no user or
    /// membership.
    async fn actor_of(&self, r: &sqlx::any::AnyRow) -> Result<Option<ActorRecord>> {
        let (Some(user), Some(company)) = (opt_i64(r, "actor_id")?, opt_i64(r, "actor_company")?)
        else {
            return Ok(None);
        };
        let mut role_keys = Vec::new();
        let mut grants = Vec::new();
        for role in opt_str(r, "roles")?.unwrap_or_default().split(',') {
            let mut parts = role.splitn(3, ':');
            let (Some(id), Some(version), Some(key)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let (Ok(id), Ok(version)) = (id.parse::<i64>(), version.parse::<i64>()) else {
                continue;
            };
            role_keys.push(key.to_string());
            grants.extend(self.role_grants_cached(id, version).await?.iter().copied());
        }
        role_keys.sort();
        Ok(Some(ActorRecord {
            user_id: UserId(user),
            username: get_str(r, "username")?,
            display_name: get_str(r, "display_name")?,
            company_id: CompanyId(company),
            company_name: get_str(r, "company_name")?,
            company_currency: get_str(r, "currency")?,
            department_id: opt_i64(r, "department_id")?.map(DepartmentId),
            role_keys,
            grants,
        }))
    }
}

/// The throttle row that remembers a user signed in from an address.
fn known_key(user: UserId, address: &str) -> String {
    format!("ok:#{user}:{address}")
}

impl AuthStore for Store {
    async fn find_login(&self, login: &str) -> Result<Option<LoginUser>> {
        let login = login.to_lowercase();
        let row = sqlx::query("SELECT id, username, email, password_hash, disabled FROM users WHERE username = $1 OR email = $1")
            .bind(&login)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(LoginUser {
                id: UserId(get_i64(&r, "id")?),
                username: get_str(&r, "username")?,
                email: get_str(&r, "email")?,
                password_hash: opt_str(&r, "password_hash")?,
                disabled: get_i64(&r, "disabled")? != 0,
            })
        })
        .transpose()
    }

    async fn take_attempt(
        &self,
        keys: &[ThrottleKey],
        now: Timestamp,
        window_secs: i64,
        max_delay_secs: i64,
    ) -> Result<std::result::Result<Vec<u32>, Timestamp>> {
        let mut tx = self.begin().await?;
        let mut current = Vec::with_capacity(keys.len());
        let mut wait_until: Option<Timestamp> = None;
        for k in keys {
            // Inserts the counter or, when it exists, locks its row (PostgreSQL) for the rest
            // of the transaction; SQLite's single writer serializes the transaction anyway.
            let r = sqlx::query(
                "INSERT INTO login_throttle (key, failures, next_at, last_at) VALUES ($1, 0, 0, $2) \
                 ON CONFLICT (key) DO UPDATE SET key = excluded.key \
                 RETURNING failures, next_at, last_at",
            )
            .bind(&k.key)
            .bind(now.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let stale = get_i64(&r, "last_at")? < now.plus_secs(-window_secs).0;
            let failures = if stale { 0 } else { get_i64(&r, "failures")? };
            let next_at = Timestamp(if stale { 0 } else { get_i64(&r, "next_at")? });
            if next_at > now {
                wait_until = Some(wait_until.map_or(next_at, |w| w.max(next_at)));
            }
            current.push(u32::try_from(failures).unwrap_or(u32::MAX));
        }
        if let Some(w) = wait_until {
            tx.rollback().await.map_err(db)?;
            return Ok(Err(w));
        }
        let mut counts = Vec::with_capacity(keys.len());
        for (k, f) in keys.iter().zip(current) {
            let f = f.saturating_add(1);
            let next = now.plus_secs(delay_after(f, k.free, max_delay_secs));
            sqlx::query(
                "UPDATE login_throttle SET failures = $1, next_at = $2, last_at = $3 WHERE key = $4",
            )
            .bind(i64::from(f))
            .bind(next.0)
            .bind(now.0)
            .bind(&k.key)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            counts.push(f);
        }
        tx.commit().await.map_err(db)?;
        Ok(Ok(counts))
    }

    async fn clear_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE key = $1")
            .bind(key)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn known_address(&self, user: UserId, address: &str, since: Timestamp) -> Result<bool> {
        let r = sqlx::query("SELECT last_at FROM login_throttle WHERE key = $1")
            .bind(known_key(user, address))
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        Ok(match r {
            Some(r) => get_i64(&r, "last_at")? >= since.0,
            None => false,
        })
    }

    async fn record_failure(&self, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin().await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn first_company(&self, user: UserId) -> Result<Option<CompanyId>> {
        let r = sqlx::query("SELECT MIN(company_id) AS c FROM memberships WHERE user_id = $1 AND (valid_until IS NULL OR valid_until > $2)")
            .bind(user.0)
            .bind(Timestamp::now().0)
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        Ok(opt_i64(&r, "c")?.map(CompanyId))
    }

    async fn create_session(&self, s: &SessionRecord, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, company_id, created_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&s.token_hash)
            .bind(s.user_id.0)
            .bind(s.company_id.0)
            .bind(s.created_at.0)
            .bind(s.last_seen_at.0)
            .bind(&s.ip)
            .bind(&s.user_agent)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if let Some(ip) = &s.ip {
            sqlx::query(
                "INSERT INTO login_throttle (key, failures, next_at, last_at) VALUES ($1, 0, 0, $2) \
                 ON CONFLICT (key) DO UPDATE SET last_at = excluded.last_at",
            )
            .bind(known_key(s.user_id, ip))
            .bind(s.created_at.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn get_session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        let row = sqlx::query("SELECT token_hash, user_id, company_id, created_at, last_seen_at, ip, user_agent FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(SessionRecord {
                token_hash: get_str(&r, "token_hash")?,
                user_id: UserId(get_i64(&r, "user_id")?),
                company_id: CompanyId(get_i64(&r, "company_id")?),
                created_at: Timestamp(get_i64(&r, "created_at")?),
                last_seen_at: Timestamp(get_i64(&r, "last_seen_at")?),
                ip: opt_str(&r, "ip")?,
                user_agent: opt_str(&r, "user_agent")?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(at.0)
            .bind(token_hash)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str, audit: Option<AuditDraft>) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if let Some(a) = audit {
            append_audit(&mut tx, a).await?;
        }
        tx.commit().await.map_err(db)
    }

    async fn switch_session_company(
        &self,
        token_hash: &str,
        company: CompanyId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE sessions SET company_id = $1 WHERE token_hash = $2")
            .bind(company.0)
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn load_actor(
        &self,
        user: UserId,
        company: CompanyId,
        now: Timestamp,
    ) -> Result<Option<ActorRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {ACTOR_COLUMNS} FROM users u \
             JOIN memberships m ON m.user_id = u.id AND m.company_id = $2 \
             JOIN companies c ON c.id = m.company_id \
             WHERE u.id = $1 AND u.disabled = 0 AND (m.valid_until IS NULL OR m.valid_until > $3)"
        ))
        .bind(user.0)
        .bind(company.0)
        .bind(now.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        match row {
            Some(r) => self.actor_of(&r).await,
            None => Ok(None),
        }
    }

    async fn session_actor(&self, token_hash: &str, now: Timestamp) -> Result<Option<SessionRead>> {
        let row = sqlx::query(&format!(
            "SELECT s.token_hash, s.user_id, s.company_id, s.created_at, s.last_seen_at, s.ip, \
             s.user_agent, {ACTOR_COLUMNS}, {FRAME_COLUMNS} FROM sessions s {ACTOR_JOINS} \
             WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .bind(now.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let session = SessionRecord {
            token_hash: get_str(&r, "token_hash")?,
            user_id: UserId(get_i64(&r, "user_id")?),
            company_id: CompanyId(get_i64(&r, "company_id")?),
            created_at: Timestamp(get_i64(&r, "created_at")?),
            last_seen_at: Timestamp(get_i64(&r, "last_seen_at")?),
            ip: opt_str(&r, "ip")?,
            user_agent: opt_str(&r, "user_agent")?,
        };
        let frame = match (
            opt_i64(&r, "frame_unread")?,
            opt_str(&r, "frame_companies")?
                .as_deref()
                .map(frame_companies),
        ) {
            (Some(unread), Some(Some(companies))) => Some(PageFrame {
                companies,
                unread: u64::try_from(unread).unwrap_or(0),
            }),
            _ => None,
        };
        Ok(Some((session, self.actor_of(&r).await?, frame)))
    }

    async fn token_actor(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(TokenRecord, Option<ActorRecord>)>> {
        let row = sqlx::query(&format!(
            "SELECT s.id, s.user_id, s.company_id, s.read_only, s.revoked_at, s.last_used_at, \
             {ACTOR_COLUMNS} FROM api_tokens s {ACTOR_JOINS} WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .bind(now.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let token = TokenRecord {
            id: TokenId(get_i64(&r, "id")?),
            user_id: UserId(get_i64(&r, "user_id")?),
            company_id: CompanyId(get_i64(&r, "company_id")?),
            read_only: get_i64(&r, "read_only")? != 0,
            revoked: opt_i64(&r, "revoked_at")?.is_some(),
            last_used_at: opt_i64(&r, "last_used_at")?.map(Timestamp),
        };
        Ok(Some((token, self.actor_of(&r).await?)))
    }

    async fn password_hash(&self, user: UserId) -> Result<Option<String>> {
        let r = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        Ok(match r {
            Some(r) => opt_str(&r, "password_hash")?,
            None => None,
        })
    }

    async fn set_password(&self, user: UserId, hash: &str, audit: AuditDraft) -> Result<()> {
        self.write_password(user, hash, audit).await
    }

    async fn find_token(&self, token_hash: &str) -> Result<Option<TokenRecord>> {
        let row = sqlx::query("SELECT id, user_id, company_id, read_only, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.map(|r| {
            Ok(TokenRecord {
                id: TokenId(get_i64(&r, "id")?),
                user_id: UserId(get_i64(&r, "user_id")?),
                company_id: CompanyId(get_i64(&r, "company_id")?),
                read_only: get_i64(&r, "read_only")? != 0,
                revoked: opt_i64(&r, "revoked_at")?.is_some(),
                last_used_at: opt_i64(&r, "last_used_at")?.map(Timestamp),
            })
        })
        .transpose()
    }

    async fn touch_token(&self, id: TokenId, at: Timestamp) -> Result<()> {
        // At most once a minute, so that API reads do not write on every call.
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
            .bind(at.0)
            .bind(id.0)
            .bind(at.plus_secs(-60).0)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }
}

impl Store {
    /// Sets a password hash and ends every session and API token of the user, in one
    /// transaction: whoever knew the old password (or took a token while they did) is out.
    pub(crate) async fn write_password(
        &self,
        user: UserId,
        hash: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(hash)
            .bind(Timestamp::now().0)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
        )
        .bind(Timestamp::now().0)
        .bind(user.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    /// Removes expired sessions (a periodic job).
    pub async fn purge_sessions(
        &self,
        idle_before: Timestamp,
        created_before: Timestamp,
    ) -> Result<u64> {
        let r = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before.0)
            .bind(created_before.0)
            .execute(&self.write)
            .await
            .map_err(db)?;
        // Sign-in counters a day without failure, and addresses unused for 90 days.
        let now = Timestamp::now();
        sqlx::query(
            "DELETE FROM login_throttle WHERE (key NOT LIKE 'ok:%' AND last_at < $1) OR last_at < $2",
        )
        .bind(now.plus_secs(-86_400).0)
        .bind(now.plus_secs(-90 * 86_400).0)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(r.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_companies_read_back_any_name() {
        let c = |id, name: &str, currency: &str| FrameCompany {
            id: CompanyId(id),
            name: name.into(),
            currency: currency.into(),
        };
        assert_eq!(frame_companies(""), Some(vec![]));
        assert_eq!(
            frame_companies("1:EUR:16:Northwind Health2:USD:9:Café: 1:2"),
            Some(vec![
                c(1, "Northwind Health", "EUR"),
                c(2, "Café: 1:2", "USD")
            ])
        );
        assert_eq!(frame_companies("1:EUR:5:abc"), None);
        assert_eq!(frame_companies("x:EUR:1:a"), None);
        assert_eq!(frame_companies("1:EUR"), None);
    }
}
