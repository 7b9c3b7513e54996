//! Balance assertions checked while streaming, with memory only for asserted accounts.
//!
//! hledger's `=` asserts the balance of one commodity in an account *after* its posting,
//! counting postings in date order and, within a date, in parse order; `==` also
//! asserts that no other commodity is held. Beancount's `balance` asserts the balance at
//! the *start* of its date. Dates may be out of order in the file, so a running balance
//! is not enough: each asserted (account, commodity) pair keeps its assertions sorted by
//! position and a Fenwick tree over them; a posting adds its amount to every assertion
//! at or after its position in O(log n).

use chrono::NaiveDate;

use super::names::{FnvMap, Names};
use super::{balance::format_amount, AccountId, CommodityId, Decimal, JournalError, Transaction};

/// Position of a posting or an assertion: (days since the epoch, transaction sequence,
/// posting index). Beancount `balance` uses sequence 0, before every transaction.
type Key = (i32, u64, u32);

struct Record {
    key: Key,
    account: AccountId,
    commodity: CommodityId,
    expected: Decimal,
    total: bool,
    file: u32,
    line: u32,
    /// Beancount compares within half a unit of the expected amount's last decimal.
    tolerant: bool,
}

#[derive(Default)]
struct PairTree {
    /// (key, record index, expected in this commodity)
    entries: Vec<(Key, usize, Decimal)>,
    tree: Vec<Decimal>,
}

/// Checks every balance assertion of a journal in two passes. See the module docs of
/// [`super`]: learn in pass 1, feed in pass 2, then [`AssertionChecker::finish`].
/// `seq` numbers transactions from 1 in reading order and must be the same in both passes.
#[derive(Default)]
pub struct AssertionChecker {
    records: Vec<Record>,
    files: Vec<String>,
    seen_pairs: FnvMap<(AccountId, CommodityId), ()>,
    pairs: FnvMap<(AccountId, CommodityId), PairTree>,
    prepared: bool,
    overflow: bool,
}

fn days(d: NaiveDate) -> i32 {
    d.signed_duration_since(NaiveDate::default())
        .num_days()
        .try_into()
        .unwrap_or(i32::MAX)
}

impl AssertionChecker {
    /// An empty checker.
    pub fn new() -> AssertionChecker {
        AssertionChecker::default()
    }

    fn file_index(&mut self, file: &str) -> u32 {
        if self.files.last().map(String::as_str) != Some(file) {
            if let Some(i) = self.files.iter().position(|f| f == file) {
                return u32::try_from(i).unwrap_or(0);
            }
            self.files.push(file.to_string());
        }
        u32::try_from(self.files.len().saturating_sub(1)).unwrap_or(0)
    }

    /// Pass 1: learns the assertions of a transaction (and which commodities each
    /// account holds, for `==`). `file` is the display name of its file.
    pub fn learn_transaction(&mut self, tx: &Transaction, seq: u64, file: &str) {
        for (i, p) in tx.postings.iter().enumerate() {
            if let Some(a) = p.amount {
                self.seen_pairs.insert((p.account, a.commodity), ());
            }
            if let Some(asr) = p.assertion {
                let file = self.file_index(file);
                self.records.push(Record {
                    key: (days(tx.date), seq, u32::try_from(i).unwrap_or(u32::MAX)),
                    account: p.account,
                    commodity: asr.amount.commodity,
                    expected: asr.amount.quantity,
                    total: asr.total,
                    file,
                    line: p.line,
                    tolerant: false,
                });
                self.seen_pairs
                    .insert((p.account, asr.amount.commodity), ());
            }
        }
    }

    /// Pass 1: learns a Beancount `balance` (balance at the start of `date`).
    pub fn learn_balance(
        &mut self,
        date: NaiveDate,
        account: AccountId,
        commodity: CommodityId,
        expected: Decimal,
        file: &str,
        line: u32,
    ) {
        let file = self.file_index(file);
        self.records.push(Record {
            key: (days(date), 0, 0),
            account,
            commodity,
            expected,
            total: false,
            file,
            line,
            tolerant: true,
        });
        self.seen_pairs.insert((account, commodity), ());
    }

    /// Number of assertions learned.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no assertion was learned.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn prepare(&mut self) {
        if self.prepared {
            return;
        }
        self.prepared = true;
        for (idx, r) in self.records.iter().enumerate() {
            self.pairs
                .entry((r.account, r.commodity))
                .or_default()
                .entries
                .push((r.key, idx, r.expected));
            if r.total {
                for (a, c) in self.seen_pairs.keys() {
                    if *a == r.account && *c != r.commodity {
                        self.pairs.entry((*a, *c)).or_default().entries.push((
                            r.key,
                            idx,
                            Decimal::ZERO,
                        ));
                    }
                }
            }
        }
        self.seen_pairs = FnvMap::default();
        for t in self.pairs.values_mut() {
            t.entries.sort_by_key(|e| (e.0, e.1));
            t.tree = vec![Decimal::ZERO; t.entries.len()];
        }
    }

    /// Pass 2: feeds one posting.
    pub fn feed(
        &mut self,
        date: NaiveDate,
        seq: u64,
        posting_index: u32,
        account: AccountId,
        commodity: CommodityId,
        amount: Decimal,
    ) {
        self.prepare();
        let Some(t) = self.pairs.get_mut(&(account, commodity)) else {
            return;
        };
        let key = (days(date), seq, posting_index);
        // Every assertion at or after this posting includes it.
        let mut i = t.entries.partition_point(|e| e.0 < key) + 1;
        while i <= t.tree.len() {
            match t.tree[i - 1].checked_add(amount) {
                Some(v) => t.tree[i - 1] = v,
                None => self.overflow = true,
            }
            i += i & i.wrapping_neg();
        }
    }

    /// Pass 2: feeds every posting of a transaction.
    pub fn feed_transaction(&mut self, tx: &Transaction, seq: u64) {
        if self.records.is_empty() {
            return;
        }
        for (i, p) in tx.postings.iter().enumerate() {
            if let Some(a) = p.amount {
                self.feed(
                    tx.date,
                    seq,
                    u32::try_from(i).unwrap_or(u32::MAX),
                    p.account,
                    a.commodity,
                    a.quantity,
                );
            }
        }
    }

    /// After pass 2: the first failing assertion (in date order), if any.
    pub fn finish(&mut self, names: &Names) -> Result<(), JournalError> {
        self.prepare();
        let mut worst: Option<(Key, JournalError)> = None;
        for ((_, commodity), t) in &self.pairs {
            for (pos, (key, idx, expected)) in t.entries.iter().enumerate() {
                let mut actual = Decimal::ZERO;
                let mut i = pos + 1;
                while i > 0 {
                    actual = actual.checked_add(t.tree[i - 1]).unwrap_or(actual);
                    i -= i & i.wrapping_neg();
                }
                let Some(r) = self.records.get(*idx) else {
                    continue;
                };
                let ok = if r.tolerant {
                    let diff = actual.checked_sub(*expected).and_then(Decimal::checked_abs);
                    let tol =
                        Decimal::new(5, expected.scale().saturating_add(1)).unwrap_or_default();
                    diff.is_some_and(|d| d <= tol)
                } else {
                    actual == *expected
                };
                if ok || worst.as_ref().is_some_and(|w| w.0 <= *key) {
                    continue;
                }
                let message = if *commodity == r.commodity {
                    format!(
                        "balance assertion failed: expected {}, was {}",
                        format_amount(names, r.commodity, *expected),
                        format_amount(names, r.commodity, actual)
                    )
                } else {
                    format!(
                        "balance assertion failed (==): expected no {} in {}, was {}",
                        names.commodity(*commodity),
                        names.account(r.account),
                        format_amount(names, *commodity, actual)
                    )
                };
                let file = self.files.get(r.file as usize).cloned().unwrap_or_default();
                worst = Some((
                    *key,
                    JournalError {
                        file,
                        line: r.line,
                        message,
                    },
                ));
            }
        }
        if let Some((_, e)) = worst {
            return Err(e);
        }
        if self.overflow {
            return Err(JournalError {
                file: self.files.first().cloned().unwrap_or_default(),
                line: 0,
                message: "balance too large to check".into(),
            });
        }
        Ok(())
    }
}
