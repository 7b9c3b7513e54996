//! E-mail: the [`Mail`] a part of Steward asks to send, the `mail.send` job that delivers it
//! through a [`Mailer`] (SMTP in production: `steward_web::mail::SmtpMailer`), and every
//! mail template Steward sends, in plain text, in one place ([`templates`]).
//!
//! Mail is never sent in the request that asks for it: [`send_mail`] enqueues a job and the
//! worker delivers it, retrying while the server is unreachable. Without SMTP configured the
//! worker's mailer is [`NotConfigured`], whose jobs fail at once and for good with a message
//! saying so: the admin sees them in the jobs list instead of believing they went out.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::ids::CompanyId;
use crate::jobs::{Handlers, Job, JobError, JobId, JobKind, JobResult, JobStore, NewJob};
use crate::{Error, Result};

/// The job kind that delivers one mail.
pub const MAIL_SEND: &str = "mail.send";
/// Attempts before a mail job is dead (backing off: about an hour in all).
pub const MAIL_ATTEMPTS: u32 = 8;

/// One e-mail to one recipient, in plain text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// The company it is sent for (its admins see the job); `None` for instance-wide mail.
    pub company: Option<CompanyId>,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub reply_to: Option<String>,
}

/// A plausible address: one `@`, something on both sides, a dot in the domain, no spaces,
/// no control characters or angle brackets (which would break the header), at most 254.
pub fn valid_address(a: &str) -> bool {
    // Exactly as typed: a space around it would end up in the header.
    a == a.trim() && crate::input::Email::is_valid(a)
}

impl Mail {
    /// What [`send_mail`] checks: addresses, a one-line subject of 1-200 characters, a
    /// body of at most 100,000 bytes.
    pub fn validate(&self) -> Result<()> {
        if !valid_address(&self.to) {
            return Err(Error::invalid("to", "must be an e-mail address"));
        }
        if let Some(r) = &self.reply_to {
            if !valid_address(r) {
                return Err(Error::invalid("reply_to", "must be an e-mail address"));
            }
        }
        let subject = self.subject.trim();
        if subject.is_empty() || subject.chars().count() > 200 {
            return Err(Error::invalid("subject", "must be 1 to 200 characters"));
        }
        if self.subject.chars().any(char::is_control) {
            return Err(Error::invalid("subject", "must be one line"));
        }
        if self.body.len() > 100_000 {
            return Err(Error::invalid("body", "must be at most 100,000 bytes"));
        }
        Ok(())
    }

    /// The `mail.send` job that delivers it.
    pub fn job(&self) -> Result<NewJob> {
        self.validate()?;
        let payload = serde_json::to_value(self)
            .map_err(|e| Error::internal(format!("mail payload: {e}")))?;
        let mut job = NewJob::new(JobKind::new(MAIL_SEND)?, payload).attempts(MAIL_ATTEMPTS);
        job.company = self.company;
        Ok(job)
    }
}

/// Enqueues a `mail.send` job that the worker delivers by SMTP.
pub async fn send_mail<S: JobStore>(store: &S, mail: Mail) -> Result<JobId> {
    let job = mail.job()?;
    store
        .enqueue(&[job])
        .await?
        .into_iter()
        .next()
        .flatten()
        .ok_or_else(|| Error::internal("the mail job was not enqueued"))
}

/// Why a mail was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailError {
    pub message: String,
    /// Trying again cannot help (no SMTP configured, address refused for good).
    pub permanent: bool,
}

impl MailError {
    pub fn retry(message: impl Into<String>) -> Self {
        MailError {
            message: message.into(),
            permanent: false,
        }
    }
    pub fn permanent(message: impl Into<String>) -> Self {
        MailError {
            message: message.into(),
            permanent: true,
        }
    }
}

impl fmt::Display for MailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type MailFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<(), MailError>> + Send + 'a>>;

/// Delivers mail. The SMTP implementation lives in `steward_web::mail`.
pub trait Mailer: Send + Sync + 'static {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a>;
    /// For logs and the status page: "smtp://host:port", "not configured".
    fn describe(&self) -> String;
    /// Where links in mails point: the server's public address, no trailing slash.
    fn base_url(&self) -> String {
        "http://127.0.0.1:8080".into()
    }
}

/// The mailer when no SMTP server is configured: every mail fails for good, saying so.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotConfigured;

pub const NOT_CONFIGURED: &str =
    "not sent: no SMTP server is configured (set smtp_host and smtp_from in steward.toml, or STEWARD_SMTP_HOST and STEWARD_SMTP_FROM)";

impl Mailer for NotConfigured {
    fn send<'a>(&'a self, _mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async { Err(MailError::permanent(NOT_CONFIGURED)) })
    }
    fn describe(&self) -> String {
        "not configured".into()
    }
}

/// Parses a `mail.send` job's payload.
pub fn mail_of(job: &Job) -> std::result::Result<Mail, JobError> {
    let mail: Mail = serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::permanent(format!("not a mail: {e}")))?;
    mail.validate()
        .map_err(|e| JobError::permanent(format!("not a valid mail: {e}")))?;
    Ok(mail)
}

/// Registers `mail.send`.
pub fn register_jobs(registry: &mut Handlers, mailer: Arc<dyn Mailer>) {
    let Ok(kind) = JobKind::new(MAIL_SEND) else {
        return;
    };
    registry.register(&kind, move |job: Job| {
        let mailer = mailer.clone();
        async move { deliver(mailer.as_ref(), &job).await }
    });
}

async fn deliver(mailer: &dyn Mailer, job: &Job) -> JobResult {
    let mail = mail_of(job)?;
    match mailer.send(&mail).await {
        Ok(()) => {
            tracing::info!(job = %job.id, to = %mail.to, "mail sent");
            Ok(())
        }
        Err(e) if e.permanent => Err(JobError::permanent(e.message)),
        Err(e) => Err(JobError::retry(e.message)),
    }
}

/// One line, at most 200 characters (subjects must be).
pub fn subject_line(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let one = one.trim();
    if one.chars().count() <= 200 {
        one.to_string()
    } else {
        let mut cut: String = one.chars().take(199).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Mail {
        Mail {
            company: None,
            to: "ann@example.com".into(),
            subject: "Hello".into(),
            body: "Body".into(),
            reply_to: None,
        }
    }

    #[test]
    fn mails_are_validated() {
        assert!(mail().validate().is_ok());
        for to in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "a b@x.org",
            "a@x",
            "a@x.org>, b@y.org",
        ] {
            let m = Mail {
                to: to.into(),
                ..mail()
            };
            assert!(m.validate().is_err(), "{to}");
        }
        let m = Mail {
            subject: "a\r\nBcc: x@y.org".into(),
            ..mail()
        };
        assert!(m.validate().is_err());
        let m = Mail {
            subject: " ".into(),
            ..mail()
        };
        assert!(m.validate().is_err());
        assert_eq!(
            mail().job().ok().map(|j| j.kind.as_str().to_string()),
            Some(MAIL_SEND.to_string())
        );
    }

    #[test]
    fn subjects_are_one_short_line() {
        assert_eq!(subject_line("a\nb"), "a b");
        assert_eq!(subject_line(&"x".repeat(300)).chars().count(), 200);
    }
}
