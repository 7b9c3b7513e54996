//! Sending e-mail by SMTP (lettre, async on tokio): the [`Mailer`] the worker delivers
//! `mail.send` and notification jobs through. The binary builds it from its configuration
//! (`smtp_*` keys); the end-to-end tests point it at their SMTP sink.
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use steward_core::work::mail::{Mail, MailError, MailFuture, Mailer};

/// How to talk to the SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP: only for a relay on this machine or a trusted network.
    None,
    /// Plain first, then STARTTLS, required (port 587).
    StartTls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl TlsMode {
    pub fn parse(s: &str) -> Option<TlsMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "plain" => Some(TlsMode::None),
            "starttls" => Some(TlsMode::StartTls),
            "tls" | "smtps" => Some(TlsMode::Tls),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::StartTls => "starttls",
            TlsMode::Tls => "tls",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// The sender, `Steward <steward@example.com>` or a bare address.
    pub from: String,
    /// The server's public address, for links in mails (`https://steward.example.com`).
    pub base_url: String,
    pub timeout: Duration,
}

/// Delivers mail to one SMTP server, a new connection per mail (mail is rare; the job
/// queue, not a pool, evens out bursts).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    describe: String,
    base_url: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("server", &self.describe)
            .finish()
    }
}

impl SmtpMailer {
    /// Checks the settings (a clear message naming the key when one is wrong).
    pub fn new(cfg: &SmtpConfig) -> Result<SmtpMailer, String> {
        if cfg.host.trim().is_empty() {
            return Err("smtp_host: must not be empty".into());
        }
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| format!("smtp_from: not an address ({e})"))?;
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.trim())
            .port(cfg.port)
            .timeout(Some(cfg.timeout));
        b = match cfg.tls {
            TlsMode::None => b.tls(Tls::None),
            TlsMode::StartTls | TlsMode::Tls => {
                let params = TlsParameters::new(cfg.host.trim().to_string())
                    .map_err(|e| format!("smtp_tls: {e}"))?;
                if cfg.tls == TlsMode::Tls {
                    b.tls(Tls::Wrapper(params))
                } else {
                    b.tls(Tls::Required(params))
                }
            }
        };
        match (&cfg.username, &cfg.password) {
            (Some(u), Some(p)) => {
                b = b.credentials(Credentials::new(u.clone(), p.expose_secret().to_string()));
            }
            (Some(_), None) => return Err("smtp_password: needed with smtp_username".into()),
            (None, Some(_)) => return Err("smtp_username: needed with smtp_password".into()),
            (None, None) => {}
        }
        Ok(SmtpMailer {
            transport: b.build(),
            from,
            describe: format!(
                "smtp://{}:{} ({})",
                cfg.host.trim(),
                cfg.port,
                cfg.tls.as_str()
            ),
            base_url: cfg.base_url.trim_end_matches('/').to_string(),
        })
    }

    fn message(&self, mail: &Mail) -> Result<Message, MailError> {
        let bad =
            |what: &str, e: &dyn std::fmt::Display| MailError::permanent(format!("{what}: {e}"));
        let to: Mailbox = mail.to.parse().map_err(|e| bad("to", &e))?;
        let mut m = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        for a in &mail.also_to {
            m = m.to(a.parse().map_err(|e| bad("also_to", &e))?);
        }
        if let Some(r) = &mail.reply_to {
            m = m.reply_to(r.parse().map_err(|e| bad("reply_to", &e))?);
        }
        if let Some(id) = &mail.message_id {
            m = m.message_id(Some(format!("<{id}@{}>", self.from.email.domain())));
        }
        if mail.attachments.is_empty() {
            return m
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
                .map_err(|e| bad("message", &e));
        }
        // multipart/mixed: the text first, then each file (base64, as lettre encodes
        // bytes that are not text).
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(mail.body.clone()));
        for a in &mail.attachments {
            let ct = ContentType::parse(&a.content_type).map_err(|e| bad("content_type", &e))?;
            parts = parts.singlepart(Attachment::new(a.filename.clone()).body(a.bytes.clone(), ct));
        }
        m.multipart(parts).map_err(|e| bad("message", &e))
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, mail: &'a Mail) -> MailFuture<'a> {
        Box::pin(async move {
            let msg = self.message(mail)?;
            match self.transport.send(msg).await {
                Ok(_) => Ok(()),
                // 5xx: the server refuses for good (unknown recipient, relay denied).
                Err(e) if e.is_permanent() => Err(MailError::permanent(format!(
                    "the SMTP server refused the mail: {e}"
                ))),
                Err(e) => Err(MailError::retry(format!(
                    "could not deliver through {}: {e}",
                    self.describe
                ))),
            }
        })
    }
    fn describe(&self) -> String {
        self.describe.clone()
    }
    fn base_url(&self) -> String {
        self.base_url.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_core::work::mail::Attachment as File;

    fn mailer() -> SmtpMailer {
        SmtpMailer::new(&SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            tls: TlsMode::None,
            username: None,
            password: None,
            from: "Acme <billing@acme.example>".into(),
            base_url: "http://x".into(),
            timeout: Duration::from_secs(1),
        })
        .expect("mailer")
    }

    #[test]
    fn attachments_make_a_multipart_mail_with_the_message_id_asked_for() {
        let mail = Mail {
            to: "ann@example.com".into(),
            also_to: vec!["bob@example.com".into()],
            subject: "Invoice INV-2026-0001".into(),
            body: "Please find it attached.".into(),
            attachments: vec![File {
                filename: "INV-2026-0001.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.7\n%\xe2\xe3\n".to_vec(),
            }],
            message_id: Some("abc123".into()),
            ..Mail::default()
        };
        let raw =
            String::from_utf8(mailer().message(&mail).expect("message").formatted()).expect("text");
        assert!(raw.contains("Message-ID: <abc123@acme.example>"), "{raw}");
        assert!(raw.contains("multipart/mixed"), "{raw}");
        assert!(raw.contains("filename=\"INV-2026-0001.pdf\""), "{raw}");
        assert!(raw.contains("bob@example.com"), "{raw}");
        let plain = Mail {
            attachments: vec![],
            message_id: None,
            ..mail
        };
        let raw = String::from_utf8(mailer().message(&plain).expect("message").formatted())
            .expect("text");
        assert!(!raw.contains("multipart"), "{raw}");
    }
}
