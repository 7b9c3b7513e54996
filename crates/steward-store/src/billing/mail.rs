//! Billing by e-mail (see `steward_core::billing::mail` and `dunning`): the mail settings,
//! the send log with the documents each send covered, and customers excluded from
//! reminders. A send, its documents, its mail job and its audit event are one transaction;
//! the unique index on (document, level > 0) refuses a reminder level sent before, and the
//! whole send is then rolled back.
use chrono::NaiveDate;
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::billing::mail::{
    default_levels, DunningLevel, MailSettings, MailStore, NewSend, OverdueDocument, SendKind,
    SendQuery, SendRecord, SentDocument,
};
use steward_core::ids::{CompanyId, InvoiceId, PartyId};
use steward_core::jobs::{JobId, NewJob};
use steward_core::ledger::{day_from_key, day_key};
use steward_core::list::Page;
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::flag;
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

/// How a send's delivery stands, from its mail job (gone: purged after it was done).
fn delivery(row: &AnyRow) -> Result<(String, Option<String>)> {
    let job = opt_i64(row, "job_id")?;
    let status = opt_str(row, "job_status")?;
    let error = opt_str(row, "job_error")?.filter(|e| !e.is_empty());
    Ok(match (job, status.as_deref()) {
        (None, _) => ("sent".into(), None),
        (Some(_), None) | (Some(_), Some("done")) => ("sent".into(), None),
        (Some(_), Some("dead")) => ("failed".into(), error),
        (Some(_), Some(_)) if error.is_some() => ("retrying".into(), error),
        (Some(_), Some(_)) => ("queued".into(), None),
    })
}

impl MailStore for Store {
    async fn mail_settings(&self, company: CompanyId) -> Result<MailSettings> {
        let row = sqlx::query(
            "SELECT invoice_subject, invoice_body, dunning_enabled, levels, version \
             FROM billing_mail_settings WHERE company_id = $1",
        )
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = row else {
            return Ok(MailSettings::default());
        };
        let mut levels: Vec<DunningLevel> =
            serde_json::from_str(&get_str(&r, "levels")?).unwrap_or_else(|_| default_levels());
        levels.sort_by_key(|l| l.level);
        Ok(MailSettings {
            invoice_subject: get_str(&r, "invoice_subject")?,
            invoice_body: get_str(&r, "invoice_body")?,
            dunning_enabled: get_i64(&r, "dunning_enabled")? != 0,
            levels,
            version: get_i64(&r, "version")?,
        })
    }

    async fn set_mail_settings(
        &self,
        company: CompanyId,
        s: &MailSettings,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let levels = serde_json::to_string(&s.levels)
            .map_err(|e| Error::internal(format!("levels: {e}")))?;
        let mut tx = self.begin().await?;
        let r = if version == 0 {
            sqlx::query(
                "INSERT INTO billing_mail_settings (company_id, invoice_subject, invoice_body, dunning_enabled, levels, version) \
                 VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (company_id) DO NOTHING",
            )
            .bind(company.0)
            .bind(&s.invoice_subject)
            .bind(&s.invoice_body)
            .bind(flag(s.dunning_enabled))
            .bind(&levels)
            .execute(&mut *tx)
            .await
            .map_err(db)?
        } else {
            sqlx::query(
                "UPDATE billing_mail_settings SET invoice_subject = $1, invoice_body = $2, dunning_enabled = $3, \
                 levels = $4, version = version + 1 WHERE company_id = $5 AND version = $6",
            )
            .bind(&s.invoice_subject)
            .bind(&s.invoice_body)
            .bind(flag(s.dunning_enabled))
            .bind(&levels)
            .bind(company.0)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db)?
        };
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the mail settings were changed by someone else since you read them; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn send_by_key(&self, company: CompanyId, key: &str) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT id FROM billing_sends WHERE company_id = $1 AND client_key = $2")
                .bind(company.0)
                .bind(key)
                .fetch_optional(&self.read)
                .await
                .map_err(db)?;
        row.map(|r| get_i64(&r, "id")).transpose()
    }

    async fn insert_send(
        &self,
        company: CompanyId,
        send: &NewSend,
        job: &NewJob,
        mut audit: AuditDraft,
    ) -> Result<Option<i64>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO billing_sends (company_id, kind, party_id, recipients, subject, message_id, level, \
             sent_by, sent_by_name, sent_at, client_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(company.0)
        .bind(send.kind.as_str())
        .bind(send.party_id.0)
        .bind(send.recipients.join(", "))
        .bind(&send.subject)
        .bind(&send.message_id)
        .bind(send.level)
        .bind(send.sent_by.map(|u| u.0))
        .bind(&send.sent_by_name)
        .bind(Timestamp::now().0)
        .bind(send.client_key.as_deref())
        .fetch_one(&mut *tx)
        .await;
        let id = match row {
            Ok(r) => get_i64(&r, "id")?,
            // The key was used by a racing request: the caller finds its send.
            Err(e) => match db(e) {
                Error::Conflict { .. } => return Ok(None),
                e => return Err(e),
            },
        };
        for (doc, level) in &send.documents {
            let r = sqlx::query(
                "INSERT INTO billing_send_documents (send_id, document_id, level) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(doc.0)
            .bind(*level)
            .execute(&mut *tx)
            .await;
            if let Err(e) = r {
                return match db(e) {
                    // This level of this document went before: nothing is written.
                    Error::Conflict { .. } => Ok(None),
                    e => Err(e),
                };
            }
        }
        let job_id = Store::enqueue_in(&mut tx, std::slice::from_ref(job))
            .await?
            .into_iter()
            .next()
            .flatten()
            .ok_or_else(|| Error::internal("the mail job was not queued"))?;
        sqlx::query("UPDATE billing_sends SET job_id = $1 WHERE id = $2")
            .bind(job_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        audit.changes["send_id"] = serde_json::json!(id);
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(id))
    }

    async fn sends(&self, company: CompanyId, q: &SendQuery) -> Result<Page<SendRecord>> {
        let mut filter = String::from("s.company_id = $1");
        let mut n = 1;
        let mut binds: Vec<i64> = vec![company.0];
        if let Some(id) = q.id {
            n += 1;
            filter.push_str(&format!(" AND s.id = ${n}"));
            binds.push(id);
        }
        if let Some(d) = q.document {
            n += 1;
            filter.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM billing_send_documents x WHERE x.send_id = s.id AND x.document_id = ${n})"
            ));
            binds.push(d.0);
        }
        let kind = q.kind.map(|k| k.as_str());
        if kind.is_some() {
            n += 1;
            filter.push_str(&format!(" AND s.kind = ${n}"));
        }
        let count_sql = format!("SELECT COUNT(*) AS n FROM billing_sends s WHERE {filter}");
        let page_sql = format!(
            "SELECT s.id, s.kind, s.party_id, p.name AS party_name, s.recipients, s.subject, s.message_id, \
             s.level, s.job_id, s.sent_by_name, s.sent_at, j.status AS job_status, j.last_error AS job_error \
             FROM billing_sends s JOIN billing_parties p ON p.id = s.party_id \
             LEFT JOIN jobs j ON j.id = s.job_id \
             WHERE {filter} ORDER BY s.id DESC LIMIT {} OFFSET {}",
            q.paging.limit, q.paging.offset
        );
        let mut count = sqlx::query(&count_sql);
        let mut page = sqlx::query(&page_sql);
        for b in &binds {
            count = count.bind(*b);
            page = page.bind(*b);
        }
        if let Some(k) = kind {
            count = count.bind(k);
            page = page.bind(k);
        }
        let total = get_i64(&count.fetch_one(&self.read).await.map_err(db)?, "n")?;
        let rows = page.fetch_all(&self.read).await.map_err(db)?;
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| get_i64(r, "id"))
            .collect::<Result<_>>()?;
        let mut docs: Vec<(i64, SentDocument)> = Vec::new();
        if !ids.is_empty() {
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT x.send_id, x.document_id, x.level, d.number FROM billing_send_documents x \
                 JOIN billing_documents d ON d.id = x.document_id WHERE x.send_id IN ({list}) \
                 ORDER BY x.send_id, d.due_date, d.id"
            );
            for r in sqlx::query(&sql).fetch_all(&self.read).await.map_err(db)? {
                docs.push((
                    get_i64(&r, "send_id")?,
                    SentDocument {
                        id: InvoiceId(get_i64(&r, "document_id")?),
                        number: opt_str(&r, "number")?,
                        level: get_i64(&r, "level")?,
                    },
                ));
            }
        }
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let id = get_i64(&r, "id")?;
            let (status, error) = delivery(&r)?;
            items.push(SendRecord {
                id,
                kind: SendKind::parse(&get_str(&r, "kind")?)
                    .ok_or_else(|| Error::internal("unknown send kind"))?,
                party_id: PartyId(get_i64(&r, "party_id")?),
                party_name: get_str(&r, "party_name")?,
                documents: docs
                    .iter()
                    .filter(|(s, _)| *s == id)
                    .map(|(_, d)| d.clone())
                    .collect(),
                recipients: get_str(&r, "recipients")?
                    .split(", ")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                subject: get_str(&r, "subject")?,
                message_id: get_str(&r, "message_id")?,
                level: get_i64(&r, "level")?,
                job_id: opt_i64(&r, "job_id")?.map(JobId),
                status,
                error,
                sent_by: get_str(&r, "sent_by_name")?,
                sent_at: Timestamp(get_i64(&r, "sent_at")?),
            });
        }
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn overdue_documents(
        &self,
        company: CompanyId,
        as_of: NaiveDate,
    ) -> Result<Vec<OverdueDocument>> {
        let rows = sqlx::query(
            "SELECT d.id, d.number, d.party_id, p.name AS party_name, p.email AS party_email, d.currency, \
             d.total, d.due_date, \
             d.total - CAST(COALESCE((SELECT SUM(a.amount) FROM billing_allocations a \
                 WHERE a.company_id = d.company_id AND a.document_id = d.id), 0) AS BIGINT) AS open, \
             COALESCE((SELECT MAX(x.level) FROM billing_send_documents x WHERE x.document_id = d.id), 0) AS last_level \
             FROM billing_documents d JOIN billing_parties p ON p.id = d.party_id \
             WHERE d.company_id = $1 AND d.kind = 'invoice' AND d.status = 'posted' AND d.due_date < $2 \
             ORDER BY p.name, d.party_id, d.due_date, d.id",
        )
        .bind(company.0)
        .bind(day_key(as_of))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut out = Vec::new();
        for r in rows {
            let open = get_i64(&r, "open")?;
            if open <= 0 {
                continue;
            }
            out.push(OverdueDocument {
                id: InvoiceId(get_i64(&r, "id")?),
                number: opt_str(&r, "number")?.unwrap_or_default(),
                party_id: PartyId(get_i64(&r, "party_id")?),
                party_name: get_str(&r, "party_name")?,
                party_email: get_str(&r, "party_email")?,
                currency: get_str(&r, "currency")?,
                total: get_i64(&r, "total")?,
                open,
                due_date: day_from_key(get_i64(&r, "due_date")?)
                    .ok_or_else(|| Error::internal("bad due date"))?,
                last_level: get_i64(&r, "last_level")?,
            });
        }
        Ok(out)
    }

    async fn dunning_excluded(&self, company: CompanyId) -> Result<Vec<PartyId>> {
        let rows =
            sqlx::query("SELECT party_id FROM billing_dunning_exclusions WHERE company_id = $1")
                .bind(company.0)
                .fetch_all(&self.read)
                .await
                .map_err(db)?;
        rows.iter()
            .map(|r| get_i64(r, "party_id").map(PartyId))
            .collect()
    }

    async fn set_dunning_excluded(
        &self,
        company: CompanyId,
        party: PartyId,
        excluded: bool,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        if excluded {
            sqlx::query(
                "INSERT INTO billing_dunning_exclusions (company_id, party_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (company_id, party_id) DO NOTHING",
            )
            .bind(company.0)
            .bind(party.0)
            .bind(Timestamp::now().0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        } else {
            sqlx::query(
                "DELETE FROM billing_dunning_exclusions WHERE company_id = $1 AND party_id = $2",
            )
            .bind(company.0)
            .bind(party.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn dunning_companies(&self) -> Result<Vec<(CompanyId, String)>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name FROM billing_mail_settings m JOIN companies c ON c.id = m.company_id \
             WHERE m.dunning_enabled = 1 ORDER BY c.id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((CompanyId(get_i64(r, "id")?), get_str(r, "name")?)))
            .collect()
    }
}
