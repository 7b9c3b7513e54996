//! Unit tests of the reader: every syntax feature and every error, with its line.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::BufRead;

use super::*;

struct Files(BTreeMap<&'static str, &'static str>);

impl IncludeResolver for Files {
    fn open(&mut self, _: &str, path: &str) -> Result<(String, Box<dyn BufRead + Send>), String> {
        let t = self.0.get(path).ok_or("not found")?;
        Ok((
            path.to_string(),
            Box::new(std::io::Cursor::new(t.as_bytes().to_vec())),
        ))
    }
}

fn read_in(
    format: Format,
    text: &str,
    files: &[(&'static str, &'static str)],
) -> Result<(Vec<Item>, Names), JournalError> {
    let mut res = Files(files.iter().copied().collect());
    let mut r = Reader::new(
        "main",
        Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        format,
        &mut res,
    );
    let mut v = Vec::new();
    while let Some(i) = r.next_item()? {
        v.push(i);
    }
    Ok((v, r.finish()?))
}

fn read(text: &str) -> Result<(Vec<Item>, Names), JournalError> {
    read_in(Format::Hledger, text, &[])
}

fn txs(items: &[Item]) -> Vec<&Transaction> {
    items
        .iter()
        .filter_map(|i| {
            if let Item::Transaction(t) = i {
                Some(t)
            } else {
                None
            }
        })
        .collect()
}

/// The amounts of the postings of the first transaction, as `account amount symbol`.
fn postings_of(text: &str, format: Format) -> Vec<String> {
    let (items, names) = read_in(format, text, &[]).unwrap_or_else(|e| panic!("{e}"));
    let t = txs(&items)[0].clone();
    t.postings
        .iter()
        .map(|p| {
            let a = p.amount.unwrap();
            format!(
                "{} {} {}",
                names.account(p.account),
                a.quantity,
                names.commodity(a.commodity)
            )
        })
        .collect()
}

fn err(format: Format, text: &str) -> JournalError {
    match read_in(format, text, &[]) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e,
    }
}

#[track_caller]
fn assert_err(format: Format, text: &str, line: u32, needle: &str) {
    let e = err(format, text);
    assert_eq!(e.line, line, "{e} for {text:?}");
    assert!(e.message.contains(needle), "{e} should contain '{needle}'");
    assert!(e.to_string().starts_with(&format!("main:{line}: ")), "{e}");
}

#[test]
fn header_fields() {
    let (items, _) =
        read("2024-01-05=2024-01-09 * (A-1) Shop | food  ; a:1, b: two\n    x  $1\n    y\n")
            .unwrap();
    let t = txs(&items)[0];
    assert_eq!(t.date, NaiveDate::from_ymd_opt(2024, 1, 5).unwrap());
    assert_eq!(t.status, Status::Cleared);
    assert_eq!(t.code, "A-1");
    assert_eq!(t.description, "Shop | food");
    assert_eq!(
        t.tags,
        vec![("a".into(), "1".into()), ("b".into(), "two".into())]
    );
    assert_eq!(t.location, Location { file: 0, line: 1 });
    let (items, _) = read("2024/1/5 ! x\n a  1 U\n b\n").unwrap();
    assert_eq!(txs(&items)[0].status, Status::Pending);
}

#[test]
fn date_forms() {
    for d in ["2024-01-05", "2024/01/05", "2024.01.05", "2024-1-5"] {
        let (items, _) = read(&format!("{d} x\n a  1\n b\n")).unwrap();
        assert_eq!(
            txs(&items)[0].date,
            NaiveDate::from_ymd_opt(2024, 1, 5).unwrap(),
            "{d}"
        );
    }
    let (items, _) = read("Y 2023\n01/05 x\n a  1\n b\nyear 2022\n2/3 y\n a  1\n b\n").unwrap();
    assert_eq!(
        txs(&items)[0].date,
        NaiveDate::from_ymd_opt(2023, 1, 5).unwrap()
    );
    assert_eq!(
        txs(&items)[1].date,
        NaiveDate::from_ymd_opt(2022, 2, 3).unwrap()
    );
}

#[test]
fn amount_forms() {
    let got = postings_of(
        "2024-01-01 x\n a  $10\n a  -$10\n a  $-10\n a  10 USD\n a  USD 10\n a  \"ACME 1\" 5\n a  -5 \"ACME 1\"\n a  1,234.50 EUR\n a  -1,234.50 EUR\n a  € 5\n a  -€5\n b\n",
        Format::Hledger,
    );
    assert_eq!(
        got[..11],
        [
            "a 10 $",
            "a -10 $",
            "a -10 $",
            "a 10 USD",
            "a 10 USD",
            "a 5 ACME 1",
            "a -5 ACME 1",
            "a 1234.50 EUR",
            "a -1234.50 EUR",
            "a 5 €",
            "a -5 €"
        ]
    );
}

#[test]
fn decimal_comma_when_declared() {
    let got = postings_of(
        "decimal-mark ,\n2024-01-01 x\n a  1.234,5 EUR\n b\n",
        Format::Hledger,
    );
    assert_eq!(got, vec!["a 1234.5 EUR", "b -1234.5 EUR"]);
    let got = postings_of(
        "commodity 1.000,00 EUR\n2024-01-01 x\n a  12,50 EUR\n b  -12,5 EUR\n",
        Format::Hledger,
    );
    assert_eq!(got, vec!["a 12.50 EUR", "b -12.5 EUR"]);
    let got = postings_of(
        "commodity 1,000.00 USD\n2024-01-01 x\n a  1,000 USD\n b\n",
        Format::Hledger,
    );
    assert_eq!(got, vec!["a 1000 USD", "b -1000 USD"]);
}

/// hledger's digit group marks: a repeated mark, a mark before the other one, or a space
/// groups digits; a lone mark is decided by the directives above it, else it is decimal.
#[test]
fn digit_group_marks_read_as_hledger_does() {
    let one = |journal: &str| {
        postings_of(journal, Format::Hledger)
            .into_iter()
            .next()
            .unwrap()
    };
    let tx = |amount: &str| format!("2024-01-01 x\n a  {amount}\n b\n");
    assert_eq!(one(&tx("1,250,000 JPY")), "a 1250000 JPY");
    assert_eq!(one(&tx("1.250.000 JPY")), "a 1250000 JPY");
    assert_eq!(one(&tx("1.250.000,50 EUR")), "a 1250000.50 EUR");
    assert_eq!(one(&tx("1,250,000.50 USD")), "a 1250000.50 USD");
    assert_eq!(one(&tx("INR 9,99,99,999.00")), "a 99999999.00 INR");
    assert_eq!(one(&tx("1,2,3 X")), "a 123 X");
    assert_eq!(one(&tx("$1 000 000")), "a 1000000 $");
    assert_eq!(one(&tx("-1 000,50 EUR")), "a -1000.50 EUR");
    assert_eq!(one(&tx("1,000. EUR")), "a 1000 EUR");
    // A lone mark: decimal unless declared otherwise.
    assert_eq!(one(&tx("1,000 EUR")), "a 1.000 EUR");
    assert_eq!(one(&tx("1,5 EUR")), "a 1.5 EUR");
    let declared = |decl: &str, amount: &str| one(&format!("{decl}\n{}", tx(amount)));
    assert_eq!(declared("decimal-mark .", "1,000 EUR"), "a 1000 EUR");
    assert_eq!(declared("decimal-mark ,", "1.000 EUR"), "a 1000 EUR");
    assert_eq!(
        declared("commodity 1.000,00 EUR", "1.000 EUR"),
        "a 1000 EUR"
    );
    assert_eq!(
        declared("commodity 1.000,00 EUR", "1,000 EUR"),
        "a 1.000 EUR"
    );
    // The `D` style covers every commodity without a style of its own.
    assert_eq!(declared("D 1,000.00 USD", "1,000 JPY"), "a 1000 JPY");
    assert_eq!(declared("D 1,000.00 USD", "1,000"), "a 1000 USD");
    // A commodity shown without decimals takes a lone mark as a group mark.
    assert_eq!(declared("commodity 1000 JPY", "1,000 JPY"), "a 1000 JPY");
    assert_eq!(declared("commodity 1000. JPY", "1,000 JPY"), "a 1000 JPY");
    assert_eq!(declared("commodity 1000. JPY", "1.000 JPY"), "a 1.000 JPY");
    // The decimal-mark directive comes first, as in hledger.
    assert_eq!(
        declared("decimal-mark ,\ncommodity 1,000.00 USD", "1.000 USD"),
        "a 1000 USD"
    );
    // A directive below an amount does not change how it was read (both passes agree).
    let j = format!("{}commodity 1.000,00 EUR\n", tx("1.000 EUR"));
    let (items, names) = read(&j).unwrap();
    let q = txs(&items)[0].postings[0].amount.unwrap().quantity;
    assert_eq!(q.to_string(), "1.000");
    let mut res = Files(BTreeMap::new());
    let mut r = Reader::with_names(
        "main",
        Box::new(std::io::Cursor::new(j.into_bytes())),
        Format::Hledger,
        &mut res,
        names,
    );
    let Some(Item::Transaction(t)) = r.next_item().unwrap() else {
        panic!("a transaction first")
    };
    assert_eq!(t.postings[0].amount.unwrap().quantity.to_string(), "1.000");
}

#[test]
fn commodity_directives_set_precision() {
    let (items, names) = read("commodity $1000.000\ncommodity USD\n  format 1,000.0 USD\nD 1000.00 EUR\n2024-01-01 x\n a  5\n b\n").unwrap();
    let usd = names.find_commodity("USD").unwrap();
    assert_eq!(names.precision(names.find_commodity("$").unwrap()), 3);
    assert_eq!(names.precision(usd), 1);
    // `D` gives amounts without a symbol a commodity.
    let t = txs(&items)[0];
    assert_eq!(
        names.commodity(t.postings[0].amount.unwrap().commodity),
        "EUR"
    );
    assert_eq!(
        items
            .iter()
            .filter(|i| matches!(i, Item::Commodity(_)))
            .count(),
        3
    );
}

#[test]
fn precision_is_the_most_decimals_seen() {
    let (_, names) = read("2024-01-01 x\n a  1.5 X\n b  -1.500 X\n").unwrap();
    assert_eq!(names.precision(names.find_commodity("X").unwrap()), 3);
}

#[test]
fn prices_and_costs() {
    let got = postings_of("2024-01-01 x\n a  10 EUR @ $1.10\n b\n", Format::Hledger);
    assert_eq!(got, vec!["a 10 EUR", "b -11.00 $"]);
    let got = postings_of("2024-01-01 x\n a  -10 EUR @@ $11\n b\n", Format::Hledger);
    assert_eq!(got, vec!["a -10 EUR", "b 11 $"]);
    let got = postings_of(
        "2024-01-01 * \"x\"\n  Assets:A  10 ACME {2.00 USD, 2024-01-01}\n  Assets:B\n",
        Format::Beancount,
    );
    assert_eq!(got, vec!["Assets:A 10 ACME", "Assets:B -20.00 USD"]);
    let got = postings_of(
        "2024-01-01 * \"x\"\n  Assets:A  10 ACME {{25 USD}} @ 3 USD\n  Assets:B\n",
        Format::Beancount,
    );
    assert_eq!(got, vec!["Assets:A 10 ACME", "Assets:B -25 USD"]);
    // ledger: lot cost wins over @ when both are given.
    let got = postings_of(
        "2024/01/01 x\n a  -2 AAPL {$150} [2024/01/01] @ $160\n b  $320\n c\n",
        Format::Ledger,
    );
    assert_eq!(got, vec!["a -2 AAPL", "b 320 $", "c -20 $"]);
}

#[test]
fn comments_and_posting_tags() {
    let text = "; top\n# hash\n* star\ncomment\n2024-99-99 nonsense\nend comment\n2024-01-01 x ; first\n    ; tx:line\n    a  1 U  ; p:1\n    ; more about a\n    * b  ; cleared posting\n";
    let (items, _) = read(text).unwrap();
    let t = txs(&items)[0];
    assert_eq!(t.comment, "first\ntx:line");
    assert_eq!(t.postings[0].comment, "p:1\nmore about a");
    assert!(t.tags.contains(&("tx".into(), "line".into())));
    assert!(t.tags.contains(&("p".into(), "1".into())));
    // `%` and `|` are comments only in ledger.
    assert!(read_in(Format::Ledger, "% x\n| y\n2024/01/01 x\n a  1\n b\n", &[]).is_ok());
    assert_err(Format::Hledger, "% x\n", 1, "unknown syntax");
}

#[test]
fn account_names_with_spaces_and_unicode() {
    let got = postings_of(
        "2024-01-01 x\n\tAktiva:Giro Konto Ü\t5 €\n    Ausgaben:Büro  -5 €\n",
        Format::Hledger,
    );
    assert_eq!(got, vec!["Aktiva:Giro Konto Ü 5 €", "Ausgaben:Büro -5 €"]);
}

#[test]
fn account_directives_and_types() {
    let (items, names) = read(
        "account assets:bank  ; type: A\naccount stuff  ; type:Liability\naccount other\n  ; type: X\naccount revenue:x\naccount misc\naccount eq  E\n",
    )
    .unwrap();
    let types: Vec<(String, Option<AccountType>)> = items
        .iter()
        .filter_map(|i| {
            if let Item::Account(a) = i {
                Some((names.account(a.account).to_string(), a.account_type))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        types,
        vec![
            ("assets:bank".into(), Some(AccountType::Asset)),
            ("stuff".into(), Some(AccountType::Liability)),
            ("other".into(), Some(AccountType::Expense)),
            ("revenue:x".into(), Some(AccountType::Revenue)),
            ("misc".into(), None),
            ("eq".into(), Some(AccountType::Equity)),
        ]
    );
}

#[test]
fn market_prices() {
    let (items, names) =
        read("P 2024-01-01 EUR $1.10\nP 2024-01-02 12:00:00 \"ACME 1\" 3 EUR\n").unwrap();
    let ps: Vec<String> = items
        .iter()
        .filter_map(|i| {
            if let Item::Price(p) = i {
                Some(format!(
                    "{} {} {} {}",
                    p.date,
                    names.commodity(p.commodity),
                    p.price.quantity,
                    names.commodity(p.price.commodity)
                ))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(ps, vec!["2024-01-01 EUR 1.10 $", "2024-01-02 ACME 1 3 EUR"]);
}

#[test]
fn ignored_directives() {
    assert!(
        read("payee Shop\ntag project\ncommodity-conversion x\n2024-01-01 x\n a  1\n b\n").is_ok()
    );
    let bean = "option \"title\" \"x\"\nplugin \"p\"\n2024-01-01 note Assets:A \"n\"\n2024-01-01 event \"a\" \"b\"\n2024-01-01 document Assets:A \"/x\"\n2024-01-01 custom \"budget\" Assets:A\n2024-01-01 query \"q\" \"select\"\n";
    let (items, _) = read_in(Format::Beancount, bean, &[]).unwrap();
    assert!(items.is_empty());
}

#[test]
fn includes_and_cycles() {
    let files = [
        ("a.journal", "include b.journal\n2024-01-02 a\n x  1\n y\n"),
        ("b.journal", "2024-01-01 b\n x  2\n y\n"),
    ];
    let (items, _) = read_in(
        Format::Hledger,
        "include a.journal\n2024-01-03 main\n x  3\n y\n",
        &files,
    )
    .unwrap();
    let lines: Vec<(u32, u32)> = txs(&items)
        .iter()
        .map(|t| (t.location.file, t.location.line))
        .collect();
    assert_eq!(lines, vec![(2, 1), (1, 2), (0, 2)]);
    let cyc = [
        ("a.journal", "include b.journal\n"),
        ("b.journal", "\ninclude a.journal\n"),
    ];
    let e = read_in(Format::Hledger, "include a.journal\n", &cyc).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("b.journal", 2));
    assert!(
        e.message
            .contains("include cycle: main -> a.journal -> b.journal -> a.journal"),
        "{e}"
    );
    let e = read_in(Format::Hledger, "\ninclude nope.journal\n", &[]).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("cannot include 'nope.journal'"));
    let e = read_in(
        Format::Hledger,
        "include a.journal\n",
        &[("a.journal", "2024-01-01 x\n a  1 U\n b  2 U\n")],
    )
    .unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("a.journal", 1));
    let (items, _) = read_in(
        Format::Beancount,
        "include \"b.bean\"\n",
        &[("b.bean", "2024-01-01 open Assets:A\n")],
    )
    .unwrap();
    assert_eq!(items.len(), 1);
}

#[test]
fn inferred_amounts_one_per_commodity() {
    let got = postings_of("2024-01-01 x\n a  1 U\n a  2 V\n b\n", Format::Hledger);
    assert_eq!(got, vec!["a 1 U", "a 2 V", "b -1 U", "b -2 V"]);
}

#[test]
fn conversion_without_price() {
    let (items, names) = read("2024-01-01 x\n a  -100 EUR\n b  $110.00\n").unwrap();
    let p = txs(&items)[0].postings[0].price.unwrap();
    assert_eq!(
        p,
        Price::Total(Amount {
            commodity: names.find_commodity("$").unwrap(),
            quantity: Decimal::new(11000, 2).unwrap()
        })
    );
    assert_err(
        Format::Beancount,
        "2024-01-01 *\n  Assets:A  -100 EUR\n  Assets:B  110.00 USD\n",
        1,
        "does not balance",
    );
}

#[test]
fn balancing_uses_precision_learned_later() {
    // Pass 1 tolerates 0.001 with 2 decimals seen so far, then a later amount shows
    // 3 decimals: finish() reports the transaction.
    let text = "2024-01-01 x\n a  3 F @ $3.333\n b  -$10.00\n\n2024-01-02 y\n c  $0.001\n d\n";
    let e = read(text).unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.message.contains("off by -$0.001"), "{e}");
    assert!(read("2024-01-01 x\n a  3 F @ $3.333\n b  -$10.00\n").is_ok());
}

#[test]
fn beancount_transactions() {
    let text = "2024-01-01 open Assets:Cash USD\n2024-01-02 * \"Shop\" \"Milk \\\"fresh\\\"\" #food ^r1 ; c\n  key: \"meta\"\n  Expenses:Food  2.00 USD\n    line: 3\n  ! Assets:Cash  -2.00 USD\n  #extra\n2024-01-03 txn \"only narration\"\n  Expenses:Food  1 USD\n  Assets:Cash\n";
    let (items, names) = read_in(Format::Beancount, text, &[]).unwrap();
    let t = txs(&items);
    assert_eq!(t[0].description, "Shop | Milk \"fresh\"");
    assert_eq!(
        t[0].tags,
        vec![
            ("food".into(), "".into()),
            ("link".into(), "r1".into()),
            ("extra".into(), "".into())
        ]
    );
    assert_eq!(t[0].postings.len(), 2);
    assert_eq!(t[1].description, "only narration");
    assert_eq!(t[1].status, Status::Unmarked);
    assert_eq!(names.account(t[1].postings[1].account), "Assets:Cash");
    let Item::Account(a) = &items[0] else {
        panic!()
    };
    assert_eq!(a.account_type, Some(AccountType::Asset));
    assert_eq!(a.currencies.len(), 1);
}

#[test]
fn beancount_directives() {
    let text = "2024-01-01 commodity ACME\n2024-01-02 price ACME 3.5 USD\n2024-01-03 balance Assets:A 10.00 USD\n2024-01-04 close Assets:A\npushtag #t\n2024-01-05 * \"x\"\n  Assets:A  1 USD\n  Assets:B\npoptag #t\n";
    let (items, _) = read_in(Format::Beancount, text, &[]).unwrap();
    assert!(matches!(items[0], Item::Commodity(_)));
    assert!(matches!(items[1], Item::Price(_)));
    assert!(matches!(items[2], Item::BalanceAssertion { .. }));
    assert!(matches!(items[3], Item::Close { .. }));
    assert_eq!(txs(&items)[0].tags, vec![("t".into(), "".into())]);
}

#[test]
fn errors_name_the_line() {
    use Format::*;
    let cases: &[(Format, &str, u32, &str)] = &[
        (
            Hledger,
            "\n2024-02-30 x\n a  1\n b\n",
            2,
            "invalid date '2024-02-30'",
        ),
        (Hledger, "2024-13-01 x\n", 1, "invalid date"),
        (Hledger, "01/05 x\n a  1\n b\n", 1, "no year"),
        (Hledger, "2024-01-01 x\n a  1 U\n b  2 U\n", 1, "off by 3 U"),
        (
            Hledger,
            "2024-01-01 x\n a  $1.00\n b  -$0.99\n",
            1,
            "transaction does not balance: off by $0.01",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1.00 USD\n b  -0.99 USD\n",
            1,
            "off by 0.01 USD",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1\n b\n c\n",
            1,
            "more than one posting without an amount",
        ),
        (Hledger, "2024-01-01 x\n", 1, "no postings"),
        (
            Hledger,
            "2024-01-01 x\n (a)  1\n b\n",
            2,
            "virtual posting '(a)' is not supported",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1\n [b]  -1\n",
            3,
            "virtual posting",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  = 5\n b\n",
            2,
            "balance assignments",
        ),
        (Hledger, "2024-01-01 x\n a  5 =* 5\n b\n", 2, "=*"),
        (Hledger, "2024-01-01 x\n a  5 ==* 5\n b\n", 2, "==*"),
        (
            Ledger,
            "2024-01-01 x\n a  1,000 EUR\n b\n",
            2,
            "ambiguous number '1,000'",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1.000. EUR\n b\n",
            2,
            "a decimal mark may occur only once",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1,000.50,1 EUR\n b\n",
            2,
            "invalid number",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1,000 2 EUR\n b\n",
            2,
            "digits after a space",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1 EUR xyz\n b\n",
            2,
            "unexpected text in posting: 'xyz'",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  (1 + 2) EUR\n b\n",
            2,
            "expressions",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1234567890123456789012345678901 EUR\n b\n",
            2,
            "too large",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1.1234567890123456789 EUR\n b\n",
            2,
            "too many decimals",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  \"ACME 1 5\n b\n",
            2,
            "unterminated",
        ),
        (Hledger, "= expr:food\n a  1\n", 1, "automated transactions"),
        (Hledger, "~ monthly\n a  1\n", 1, "periodic transactions"),
        (Hledger, "alias a = b\n", 1, "aliases are not supported"),
        (
            Hledger,
            "apply account x\n",
            1,
            "unsupported directive 'apply'",
        ),
        (
            Hledger,
            "frobnicate 3\n",
            1,
            "unknown syntax: 'frobnicate 3'",
        ),
        (Hledger, "\n\n  a  1\n", 3, "indented line"),
        (Hledger, "decimal-mark x\n", 1, "decimal-mark"),
        (Hledger, "Y abc\n", 1, "invalid year"),
        (
            Hledger,
            "account assets:x  ; type: Q\n",
            1,
            "unknown account type 'Q'",
        ),
        (Hledger, "account x\n  alias y\n", 2, "alias"),
        (Hledger, "include\n", 1, "include without a file name"),
        (Hledger, "P 2024-01-01 EUR\n", 1, "expected"),
        (Hledger, "2024-01-01 x\n a:  1\n b\n", 2, "empty component"),
        (
            Hledger,
            "2024-01-01 x\n a  @ $1\n b\n",
            2,
            "needs an amount",
        ),
        (
            Hledger,
            "2024-01-01 x\n a  1 EUR {\n b\n",
            2,
            "unterminated",
        ),
        (
            Beancount,
            "2024-01-01 pad Assets:A Equity:B\n",
            1,
            "pad is not supported",
        ),
        (
            Beancount,
            "2024-01-01 *\n  Assets:A  1 ACME {}\n  Assets:B\n",
            2,
            "empty cost",
        ),
        (
            Beancount,
            "2024-01-01 *\n  Assets:A  1 ACME {1 # 5 USD}\n  Assets:B\n",
            2,
            "compound",
        ),
        (
            Beancount,
            "2024-01-01 *\n  Assets:A  10\n  Assets:B\n",
            2,
            "expected a currency",
        ),
        (
            Beancount,
            "2024-01-01 *\n  Assets:A  10 + 2 USD\n  Assets:B\n",
            2,
            "arithmetic",
        ),
        (
            Beancount,
            "2024-01-01 *\n  assets:a  10 USD\n  Assets:B\n",
            2,
            "invalid account",
        ),
        (Beancount, "2024-01-01 frob\n", 1, "unknown syntax"),
        (Beancount, "foo\n", 1, "unknown syntax"),
        (Beancount, "2024-02-30 open Assets:A\n", 1, "invalid date"),
        (Beancount, "poptag #x\n", 1, "without a pushtag"),
        (
            Beancount,
            "2024-01-01 * \"unterminated\n  Assets:A  1 USD\n",
            1,
            "unterminated string",
        ),
        (
            Beancount,
            "2024-01-01 balance Assets:A 1 USD xyz\n",
            1,
            "unexpected text",
        ),
        (
            Beancount,
            "2024-01-01 price acme 1 USD\n",
            1,
            "invalid currency",
        ),
        (
            Beancount,
            "2024-01-01 * \"x\"\n  Assets:A  1.00 USD\n  Assets:B  -0.99 USD\n",
            1,
            "off by 0.01 USD",
        ),
    ];
    for (f, text, line, needle) in cases {
        assert_err(*f, text, *line, needle);
    }
}

#[test]
fn refuses_binary_and_bad_text() {
    assert_err(
        Format::Hledger,
        "; ok\n2024\0\n",
        2,
        "NUL byte: not a text file",
    );
    let mut bytes = b"; ok\n; ok\n; \xff\xfe\n".to_vec();
    let mut res = NoIncludes;
    let mut r = Reader::new(
        "main",
        Box::new(std::io::Cursor::new(std::mem::take(&mut bytes))),
        Format::Hledger,
        &mut res,
    );
    let e = r.next_item().unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("not valid UTF-8"));
    assert_eq!(r.next_item(), Ok(None), "a reader stops after an error");
    let long = format!("; {}\n", "x".repeat(MAX_LINE + 10));
    assert_err(Format::Hledger, &long, 1, "line longer than");
    let huge = format!(
        "\n2024-01-01 x\n{}",
        " a  1\n".repeat(MAX_TRANSACTION_LINES + 1)
    );
    assert_err(Format::Hledger, &huge, 2, "transaction longer than");
    assert!(
        read("\u{feff}2024-01-01 x\r\n a  1\r\n b\r\n").is_ok(),
        "BOM and CRLF are fine"
    );
}

#[test]
fn bytes_read_counts_everything() {
    let text = "2024-01-01 x\n a  1\n b\n";
    let mut res = NoIncludes;
    let mut r = Reader::new(
        "m",
        Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
        Format::Hledger,
        &mut res,
    );
    while r.next_item().unwrap().is_some() {}
    assert_eq!(r.bytes_read(), text.len() as u64);
}

#[test]
fn format_names() {
    assert_eq!(Format::parse("HLedger"), Some(Format::Hledger));
    assert_eq!(Format::parse("ledger"), Some(Format::Ledger));
    assert_eq!(Format::parse("beancount"), Some(Format::Beancount));
    assert_eq!(Format::parse("csv"), None);
    assert_eq!(Format::Beancount.name(), "beancount");
}

fn check_assertions(format: Format, text: &str) -> Result<(), JournalError> {
    let (items, names) = read_in(format, text, &[])?;
    let mut c = AssertionChecker::new();
    let mut seq = 0;
    for i in &items {
        match i {
            Item::Transaction(t) => {
                seq += 1;
                c.learn_transaction(t, seq, "main");
            }
            Item::BalanceAssertion {
                location,
                date,
                account,
                amount,
            } => c.learn_balance(
                *date,
                *account,
                amount.commodity,
                amount.quantity,
                "main",
                location.line,
            ),
            _ => {}
        }
    }
    let mut seq = 0;
    for i in &items {
        if let Item::Transaction(t) = i {
            seq += 1;
            c.feed_transaction(t, seq);
        }
    }
    c.finish(&names)
}

#[test]
fn assertions_in_date_then_parse_order() {
    let ok = "2024-01-03 x\n a  $5 = $15\n b\n\n2024-01-01 y\n a  $10 = $10\n b\n\n2024-01-03 z\n a  $1 = $16\n b\n";
    assert_eq!(check_assertions(Format::Hledger, ok), Ok(()));
    let bad = "2024-01-01 y\n a  $10 = $10\n b\n\n2024-01-05 z\n a  $1 = $13\n b\n\n2024-01-02 w\n a  $2\n b\n\n2024-01-09 v\n a  $1 = $99\n b\n";
    let e = check_assertions(Format::Hledger, bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        "main:14: balance assertion failed: expected $99, was $14"
    );
    // Postings after the asserting one in the same transaction do not count.
    let same = "2024-01-01 x\n a  $1 = $1\n a  $2 = $3\n b\n";
    assert_eq!(check_assertions(Format::Hledger, same), Ok(()));
}

#[test]
fn total_assertions_see_other_commodities() {
    let text = "2024-01-01 x\n a  5 EUR\n b\n\n2024-01-02 y\n a  $1 == $1\n b\n";
    let e = check_assertions(Format::Hledger, text).unwrap_err();
    assert_eq!(e.line, 6);
    assert!(e.message.contains("expected no EUR in a, was 5 EUR"), "{e}");
    let text = "2024-01-01 x\n a  5 EUR\n b\n\n2024-01-02 y\n a  $1 = $1\n b\n";
    assert_eq!(check_assertions(Format::Hledger, text), Ok(()));
}

#[test]
fn beancount_balance_is_at_the_start_of_the_day() {
    let text = "2024-01-01 *\n  Assets:A  10.00 USD\n  Assets:B\n2024-01-02 *\n  Assets:A  5.00 USD\n  Assets:B\n2024-01-02 balance Assets:A 10.00 USD\n2024-01-03 balance Assets:A 15.00 USD\n";
    assert_eq!(check_assertions(Format::Beancount, text), Ok(()));
    let bad =
        "2024-01-01 *\n  Assets:A  10.00 USD\n  Assets:B\n2024-01-01 balance Assets:A 10.00 USD\n";
    let e = check_assertions(Format::Beancount, bad).unwrap_err();
    assert_eq!(
        e.to_string(),
        "main:4: balance assertion failed: expected 10.00 USD, was 0 USD"
    );
}
