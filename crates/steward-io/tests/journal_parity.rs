//! Parity: our trial balance equals hledger's (and ledger's) on the same file, and
//! survives writing as hledger or Beancount and reading back.
#![allow(clippy::unwrap_used)]

#[path = "journal_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use steward_io::journal::{Decimal, Format, Item, Names, Writer};
use support::*;

fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn hledger_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = corpus()
        .into_iter()
        .filter(|p| format_of(p) == Format::Hledger)
        .collect();
    let dir = tempfile::tempdir().unwrap().keep();
    let big = dir.join("many-accounts.journal");
    std::fs::write(&big, many_accounts_journal(3000)).unwrap();
    v.push(big);
    v
}

#[test]
fn corpus_reads_cleanly() {
    for p in corpus() {
        let (items, names) = read_file(&p).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            items.iter().any(|i| matches!(i, Item::Transaction(_))),
            "{}",
            p.display()
        );
        assert!(!trial(&items, &names).is_empty());
    }
}

#[test]
fn hledger_agrees_on_every_journal() {
    if !have_tool("hledger") {
        return;
    }
    let mut n = 0;
    for p in hledger_files() {
        let (items, names) = read_file(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_same(
            &trial(&items, &names),
            &hledger_trial(&p),
            &p.display().to_string(),
        );
        n += 1;
    }
    assert!(n >= 10, "only {n} journals compared");
}

#[test]
fn ledger_agrees_on_the_ledger_file() {
    if !have_tool("ledger") {
        return;
    }
    for p in corpus()
        .into_iter()
        .filter(|p| format_of(p) == Format::Ledger)
    {
        let (items, names) = read_file(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_same(
            &trial(&items, &names),
            &ledger_trial(&p),
            &p.display().to_string(),
        );
    }
}

#[test]
fn beancount_sample_has_the_expected_balances() {
    let p = corpus_dir().join("sample.beancount");
    let (items, names) = read_file(&p).unwrap();
    let t = trial(&items, &names);
    let get = |a: &str, c: &str| {
        t.get(&(a.to_string(), c.to_string()))
            .copied()
            .unwrap_or(Decimal::ZERO)
    };
    assert_eq!(get("Assets:Bank:Checking", "USD").to_string(), "2750.00");
    assert_eq!(get("Assets:Broker", "ACME").to_string(), "10");
    assert_eq!(get("Income:Salary", "USD").to_string(), "-3000.00");
    assert_eq!(get("Expenses:Food", "USD").to_string(), "50.00");
    let tx = items
        .iter()
        .find_map(|i| match i {
            Item::Transaction(t) if t.description.contains("salary") => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!(tx.description, "Employer | January salary");
    assert!(tx.tags.contains(&("q1".to_string(), String::new())));
    assert!(tx
        .tags
        .contains(&("link".to_string(), "pay-jan".to_string())));
}

fn written(
    format: Format,
    items: &[Item],
    names: &Names,
) -> (String, BTreeMap<u32, String>, BTreeMap<u32, String>) {
    let mut w = Writer::new(format, Vec::new());
    for i in items {
        match i {
            Item::Account(a) => w.write_account(names, a.account, a.account_type).unwrap(),
            Item::Commodity(c) => w.write_commodity(names, c.commodity).unwrap(),
            Item::Price(p) => w.write_price(names, p).unwrap(),
            Item::Transaction(t) => w.write_transaction(names, t).unwrap(),
            _ => {}
        }
    }
    let mut accts = BTreeMap::new();
    for id in 0..u32::try_from(names.account_count()).unwrap() {
        accts.insert(id, w.account_name(names, id).unwrap());
    }
    let mut coms = BTreeMap::new();
    for id in 0..u32::try_from(names.commodity_count()).unwrap() {
        coms.insert(id, w.commodity_name(names, id).unwrap());
    }
    (String::from_utf8(w.into_inner()).unwrap(), accts, coms)
}

fn check_round_trip(path: &Path, format: Format) {
    let (items, names) = read_file(path).unwrap();
    let before = trial(&items, &names);
    let (text, accts, coms) = written(format, &items, &names);
    let (items2, names2) =
        read_str(&text, format).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()));
    let after = trial(&items2, &names2);
    let mut mapped = support::Trial::new();
    for ((a, c), v) in before {
        let a = accts[&names.find_account(&a).unwrap()].clone();
        let c = coms[&names.find_commodity(&c).unwrap()].clone();
        let e = mapped.entry((a, c)).or_insert(Decimal::ZERO);
        *e = e.checked_add(v).unwrap();
    }
    mapped.retain(|_, v| !v.is_zero());
    assert_eq!(mapped, after, "{} as {format:?}:\n{text}", path.display());
    if format == Format::Hledger && have_tool("hledger") {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("out.journal");
        std::fs::write(&f, &text).unwrap();
        assert_same(
            &after,
            &hledger_trial(&f),
            &format!("{} written as hledger", path.display()),
        );
    }
}

#[test]
fn round_trip_through_hledger_writer() {
    for p in hledger_files()
        .iter()
        .chain(corpus().iter().filter(|p| format_of(p) != Format::Hledger))
    {
        if p.extension().is_some_and(|e| e == "ledger") {
            // ledger's lot semantics differ from hledger's; it is compared with ledger above.
            continue;
        }
        check_round_trip(p, Format::Hledger);
    }
}

#[test]
fn round_trip_through_beancount_writer() {
    for p in hledger_files()
        .iter()
        .chain(corpus().iter().filter(|p| format_of(p) != Format::Hledger))
    {
        check_round_trip(p, Format::Beancount);
    }
}
