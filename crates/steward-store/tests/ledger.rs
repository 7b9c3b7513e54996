//! The ledger store on both databases: accounts, gap-free numbers, stored balances against
//! the postings, closed periods, idempotent and concurrent posting, drafts, the database's
//! immutability triggers, account ledgers, bulk import (all or nothing) and export paging.
use crate::common;

use chrono::NaiveDate;
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;
use steward_core::audit::{AuditDraft, AuditStore};
use steward_core::ids::{AccountId, CommodityId, CompanyId, DepartmentId, EntryId, JournalId};
use steward_core::ledger::{
    AccountName, AccountQuery, AccountStore, AccountType, AccountUpdate, BalanceQuery, BalanceRow,
    BookStore, EntryQuery, EntrySort, EntrySource, EntryStatus, EntryStore, ImportIds, ImportSetup,
    ImportStore, JournalKind, LedgerSettings, Line, NewAccount, NewEntry, NewRate, PeriodStatus,
    PeriodStore, ReportStore,
};
use steward_core::list::{Paging, SortDir};
use steward_core::{Error, Result};
use steward_store::Store;

use common::{world, TestDb};

// Bulk import, export paging and the import benchmark.
#[path = "ledger/import.rs"]
mod import;

fn audit(c: CompanyId, entity: &str, action: &str) -> AuditDraft {
    AuditDraft::system("test", None, entity, None, action, json!({})).in_company(c)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn line(account: AccountId, commodity: CommodityId, amount: i64) -> Line {
    Line {
        account_id: account,
        account: String::new(),
        commodity_id: commodity,
        commodity: String::new(),
        amount,
        cost: None,
        department_id: None,
        project: String::new(),
        memo: String::new(),
    }
}

fn entry(journal: JournalId, date: &str, description: &str, lines: Vec<Line>) -> NewEntry {
    NewEntry {
        journal_id: journal,
        date: day(date),
        reference: String::new(),
        description: description.to_string(),
        comment: String::new(),
        lines,
        client_key: None,
        reverses: None,
    }
}

/// A company with EUR and USD, a general and a bank journal, and a small chart.
struct Books {
    eur: CommodityId,
    usd: CommodityId,
    gj: JournalId,
    bj: JournalId,
    bank: AccountId,
    cash: AccountId,
    sales: AccountId,
    office: AccountId,
}

fn new_account(name: &str, code: Option<&str>) -> NewAccount {
    let name = AccountName::parse(name).expect("account name");
    NewAccount {
        kind: AccountType::from_name(name.as_str()).unwrap_or(AccountType::Asset),
        name,
        code: code.map(str::to_string),
        commodity_id: None,
        description: String::new(),
    }
}

async fn books(s: &Store, c: CompanyId) -> Books {
    let eur = s
        .insert_commodity(c, "EUR", 2, "Euro", audit(c, "commodity", "create"))
        .await
        .expect("EUR");
    let usd = s
        .insert_commodity(c, "USD", 2, "US dollar", audit(c, "commodity", "create"))
        .await
        .expect("USD");
    let gj = s
        .insert_journal(
            c,
            "GJ",
            "General",
            JournalKind::General,
            audit(c, "journal", "create"),
        )
        .await
        .expect("GJ");
    let bj = s
        .insert_journal(
            c,
            "BK",
            "Bank",
            JournalKind::Bank,
            audit(c, "journal", "create"),
        )
        .await
        .expect("BK");
    let ids = s
        .insert_accounts(
            c,
            &[
                new_account("Assets", None),
                new_account("Assets:Bank", Some("1200")),
                new_account("Assets:Cash", Some("1000")),
                new_account("Income", None),
                new_account("Income:Sales", Some("4000")),
                new_account("Expenses", None),
                new_account("Expenses:Office", Some("6000")),
            ],
            vec![audit(c, "account", "create")],
        )
        .await
        .expect("accounts");
    Books {
        eur,
        usd,
        gj,
        bj,
        bank: ids[1],
        cash: ids[2],
        sales: ids[4],
        office: ids[6],
    }
}

async fn post(s: &Store, c: CompanyId, entries: &[NewEntry]) -> Result<Vec<(EntryId, bool)>> {
    s.insert_entries(
        c,
        entries,
        EntryStatus::Posted,
        None,
        vec![audit(c, "entry", "post")],
    )
    .await
}

/// A sale: bank +amount, sales -amount.
fn sale(b: &Books, date: &str, amount: i64) -> NewEntry {
    entry(
        b.gj,
        date,
        &format!("sale {amount}"),
        vec![line(b.bank, b.eur, amount), line(b.sales, b.eur, -amount)],
    )
}

/// Balances keyed by (account, commodity, department, project): (amount, debit, credit).
type Sums = HashMap<(i64, i64, Option<i64>, String), (i64, i64, i64)>;

fn by_key(rows: &[BalanceRow]) -> Sums {
    rows.iter()
        .map(|r| {
            (
                (
                    r.account_id.0,
                    r.commodity_id.0,
                    r.department_id.map(|d| d.0),
                    r.project.clone(),
                ),
                (r.amount, r.debit, r.credit),
            )
        })
        .collect()
}

/// The same sums computed straight from the postings table.
async fn sums_from_postings(db: &TestDb, c: CompanyId, from: i64, to: i64) -> Sums {
    let raw = db.raw().await;
    let rows = sqlx::query(
        "SELECT account_id, commodity_id, CAST(SUM(amount) AS BIGINT) AS a, \
         CAST(SUM(CASE WHEN amount > 0 THEN amount ELSE 0 END) AS BIGINT) AS d, \
         CAST(SUM(CASE WHEN amount < 0 THEN -amount ELSE 0 END) AS BIGINT) AS cr \
         FROM ledger_postings WHERE company_id = $1 AND date BETWEEN $2 AND $3 GROUP BY account_id, commodity_id",
    )
    .bind(c.0)
    .bind(from)
    .bind(to)
    .fetch_all(&raw)
    .await
    .expect("sums from postings");
    raw.close().await;
    use sqlx::Row;
    rows.iter()
        .map(|r| {
            (
                (
                    r.get::<i64, _>("account_id"),
                    r.get::<i64, _>("commodity_id"),
                    None,
                    String::new(),
                ),
                (r.get("a"), r.get("d"), r.get("cr")),
            )
        })
        .collect()
}

store_test!(accounts, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let b = books(s, w.a).await;
    let all = s.all_accounts(w.a).await.expect("all");
    assert_eq!(all.len(), 7);
    let assets = all
        .iter()
        .find(|a| a.name.as_str() == "Assets")
        .expect("Assets");
    assert!(assets.has_children);
    let bank = s
        .get_account(w.a, b.bank)
        .await
        .expect("get")
        .expect("bank");
    assert!(!bank.has_children);
    assert_eq!(bank.parent_id, Some(assets.id));
    assert_eq!(bank.code.as_deref(), Some("1200"));
    assert_eq!(bank.kind, AccountType::Asset);
    // Another company sees nothing of it.
    assert!(s.get_account(w.b, b.bank).await.expect("get").is_none());
    assert!(s.all_accounts(w.b).await.expect("all").is_empty());

    // A taken name or code is a conflict, and nothing of the batch stays.
    let r = s
        .insert_accounts(
            w.a,
            &[
                new_account("Assets:Other", None),
                new_account("Assets:Bank", None),
            ],
            vec![],
        )
        .await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
    let r = s
        .insert_accounts(w.a, &[new_account("Assets:Safe", Some("1200"))], vec![])
        .await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
    assert_eq!(s.all_accounts(w.a).await.expect("all").len(), 7);
    // A missing parent is refused.
    let r = s
        .insert_accounts(w.a, &[new_account("Liabilities:Loans", None)], vec![])
        .await;
    assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
    // The same names in another company are fine.
    s.insert_accounts(w.b, &[new_account("Assets", Some("1200"))], vec![])
        .await
        .expect("B's own chart");

    // Lists: search, leaf only, sort by code.
    let page = s
        .list_accounts(
            w.a,
            &AccountQuery {
                search: Some("BANK".into()),
                ..Default::default()
            },
        )
        .await
        .expect("search");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, b.bank);
    let leaves = s
        .list_accounts(
            w.a,
            &AccountQuery {
                leaf_only: true,
                sort: steward_core::ledger::AccountSort::Code,
                ..Default::default()
            },
        )
        .await
        .expect("leaves");
    let codes: Vec<_> = leaves.items.iter().filter_map(|a| a.code.clone()).collect();
    assert_eq!(codes, vec!["1000", "1200", "4000", "6000"]);
    let found = s
        .accounts_by_keys(
            w.a,
            &["4000".into(), "Expenses:Office".into(), "nope".into()],
        )
        .await
        .expect("by keys");
    let mut ids: Vec<_> = found.iter().map(|a| a.id).collect();
    ids.sort();
    assert_eq!(ids, vec![b.sales, b.office]);

    // Updates: optimistic version, other companies cannot touch it.
    let upd = AccountUpdate {
        code: Some("1201".into()),
        description: "Main bank".into(),
        active: true,
        commodity_id: Some(b.eur),
    };
    s.update_account(
        w.a,
        b.bank,
        &upd,
        bank.version,
        audit(w.a, "account", "update"),
    )
    .await
    .expect("update");
    let r = s
        .update_account(
            w.a,
            b.bank,
            &upd,
            bank.version,
            audit(w.a, "account", "update"),
        )
        .await;
    assert!(
        matches!(r, Err(Error::Conflict { .. })),
        "stale version: {r:?}"
    );
    let r = s
        .update_account(
            w.b,
            b.bank,
            &upd,
            bank.version + 1,
            audit(w.b, "account", "update"),
        )
        .await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    let bank = s
        .get_account(w.a, b.bank)
        .await
        .expect("get")
        .expect("bank");
    assert_eq!(bank.commodity.as_deref(), Some("EUR"));
    assert_eq!(bank.description, "Main bank");
    assert!(s.verify().await.expect("verify").is_ok());
    let _ = (b.usd, b.bj, b.cash);
});

store_test!(numbers_are_gap_free, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let b = books(s, w.a).await;
    let ids = post(
        s,
        w.a,
        &[
            sale(&b, "2026-01-05", 100),
            sale(&b, "2026-02-05", 200),
            sale(&b, "2025-12-31", 50),
        ],
    )
    .await
    .expect("post");
    assert!(ids.iter().all(|(_, new)| *new));
    let more = post(s, w.a, &[sale(&b, "2026-03-01", 300)])
        .await
        .expect("post");
    let mut bank_entry = sale(&b, "2026-03-02", 5);
    bank_entry.journal_id = b.bj;
    let bk = post(s, w.a, &[bank_entry]).await.expect("bank journal");
    // A failed post takes no number.
    let mut bad = sale(&b, "2026-03-03", 7);
    bad.lines[0].account_id = AccountId(999_999);
    assert!(post(s, w.a, &[bad]).await.is_err());
    let next = post(s, w.a, &[sale(&b, "2026-03-04", 1)])
        .await
        .expect("post");

    let number = |id: EntryId| async move {
        s.get_entry(w.a, id)
            .await
            .expect("get")
            .expect("entry")
            .number
            .expect("a number")
    };
    assert_eq!(number(ids[0].0).await, "GJ-2026-000001");
    assert_eq!(number(ids[1].0).await, "GJ-2026-000002");
    assert_eq!(number(ids[2].0).await, "GJ-2025-000001");
    assert_eq!(number(more[0].0).await, "GJ-2026-000003");
    assert_eq!(number(bk[0].0).await, "BK-2026-000001");
    assert_eq!(number(next[0].0).await, "GJ-2026-000004");

    // Fiscal years starting in April: 2026-04-01 is in FY 2027.
    let settings = s.ledger_settings(w.a).await.expect("settings");
    assert_eq!(settings, LedgerSettings::default());
    let new = LedgerSettings {
        fiscal_year_start_month: 4,
        approval_threshold: Some(100_000),
        version: 0,
    };
    s.save_ledger_settings(w.a, &new, audit(w.a, "ledger_settings", "update"))
        .await
        .expect("save settings");
    let r = s
        .save_ledger_settings(w.a, &new, audit(w.a, "ledger_settings", "update"))
        .await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "stale: {r:?}");
    let saved = s.ledger_settings(w.a).await.expect("settings");
    assert_eq!(saved.fiscal_year_start_month, 4);
    assert_eq!(saved.version, 1);
    let fy = post(
        s,
        w.a,
        &[sale(&b, "2026-04-01", 10), sale(&b, "2026-03-31", 10)],
    )
    .await
    .expect("post");
    assert_eq!(number(fy[0].0).await, "GJ-2027-000001");
    assert_eq!(number(fy[1].0).await, "GJ-2026-000005");

    // Read back with names.
    let e = s
        .get_entry(w.a, ids[0].0)
        .await
        .expect("get")
        .expect("entry");
    assert_eq!(e.status, EntryStatus::Posted);
    assert_eq!(e.journal_code, "GJ");
    assert_eq!(e.date, day("2026-01-05"));
    assert_eq!(e.lines.len(), 2);
    assert_eq!(e.lines[0].account, "Assets:Bank");
    assert_eq!(e.lines[0].commodity, "EUR");
    assert_eq!(e.lines[0].amount, 100);
    assert_eq!(e.lines[1].account, "Income:Sales");
    assert!(e.posted_at.is_some());
    assert!(s.get_entry(w.b, ids[0].0).await.expect("get").is_none());

    // The list: sorted by number, searched, filtered.
    let page = s
        .list_entries(
            w.a,
            &EntryQuery {
                sort: EntrySort::Number,
                paging: Paging::new(Some(500), None),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    let numbers: Vec<_> = page.items.iter().filter_map(|e| e.number.clone()).collect();
    assert_eq!(
        numbers,
        vec![
            "BK-2026-000001",
            "GJ-2025-000001",
            "GJ-2026-000001",
            "GJ-2026-000002",
            "GJ-2026-000003",
            "GJ-2026-000004",
            "GJ-2026-000005",
            "GJ-2027-000001"
        ]
    );
    let page = s
        .list_entries(
            w.a,
            &EntryQuery {
                search: Some("SALE 30".into()),
                ..Default::default()
            },
        )
        .await
        .expect("search");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, more[0].0);
    let page = s
        .list_entries(
            w.a,
            &EntryQuery {
                journal: Some(b.gj),
                from: Some(day("2026-01-01")),
                to: Some(day("2026-02-28")),
                account: Some(b.sales),
                dir: SortDir::Desc,
                ..Default::default()
            },
        )
        .await
        .expect("filtered");
    assert_eq!(
        page.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![ids[1].0, ids[0].0]
    );
    assert!(s.verify().await.expect("verify").is_ok());
});

store_test!(balances_match_postings, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let b = books(s, w.a).await;
    let mut entries = Vec::new();
    // Two years of entries on varying days, with departments and projects on the costs.
    for i in 0..120i64 {
        let month = (i % 24) as u32;
        let date = NaiveDate::from_ymd_opt(
            2025 + (month / 12) as i32,
            month % 12 + 1,
            (i % 28 + 1) as u32,
        )
        .expect("date");
        let dept = if i % 3 == 0 {
            None
        } else {
            Some(DepartmentId(i % 3))
        };
        let project = if i % 4 == 0 { "alpha" } else { "" };
        let mut office = line(b.office, b.eur, 1000 + i);
        office.department_id = dept;
        office.project = project.into();
        let mut e = entry(
            b.gj,
            &date.to_string(),
            "mixed",
            vec![
                office,
                line(b.bank, b.eur, -(1000 + i)),
                line(b.cash, b.usd, i),
                line(b.sales, b.usd, -i),
            ],
        );
        if i % 5 == 0 {
            // A refund: negative office line.
            e.lines[0].amount = -e.lines[0].amount;
            e.lines[1].amount = -e.lines[1].amount;
        }
        entries.push(e);
    }
    post(s, w.a, &entries).await.expect("post");
    let ranges = [
        (None, None),
        (Some("2025-01-01"), Some("2025-12-31")),
        (Some("2025-01-15"), Some("2026-03-10")),
        (Some("2025-03-07"), Some("2025-03-20")),
        (None, Some("2025-06-15")),
        (Some("2025-06-16"), None),
        (Some("2026-02-01"), Some("2026-02-28")),
    ];
    for (from, to) in ranges {
        let q = BalanceQuery {
            from: from.map(day),
            to: to.map(day),
            ..Default::default()
        };
        let got = by_key(&s.balances(w.a, &q).await.expect("balances"));
        let want = sums_from_postings(
            &db,
            w.a,
            from.map_or(0, |d| steward_core::ledger::day_key(day(d))),
            to.map_or(99_991_231, |d| steward_core::ledger::day_key(day(d))),
        )
        .await;
        assert_eq!(got, want, "[{}] range {from:?}..={to:?}", db.name);
    }
    // Every balance sums to zero per commodity (each entry balances).
    let all = s
        .balances(w.a, &BalanceQuery::default())
        .await
        .expect("all");
    for c in [b.eur, b.usd] {
        assert_eq!(
            all.iter()
                .filter(|r| r.commodity_id == c)
                .map(|r| r.amount)
                .sum::<i64>(),
            0
        );
    }
    // Split by department and project: the parts add up to the whole, and a filter picks one.
    let q = BalanceQuery {
        from: Some(day("2025-02-10")),
        to: Some(day("2026-11-20")),
        by_department: true,
        by_project: true,
        ..Default::default()
    };
    let split = s.balances(w.a, &q).await.expect("split");
    let whole = s
        .balances(
            w.a,
            &BalanceQuery {
                from: q.from,
                to: q.to,
                ..Default::default()
            },
        )
        .await
        .expect("whole");
    let office_whole = whole
        .iter()
        .find(|r| r.account_id == b.office)
        .expect("office")
        .amount;
    let office_parts: Vec<&BalanceRow> =
        split.iter().filter(|r| r.account_id == b.office).collect();
    assert!(office_parts.len() > 3, "{office_parts:?}");
    assert_eq!(
        office_parts.iter().map(|r| r.amount).sum::<i64>(),
        office_whole
    );
    // Department 1, computed by hand.
    let q1 = BalanceQuery {
        from: q.from,
        to: q.to,
        department: Some(DepartmentId(1)),
        ..Default::default()
    };
    let d1 = s.balances(w.a, &q1).await.expect("dept 1");
    let want: i64 = entries
        .iter()
        .filter(|e| e.date >= day("2025-02-10") && e.date <= day("2026-11-20"))
        .flat_map(|e| e.lines.iter())
        .filter(|l| l.department_id == Some(DepartmentId(1)))
        .map(|l| l.amount)
        .sum();
    assert_eq!(d1.iter().map(|r| r.amount).sum::<i64>(), want);
    assert!(
        d1.iter().all(|r| r.department_id.is_none()),
        "not split, only filtered"
    );
    let alpha = s
        .balances(
            w.a,
            &BalanceQuery {
                project: Some("alpha".into()),
                by_project: true,
                ..Default::default()
            },
        )
        .await
        .expect("alpha");
    assert!(alpha.iter().all(|r| r.project == "alpha"));
    let want: i64 = entries
        .iter()
        .flat_map(|e| e.lines.iter())
        .filter(|l| l.project == "alpha")
        .map(|l| l.amount)
        .sum();
    assert_eq!(alpha.iter().map(|r| r.amount).sum::<i64>(), want);
    // Another company has none.
    assert!(s
        .balances(w.b, &BalanceQuery::default())
        .await
        .expect("B")
        .is_empty());
});

store_test!(closed_period_refuses_posting, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let b = books(s, w.a).await;
    post(s, w.a, &[sale(&b, "2026-03-01", 10)])
        .await
        .expect("post");
    s.set_period(
        w.a,
        202603,
        PeriodStatus::Closed,
        "admin",
        "March is done",
        audit(w.a, "period", "close"),
    )
    .await
    .expect("close");
    let periods = s.periods(w.a, 202601, 202612).await.expect("periods");
    assert_eq!(periods.len(), 1);
    assert_eq!(periods[0].status, PeriodStatus::Closed);
    assert_eq!(periods[0].reason, "March is done");
    let (entries, postings, balances) = (
        db.count("ledger_entries").await,
        db.count("ledger_postings").await,
        db.count("ledger_balances").await,
    );
    let r = post(
        s,
        w.a,
        &[sale(&b, "2026-04-01", 5), sale(&b, "2026-03-31", 5)],
    )
    .await;
    match r {
        Err(Error::Invalid { field, message }) => {
            assert_eq!(field, "date");
            assert!(message.contains("2026-03"), "{message}");
        }
        other => panic!("expected Invalid(date), got {other:?}"),
    }
    assert_eq!(db.count("ledger_entries").await, entries);
    assert_eq!(db.count("ledger_postings").await, postings);
    assert_eq!(db.count("ledger_balances").await, balances);
    // A draft in a closed month is fine; posting it is not.
    let d = s
        .insert_entries(
            w.a,
            &[sale(&b, "2026-03-15", 5)],
            EntryStatus::Draft,
            None,
            vec![],
        )
        .await
        .expect("draft");
    let r = s
        .set_entry_status(
            w.a,
            d[0].0,
            EntryStatus::Draft,
            EntryStatus::Posted,
            None,
            audit(w.a, "entry", "post"),
        )
        .await;
    assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
    // Reopened, it posts, and the number continues without a gap.
    s.set_period(
        w.a,
        202603,
        PeriodStatus::Open,
        "admin",
        "correction",
        audit(w.a, "period", "open"),
    )
    .await
    .expect("reopen");
    let ok = post(s, w.a, &[sale(&b, "2026-03-31", 5)])
        .await
        .expect("post");
    let e = s
        .get_entry(w.a, ok[0].0)
        .await
        .expect("get")
        .expect("entry");
    assert_eq!(e.number.as_deref(), Some("GJ-2026-000002"));
});

store_test!(
    client_keys_are_idempotent_under_concurrency,
    |db| async move {
        let s = &db.store;
        let w = world(s).await;
        let b = books(s, w.a).await;
        let mut e = sale(&b, "2026-01-10", 100);
        e.client_key = Some("k-1".into());
        let first = post(s, w.a, std::slice::from_ref(&e)).await.expect("post");
        assert!(first[0].1);
        let again = post(s, w.a, std::slice::from_ref(&e)).await.expect("retry");
        assert_eq!(again, vec![(first[0].0, false)]);
        // A batch mixing a known key, a new one and a repeat of it.
        let mut n1 = sale(&b, "2026-01-11", 1);
        n1.client_key = Some("k-2".into());
        let r = post(s, w.a, &[e.clone(), n1.clone(), n1.clone()])
            .await
            .expect("batch");
        assert_eq!(r[0], (first[0].0, false));
        assert!(r[1].1);
        assert_eq!(r[2], (r[1].0, false));
        assert_eq!(db.count("ledger_entries").await, 2);

        // 8 tasks post the same key at once: one entry.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let s = s.clone();
            let mut e = sale(&b, "2026-01-12", 7);
            e.client_key = Some("k-race".into());
            let c = w.a;
            tasks.push(tokio::spawn(async move { post(&s, c, &[e]).await }));
        }
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.expect("task").expect("post")[0]);
        }
        assert_eq!(ids.iter().filter(|(_, new)| *new).count(), 1, "{ids:?}");
        assert!(ids.iter().all(|(id, _)| *id == ids[0].0));

        // 8 tasks x 50 entries posting at once lose no balance update and no number.
        let mut tasks = Vec::new();
        for t in 0..8i64 {
            let s = s.clone();
            let c = w.a;
            let (gj, bank, sales, eur) = (b.gj, b.bank, b.sales, b.eur);
            tasks.push(tokio::spawn(async move {
                for i in 0..50i64 {
                    let amount = t * 1000 + i + 1;
                    let e = entry(
                        gj,
                        "2026-02-14",
                        "race",
                        vec![line(bank, eur, amount), line(sales, eur, -amount)],
                    );
                    post(&s, c, &[e]).await.expect("concurrent post");
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let expected: i64 = (0..8i64)
            .flat_map(|t| (0..50i64).map(move |i| t * 1000 + i + 1))
            .sum();
        let feb = s
            .balances(
                w.a,
                &BalanceQuery {
                    from: Some(day("2026-02-01")),
                    to: Some(day("2026-02-28")),
                    ..Default::default()
                },
            )
            .await
            .expect("balances");
        let bank = feb.iter().find(|r| r.account_id == b.bank).expect("bank");
        assert_eq!(bank.amount, expected);
        assert_eq!(bank.debit, expected);
        let raw = db.raw().await;
        use sqlx::Row;
        let r = sqlx::query("SELECT COUNT(*) AS n, MAX(seq) AS m, COUNT(DISTINCT seq) AS d FROM ledger_entries WHERE journal_id = $1")
        .bind(b.gj.0)
        .fetch_one(&raw)
        .await
        .expect("numbers");
        let (n, m, d): (i64, i64, i64) = (r.get("n"), r.get("m"), r.get("d"));
        assert_eq!(
            (n, m, d),
            (403, 403, 403),
            "gap-free and unique under concurrency"
        );
        let r = sqlx::query(
            "SELECT count FROM ledger_balances WHERE account_id = $1 AND month = 202602",
        )
        .bind(b.bank.0)
        .fetch_one(&raw)
        .await
        .expect("count");
        assert_eq!(r.get::<i64, _>("count"), 400);
        raw.close().await;
        assert!(s.verify().await.expect("verify").is_ok());
    }
);

store_test!(drafts_update_delete_and_post, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let b = books(s, w.a).await;
    let ids = s
        .insert_entries(
            w.a,
            &[sale(&b, "2026-05-01", 10), sale(&b, "2026-05-02", 20)],
            EntryStatus::Draft,
            Some(w.admin_a),
            vec![audit(w.a, "entry", "draft"), audit(w.a, "entry", "draft")],
        )
        .await
        .expect("drafts");
    let d = s
        .get_entry(w.a, ids[0].0)
        .await
        .expect("get")
        .expect("draft");
    assert_eq!(d.status, EntryStatus::Draft);
    assert_eq!(d.number, None);
    assert_eq!(d.created_by, Some(w.admin_a));
    assert_eq!(
        d.lines[0].account, "Assets:Bank",
        "names filled for drafts too"
    );
    assert_eq!(db.count("ledger_postings").await, 0);
    assert_eq!(db.count("ledger_balances").await, 0);

    // Update: versioned.
    let mut changed = sale(&b, "2026-05-03", 30);
    changed.description = "changed".into();
    s.update_draft(
        w.a,
        ids[0].0,
        &changed,
        d.version,
        audit(w.a, "entry", "update"),
    )
    .await
    .expect("update");
    let r = s
        .update_draft(
            w.a,
            ids[0].0,
            &changed,
            d.version,
            audit(w.a, "entry", "update"),
        )
        .await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
    let r = s
        .update_draft(
            w.b,
            ids[0].0,
            &changed,
            d.version + 1,
            audit(w.b, "entry", "update"),
        )
        .await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");
    let d = s
        .get_entry(w.a, ids[0].0)
        .await
        .expect("get")
        .expect("draft");
    assert_eq!(d.description, "changed");
    assert_eq!(d.lines[0].amount, 30);

    // Delete the other.
    s.delete_draft(w.a, ids[1].0, audit(w.a, "entry", "delete"))
        .await
        .expect("delete");
    assert!(s.get_entry(w.a, ids[1].0).await.expect("get").is_none());
    assert!(matches!(
        s.delete_draft(w.a, ids[1].0, audit(w.a, "entry", "delete"))
            .await,
        Err(Error::NotFound { .. })
    ));

    // Draft -> pending -> posted: the lines move to the postings.
    s.set_entry_status(
        w.a,
        ids[0].0,
        EntryStatus::Draft,
        EntryStatus::Pending,
        None,
        audit(w.a, "entry", "submit"),
    )
    .await
    .expect("submit");
    let r = s
        .set_entry_status(
            w.a,
            ids[0].0,
            EntryStatus::Draft,
            EntryStatus::Posted,
            None,
            audit(w.a, "entry", "post"),
        )
        .await;
    assert!(
        matches!(r, Err(Error::Conflict { .. })),
        "no longer a draft: {r:?}"
    );
    s.set_entry_status(
        w.a,
        ids[0].0,
        EntryStatus::Pending,
        EntryStatus::Posted,
        Some(w.admin_a),
        audit(w.a, "entry", "approve"),
    )
    .await
    .expect("approve");
    let p = s
        .get_entry(w.a, ids[0].0)
        .await
        .expect("get")
        .expect("posted");
    assert_eq!(p.status, EntryStatus::Posted);
    assert_eq!(p.number.as_deref(), Some("GJ-2026-000001"));
    assert_eq!(p.approved_by, Some(w.admin_a));
    assert_eq!(p.lines.len(), 2);
    assert_eq!(p.lines[0].amount, 30);
    assert_eq!(db.count("ledger_postings").await, 2);
    let bal = s
        .balances(w.a, &BalanceQuery::default())
        .await
        .expect("balances");
    assert_eq!(
        bal.iter()
            .find(|r| r.account_id == b.bank)
            .map(|r| r.amount),
        Some(30)
    );
    // A posted entry is no draft any more.
    let r = s
        .delete_draft(w.a, ids[0].0, audit(w.a, "entry", "delete"))
        .await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
    let r = s
        .update_draft(
            w.a,
            ids[0].0,
            &changed,
            p.version,
            audit(w.a, "entry", "update"),
        )
        .await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");

    // A reversal points back, and the original knows it.
    let mut rev = sale(&b, "2026-05-04", -30);
    rev.reverses = Some(ids[0].0);
    let r = post(s, w.a, &[rev]).await.expect("reversal");
    assert_eq!(
        s.reversal_of(w.a, ids[0].0).await.expect("reversal_of"),
        Some(r[0].0)
    );
    let p = s
        .get_entry(w.a, ids[0].0)
        .await
        .expect("get")
        .expect("posted");
    assert_eq!(p.reversed_by, Some(r[0].0));
    assert!(s.verify().await.expect("verify").is_ok());
});

store_test!(database_refuses_changing_posted_data, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let b = books(s, w.a).await;
    let posted = post(s, w.a, &[sale(&b, "2026-01-05", 100)])
        .await
        .expect("post");
    let draft = s
        .insert_entries(
            w.a,
            &[sale(&b, "2026-01-06", 5)],
            EntryStatus::Draft,
            None,
            vec![],
        )
        .await
        .expect("draft");
    let raw = db.raw().await;
    for sql in [
        "UPDATE ledger_postings SET amount = 0".to_string(),
        "DELETE FROM ledger_postings".to_string(),
        format!(
            "UPDATE ledger_entries SET description = 'x' WHERE id = {}",
            posted[0].0
        ),
        format!(
            "UPDATE ledger_entries SET status = 'draft' WHERE id = {}",
            posted[0].0
        ),
        format!("DELETE FROM ledger_entries WHERE id = {}", posted[0].0),
    ] {
        let r = sqlx::query(&sql).execute(&raw).await;
        assert!(r.is_err(), "[{}] {sql} was allowed", db.name);
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("immutable"), "{msg}");
    }
    // Drafts stay editable.
    let r = sqlx::query(&format!(
        "UPDATE ledger_entries SET description = 'y' WHERE id = {}",
        draft[0].0
    ))
    .execute(&raw)
    .await
    .expect("a draft can change");
    assert_eq!(r.rows_affected(), 1);
    raw.close().await;
    assert_eq!(db.count("ledger_postings").await, 2);
    let e = s
        .get_entry(w.a, posted[0].0)
        .await
        .expect("get")
        .expect("entry");
    assert_eq!(e.description, "sale 100");
});

store_test!(account_ledger_running_balances, |db| async move {
    let s = &db.store;
    let w = world(s).await;
    let b = books(s, w.a).await;
    let mut entries = Vec::new();
    let mut amounts = Vec::new();
    for i in 0..45i64 {
        let date = NaiveDate::from_ymd_opt(2026, 1 + (i / 15) as u32, 1 + (i % 14) as u32 * 2)
            .expect("date");
        let amount = if i % 7 == 0 {
            -(i + 3) * 10
        } else {
            (i + 1) * 100
        };
        amounts.push((date, amount));
        entries.push(entry(
            b.gj,
            &date.to_string(),
            &format!("e{i}"),
            vec![line(b.bank, b.eur, amount), line(b.sales, b.eur, -amount)],
        ));
    }
    // And a USD line on the same account.
    entries.push(entry(
        b.gj,
        "2026-02-10",
        "usd",
        vec![line(b.bank, b.usd, 999), line(b.sales, b.usd, -999)],
    ));
    post(s, w.a, &entries).await.expect("post");
    // The ledger's order: date, then entry (ids follow the order posted).
    amounts.sort_by_key(|(d, _)| *d);
    let from = day("2026-01-10");
    let to = day("2026-03-20");
    let opening: i64 = amounts
        .iter()
        .filter(|(d, _)| *d < from)
        .map(|(_, a)| a)
        .sum();
    let in_range: Vec<i64> = amounts
        .iter()
        .filter(|(d, _)| *d >= from && *d <= to)
        .map(|(_, a)| *a)
        .collect();
    let mut got = Vec::new();
    let mut offset = 0;
    loop {
        let page = s
            .account_ledger(
                w.a,
                b.bank,
                Some(from),
                Some(to),
                Paging::new(Some(7), Some(offset)),
            )
            .await
            .expect("ledger");
        assert_eq!(page.total as usize, in_range.len() + 1);
        assert_eq!(page.opening, vec![(b.eur, opening)]);
        if page.rows.is_empty() {
            break;
        }
        offset += page.rows.len() as u64;
        got.extend(page.rows);
    }
    let eur: Vec<_> = got.iter().filter(|r| r.commodity_id == b.eur).collect();
    assert_eq!(eur.len(), in_range.len());
    let mut run = opening;
    for (r, a) in eur.iter().zip(&in_range) {
        run += a;
        assert_eq!(r.amount, *a);
        assert_eq!(r.running, run, "running balance across pages");
        assert!(r
            .number
            .as_deref()
            .is_some_and(|n| n.starts_with("GJ-2026-")));
    }
    let usd = got
        .iter()
        .find(|r| r.commodity_id == b.usd)
        .expect("usd row");
    assert_eq!(usd.running, 999);
    assert!(got.windows(2).all(|w| w[0].date <= w[1].date));
    // No range: everything, opening empty.
    let all = s
        .account_ledger(w.a, b.bank, None, None, Paging::new(Some(500), None))
        .await
        .expect("all");
    assert_eq!(all.rows.len(), 46);
    assert!(all.opening.is_empty());
    assert!(matches!(
        s.account_ledger(w.b, b.bank, None, None, Paging::default())
            .await,
        Err(Error::NotFound { .. })
    ));
});
