//! Property tests: the reader never panics, generated journals round-trip through the
//! writers, and balancing never accepts an unbalanced transaction.
#![allow(clippy::unwrap_used)]

#[path = "journal_support.rs"]
mod support;

use proptest::prelude::*;
use steward_io::journal::{
    balance, Amount, Decimal, Format, Item, NoIncludes, Posting, Reader, Writer,
};
use support::*;

fn read_all(bytes: Vec<u8>, format: Format) {
    let mut res = NoIncludes;
    let mut r = Reader::new(
        "fuzz",
        Box::new(std::io::Cursor::new(bytes)),
        format,
        &mut res,
    );
    for _ in 0..100_000 {
        match r.next_item() {
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    let _ = r.finish();
}

const FORMATS: [Format; 3] = [Format::Hledger, Format::Ledger, Format::Beancount];

fn seeds() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400), f in 0usize..3) {
        read_all(bytes, FORMATS[f]);
    }

    #[test]
    fn never_panics_on_journal_like_text(s in "([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[ \\t]+|[a-zA-Z:]+|[-+$€\"@=*!;#{}(),.0-9]|\n){0,60}", f in 0usize..3) {
        read_all(s.into_bytes(), FORMATS[f]);
    }

    #[test]
    fn never_panics_on_mutated_journals(seed in 0usize..11, edits in proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 1..8), f in 0usize..3) {
        let seeds = seeds();
        let mut bytes = seeds[seed % seeds.len()].clone().into_bytes();
        for (pos, b, op) in edits {
            let i = usize::from(pos) % (bytes.len() + 1);
            match op {
                0 => bytes.insert(i, b),
                1 if i < bytes.len() => { bytes.remove(i); }
                _ if i < bytes.len() => bytes[i] = b,
                _ => {}
            }
        }
        read_all(bytes, FORMATS[f]);
    }

    #[test]
    fn generated_journals_round_trip(txs in proptest::collection::vec(
        (1u32..28, proptest::collection::vec((0usize..6, -1_000_000i64..1_000_000, 0u8..3), 1..4), any::<bool>()), 1..20)) {
        let accounts = ["assets:bank", "assets:cash", "liabilities:card", "income:sales", "expenses:food", "equity:open"];
        let symbols = ["USD", "$", "EUR"];
        let mut text = String::new();
        for (day, postings, omit) in &txs {
            text.push_str(&format!("2024-03-{day:02} * generated\n"));
            let mut sums = [0i64; 3];
            for (a, cents, c) in postings {
                let c = usize::from(*c);
                sums[c] += cents;
                let q = Decimal::new(i128::from(*cents), 2).unwrap();
                if symbols[c] == "$" { text.push_str(&format!("    {}  ${q}\n", accounts[*a])); }
                else { text.push_str(&format!("    {}  {q} {}\n", accounts[*a], symbols[c])); }
            }
            if *omit {
                text.push_str("    equity:open\n");
            } else {
                for (c, s) in sums.iter().enumerate() {
                    if *s != 0 || c == 0 {
                        text.push_str(&format!("    equity:open  {} {}\n", Decimal::new(-i128::from(*s), 2).unwrap(), symbols[c]));
                    }
                }
            }
            text.push('\n');
        }
        let (items, names) = read_str(&text, Format::Hledger).unwrap();
        let before = trial(&items, &names);
        for format in [Format::Hledger, Format::Beancount] {
            let mut w = Writer::new(format, Vec::new());
            for i in &items {
                if let Item::Transaction(t) = i { w.write_transaction(&names, t).unwrap(); }
            }
            let mut map_a = std::collections::BTreeMap::new();
            let mut map_c = std::collections::BTreeMap::new();
            for (a, c) in before.keys() {
                map_a.insert(a.clone(), w.account_name(&names, names.find_account(a).unwrap()).unwrap());
                map_c.insert(c.clone(), w.commodity_name(&names, names.find_commodity(c).unwrap()).unwrap());
            }
            let out = String::from_utf8(w.into_inner()).unwrap();
            let (items2, names2) = read_str(&out, format).unwrap_or_else(|e| panic!("{e}\n{out}"));
            let after = trial(&items2, &names2);
            let mapped: Trial = before.iter().map(|((a, c), v)| ((map_a[a].clone(), map_c[c].clone()), *v)).collect();
            prop_assert_eq!(mapped, after);
        }
    }

    #[test]
    fn balancing_never_accepts_an_imbalance(amounts in proptest::collection::vec((0u32..3, -100_000i64..100_000, 0u8..4), 1..6), prec in 0u8..4) {
        let mut ps: Vec<Posting> = amounts
            .iter()
            .map(|(c, m, s)| Posting::new(0, Some(Amount { commodity: *c, quantity: Decimal::new(i128::from(*m), *s).unwrap() })))
            .collect();
        let mut sums = [Decimal::ZERO; 3];
        for (c, m, s) in &amounts {
            let i = usize::try_from(*c).unwrap();
            sums[i] = sums[i].checked_add(Decimal::new(i128::from(*m), *s).unwrap()).unwrap();
        }
        let balanced = sums.iter().all(|s| s.round_to(prec).is_zero());
        let r = balance(&mut ps, &|_| prec, false);
        prop_assert_eq!(r.is_ok(), balanced);
    }

    /// Any number written with digit group marks (`1,234,567.89`, `1.234.567,89`,
    /// `1 234 567`) reads back as itself, with the commodity's decimal mark declared and, for
    /// numbers that are not ambiguous, without.
    #[test]
    fn grouped_numbers_read_back(m in any::<i64>(), scale in 0u8..6, marks in prop::sample::select(vec![
        (',', '.'), ('.', ','), (' ', '.'), (' ', ','),
    ]), declare in any::<bool>()) {
        let (group, decimal) = marks;
        let v = Decimal::new(i128::from(m), scale).unwrap();
        let plain = v.checked_abs().unwrap().to_string();
        let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
        let mut text = String::from(if m < 0 { "-" } else { "" });
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                text.push(group);
            }
            text.push(c);
        }
        if scale > 0 {
            text.push(decimal);
            text.push_str(frac);
        }
        let lone = text.matches(group).count() == 1 && group != ' ' && scale == 0;
        let head = if declare || lone { format!("decimal-mark {decimal}\n") } else { String::new() };
        let journal = format!("{head}2024-01-01 x\n    a    {text} XYZ\n    b\n");
        let (items, names) = read_str(&journal, Format::Hledger).map_err(|e| TestCaseError::fail(format!("{e}\n{journal}")))?;
        let t = trial(&items, &names);
        prop_assert_eq!(t.get(&("a".to_string(), "XYZ".to_string())).copied().unwrap_or(Decimal::ZERO), v, "{}", journal);
    }
}
