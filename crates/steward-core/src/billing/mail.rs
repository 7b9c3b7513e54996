//! Documents by e-mail: a posted invoice or credit note sent to the customer with its PDF
//! attached, through the mail engine (`work::mail`: the `mail.send` job and its SMTP
//! sender), and the log of every send on the document (who, when, to whom, the message's
//! id and how delivery went, read from the mail job). The subject and text come from the
//! company's templates ([`MailSettings`]), filled with the document's number, total and due
//! date; the sender may change them. Reminders of overdue invoices (`dunning`) go through
//! the same log.
//!
//! A send writes its log row, its mail job and its audit event in one transaction, so a
//! logged send is always on its way and an unlogged one never is. An idempotency key makes
//! a retried send answer with the first.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::future::Future;

use super::invoices::{self, Invoice, InvoiceStatus};
use super::BillingBackend;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::error::Validator;
use crate::ids::{CompanyId, InvoiceId, PartyId};
use crate::jobs::{JobId, NewJob};
use crate::list::{Page, Paging};
use crate::money::format_in as money;
use crate::time::Timestamp;
use crate::work::mail::{new_message_id, subject_line, Attachment, Mail};
use crate::{Error, Result};

/// At most this many recipients of one send.
pub const MAX_RECIPIENTS: usize = 10;
pub const SUBJECT_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
/// Reminder levels a company sets (1, 2, 3).
pub const LEVELS: i64 = 3;

/// What a send was: a document sent on purpose, or a reminder of overdue documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SendKind {
    Document,
    Reminder,
}

impl SendKind {
    pub const ALL: &'static [SendKind] = &[SendKind::Document, SendKind::Reminder];
    pub fn as_str(self) -> &'static str {
        match self {
            SendKind::Document => "document",
            SendKind::Reminder => "reminder",
        }
    }
    pub fn parse(s: &str) -> Option<SendKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            SendKind::Document => "Document",
            SendKind::Reminder => "Reminder",
        }
    }
}

/// One reminder level: sent when an invoice is `days` past due (and no higher level was).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DunningLevel {
    pub level: i64,
    pub enabled: bool,
    pub days: i64,
    pub subject: String,
    pub body: String,
}

/// A company's mail templates and reminder levels. Placeholders in braces: `{number}`,
/// `{total}`, `{currency}`, `{due_date}`, `{customer}`, `{company}`, `{kind}` (`{Kind}`
/// capitalised); reminders
/// also `{invoices}` (one line per overdue invoice) and `{open}` (what is owed in all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailSettings {
    pub invoice_subject: String,
    pub invoice_body: String,
    pub dunning_enabled: bool,
    /// Always [`LEVELS`] levels, 1 first.
    pub levels: Vec<DunningLevel>,
    pub version: i64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            invoice_subject: "{Kind} {number} from {company}".into(),
            invoice_body: "Dear {customer},\n\nplease find attached {kind} {number} of {total} {currency}, due on {due_date}.\n\nKind regards,\n{company}".into(),
            dunning_enabled: false,
            levels: default_levels(),
            version: 0,
        }
    }
}

pub fn default_levels() -> Vec<DunningLevel> {
    vec![
        DunningLevel {
            level: 1,
            enabled: true,
            days: 7,
            subject: "Reminder: invoices overdue from {company}".into(),
            body: "Dear {customer},\n\nour records show these invoices as unpaid after their due date:\n\n{invoices}\n\nIn all {open}. If you have paid already, please ignore this message; otherwise we would be glad to receive your payment soon.\n\nKind regards,\n{company}".into(),
        },
        DunningLevel {
            level: 2,
            enabled: true,
            days: 21,
            subject: "Second reminder: invoices overdue from {company}".into(),
            body: "Dear {customer},\n\nwe have not yet received payment of these invoices:\n\n{invoices}\n\nIn all {open}. Please pay within 7 days.\n\nKind regards,\n{company}".into(),
        },
        DunningLevel {
            level: 3,
            enabled: true,
            days: 45,
            subject: "Final reminder: invoices overdue from {company}".into(),
            body: "Dear {customer},\n\ndespite our reminders these invoices are still unpaid:\n\n{invoices}\n\nIn all {open}. Unless we receive payment within 7 days we will have to take further steps.\n\n{company}".into(),
        },
    ]
}

/// The settings as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MailSettingsInput {
    pub invoice_subject: String,
    pub invoice_body: String,
    pub dunning_enabled: bool,
    pub levels: Vec<LevelInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct LevelInput {
    pub enabled: bool,
    pub days: String,
    pub subject: String,
    pub body: String,
}

/// One send as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendRecord {
    pub id: i64,
    pub kind: SendKind,
    pub party_id: PartyId,
    pub party_name: String,
    /// The documents it sent (one for a document, each overdue one for a reminder), with
    /// the reminder level per document (0 for a document sent on purpose).
    pub documents: Vec<SentDocument>,
    pub recipients: Vec<String>,
    pub subject: String,
    /// The left part of the message's `Message-ID`.
    pub message_id: String,
    pub level: i64,
    pub job_id: Option<JobId>,
    /// `queued`, `sent`, `retrying` or `failed`, from the mail job.
    pub status: String,
    /// Why delivery failed or is being retried.
    pub error: Option<String>,
    pub sent_by: String,
    pub sent_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentDocument {
    pub id: InvoiceId,
    pub number: Option<String>,
    pub level: i64,
}

/// A send for the store to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSend {
    pub kind: SendKind,
    pub party_id: PartyId,
    /// Each document with its reminder level (0: not a reminder). A (document, level > 0)
    /// pair is written once ever: that is what keeps a reminder level from going twice.
    pub documents: Vec<(InvoiceId, i64)>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub level: i64,
    pub sent_by: Option<crate::ids::UserId>,
    pub sent_by_name: String,
    pub client_key: Option<String>,
}

/// Which sends a log shows.
#[derive(Debug, Clone, Default)]
pub struct SendQuery {
    /// One send.
    pub id: Option<i64>,
    pub document: Option<InvoiceId>,
    pub kind: Option<SendKind>,
    pub paging: Paging,
}

/// A posted sales invoice past its due date that still owes something, with the highest
/// reminder level sent for it so far (0 for none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueDocument {
    pub id: InvoiceId,
    pub number: String,
    pub party_id: PartyId,
    pub party_name: String,
    pub party_email: String,
    pub currency: String,
    pub total: i64,
    pub open: i64,
    pub due_date: NaiveDate,
    pub last_level: i64,
}

pub trait MailStore: Send + Sync {
    /// The defaults (version 0) when never set.
    fn mail_settings(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<MailSettings>> + Send;
    /// `Conflict` when `version` is not the stored one.
    fn set_mail_settings(
        &self,
        company: CompanyId,
        s: &MailSettings,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn send_by_key(
        &self,
        company: CompanyId,
        key: &str,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// In one transaction: the send, its documents, the mail job and the audit event.
    /// `None` (nothing written) when one of its (document, level > 0) pairs was sent
    /// already, or its key was used (then `send_by_key` finds the first).
    fn insert_send(
        &self,
        company: CompanyId,
        send: &NewSend,
        job: &NewJob,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// Newest first.
    fn sends(
        &self,
        company: CompanyId,
        q: &SendQuery,
    ) -> impl Future<Output = Result<Page<SendRecord>>> + Send;
    /// Posted invoices due before `as_of` that still owe something, by party and due date.
    fn overdue_documents(
        &self,
        company: CompanyId,
        as_of: NaiveDate,
    ) -> impl Future<Output = Result<Vec<OverdueDocument>>> + Send;
    /// Parties never sent reminders.
    fn dunning_excluded(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<PartyId>>> + Send;
    fn set_dunning_excluded(
        &self,
        company: CompanyId,
        party: PartyId,
        excluded: bool,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Companies with reminders switched on, with their names.
    fn dunning_companies(&self) -> impl Future<Output = Result<Vec<(CompanyId, String)>>> + Send;
}

/// Fills `{name}` placeholders; an unknown one stays as typed.
pub fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The placeholders of one document.
pub fn values_of(company: &str, inv: &Invoice, customer: &str) -> Vec<(&'static str, String)> {
    vec![
        ("number", inv.number.clone().unwrap_or_default()),
        ("total", money(inv.total, &inv.currency)),
        ("currency", inv.currency.clone()),
        ("due_date", inv.due_date.to_string()),
        ("customer", customer.to_string()),
        ("company", company.to_string()),
        ("kind", inv.kind.label().to_lowercase()),
        ("Kind", inv.kind.label().to_string()),
    ]
}

/// Whether the actor may read the mail settings and logs (receivables or the books).
pub fn authorize_read(actor: &Actor) -> Result<()> {
    if super::allowed(actor, Domain::Receivables, Action::Read)
        || super::allowed(actor, Domain::Accounting, Action::Read)
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Who may send documents and reminders: whoever writes sales documents.
pub fn may_send(actor: &Actor) -> bool {
    super::allowed(actor, Domain::Receivables, Action::Create)
}

pub async fn settings<S: MailStore>(store: &S, actor: &Actor) -> Result<MailSettings> {
    authorize_read(actor)?;
    store.mail_settings(actor.company_id).await
}

fn template_text(v: &mut Validator, field: &str, text: &str, max: usize, one_line: bool) -> String {
    let t = text.trim();
    if t.is_empty() {
        v.push(field, "must not be empty");
    } else if t.chars().count() > max {
        v.push(field, format!("at most {max} characters"));
    } else if one_line && t.chars().any(char::is_control) {
        v.push(field, "must be one line");
    }
    t.replace("\r\n", "\n")
}

/// Changes the templates and levels (`accounting.update`, as the billing settings).
pub async fn set_settings<S: MailStore>(
    store: &S,
    actor: &Actor,
    input: &MailSettingsInput,
    version: Option<i64>,
) -> Result<MailSettings> {
    super::gate(actor, Domain::Accounting, Action::Update)?;
    let current = store.mail_settings(actor.company_id).await?;
    let mut v = Validator::new();
    let invoice_subject = template_text(
        &mut v,
        "invoice_subject",
        &input.invoice_subject,
        SUBJECT_MAX,
        true,
    );
    let invoice_body = template_text(&mut v, "invoice_body", &input.invoice_body, BODY_MAX, false);
    if input.levels.len() != LEVELS as usize {
        v.push("levels", format!("exactly {LEVELS} levels"));
    }
    let mut levels = Vec::new();
    let mut last_days = 0;
    for (i, l) in input.levels.iter().enumerate() {
        let f = |n: &str| format!("levels[{i}].{n}");
        let days = match l.days.trim().parse::<i64>() {
            Ok(d) if (1..=3650).contains(&d) => d,
            _ => {
                v.push(&f("days"), "a number of days from 1 to 3650");
                0
            }
        };
        if l.enabled && days > 0 {
            if days <= last_days {
                v.push(&f("days"), "must be more days than the level before it");
            }
            last_days = days;
        }
        levels.push(DunningLevel {
            level: i as i64 + 1,
            enabled: l.enabled,
            days,
            subject: template_text(&mut v, &f("subject"), &l.subject, SUBJECT_MAX, true),
            body: template_text(&mut v, &f("body"), &l.body, BODY_MAX, false),
        });
    }
    v.finish()?;
    let next = MailSettings {
        invoice_subject,
        invoice_body,
        dunning_enabled: input.dunning_enabled,
        levels,
        version: current.version + 1,
    };
    let audit = AuditDraft::by(
        actor,
        "billing.mail_settings",
        None,
        "update",
        json!({
            "dunning_enabled": [current.dunning_enabled, next.dunning_enabled],
            "levels": next.levels.iter().map(|l| json!({"level": l.level, "enabled": l.enabled, "days": l.days})).collect::<Vec<_>>(),
        }),
    );
    store
        .set_mail_settings(
            actor.company_id,
            &next,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    store.mail_settings(actor.company_id).await
}

/// What the send form starts with: the party's address, the template filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendDraft {
    pub to: Vec<String>,
    pub subject: String,
    pub message: String,
}

/// A document may be sent: a posted invoice or credit note.
fn sendable(inv: &Invoice) -> Result<()> {
    if !inv.kind.is_sales() {
        return Err(Error::invalid(
            "id",
            "only invoices and credit notes are sent to customers",
        ));
    }
    if inv.status != InvoiceStatus::Posted {
        return Err(Error::invalid(
            "id",
            "post the document before sending it (a draft is not a valid document)",
        ));
    }
    Ok(())
}

/// The prefilled send form of document `id`.
pub async fn draft<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: InvoiceId,
) -> Result<SendDraft> {
    let inv = invoices::get(store, actor, id).await?;
    super::gate(actor, Domain::Receivables, Action::Create)?;
    sendable(&inv)?;
    let settings = store.mail_settings(actor.company_id).await?;
    let party = store.party(actor.company_id, inv.party_id).await?;
    let to = party
        .as_ref()
        .map(|p| addresses(&p.email))
        .unwrap_or_default();
    let customer = party
        .as_ref()
        .map(|p| {
            if p.legal_name.is_empty() {
                p.name.clone()
            } else {
                p.legal_name.clone()
            }
        })
        .unwrap_or_else(|| inv.party_name.clone());
    let values = values_of(&actor.company_name, &inv, &customer);
    Ok(SendDraft {
        to,
        subject: subject_line(&fill(&settings.invoice_subject, &values)),
        message: fill(&settings.invoice_body, &values),
    })
}

/// A party's e-mail field as addresses (it may hold several, split by `,` or `;`).
pub fn addresses(field: &str) -> Vec<String> {
    field
        .split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What a sender typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendInput {
    pub to: Vec<String>,
    /// Empty: the template's.
    pub subject: String,
    pub message: String,
}

/// Checks recipients with the one e-mail rule: `to[1]` names a bad one.
pub fn check_recipients(v: &mut Validator, to: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if to.is_empty() {
        v.push("to", "at least one e-mail address");
    }
    if to.len() > MAX_RECIPIENTS {
        v.push("to", format!("at most {MAX_RECIPIENTS} addresses"));
    }
    for (i, a) in to.iter().enumerate() {
        if let Some(e) = v.email(&format!("to[{i}]"), a) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(e.as_str())) {
                out.push(e.as_str().to_string());
            }
        }
    }
    out
}

/// Sends posted document `id` by e-mail with its PDF; logged on the document.
pub async fn send_document<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: InvoiceId,
    input: &SendInput,
    key: Option<&str>,
) -> Result<SendRecord> {
    let inv = invoices::get(store, actor, id).await?;
    super::gate(actor, Domain::Receivables, Action::Create)?;
    let key = crate::idempotency::optional_key(key)?;
    if let Some(k) = &key {
        if let Some(sid) = store.send_by_key(actor.company_id, k).await? {
            return send_of(store, actor, sid).await;
        }
    }
    sendable(&inv)?;
    let d = draft(store, actor, id).await?;
    let mut v = Validator::new();
    let to = check_recipients(&mut v, &input.to);
    let subject = if input.subject.trim().is_empty() {
        d.subject
    } else {
        template_text(&mut v, "subject", &input.subject, SUBJECT_MAX, true)
    };
    let message = if input.message.trim().is_empty() {
        d.message
    } else {
        template_text(&mut v, "message", &input.message, BODY_MAX, false)
    };
    v.finish()?;
    let pdf = super::pdf::render_invoice(store, actor, &inv).await?;
    let send = NewSend {
        kind: SendKind::Document,
        party_id: inv.party_id,
        documents: vec![(inv.id, 0)],
        recipients: to,
        subject,
        message_id: new_message_id(),
        level: 0,
        sent_by: actor.author(),
        sent_by_name: actor.display_name.clone(),
        client_key: key.clone(),
    };
    let files = vec![Attachment {
        filename: super::pdf::file_name(&inv),
        content_type: "application/pdf".into(),
        bytes: pdf,
    }];
    let sid = write_send(store, actor, &send, &message, files).await?;
    match sid {
        Some(sid) => send_of(store, actor, sid).await,
        None => match &key {
            // A racing retry with the same key wrote it.
            Some(k) => match store.send_by_key(actor.company_id, k).await? {
                Some(sid) => send_of(store, actor, sid).await,
                None => Err(Error::conflict("the document was not sent; try again")),
            },
            None => Err(Error::conflict("the document was not sent; try again")),
        },
    }
}

/// Writes a send with its mail job (the message with `files` attached) and audit event.
pub(crate) async fn write_send<S: MailStore>(
    store: &S,
    actor: &Actor,
    send: &NewSend,
    body: &str,
    files: Vec<Attachment>,
) -> Result<Option<i64>> {
    let (first, rest) = send
        .recipients
        .split_first()
        .ok_or_else(|| Error::invalid("to", "at least one e-mail address"))?;
    let mail = Mail {
        company: Some(actor.company_id),
        to: first.clone(),
        also_to: rest.to_vec(),
        subject: send.subject.clone(),
        body: body.to_string(),
        reply_to: None,
        attachments: files,
        message_id: Some(send.message_id.clone()),
    };
    let job = mail.job()?;
    let audit = AuditDraft::by(
        actor,
        super::INVOICE,
        send.documents.first().map(|(d, _)| d.to_string()),
        if send.kind == SendKind::Reminder {
            "remind"
        } else {
            "send"
        },
        json!({
            "documents": send.documents.iter().map(|(d, l)| json!({"id": d, "level": l})).collect::<Vec<_>>(),
            "to": send.recipients, "subject": send.subject, "message_id": send.message_id,
        }),
    );
    store.insert_send(actor.company_id, send, &job, audit).await
}

/// One send, as the actor may see it.
pub async fn send_of<S: MailStore>(store: &S, actor: &Actor, id: i64) -> Result<SendRecord> {
    authorize_read(actor)?;
    let q = SendQuery {
        id: Some(id),
        ..SendQuery::default()
    };
    store
        .sends(actor.company_id, &q)
        .await?
        .items
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(Error::NotFound { entity: "send" })
}

/// The sends of a document (newest first).
pub async fn sends_of_document<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: InvoiceId,
) -> Result<Vec<SendRecord>> {
    let inv = invoices::get(store, actor, id).await?;
    if !inv.kind.is_sales() {
        return Ok(Vec::new());
    }
    let q = SendQuery {
        document: Some(id),
        paging: Paging::new(Some(crate::list::MAX_LIMIT), None),
        ..SendQuery::default()
    };
    Ok(store.sends(actor.company_id, &q).await?.items)
}

/// The company's send log.
pub async fn list<S: MailStore>(
    store: &S,
    actor: &Actor,
    q: &SendQuery,
) -> Result<Page<SendRecord>> {
    super::gate(actor, Domain::Receivables, Action::Read)?;
    super::authorize_listing(actor, q.paging, &[Domain::Receivables])?;
    store.sends(actor.company_id, q).await
}

/// Excludes a customer from reminders, or includes them again (`receivables.update`).
pub async fn set_excluded<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    party: PartyId,
    excluded: bool,
) -> Result<()> {
    super::gate(actor, Domain::Receivables, Action::Update)?;
    let p = super::parties::get(store, actor, party).await?;
    if !p.is_customer {
        return Err(Error::invalid(
            "party_id",
            "only customers are sent reminders",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        super::PARTY,
        Some(party.to_string()),
        "update",
        json!({"dunning_excluded": excluded}),
    );
    store
        .set_dunning_excluded(actor.company_id, party, excluded, audit)
        .await
}

/// Whether a customer is excluded from reminders.
pub async fn is_excluded<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    party: PartyId,
) -> Result<bool> {
    super::parties::get(store, actor, party).await?;
    Ok(store
        .dunning_excluded(actor.company_id)
        .await?
        .contains(&party))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        let out = fill(
            "{kind} {number} of {total} {other}",
            &[
                ("kind", "invoice".into()),
                ("number", "INV-1".into()),
                ("total", "10.00".into()),
            ],
        );
        assert_eq!(out, "invoice INV-1 of 10.00 {other}");
    }

    #[test]
    fn party_addresses_split_on_commas_and_semicolons() {
        assert_eq!(
            addresses(" a@x.org; b@y.org ,, "),
            vec!["a@x.org".to_string(), "b@y.org".to_string()]
        );
    }

    #[test]
    fn recipients_are_checked_by_position_and_deduplicated() {
        let mut v = Validator::new();
        let out = check_recipients(&mut v, &["a@x.org".into(), "A@x.org".into(), "nope".into()]);
        assert_eq!(out, vec!["a@x.org".to_string()]);
        let e = v.finish().expect_err("bad address");
        assert!(e.field_errors().iter().any(|f| f.field == "to[2]"));
    }
}
