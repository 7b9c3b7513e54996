//! Feeds arbitrary bytes to the journal reader in each format; any panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_io::journal::{Format, IncludeResolver, Reader};

/// Resolves every include to a fixed small journal, so include handling is fuzzed too.
struct Fixed;

impl IncludeResolver for Fixed {
    fn open(
        &mut self,
        _including: &str,
        path: &str,
    ) -> Result<(String, Box<dyn std::io::BufRead + Send>), String> {
        let text = b"2024-01-01 x\n  a  1 USD\n  b\n".to_vec();
        Ok((path.to_string(), Box::new(std::io::Cursor::new(text))))
    }
}

fuzz_target!(|data: &[u8]| {
    for format in [Format::Hledger, Format::Ledger, Format::Beancount] {
        let mut res = Fixed;
        let mut r = Reader::new("fuzz", Box::new(std::io::Cursor::new(data.to_vec())), format, &mut res);
        while let Ok(Some(_)) = r.next_item() {}
        let _ = r.finish();
    }
});
