//! Full-text search across the records' titles, notes and the text of text documents
//! (SQLite FTS5, PostgreSQL `tsvector`). Both databases get the same words: Steward folds a
//! text itself ([`words`]: compatibility decomposition, accents dropped, lowercase, split at
//! anything not a letter or a digit) and each database only indexes those words, so a query
//! matches the same records on either. A query is every word of it (the last one also as
//! the start of a word when it has [`PREFIX_MIN`] characters or more: "hyperten" finds
//! "hypertension"), at most [`QUERY_WORDS`] words.
//!
//! A search never reveals a record the caller may not open: the store narrows the matches to
//! the subjects the caller opens (company-wide readers, owners, assignments, an open
//! break-glass: the same rule as the subjects list, without the privacy office's headers)
//! and leaves out sensitive categories without `records_sensitive.read`, in the query, before
//! anything is ranked or cut. Each subject a result shows is logged in the access log (one
//! row per subject, action `search`) and the search is one audit event.
use std::future::Future;

use serde::Serialize;
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

use super::subjects::Visibility;
use super::{reads_all, reads_sensitive, CategoryId, ItemId, SubjectId, ACCESS};
use crate::audit::AuditDraft;
use crate::auth::Actor;
use crate::ids::CompanyId;
use crate::time::Timestamp;
use crate::{Error, Result};

/// A query's words, at most.
pub const QUERY_WORDS: usize = 8;
/// A query, at most (characters).
pub const QUERY_MAX: usize = 200;
/// The last word of a query is also a prefix from this many characters (a single letter
/// is a word: "a prefix of everything" finds nothing useful and reads the whole index).
pub const PREFIX_MIN: usize = 2;
/// A word, at most (characters): longer runs are not words anyone types.
pub const WORD_MAX: usize = 64;
/// The text indexed per record, at most (bytes of folded words).
pub const INDEX_MAX: usize = 256 * 1024;
/// Results per search, at most.
pub const LIMIT_MAX: u32 = 100;
/// The characters of a snippet on each side of the first word found.
const SNIPPET_SIDE: usize = 80;

/// The folded words of a text, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |w: &mut String, out: &mut Vec<String>| {
        if !w.is_empty() {
            if w.chars().count() <= WORD_MAX {
                out.push(std::mem::take(w));
            } else {
                w.clear();
            }
        }
    };
    for c in text.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut out);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// What a record's index holds: its title's and text's words, space-separated, at most
/// [`INDEX_MAX`] bytes.
pub fn index_text(title: &str, text: &str) -> String {
    let mut out = String::new();
    for w in words(title).into_iter().chain(words(text)) {
        if out.len() + w.len() + 1 > INDEX_MAX {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w);
    }
    out
}

/// The text of an uploaded document worth indexing: plain text (CSV included) as UTF-8.
/// Other types index their title alone.
pub fn document_text(content_type: &str, bytes: &[u8]) -> String {
    if content_type == "text/plain" {
        String::from_utf8_lossy(&bytes[..bytes.len().min(INDEX_MAX * 4)]).into_owned()
    } else {
        String::new()
    }
}

/// A query checked: its folded words (the last one a prefix too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms(pub Vec<String>);

impl Terms {
    /// The words of `q`: none is 422 on `q`, as more than [`QUERY_WORDS`] words or
    /// [`QUERY_MAX`] characters are.
    pub fn parse(q: &str) -> Result<Terms> {
        if q.chars().count() > QUERY_MAX {
            return Err(Error::invalid(
                "q",
                format!("at most {QUERY_MAX} characters"),
            ));
        }
        let w = words(q);
        if w.is_empty() {
            return Err(Error::invalid("q", "type a word to look for"));
        }
        if w.len() > QUERY_WORDS {
            return Err(Error::invalid("q", format!("at most {QUERY_WORDS} words")));
        }
        Ok(Terms(w))
    }

    /// Whether word `i` is also a prefix (the last, long enough).
    fn is_prefix(&self, i: usize) -> bool {
        i + 1 == self.0.len() && self.0[i].chars().count() >= PREFIX_MIN
    }

    /// The FTS5 query: each word quoted, all required, the last also a prefix.
    pub fn fts5(&self) -> String {
        self.0
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if self.is_prefix(i) {
                    format!("\"{w}\"*")
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The `to_tsquery('simple', …)` text: each word quoted, all required, the last also a
    /// prefix. Words hold letters and digits only.
    pub fn tsquery(&self) -> String {
        self.0
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if self.is_prefix(i) {
                    format!("'{w}':*")
                } else {
                    format!("'{w}'")
                }
            })
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

/// A record found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    pub item_id: ItemId,
    pub subject_id: SubjectId,
    /// The subject's reference and name.
    pub subject: String,
    pub category_id: CategoryId,
    pub category: String,
    /// `note` or `document`.
    pub kind: String,
    pub title: String,
    /// Around the first word found in a note's text (empty for a document).
    pub snippet: String,
    pub created_at: Timestamp,
}

/// What the store reads for a search.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub terms: Terms,
    /// Whose subjects: `all` reads every file of the company.
    pub who: Visibility,
    /// Whether records in sensitive categories are searched.
    pub sensitive: bool,
    pub limit: u32,
}

pub trait SearchStore: Send + Sync {
    /// The best matches (by rank, then newest) the caller may open, each with its note's
    /// text (the snippet is cut from it).
    fn search_records(
        &self,
        company: CompanyId,
        q: &SearchQuery,
    ) -> impl Future<Output = Result<Vec<Hit>>> + Send;
    /// One access-log row (`search`) per subject shown, and the audit event, in one
    /// transaction.
    fn log_search(
        &self,
        company: CompanyId,
        user: Option<crate::ids::UserId>,
        subjects: &[SubjectId],
        what: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// The part of `text` around the first of `terms` found (whole text when short).
pub fn snippet(text: &str, terms: &Terms) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // The lowercase text, and for each of its bytes the character of `flat` it came from
    // (lowercasing may change a character's length).
    let mut lower = String::with_capacity(flat.len());
    let mut from = Vec::with_capacity(flat.len());
    for (n, c) in flat.chars().enumerate() {
        lower.extend(c.to_lowercase());
        from.resize(lower.len(), n);
    }
    let pos = terms
        .0
        .iter()
        .filter_map(|w| lower.find(w.as_str()))
        .min()
        .and_then(|at| from.get(at).copied())
        .unwrap_or(0);
    let chars: Vec<char> = flat.chars().collect();
    let start = pos.saturating_sub(SNIPPET_SIDE);
    let end = (pos + SNIPPET_SIDE).min(chars.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// Searches the records the actor may open. `q` as typed; `limit` at most [`LIMIT_MAX`].
/// The subjects shown are logged.
pub async fn search<S: SearchStore>(
    store: &S,
    actor: &Actor,
    q: &str,
    limit: Option<u32>,
) -> Result<Vec<Hit>> {
    super::gate_reader(actor)?;
    let terms = Terms::parse(q)?;
    let mut who = Visibility::of(actor);
    // The privacy office sees every subject's header, not every file.
    who.all = reads_all(actor);
    let query = SearchQuery {
        terms,
        who,
        sensitive: reads_sensitive(actor),
        limit: limit.unwrap_or(50).clamp(1, LIMIT_MAX),
    };
    let mut hits = store.search_records(actor.company_id, &query).await?;
    for h in &mut hits {
        if !h.snippet.is_empty() {
            h.snippet = snippet(&h.snippet, &query.terms);
        }
    }
    let mut subjects: Vec<SubjectId> = hits.iter().map(|h| h.subject_id).collect();
    subjects.sort();
    subjects.dedup();
    if !subjects.is_empty() {
        let what = format!("search results ({} records)", hits.len());
        let audit = AuditDraft::by(
            actor,
            ACCESS,
            None,
            "search",
            json!({"words": query.terms.0, "records": hits.len(),
                "subjects": subjects.iter().map(|s| s.0).collect::<Vec<_>>()}),
        );
        store
            .log_search(actor.company_id, actor.author(), &subjects, &what, audit)
            .await?;
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_are_folded_alike() {
        assert_eq!(
            words("Café au LAIT, naïve ﬁancé: Straße 12-b"),
            ["cafe", "au", "lait", "naive", "fiance", "straße", "12", "b"]
        );
        assert_eq!(words("  "), Vec::<String>::new());
        assert!(words(&"x".repeat(65)).is_empty(), "no word is that long");
    }

    #[test]
    fn queries_are_words_and_a_prefix() {
        let t = Terms::parse("Blood  pressure hyperten").expect("terms");
        assert_eq!(t.fts5(), "\"blood\" AND \"pressure\" AND \"hyperten\"*");
        assert_eq!(t.tsquery(), "'blood' & 'pressure' & 'hyperten':*");
        assert_eq!(
            Terms::parse("vitamin d").expect("terms").fts5(),
            "\"vitamin\" AND \"d\""
        );
        for bad in ["", " ,; ", "a b c d e f g h i"] {
            let e = Terms::parse(bad).expect_err(bad);
            assert_eq!(e.field_errors()[0].field, "q");
        }
        assert!(Terms::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn a_snippet_is_around_the_first_word_found() {
        let long = format!(
            "{} Blood pressure 128/82. {}",
            "x ".repeat(100),
            "y ".repeat(100)
        );
        let t = Terms::parse("pressure").expect("terms");
        let s = snippet(&long, &t);
        assert!(
            s.starts_with('…') && s.ends_with('…') && s.contains("Blood pressure 128/82"),
            "{s}"
        );
        assert_eq!(snippet("Short note", &t), "Short note");
    }

    proptest! {
        /// Whatever is typed, the query texts hold only the words' letters and digits and
        /// the operators: nothing typed reaches either database's query syntax.
        #[test]
        fn nothing_typed_escapes_the_query(q in "\\PC{0,60}") {
            if let Ok(t) = Terms::parse(&q) {
                for w in &t.0 {
                    prop_assert!(!w.is_empty() && w.chars().all(char::is_alphanumeric), "{:?}", w);
                }
                let fts = t.fts5();
                prop_assert_eq!(fts.matches('"').count(), 2 * t.0.len());
            }
        }

        /// A snippet never panics, and holds the word it was cut around.
        #[test]
        fn snippets_hold_the_word(pre in "\\PC{0,200}", post in "\\PC{0,200}") {
            let text = format!("{pre} zebra {post}");
            let t = Terms::parse("zebra").expect("terms");
            let s = snippet(&text, &t);
            prop_assert!(s.to_lowercase().contains("zebra"), "{}", s);
        }
    }
}
