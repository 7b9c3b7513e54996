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

/// One e-mail in plain text, to one recipient (and any further ones in `also_to`), with
/// files attached if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    /// The company it is sent for (its admins see the job); `None` for instance-wide mail.
    pub company: Option<CompanyId>,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub reply_to: Option<String>,
    /// Further recipients, also in `To`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_to: Vec<String>,
    /// Files sent with the mail (a document's PDF).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// The left part of the `Message-ID` (the mailer adds `@` and the sender's domain), so
    /// whoever sent it can log which message it was; the mailer makes one up when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// A file attached to a [`Mail`]; kept base64-encoded in the job's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The file's name as the recipient sees it (`INV-2026-0001.pdf`).
    pub filename: String,
    /// `application/pdf`.
    pub content_type: String,
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

/// Every recipient may have at most this many addresses in all (`to` and `also_to`).
pub const MAX_RECIPIENTS: usize = 20;
/// The attachments of one mail together: at most 10 MB (SMTP servers refuse larger).
pub const MAX_ATTACHMENTS_BYTES: usize = 10 * 1024 * 1024;

mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

/// A new message id: 32 random hex digits (the left part of a `Message-ID`).
pub fn new_message_id() -> String {
    let b: [u8; 16] = rand::random();
    hex::encode(b)
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
        for (i, a) in self.also_to.iter().enumerate() {
            if !valid_address(a) {
                return Err(Error::invalid(
                    format!("also_to[{i}]"),
                    "must be an e-mail address",
                ));
            }
        }
        if self.also_to.len() + 1 > MAX_RECIPIENTS {
            return Err(Error::invalid(
                "to",
                format!("at most {MAX_RECIPIENTS} recipients"),
            ));
        }
        let mut size = 0usize;
        for (i, a) in self.attachments.iter().enumerate() {
            let name_ok = !a.filename.trim().is_empty()
                && a.filename.chars().count() <= 200
                && !a
                    .filename
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '"' | '/' | '\\'));
            if !name_ok {
                return Err(Error::invalid(
                    format!("attachments[{i}].filename"),
                    "a file name of 1-200 characters without quotes, slashes or line breaks",
                ));
            }
            let type_ok = a.content_type.split_once('/').is_some_and(|(t, s)| {
                !t.is_empty()
                    && !s.is_empty()
                    && a.content_type
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/.+-".contains(&b))
            });
            if !type_ok {
                return Err(Error::invalid(
                    format!("attachments[{i}].content_type"),
                    "a media type such as application/pdf",
                ));
            }
            size += a.bytes.len();
        }
        if size > MAX_ATTACHMENTS_BYTES {
            return Err(Error::invalid(
                "attachments",
                "at most 10 MB of attachments in one mail",
            ));
        }
        if let Some(id) = &self.message_id {
            if id.is_empty()
                || id.len() > 100
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            {
                return Err(Error::invalid(
                    "message_id",
                    "1-100 letters, digits, dots, dashes or underscores",
                ));
            }
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
            tracing::info!(job = %job.id, to = %mail.to, attachments = mail.attachments.len(), "mail sent");
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
            ..Mail::default()
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
    fn attachments_travel_in_the_payload_and_are_checked() {
        let m = Mail {
            also_to: vec!["bob@example.com".into()],
            attachments: vec![Attachment {
                filename: "INV-2026-0001.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.7 \x00\xff".to_vec(),
            }],
            message_id: Some(new_message_id()),
            ..mail()
        };
        let job = m.job().expect("job");
        let back: Mail = serde_json::from_value(job.payload).expect("mail");
        assert_eq!(back, m);
        let bad = Mail {
            also_to: vec!["not an address".into()],
            ..m.clone()
        };
        assert!(bad.validate().is_err());
        let mut bad = m.clone();
        bad.attachments[0].filename = "a\r\nb.pdf".into();
        assert!(bad.validate().is_err());
        let mut bad = m;
        bad.attachments[0].bytes = vec![0; MAX_ATTACHMENTS_BYTES + 1];
        assert!(bad.validate().is_err());
    }

    #[test]
    fn subjects_are_one_short_line() {
        assert_eq!(subject_line("a\nb"), "a b");
        assert_eq!(subject_line(&"x".repeat(300)).chars().count(), 200);
    }
}
