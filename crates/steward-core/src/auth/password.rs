//! Passwords: the policy (length, common passwords) and argon2id hashing.
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::{Error, Result};

/// A password that passed the policy. Never logged: `Debug` hides it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

pub const MIN_LEN: usize = 12;

/// A small list of passwords people pick; long enough ones still get refused.
const COMMON: &[&str] = &[
    "password1234",
    "password12345",
    "password123456",
    "123456789012",
    "1234567890123",
    "qwertyuiopas",
    "qwerty123456",
    "123456qwerty",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "administrator",
    "adminadmin12",
    "admin1234567",
    "changeme1234",
    "passw0rd1234",
    "p@ssw0rd1234",
    "abcdefghijkl",
    "abc123456789",
    "111111111111",
    "000000000000",
    "trustno12345",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "dragon123456",
    "monkey123456",
    "starwars1234",
    "whatever1234",
    "correcthorsebatterystaple",
    "steward12345",
    "stewardadmin",
    "password!234",
];

impl Password {
    /// Checks the policy. `context` holds strings the password must not equal (the user name,
    /// the e-mail address).
    pub fn parse(raw: &str, context: &[&str]) -> Result<Self> {
        let n = raw.chars().count();
        if n < MIN_LEN {
            return Err(Error::invalid(
                "password",
                format!("must be at least {MIN_LEN} characters (it has {n})"),
            ));
        }
        if n > 1024 {
            return Err(Error::invalid(
                "password",
                "must be at most 1024 characters",
            ));
        }
        let lower = raw.to_lowercase();
        if COMMON.contains(&lower.as_str())
            || lower
                .chars()
                .collect::<std::collections::HashSet<_>>()
                .len()
                == 1
        {
            return Err(Error::invalid("password", "is too common; choose another"));
        }
        if context
            .iter()
            .any(|c| !c.is_empty() && lower == c.to_lowercase())
        {
            return Err(Error::invalid(
                "password",
                "must not be your user name or e-mail address",
            ));
        }
        Ok(Password(raw.to_string()))
    }
    /// For the demo's well-known `demo` password and tests: skips the policy.
    pub fn unchecked(raw: &str) -> Self {
        Password(raw.to_string())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// argon2id with the crate's default (OWASP) parameters and a random salt.
pub fn hash_password(p: &Password) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(p.0.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// Verifies in constant time with respect to the password. A malformed hash verifies false.
pub fn verify_password(candidate: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(candidate.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`hash_password`] on a blocking thread (argon2 holds a CPU for tens of milliseconds).
pub async fn hash_password_off_thread(p: &Password) -> Result<String> {
    let p = p.clone();
    crate::blocking::try_run(move || hash_password(&p)).await
}

/// [`verify_password`] on a blocking thread.
pub async fn verify_password_off_thread(candidate: &str, hash: &str) -> bool {
    let (candidate, hash) = (candidate.to_string(), hash.to_string());
    crate::blocking::run(move || verify_password(&candidate, &hash))
        .await
        .unwrap_or(false)
}

/// Verified against when the account does not exist, so that the answer takes as long as
/// for a real account and reveals nothing. (The hash of a random string.)
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c3Rld2FyZGR1bW15c2FsdA$1nSFsaR6bhKqH4u8tT9QFvlkWv1WH6eXUPV1JQZkLlw";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(Password::parse("short", &[]).is_err());
        assert!(Password::parse("password1234", &[]).is_err());
        assert!(Password::parse("aaaaaaaaaaaaaa", &[]).is_err());
        assert!(Password::parse("alice@example.com", &["alice@example.com"]).is_err());
        assert!(Password::parse("a long and unusual phrase", &[]).is_ok());
    }

    #[test]
    fn hash_and_verify() {
        let p = Password::parse("a long and unusual phrase", &[]).expect("valid");
        let h = hash_password(&p).expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("a long and unusual phrase", &h));
        assert!(!verify_password("a long and unusual phrasE", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("anything", DUMMY_HASH));
    }
}
