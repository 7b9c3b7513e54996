//! Text as the base-14 fonts see it: Unicode mapped to WinAnsiEncoding bytes, and those
//! bytes broken into lines that fit a measured width.

use super::metrics::Font;

/// Maps Unicode text to WinAnsiEncoding (Windows code page 1252) bytes, one byte a
/// character, the encoding the PDF's Helvetica fonts are set up with.
///
/// A character the encoding lacks becomes `?`, and so does a control character, except a
/// tab, which becomes a space. A few characters that number and date formatting produces
/// get the nearest glyph instead of `?`: the narrow and figure no-break spaces (French and
/// Swiss thousands separators) become a no-break space, the minus sign and the Unicode
/// hyphens a hyphen-minus. Invisible characters (soft hyphen, zero-width space and joiners,
/// byte-order mark) are dropped. Line breaks are the caller's business: the renderer splits
/// text into lines before it encodes them, so here `\n` is a control character like any
/// other.
pub fn encode_win_ansi(text: &str) -> Vec<u8> {
    text.chars().filter_map(win_ansi_byte).collect()
}

/// The WinAnsi byte for `c`; `None` for a character that is dropped.
fn win_ansi_byte(c: char) -> Option<u8> {
    let byte = match c {
        ' '..='~' => c as u8,
        '\t' => b' ',
        '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' => return None,
        // Latin-1 printable range: WinAnsi agrees with Unicode here.
        '\u{A0}'..='\u{FF}' => c as u32 as u8,
        '\u{20AC}' => 0x80,
        '\u{201A}' => 0x82,
        '\u{0192}' => 0x83,
        '\u{201E}' => 0x84,
        '\u{2026}' => 0x85,
        '\u{2020}' => 0x86,
        '\u{2021}' => 0x87,
        '\u{02C6}' => 0x88,
        '\u{2030}' => 0x89,
        '\u{0160}' => 0x8A,
        '\u{2039}' => 0x8B,
        '\u{0152}' => 0x8C,
        '\u{017D}' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '\u{2022}' => 0x95,
        '\u{2013}' => 0x96,
        '\u{2014}' => 0x97,
        '\u{02DC}' => 0x98,
        '\u{2122}' => 0x99,
        '\u{0161}' => 0x9A,
        '\u{203A}' => 0x9B,
        '\u{0153}' => 0x9C,
        '\u{017E}' => 0x9E,
        '\u{0178}' => 0x9F,
        // Fallbacks for what number and date formatting emits.
        '\u{202F}' | '\u{2007}' => 0xA0,
        '\u{2212}' | '\u{2010}' | '\u{2011}' => b'-',
        _ => b'?',
    };
    Some(byte)
}

/// Splits `text` into hard lines: `\n`, `\r\n` and a lone `\r` all end a line.
pub(crate) fn hard_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\n', '\r']) {
            Some(i) => {
                let skip = if s[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[i + skip..]);
                Some(&s[..i])
            }
            None => {
                rest = None;
                Some(s)
            }
        }
    })
}

/// Breaks `text` into WinAnsi lines no wider than `max_width` points in `font` at `size`.
///
/// Hard line breaks are kept; lines break at spaces (a run of spaces counts as one), and a
/// word wider than the whole line is cut between characters. A line holds at least one
/// character, so the result is finite whatever the width. Empty text is one empty line.
pub(crate) fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    let max_units = if size > 0.0 && max_width > 0.0 {
        // Float to integer casts saturate, so a huge width is simply "no limit".
        (max_width * 1000.0 / size) as u32
    } else {
        0
    };
    let mut lines = Vec::new();
    for line in hard_lines(text) {
        wrap_encoded(&encode_win_ansi(line), font, max_units, &mut lines);
    }
    lines
}

fn wrap_encoded(text: &[u8], font: Font, max_units: u32, lines: &mut Vec<Vec<u8>>) {
    let space = font.glyph_units(b' ');
    let mut line: Vec<u8> = Vec::new();
    let mut used = 0u32;
    let mut pushed_any = false;
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let width = font.units(word);
        if !line.is_empty() && used + space + width <= max_units {
            line.push(b' ');
            line.extend_from_slice(word);
            used += space + width;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            pushed_any = true;
            used = 0;
        }
        if width <= max_units {
            line.extend_from_slice(word);
            used = width;
            continue;
        }
        // Wider than a whole line: cut it, and let the next word follow its last piece.
        for &b in word {
            let w = font.glyph_units(b);
            if !line.is_empty() && used + w > max_units {
                lines.push(std::mem::take(&mut line));
                pushed_any = true;
                used = 0;
            }
            line.push(b);
            used += w;
        }
    }
    if !line.is_empty() || !pushed_any {
        lines.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped(text: &str, width: f32) -> Vec<String> {
        wrap(text, Font::Regular, 10.0, width)
            .into_iter()
            .map(|l| String::from_utf8(l).expect("ascii in these tests"))
            .collect()
    }

    #[test]
    fn cp1252_mapping() {
        assert_eq!(encode_win_ansi("€"), [0x80]);
        assert_eq!(encode_win_ansi("é"), [0xE9]);
        assert_eq!(encode_win_ansi("漢"), b"?");
        assert_eq!(
            encode_win_ansi("Straße 5 – “ok” …"),
            b"Stra\xDFe 5 \x96 \x93ok\x94 \x85"
        );
        assert_eq!(encode_win_ansi("Œuvre ™ ž Ÿ"), b"\x8Cuvre \x99 \x9E \x9F");
        assert_eq!(encode_win_ansi("a\tb\u{7}c"), b"a b?c");
        // Control codes of the C1 range are not the WinAnsi glyphs at those positions.
        assert_eq!(encode_win_ansi("\u{80}\u{9F}"), b"??");
        // Emoji are one char (not two surrogates): one '?'.
        assert_eq!(encode_win_ansi("x😀y"), b"x?y");
        assert_eq!(
            encode_win_ansi("1\u{202F}234,56\u{A0}€"),
            b"1\xA0234,56\xA0\x80"
        );
        assert_eq!(encode_win_ansi("\u{2212}5"), b"-5");
        assert_eq!(encode_win_ansi("soft\u{AD}hyphen\u{200B}"), b"softhyphen");
    }

    #[test]
    fn every_latin1_character_maps_to_itself() {
        for code in 0xA0u32..=0xFF {
            let c = char::from_u32(code).expect("latin-1");
            if c == '\u{AD}' {
                continue;
            }
            assert_eq!(encode_win_ansi(&c.to_string()), [code as u8]);
        }
    }

    #[test]
    fn wrapping_splits_at_spaces() {
        // "Hello" is 22.78 pt at 10 pt, a space 2.78 pt: two words need 48.34 pt.
        assert_eq!(wrapped("Hello Hello Hello", 48.4), ["Hello Hello", "Hello"]);
        assert_eq!(
            wrapped("Hello Hello Hello", 48.3),
            ["Hello", "Hello", "Hello"]
        );
        assert_eq!(wrapped("Hello   Hello", 200.0), ["Hello Hello"]);
        assert_eq!(wrapped("  Hello  ", 200.0), ["Hello"]);
    }

    #[test]
    fn wrapping_hard_breaks_a_word_longer_than_the_width() {
        // Each 'o' is 5.56 pt at 10 pt: four fit in 23 pt, five do not.
        assert_eq!(wrapped("oooooooooo", 23.0), ["oooo", "oooo", "oo"]);
        // The next word follows the last piece when it fits.
        assert_eq!(wrapped("oooooo o", 23.0), ["oooo", "oo o"]);
        // A line always takes one character, even when none fits.
        assert_eq!(wrapped("abc", 0.0), ["a", "b", "c"]);
    }

    #[test]
    fn wrapping_keeps_hard_breaks_and_empty_lines() {
        assert_eq!(wrapped("a\nb\r\nc\rd", 100.0), ["a", "b", "c", "d"]);
        assert_eq!(wrapped("a\n\nb", 100.0), ["a", "", "b"]);
        assert_eq!(wrapped("", 100.0), [""]);
        assert_eq!(wrapped("   ", 100.0), [""]);
    }

    #[test]
    fn wrapped_lines_fit_the_width() {
        let text = "The quick brown fox jumps over the lazy dog, again and again; \
                    Donaudampfschifffahrtsgesellschaftskapitänswitwe included.";
        for width in [20.0, 55.5, 80.0, 150.0] {
            for line in wrap(text, Font::Bold, 9.0, width) {
                assert!(line.len() == 1 || Font::Bold.width(&line, 9.0) <= width + 1e-3);
            }
        }
    }
}
