//! Bank accounts and statement import on both databases, through core's services: import,
//! re-import adds nothing, the continuity flag, all or nothing on a bad line, a currency
//! that is not the account's, dry runs, saved CSV mappings, companies kept apart, and the
//! time a 10,000-line statement takes (printed, not asserted).
use crate::common;

use std::time::Instant;
use steward_core::auth::Actor;
use steward_core::bank::accounts::{self, BankAccountInput};
use steward_core::bank::import::{self, import_statement};
use steward_core::bank::statements::{self, LineQuery, StatementQuery};
use steward_core::bank::{CsvMapping, Format};
use steward_core::ids::BankAccountId;
use steward_core::list::Paging;
use steward_core::{ledger, Error};
use steward_store::Store;

use common::world;

const IBAN: &str = "DE89370400440532013000";

async fn setup(store: &Store, actor: &Actor) -> BankAccountId {
    ledger::books::set_up_books(store, actor, true)
        .await
        .expect("books");
    accounts::create(
        store,
        actor,
        &BankAccountInput {
            name: "Main account".into(),
            ledger_account: "1000".into(),
            currency: "EUR".into(),
            iban: "DE89 3704 0044 0532 0130 00".into(),
            bic: "COBADEFFXXX".into(),
            active: true,
        },
    )
    .await
    .expect("bank account")
    .id
}

/// A CAMT.053 statement: `(reference, amount, CRDT|DBIT, day)` entries, the balances on
/// the first and last day of May 2026.
fn camt(ccy: &str, opening: &str, closing: &str, entries: &[(&str, &str, &str, u32)]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
         <BkToCstmrStmt><Stmt><Id>S-{opening}</Id>\n\
         <Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>{ccy}</Ccy></Acct>\n\
         <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"{ccy}\">{opening}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-05-01</Dt></Dt></Bal>\n\
         <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"{ccy}\">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-05-28</Dt></Dt></Bal>\n"
    );
    for (r, amt, ind, day) in entries {
        s.push_str(&format!(
            "<Ntry><NtryRef>{r}</NtryRef><Amt Ccy=\"{ccy}\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2026-05-{day:02}</Dt></BookgDt><AcctSvcrRef>{r}</AcctSvcrRef><AddtlNtryInf>entry {r}</AddtlNtryInf></Ntry>\n"
        ));
    }
    s.push_str("</Stmt></BkToCstmrStmt></Document>\n");
    s.into_bytes()
}

fn may() -> Vec<u8> {
    camt(
        "EUR",
        "100.00",
        "150.00",
        &[
            ("R1", "80.00", "CRDT", 3),
            ("R2", "20.00", "DBIT", 10),
            ("R3", "10.00", "DBIT", 20),
        ],
    )
}

async fn counts(store: &Store, actor: &Actor, acc: BankAccountId) -> (u64, u64) {
    let st = statements::list(
        store,
        actor,
        &StatementQuery {
            account: Some(acc),
            ..Default::default()
        },
    )
    .await
    .expect("statements");
    let lines = statements::lines(
        store,
        actor,
        &LineQuery {
            account: Some(acc),
            ..Default::default()
        },
    )
    .await
    .expect("lines");
    (st.total, lines.total)
}

fn file_message(e: Error) -> String {
    match e {
        Error::Invalid { field, message } => {
            assert_eq!(field, "file", "{message}");
            message
        }
        other => panic!("expected an error on file, got {other:?}"),
    }
}

store_test!(import_then_reimport_adds_nothing, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let acc = setup(store, actor).await;

    let r = import_statement(store, actor, acc, may(), None, None, false)
        .await
        .expect("import");
    assert_eq!(r.format, "camt053");
    assert_eq!((r.lines, r.new_lines, r.duplicates), (3, 3, 0));
    assert_eq!(r.balances_add_up, Some(true));
    assert_eq!(r.continuity, None, "nothing to compare with");
    assert_eq!(r.sha256.len(), 64);
    let id = r.statement.expect("written");
    let s = statements::get(store, actor, id).await.expect("statement");
    assert_eq!(s.closing.map(|b| b.minor), Some(15000));
    assert_eq!((s.line_count, s.duplicate_count), (3, 0));
    assert!(s.continuity);
    let lines = statements::lines(
        store,
        actor,
        &LineQuery {
            statement: Some(id),
            ..Default::default()
        },
    )
    .await
    .expect("lines");
    let amounts: Vec<i64> = lines.items.iter().map(|l| l.amount_minor).collect();
    assert_eq!(amounts, [8000, -2000, -1000]);
    assert!(lines.items.iter().all(|l| l.status.as_str() == "unmatched"));
    let a = accounts::get(store, actor, acc).await.expect("account");
    assert_eq!(a.last_closing.map(|(_, m)| m), Some(15000));

    // The same file again: nothing new, nothing written.
    let again = import_statement(store, actor, acc, may(), Some(Format::Camt053), None, false)
        .await
        .expect("re-import");
    assert_eq!((again.new_lines, again.duplicates), (0, 3));
    assert_eq!(again.statement, None);
    assert_eq!(counts(store, actor, acc).await, (1, 3));

    // An overlapping statement adds only its new line.
    let next = camt(
        "EUR",
        "100.00",
        "155.00",
        &[
            ("R1", "80.00", "CRDT", 3),
            ("R2", "20.00", "DBIT", 10),
            ("R3", "10.00", "DBIT", 20),
            ("R4", "5.00", "CRDT", 28),
        ],
    );
    let r = import_statement(store, actor, acc, next, None, None, false)
        .await
        .expect("overlap");
    assert_eq!((r.new_lines, r.duplicates), (1, 3));
    assert_eq!(counts(store, actor, acc).await, (2, 4));

    // Another company sees none of it.
    assert!(matches!(
        accounts::get(store, &w.actor_b, acc).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        statements::get(store, &w.actor_b, id).await,
        Err(Error::NotFound { .. })
    ));
    let theirs = statements::lines(store, &w.actor_b, &LineQuery::default())
        .await
        .expect("lines of B");
    assert_eq!(theirs.total, 0);
});

store_test!(a_gap_between_statements_is_flagged, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let acc = setup(store, actor).await;
    import_statement(store, actor, acc, may(), None, None, false)
        .await
        .expect("may");
    // June opens at 140.00, not at May's closing 150.00.
    let june = String::from_utf8(camt(
        "EUR",
        "140.00",
        "145.00",
        &[("J1", "5.00", "CRDT", 2)],
    ))
    .expect("utf8")
    .replace("2026-05-", "2026-06-")
    .into_bytes();
    let r = import_statement(store, actor, acc, june, None, None, false)
        .await
        .expect("june");
    assert_eq!(r.continuity, Some(false));
    assert_eq!(r.previous_closing.map(|b| b.minor), Some(15000));
    let s = statements::get(store, actor, r.statement.expect("written"))
        .await
        .expect("statement");
    assert!(!s.continuity);
    // July follows June.
    let july = String::from_utf8(camt(
        "EUR",
        "145.00",
        "145.00",
        &[("K1", "0.00", "CRDT", 2)],
    ))
    .expect("utf8")
    .replace("2026-05-", "2026-07-")
    .into_bytes();
    let r = import_statement(store, actor, acc, july, None, None, true)
        .await
        .expect("july");
    assert_eq!(r.continuity, Some(true));
});

store_test!(a_bad_line_writes_nothing, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let acc = setup(store, actor).await;
    // Three decimals in EUR on the second entry (line 8).
    let bad = camt(
        "EUR",
        "100.00",
        "150.00",
        &[("R1", "80.00", "CRDT", 3), ("R2", "20.005", "DBIT", 10)],
    );
    let e = import_statement(store, actor, acc, bad, None, None, false)
        .await
        .expect_err("places");
    let m = file_message(e);
    assert!(
        m.starts_with("line 8, column amount: `-20.005` has more than 2 decimal places"),
        "{m}"
    );
    // A parser error names line and element.
    let bad = camt("EUR", "100.00", "150.00", &[("R1", "80.00", "CREDIT", 3)]);
    let m = file_message(
        import_statement(store, actor, acc, bad, None, None, false)
            .await
            .expect_err("indicator"),
    );
    assert!(m.starts_with("line 7, column CdtDbtInd: "), "{m}");
    assert_eq!(counts(store, actor, acc).await, (0, 0));
});

store_test!(another_currency_is_refused, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let acc = setup(store, actor).await;
    let usd = camt("USD", "1.00", "2.00", &[("U1", "1.00", "CRDT", 3)]);
    let m = file_message(
        import_statement(store, actor, acc, usd, None, None, false)
            .await
            .expect_err("currency"),
    );
    assert_eq!(
        m,
        "the statement is in USD, the bank account `Main account` in EUR"
    );
    assert_eq!(counts(store, actor, acc).await, (0, 0));
});

store_test!(a_dry_run_writes_nothing, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    let acc = setup(store, actor).await;
    let r = import_statement(store, actor, acc, may(), None, None, true)
        .await
        .expect("dry run");
    assert!(r.dry_run);
    assert_eq!((r.lines, r.new_lines, r.duplicates), (3, 3, 0));
    assert_eq!(r.statement, None);
    assert_eq!(r.balances_add_up, Some(true));
    assert_eq!(counts(store, actor, acc).await, (0, 0));
    // After the real import a dry run reports every line as imported.
    import_statement(store, actor, acc, may(), None, None, false)
        .await
        .expect("import");
    let r = import_statement(store, actor, acc, may(), None, None, true)
        .await
        .expect("dry run");
    assert_eq!((r.new_lines, r.duplicates), (0, 3));
    assert_eq!(counts(store, actor, acc).await, (1, 3));
});

fn csv_mapping() -> CsvMapping {
    CsvMapping {
        date: "date".into(),
        date_format: "%Y-%m-%d".into(),
        amount: Some("amount".into()),
        description: vec!["text".into()],
        bank_ref: Some("ref".into()),
        delimiter: Some(b';'),
        currency: Some("EUR".into()),
        ..Default::default()
    }
}

store_test!(
    csv_with_a_saved_mapping_and_ten_thousand_lines,
    |db| async move {
        let store = &db.store;
        let w = world(store).await;
        let actor = &w.actor_a;
        let acc = setup(store, actor).await;
        let saved = import::save_mapping(store, actor, "My bank", csv_mapping())
            .await
            .expect("mapping");
        let e = import::save_mapping(store, actor, "my bank", csv_mapping())
            .await
            .expect_err("taken");
        assert!(
            format!("{e:?}").contains("a mapping with this name exists"),
            "{e:?}"
        );
        assert_eq!(import::mappings(store, actor).await.expect("list").len(), 1);
        // Columns are single lines; an amount, debit or credit column is needed.
        let bad = CsvMapping {
            date: "Date\nTime".into(),
            date_format: "%Y-%m-%d".into(),
            ..Default::default()
        };
        let e = import::save_mapping(store, actor, "Broken", bad)
            .await
            .expect_err("bad mapping");
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["mapping.date", "mapping.amount"], "{e:?}");
        // Without a mapping a CSV file cannot be read.
        let small = b"date;amount;text;ref\n2026-05-02;-1.50;Coffee;c1\n".to_vec();
        let m = file_message(
            import_statement(store, actor, acc, small.clone(), None, None, false)
                .await
                .expect_err("no mapping"),
        );
        assert!(m.starts_with("line 1: "), "{m}");
        let e = import_statement(store, actor, acc, small, None, Some("nope"), false)
            .await
            .expect_err("unknown mapping");
        assert!(
            matches!(e, Error::Invalid { ref field, .. } if field == "mapping"),
            "{e:?}"
        );

        let mut big = String::from("date;amount;text;ref\n");
        for i in 0..10_000 {
            big.push_str(&format!(
                "2026-05-{:02};{}.{:02};Payment number {i} to someone;ref-{i}\n",
                i % 28 + 1,
                i % 500 - 250,
                i % 100
            ));
        }
        let t = Instant::now();
        let r = import_statement(
            store,
            actor,
            acc,
            big.clone().into_bytes(),
            Some(Format::Csv),
            Some("My bank"),
            false,
        )
        .await
        .expect("big import");
        let took = t.elapsed();
        eprintln!(
            "bank import of 10,000 CSV lines on {}: {:.3} s",
            db.name,
            took.as_secs_f64()
        );
        assert_eq!((r.lines, r.new_lines), (10_000, 10_000));
        let t = Instant::now();
        let r = import_statement(
            store,
            actor,
            acc,
            big.into_bytes(),
            Some(Format::Csv),
            Some("My bank"),
            false,
        )
        .await
        .expect("big re-import");
        eprintln!(
            "bank re-import of the same 10,000 lines on {}: {:.3} s",
            db.name,
            t.elapsed().as_secs_f64()
        );
        assert_eq!((r.new_lines, r.duplicates), (0, 10_000));
        let page = statements::lines(
            store,
            actor,
            &LineQuery {
                account: Some(acc),
                paging: Paging::new(Some(10), Some(0)),
                ..Default::default()
            },
        )
        .await
        .expect("lines");
        assert_eq!(page.total, 10_000);
        assert_eq!(page.items.len(), 10);

        import::delete_mapping(store, actor, saved.id)
            .await
            .expect("delete");
        assert!(import::mappings(store, actor)
            .await
            .expect("list")
            .is_empty());
        assert!(matches!(
            import::delete_mapping(store, actor, saved.id).await,
            Err(Error::NotFound { .. })
        ));
    }
);

store_test!(bank_accounts_are_checked, |db| async move {
    let store = &db.store;
    let w = world(store).await;
    let actor = &w.actor_a;
    setup(store, actor).await;
    let input = |name: &str, account: &str, iban: &str| BankAccountInput {
        name: name.into(),
        ledger_account: account.into(),
        iban: iban.into(),
        active: true,
        ..Default::default()
    };
    let e = accounts::create(
        store,
        actor,
        &input("main ACCOUNT", "Assets:Bank", "DE89 3704 0044 0532 0130 01"),
    )
    .await
    .expect_err("bad");
    let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
    assert_eq!(fields, ["ledger_account", "iban", "name"], "{e:?}");
    let e = accounts::create(store, actor, &input("Savings", "4000", ""))
        .await
        .expect_err("income");
    assert!(
        format!("{e:?}").contains("is not an asset account"),
        "{e:?}"
    );
    let savings = accounts::create(store, actor, &input("Savings", "Assets:Bank:Savings", ""))
        .await
        .expect("savings");
    assert_eq!(savings.currency, "EUR");
    let found = accounts::find(store, actor, "savings")
        .await
        .expect("by name");
    assert_eq!(found.id, savings.id);
    let found = accounts::find(store, actor, &savings.id.to_string())
        .await
        .expect("by id");
    assert_eq!(found.id, savings.id);
});
