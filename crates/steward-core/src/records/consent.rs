//! Consent. A category may name the purpose its records serve (`setup::Category::purpose`:
//! treatment, research, marketing...; empty: its records need no consent). A subject gives
//! consent to a purpose on a day, perhaps until a day (it expires), and may withdraw it
//! (the day and the reason are kept; a consent is never deleted). The signed form can be a
//! document in the subject's file. A record whose category's purpose has no consent in
//! force for its subject is flagged in the file ([`flags`]) and in the privacy office's
//! list of records without consent ([`unconsented`]).
//!
//! Who: whoever may open the subject's file reads its consents; whoever may add records to
//! it (and the privacy office) records and withdraws them. The privacy office lists every
//! consent of the company. Each change is audited.
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use super::file::{Item, RecordStore};
use super::setup::{Category, SetupStore};
use super::subjects::{self, SubjectStore};
use super::{gate_office, CategoryId, ItemId, SubjectId};
use crate::audit::AuditDraft;
use crate::auth::Actor;
use crate::error::Validator;
use crate::ids::{CompanyId, UserId};
use crate::list::{Page, Paging};
use crate::time::Timestamp;
use crate::{Error, Result};

/// A consent (`records.consent:3`).
pub const CONSENT: &str = "records.consent";
pub const PURPOSE_MAX: usize = 100;
pub const NOTE_MAX: usize = 1000;
/// A consent in force that ends within this many days is expiring.
pub const EXPIRING_DAYS: u64 = 30;

/// The states of a consent on a day: (key, label). `active` and `expiring` are in force.
pub const STATES: &[(&str, &str)] = &[
    ("active", "In force"),
    ("expiring", "Expiring within 30 days"),
    ("expired", "Expired"),
    ("withdrawn", "Withdrawn"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ConsentId(pub i64);

impl std::fmt::Display for ConsentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A subject's consent to a purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub id: ConsentId,
    pub subject_id: SubjectId,
    /// The subject's reference and name.
    pub subject: String,
    pub purpose: String,
    pub given_on: NaiveDate,
    /// None: until withdrawn.
    pub expires_on: Option<NaiveDate>,
    pub withdrawn_on: Option<NaiveDate>,
    pub withdrawn_reason: String,
    /// The signed form: a document in the subject's file.
    pub document_id: Option<ItemId>,
    pub document_title: String,
    pub note: String,
    pub recorded_by_name: String,
    pub recorded_at: Timestamp,
    pub withdrawn_by_name: String,
    pub version: i64,
}

impl Consent {
    /// Its state on `today` (one of [`STATES`]' keys).
    pub fn state(&self, today: NaiveDate) -> &'static str {
        state_of(self.given_on, self.expires_on, self.withdrawn_on, today)
    }
    pub fn in_force(&self, today: NaiveDate) -> bool {
        in_force(self.state(today))
    }
}

/// The state of a consent given on `given`, ending after `expires`, withdrawn on
/// `withdrawn`, on `today`: withdrawn from the day of withdrawal; expired after its last
/// day; expiring when its last day is within [`EXPIRING_DAYS`]; not yet in force
/// (`pending`) before the day it was given.
pub fn state_of(
    given: NaiveDate,
    expires: Option<NaiveDate>,
    withdrawn: Option<NaiveDate>,
    today: NaiveDate,
) -> &'static str {
    if withdrawn.is_some_and(|w| w <= today) {
        "withdrawn"
    } else if given > today {
        "pending"
    } else if expires.is_some_and(|e| e < today) {
        "expired"
    } else if expires.is_some_and(|e| Some(e) <= today.checked_add_days(expiring_window())) {
        "expiring"
    } else {
        "active"
    }
}

fn expiring_window() -> chrono::Days {
    chrono::Days::new(EXPIRING_DAYS)
}

/// Whether a state is a consent in force.
pub fn in_force(state: &str) -> bool {
    matches!(state, "active" | "expiring")
}

pub fn state_label(key: &str) -> &'static str {
    STATES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or("Not yet in force")
}

/// How a purpose is compared: trimmed, spaces collapsed, lowercase ("Research " and
/// "research" are one purpose).
pub fn purpose_key(p: &str) -> String {
    p.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A consent as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentInput {
    pub purpose: String,
    /// Blank: today.
    pub given_on: String,
    /// Blank: until withdrawn.
    pub expires_on: String,
    /// A document in the subject's file (the signed form); blank: none.
    pub document_id: String,
    pub note: String,
}

/// Checked for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsent {
    pub subject_id: SubjectId,
    pub purpose: String,
    pub purpose_key: String,
    pub given_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub document_id: Option<ItemId>,
    pub note: String,
}

/// The privacy office's list.
#[derive(Debug, Clone, Default)]
pub struct ConsentQuery {
    /// One of [`STATES`]' keys on `today`; `None`: all.
    pub state: Option<String>,
    /// Part of the purpose or the subject's reference or name.
    pub search: Option<String>,
    pub today: Option<NaiveDate>,
    pub paging: Paging,
}

/// A subject's records in a category whose purpose has no consent in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unconsented {
    pub subject_id: SubjectId,
    pub subject: String,
    pub category_id: CategoryId,
    pub category: String,
    pub purpose: String,
    pub records: i64,
}

pub trait ConsentStore: Send + Sync {
    /// A subject's consents, newest given first.
    fn subject_consents(
        &self,
        company: CompanyId,
        subject: SubjectId,
    ) -> impl Future<Output = Result<Vec<Consent>>> + Send;
    fn consent(
        &self,
        company: CompanyId,
        id: ConsentId,
    ) -> impl Future<Output = Result<Option<Consent>>> + Send;
    fn insert_consent(
        &self,
        company: CompanyId,
        c: &NewConsent,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<ConsentId>> + Send;
    /// Withdraws it at `version`; one withdrawn already is a conflict.
    #[allow(clippy::too_many_arguments)]
    fn withdraw_consent(
        &self,
        company: CompanyId,
        id: ConsentId,
        on: NaiveDate,
        reason: &str,
        by: Option<UserId>,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The company's consents: expiring first by end day, then newest.
    fn consents(
        &self,
        company: CompanyId,
        q: &ConsentQuery,
    ) -> impl Future<Output = Result<Page<Consent>>> + Send;
    /// Per subject and category of `purposes` (a category and its purpose's key), how many
    /// records (not disposed of) have no consent in force on `today`; by subject reference.
    fn unconsented(
        &self,
        company: CompanyId,
        purposes: &[(CategoryId, String)],
        today: NaiveDate,
        paging: Paging,
    ) -> impl Future<Output = Result<Page<Unconsented>>> + Send;
}

/// The categories that need a consent, with their purposes' keys.
fn purposes(cats: &[Category]) -> Vec<(CategoryId, String)> {
    cats.iter()
        .filter(|c| !c.purpose.trim().is_empty())
        .map(|c| (c.id, purpose_key(&c.purpose)))
        .collect()
}

/// For each record of a file: the purpose it lacks a consent for on `today` (None: its
/// category needs none, or a consent is in force). By record id.
pub fn flags(
    items: &[Item],
    cats: &[Category],
    consents: &[Consent],
    today: NaiveDate,
) -> BTreeMap<ItemId, String> {
    let given: BTreeSet<String> = consents
        .iter()
        .filter(|c| c.in_force(today))
        .map(|c| purpose_key(&c.purpose))
        .collect();
    let by_cat: BTreeMap<CategoryId, &Category> = cats.iter().map(|c| (c.id, c)).collect();
    items
        .iter()
        .filter(|i| i.disposed_at.is_none())
        .filter_map(|i| {
            let c = by_cat.get(&i.category_id)?;
            let p = c.purpose.trim();
            (!p.is_empty() && !given.contains(&purpose_key(p))).then(|| (i.id, p.to_string()))
        })
        .collect()
}

/// A subject's consents (whoever may open its file, or the privacy office).
pub async fn of_subject<S: SubjectStore + ConsentStore>(
    store: &S,
    actor: &Actor,
    id: SubjectId,
) -> Result<Vec<Consent>> {
    let (_, access) = subjects::get(store, actor, id).await?;
    if !access.opens() && !access.manage {
        return Err(Error::NotFound { entity: "subject" });
    }
    store.subject_consents(actor.company_id, id).await
}

/// Who may record and withdraw a subject's consents: whoever may add records to its file,
/// and the privacy office (before a request's body is read, too). A subject the actor may
/// not see is not found.
pub async fn gate_write<S: SubjectStore>(store: &S, actor: &Actor, id: SubjectId) -> Result<()> {
    let (_, access) = subjects::get(store, actor, id).await?;
    if access.write || access.manage {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

fn consent_json(c: &NewConsent) -> serde_json::Value {
    json!({"subject_id": c.subject_id.0, "purpose": c.purpose,
        "given_on": c.given_on.to_string(), "expires_on": c.expires_on.map(|d| d.to_string()),
        "document_id": c.document_id.map(|d| d.0), "note": c.note})
}

/// Records a subject's consent. The purpose is required; the day given is not in the
/// future; an end day is after it; the document is one of the subject's own.
pub async fn give<S>(
    store: &S,
    actor: &Actor,
    subject: SubjectId,
    input: &ConsentInput,
) -> Result<Consent>
where
    S: SubjectStore + RecordStore + ConsentStore,
{
    gate_write(store, actor, subject).await?;
    let today = crate::time::today();
    let mut v = Validator::new();
    let purpose = v.line("purpose", &input.purpose, PURPOSE_MAX, true);
    let given_on = if input.given_on.trim().is_empty() {
        Some(today)
    } else {
        v.date("given_on", &input.given_on)
    };
    if given_on.is_some_and(|g| g > today) {
        v.push(
            "given_on",
            "a consent is recorded once given: not a future day",
        );
    }
    let expires_on = v.date("expires_on", &input.expires_on);
    if let (Some(g), Some(e)) = (given_on, expires_on) {
        if e < g {
            v.push("expires_on", "the consent would end before it was given");
        }
    }
    let document_id = match input.document_id.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(i) if i > 0 => match store.item(actor.company_id, ItemId(i)).await? {
                Some(it) if it.subject_id == subject && it.kind == "document" => Some(it.id),
                _ => {
                    v.push("document_id", "no such document in this subject's file");
                    None
                }
            },
            _ => {
                v.push("document_id", "a document's id");
                None
            }
        },
    };
    let note = v.text("note", &input.note, NOTE_MAX, false);
    v.finish()?;
    let c = NewConsent {
        subject_id: subject,
        purpose_key: purpose_key(&purpose),
        purpose,
        given_on: given_on.unwrap_or(today),
        expires_on,
        document_id,
        note,
    };
    let audit = AuditDraft::by(actor, CONSENT, None, "give", consent_json(&c));
    let id = store
        .insert_consent(actor.company_id, &c, actor.author(), audit)
        .await?;
    store
        .consent(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "consent" })
}

/// The consent, when the actor may withdraw it ([`gate_write`] on its subject); not found
/// otherwise.
pub async fn gate_withdraw<S: SubjectStore + ConsentStore>(
    store: &S,
    actor: &Actor,
    id: ConsentId,
) -> Result<Consent> {
    super::gate_reader(actor)?;
    let c = store
        .consent(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "consent" })?;
    match gate_write(store, actor, c.subject_id).await {
        Ok(()) => Ok(c),
        Err(Error::Forbidden) => {
            // Who may open the file and see the consent is told they may not change it.
            if subjects::open(store, actor, c.subject_id).await.is_ok() {
                Err(Error::Forbidden)
            } else {
                Err(Error::NotFound { entity: "consent" })
            }
        }
        Err(e) => Err(e.hidden_as("consent")),
    }
}

/// Withdraws a consent on a day (blank: today; not before it was given, not in the future)
/// with an optional reason. One withdrawn already is a conflict.
pub async fn withdraw<S: SubjectStore + ConsentStore>(
    store: &S,
    actor: &Actor,
    id: ConsentId,
    on: &str,
    reason: &str,
    version: Option<i64>,
) -> Result<Consent> {
    let c = gate_withdraw(store, actor, id).await?;
    let today = crate::time::today();
    let mut v = Validator::new();
    let day = if on.trim().is_empty() {
        Some(today)
    } else {
        v.date("withdrawn_on", on)
    };
    if day.is_some_and(|d| d > today) {
        v.push(
            "withdrawn_on",
            "a withdrawal is recorded once made: not a future day",
        );
    }
    if day.is_some_and(|d| d < c.given_on) {
        v.push("withdrawn_on", "before the consent was given");
    }
    let reason = v.text("reason", reason, NOTE_MAX, false);
    v.finish()?;
    if c.withdrawn_on.is_some() {
        return Err(Error::conflict("this consent was withdrawn already"));
    }
    let day = day.unwrap_or(today);
    let audit = AuditDraft::by(
        actor,
        CONSENT,
        Some(id.to_string()),
        "withdraw",
        json!({"subject_id": c.subject_id.0, "purpose": c.purpose,
            "withdrawn_on": day.to_string(), "reason": reason}),
    );
    store
        .withdraw_consent(
            actor.company_id,
            id,
            day,
            &reason,
            actor.author(),
            version.unwrap_or(c.version),
            audit,
        )
        .await?;
    store
        .consent(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "consent" })
}

/// Every consent of the company (the privacy office).
pub async fn list<S: ConsentStore>(
    store: &S,
    actor: &Actor,
    q: &ConsentQuery,
) -> Result<Page<Consent>> {
    gate_office(actor)?;
    if let Some(s) = &q.state {
        if !STATES.iter().any(|(k, _)| k == s) {
            return Err(Error::invalid(
                "state",
                "active, expiring, expired or withdrawn",
            ));
        }
    }
    let mut q = q.clone();
    q.today.get_or_insert_with(crate::time::today);
    store.consents(actor.company_id, &q).await
}

/// The records without a consent in force, per subject and category (the privacy office).
pub async fn unconsented<S: ConsentStore + SetupStore>(
    store: &S,
    actor: &Actor,
    paging: Paging,
) -> Result<Page<Unconsented>> {
    gate_office(actor)?;
    let cats = store.record_categories(actor.company_id).await?;
    store
        .unconsented(
            actor.company_id,
            &purposes(&cats),
            crate::time::today(),
            paging,
        )
        .await
}

/// How many consents in force end within [`EXPIRING_DAYS`] (the dashboard tile).
pub async fn expiring_count<S: ConsentStore>(store: &S, company: CompanyId) -> Result<u64> {
    Ok(store
        .consents(
            company,
            &ConsentQuery {
                state: Some("expiring".into()),
                today: Some(crate::time::today()),
                paging: Paging::new(Some(1), None),
                ..ConsentQuery::default()
            },
        )
        .await?
        .total)
}

/// The row of a consent in an export.
pub fn export_row(c: &Consent, today: NaiveDate) -> Vec<String> {
    vec![
        c.subject.clone(),
        c.purpose.clone(),
        state_label(c.state(today)).to_string(),
        c.given_on.to_string(),
        c.expires_on.map(|d| d.to_string()).unwrap_or_default(),
        c.withdrawn_on.map(|d| d.to_string()).unwrap_or_default(),
        c.withdrawn_reason.clone(),
        c.recorded_by_name.clone(),
    ]
}

pub const EXPORT_HEADER: &[&str] = &[
    "Subject",
    "Purpose",
    "State",
    "Given on",
    "Expires on",
    "Withdrawn on",
    "Withdrawal reason",
    "Recorded by",
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a day")
    }

    #[test]
    fn a_consent_is_in_force_from_the_day_given_to_its_last_day() {
        let g = day("2026-01-10");
        let e = Some(day("2026-06-30"));
        assert_eq!(state_of(g, e, None, day("2026-01-09")), "pending");
        assert_eq!(state_of(g, e, None, day("2026-01-10")), "active");
        assert_eq!(state_of(g, e, None, day("2026-05-31")), "expiring");
        assert_eq!(state_of(g, e, None, day("2026-05-30")), "active");
        assert_eq!(state_of(g, e, None, day("2026-06-30")), "expiring");
        assert_eq!(state_of(g, e, None, day("2026-07-01")), "expired");
        let w = Some(day("2026-03-01"));
        assert_eq!(state_of(g, e, w, day("2026-02-28")), "active");
        assert_eq!(state_of(g, e, w, day("2026-03-01")), "withdrawn");
        assert_eq!(state_of(g, None, None, day("2099-01-01")), "active");
    }

    #[test]
    fn purposes_compare_by_their_words() {
        assert_eq!(purpose_key("  Clinical   Research "), "clinical research");
        assert_eq!(purpose_key("ÉTUDE"), "étude");
    }

    proptest! {
        /// The state agrees with the definition of "in force" on every day: given on or
        /// before it, not withdrawn on or before it, not past its last day.
        #[test]
        fn in_force_is_exactly_the_consented_days(
            g in 0i64..400, e in proptest::option::of(0i64..400),
            w in proptest::option::of(0i64..400), t in 0i64..400,
        ) {
            let base = day("2026-01-01");
            let at = |n: i64| base + chrono::Duration::days(n);
            let (given, expires, withdrawn, today) =
                (at(g), e.map(at), w.map(at), at(t));
            let expected = given <= today
                && withdrawn.is_none_or(|w| w > today)
                && expires.is_none_or(|e| e >= today);
            let s = state_of(given, expires, withdrawn, today);
            prop_assert_eq!(in_force(s), expected, "state {}", s);
            if s == "expiring" {
                let e = expires.expect("an end day");
                prop_assert!((e - today).num_days() <= EXPIRING_DAYS as i64);
            }
        }
    }
}
