//! Bytes to text (UTF-8, else Windows-1252) and byte offsets to line numbers.

use std::borrow::Cow;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Windows-1252 0x80..=0x9F; the five bytes it leaves undefined map to the C1 controls of
/// the same number, as browsers decode them.
const CP1252_80: [char; 32] = [
    '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}', '\u{178}',
];

/// The text of a file: UTF-8 when the bytes are valid UTF-8 (a leading byte-order mark is
/// dropped), else Windows-1252 (a superset of Latin-1 for printable text), which older OFX
/// files (`CHARSET:1252`) and many bank CSV exports use. Every byte sequence decodes, so
/// this never fails.
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| cp1252(b)).collect()),
    }
}

fn cp1252(b: u8) -> char {
    match b {
        0x80..=0x9f => CP1252_80[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Finds the 1-based line of a byte offset. Line breaks are LF, CRLF or a lone CR.
pub(crate) struct Lines {
    /// Offsets where lines 2, 3, ... start.
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Lines {
        let b = text.as_bytes();
        let mut starts = Vec::new();
        for (i, &c) in b.iter().enumerate() {
            if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        Lines { starts }
    }

    /// The line `offset` is on.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_or_windows_1252() {
        assert_eq!(decode(b"\xEF\xBB\xBFM\xC3\xBCller"), "Müller");
        assert_eq!(
            decode(b"M\xFCller \x80 \x93x\x94 \x81"),
            "Müller € \u{201c}x\u{201d} \u{81}"
        );
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&all).chars().count(), 256);
    }

    #[test]
    fn line_numbers() {
        let l = Lines::new("a\nb\r\nc\rd");
        assert_eq!(
            [0, 1, 2, 3, 4, 5, 6, 7, 99].map(|o| l.line_of(o)),
            [1, 1, 2, 2, 2, 3, 3, 4, 4]
        );
    }
}
