//! Speed and memory of the reader on a large journal (not a timing test: it is ignored
//! unless asked for). Run:
//! `STEWARD_JOURNAL_BENCH=big.journal cargo test --release -p steward-io --test journal_bench -- --ignored --nocapture`
#![allow(clippy::unwrap_used)]

use steward_io::journal::{AssertionChecker, Format, Item, NoIncludes, Reader};

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: unknown")
        .to_string()
}

#[test]
#[ignore = "benchmark: needs STEWARD_JOURNAL_BENCH=FILE"]
fn read_large_journal_twice() {
    let Some(path) = std::env::var_os("STEWARD_JOURNAL_BENCH") else {
        println!("SKIPPED: set STEWARD_JOURNAL_BENCH=FILE");
        return;
    };
    let path = std::path::PathBuf::from(path);
    let format = if path.extension().is_some_and(|e| e == "beancount") {
        Format::Beancount
    } else {
        Format::Hledger
    };
    let size = std::fs::metadata(&path).unwrap().len();
    let t = std::time::Instant::now();
    let mut res = NoIncludes;
    let f = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path).unwrap());
    let mut r = Reader::new("big", Box::new(f), format, &mut res);
    let mut checker = AssertionChecker::new();
    let (mut txs, mut postings, mut seq) = (0u64, 0u64, 0u64);
    while let Some(item) = r.next_item().unwrap() {
        if let Item::Transaction(tx) = item {
            seq += 1;
            txs += 1;
            postings += tx.postings.len() as u64;
            checker.learn_transaction(&tx, seq, "big");
        }
    }
    let names = r.finish().unwrap();
    let pass1 = t.elapsed().as_secs_f64();
    let t2 = std::time::Instant::now();
    let f = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path).unwrap());
    let mut r = Reader::with_names("big", Box::new(f), format, &mut res, names);
    let mut seq = 0;
    while let Some(item) = r.next_item().unwrap() {
        if let Item::Transaction(tx) = item {
            seq += 1;
            checker.feed_transaction(&tx, seq);
        }
    }
    let names = r.finish().unwrap();
    checker.finish(&names).unwrap();
    let pass2 = t2.elapsed().as_secs_f64();
    let mb = size as f64 / 1e6;
    println!(
        "{txs} transactions, {postings} postings, {mb:.0} MB, {} accounts: pass 1 {pass1:.2}s ({:.0} MB/s), pass 2 {pass2:.2}s ({:.0} MB/s), {}",
        names.account_count(),
        mb / pass1,
        mb / pass2,
        vm_hwm()
    );
}
