//! Anonymizing a subject (a right-to-erasure request, issue 19 item 6), keeping what the law
//! still requires. The privacy office (with `records.approve`) first reads the plan, then
//! confirms it with a reason:
//!
//! - A subject under a legal hold is not anonymized at all (the hold stops disposal and
//!   deletion until it is released): refused naming the hold.
//! - Each record still in the file is either **kept** or **disposed of**. Kept: its
//!   category is on hold, or its category's retention period has not run out (counted from
//!   its event as the retention job counts it; a period counted from the end of a
//!   relationship that has not ended has not started). Disposed of: everything else, as a
//!   disposal is (the content and every version's bytes deleted, a tombstone kept with who
//!   and when; backups made after it no longer hold them).
//! - The subject's identity goes: the reference becomes `ANON-<id>`, the name
//!   [`ANONYMIZED_NAME`], the custom values are emptied, and consents' notes cleared. What is
//!   kept stays in the (anonymized) file until its own retention disposes of it; the access
//!   log and the audit trail keep what they recorded (who opened the file, and when).
//!
//! The plan is computed again inside the write, so a hold placed meanwhile still stops it.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::file::{Item, RecordStore};
use super::retention::{due_on, gate_decide, Hold, RetentionStore, HIDDEN_TITLE};
use super::setup::{Category, SetupStore};
use super::subjects::{Subject, SubjectStore};
use super::{reads_sensitive, ItemId, SubjectId, SUBJECT};
use crate::audit::AuditDraft;
use crate::auth::Actor;
use crate::error::Validator;
use crate::{Error, Result};

/// The name an anonymized subject is shown by.
pub const ANONYMIZED_NAME: &str = "Anonymized";
/// The reason's length, at most.
pub const REASON_MAX: usize = 1000;

/// A record in the plan: what becomes of it, and why it is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planned {
    pub item_id: ItemId,
    /// The title ([`HIDDEN_TITLE`] for a sensitive record without the grant).
    pub title: String,
    pub category: String,
    pub kind: String,
    /// Why it is kept (empty for a record disposed of).
    pub kept_because: String,
}

/// What anonymizing the subject would do (or did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub subject_id: SubjectId,
    /// The reference and name as they are now (as they were, after).
    pub subject: String,
    /// The reference it gets.
    pub reference: String,
    pub dispose: Vec<Planned>,
    pub keep: Vec<Planned>,
    /// Whether it was anonymized already (nothing more to do).
    pub done: bool,
}

/// The reference an anonymized subject gets.
pub fn anonymized_reference(id: SubjectId) -> String {
    format!("ANON-{}", id.0)
}

/// Why `item` must be kept on `today`, or `None` when it may go. `last_activity`: the day of
/// the subject's newest record.
pub fn kept_because(
    item: &Item,
    category: Option<&Category>,
    subject: &Subject,
    holds: &[Hold],
    last_activity: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<String> {
    if let Some(h) = holds
        .iter()
        .find(|h| h.released_at.is_none() && h.category_id == Some(item.category_id))
    {
        return Some(format!("its category is on legal hold ({})", h.reason));
    }
    let c = category?;
    let months = u32::try_from(c.retention_months?).ok()?;
    let event = match c.retention_from.as_str() {
        "last_activity" => last_activity,
        "relationship_end" => match subject.ended_on {
            Some(d) => Some(d),
            None => {
                return Some(format!(
                    "kept {months} months from the end of the relationship, which has not ended"
                ))
            }
        },
        _ => Some(item.created_at.to_datetime().date_naive()),
    }?;
    let until = due_on(event, months);
    (until > today).then(|| format!("its retention period runs until {until}"))
}

/// The plan for `subject` on `today`, with the subject and the records to dispose of.
async fn make_plan<S>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
    today: NaiveDate,
) -> Result<(Plan, Subject, Vec<Hold>)>
where
    S: SubjectStore + SetupStore + RecordStore + RetentionStore,
{
    gate_decide(actor)?;
    let subject = store
        .subject(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "subject" })?;
    let holds = store.holds(actor.company_id, true).await?;
    let categories = store.record_categories(actor.company_id).await?;
    let items = store.items(actor.company_id, id).await?;
    let last_activity = items
        .iter()
        .map(|i| i.created_at.to_datetime().date_naive())
        .max();
    let sensitive = reads_sensitive(actor);
    let mut plan = Plan {
        subject_id: id,
        subject: format!("{} {}", subject.reference, subject.name),
        reference: anonymized_reference(id),
        dispose: Vec::new(),
        keep: Vec::new(),
        done: subject.anonymized_at.is_some(),
    };
    for item in items.iter().filter(|i| i.disposed_at.is_none()) {
        let category = categories.iter().find(|c| c.id == item.category_id);
        let why = kept_because(item, category, &subject, &holds, last_activity, today);
        let planned = Planned {
            item_id: item.id,
            title: if item.sensitive && !sensitive {
                HIDDEN_TITLE.to_string()
            } else {
                item.title.clone()
            },
            category: item.category.clone(),
            kind: item.kind.clone(),
            kept_because: why.clone().unwrap_or_default(),
        };
        match why {
            Some(_) => plan.keep.push(planned),
            None => plan.dispose.push(planned),
        }
    }
    Ok((plan, subject, holds))
}

/// What anonymizing the subject would do today (the privacy office).
pub async fn plan<S>(store: &S, actor: &Actor, id: SubjectId) -> Result<Plan>
where
    S: SubjectStore + SetupStore + RecordStore + RetentionStore,
{
    Ok(make_plan(store, actor, id, crate::time::today()).await?.0)
}

/// The subject's hold in force, if any.
fn subject_hold(holds: &[Hold], id: SubjectId) -> Option<&Hold> {
    holds
        .iter()
        .find(|h| h.released_at.is_none() && h.subject_id == Some(id))
}

/// Anonymizes the subject (the privacy office, giving a reason): refused while the subject
/// is on legal hold, or when it was anonymized already. The plan carried out.
pub async fn anonymize<S, F>(
    store: &S,
    files: &F,
    actor: &Actor,
    id: SubjectId,
    reason: &str,
) -> Result<Plan>
where
    S: SubjectStore + SetupStore + RecordStore + RetentionStore,
    F: crate::files::FileStore + ?Sized,
{
    let mut v = Validator::new();
    let reason = v.text("reason", reason, REASON_MAX, true);
    v.finish()?;
    let (plan, subject, holds) = make_plan(store, actor, id, crate::time::today()).await?;
    if plan.done {
        return Err(Error::conflict("this subject was anonymized already"));
    }
    if let Some(h) = subject_hold(&holds, id) {
        return Err(Error::conflict(format!(
            "this subject is under a legal hold ({}): release it before anonymizing",
            h.reason
        )));
    }
    let dispose: Vec<ItemId> = plan.dispose.iter().map(|p| p.item_id).collect();
    let audit = AuditDraft::by(
        actor,
        SUBJECT,
        Some(id.0.to_string()),
        "anonymize",
        json!({"reason": reason, "reference": plan.reference,
            "disposed": dispose.iter().map(|i| i.0).collect::<Vec<_>>(),
            "kept": plan.keep.iter().map(|p| p.item_id.0).collect::<Vec<_>>()}),
    );
    let keys = store
        .anonymize_subject(
            actor.company_id,
            id,
            &plan.reference,
            &dispose,
            actor.author(),
            subject.version,
            audit,
        )
        .await?;
    for k in keys {
        // The index rows are gone: bytes left behind are unreachable; log and go on.
        if let Err(e) = files.delete(&k).await {
            tracing::warn!(error = %e, "could not delete an anonymized record's bytes");
        }
    }
    Ok(Plan { done: true, ..plan })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CompanyId, UserId};
    use crate::records::{CategoryId, KindId};
    use crate::time::Timestamp;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("day")
    }

    fn item(category: i64, made: NaiveDate) -> Item {
        Item {
            id: ItemId(1),
            subject_id: SubjectId(1),
            category_id: CategoryId(category),
            category: "C".into(),
            sensitive: false,
            kind: "note".into(),
            title: "t".into(),
            body: String::new(),
            created_by_name: String::new(),
            created_at: Timestamp::start_of(made),
            disposed_at: None,
            versions: Vec::new(),
        }
    }

    fn category(months: Option<i64>, from: &str) -> Category {
        Category {
            id: CategoryId(1),
            name: "C".into(),
            sensitive: false,
            retention_months: months,
            retention_from: from.into(),
            purpose: String::new(),
            version: 1,
        }
    }

    fn subject(ended: Option<NaiveDate>) -> Subject {
        Subject {
            id: SubjectId(1),
            company_id: CompanyId(1),
            kind_id: KindId(1),
            kind_name: "Patient".into(),
            reference: "P-1".into(),
            name: "Ada".into(),
            custom: Default::default(),
            owner_id: Some(UserId(1)),
            owner_name: String::new(),
            ended_on: ended,
            created_at: Timestamp(0),
            anonymized_at: None,
            version: 1,
        }
    }

    #[test]
    fn kept_while_retention_runs_or_a_hold_covers_the_category() {
        let today = day(2026, 6, 1);
        let s = subject(None);
        let made = day(2020, 1, 10);
        // No retention period: nothing requires it.
        assert_eq!(
            kept_because(
                &item(1, made),
                Some(&category(None, "record_created")),
                &s,
                &[],
                None,
                today
            ),
            None
        );
        // Ten years from when it was made: kept until 2030.
        let why = kept_because(
            &item(1, made),
            Some(&category(Some(120), "record_created")),
            &s,
            &[],
            None,
            today,
        );
        assert_eq!(
            why.as_deref(),
            Some("its retention period runs until 2030-01-10")
        );
        // Two years: ran out in 2022.
        assert_eq!(
            kept_because(
                &item(1, made),
                Some(&category(Some(24), "record_created")),
                &s,
                &[],
                None,
                today
            ),
            None
        );
        // From the end of a relationship that has not ended: kept.
        assert!(kept_because(
            &item(1, made),
            Some(&category(Some(24), "relationship_end")),
            &s,
            &[],
            None,
            today
        )
        .is_some());
        // Ended long ago: may go; ended last month: kept.
        let ended = subject(Some(day(2021, 1, 1)));
        assert_eq!(
            kept_because(
                &item(1, made),
                Some(&category(Some(24), "relationship_end")),
                &ended,
                &[],
                None,
                today
            ),
            None
        );
        let recent = subject(Some(day(2026, 5, 1)));
        assert!(kept_because(
            &item(1, made),
            Some(&category(Some(24), "relationship_end")),
            &recent,
            &[],
            None,
            today
        )
        .is_some());
        // From the last activity, not the record's own day.
        assert!(kept_because(
            &item(1, made),
            Some(&category(Some(24), "last_activity")),
            &s,
            &[],
            Some(day(2026, 1, 1)),
            today
        )
        .is_some());
    }
}
