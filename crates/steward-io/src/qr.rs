//! QR codes as SVG, for labels that open a record's page when scanned (IT's asset labels).
//! Encoded by `qrcodegen` at error correction level M (a code stays readable with about 15%
//! of it damaged or covered, as a label on a laptop gets), with the quiet zone of four modules
//! that ISO/IEC 18004 asks for around the symbol.
use std::fmt::Write;

use qrcodegen::{QrCode, QrCodeEcc};

/// The quiet zone around the symbol, in modules (ISO/IEC 18004: at least four).
const QUIET: i32 = 4;

/// The text does not fit in a QR code at level M (2,331 bytes of text at most).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the text is too long for a QR code ({0} bytes)")]
pub struct TooLong(pub usize);

/// Which modules of `text`'s QR code are dark, row by row, quiet zone included: what
/// [`svg`] draws.
pub fn modules(text: &str) -> Result<Vec<Vec<bool>>, TooLong> {
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).map_err(|_| TooLong(text.len()))?;
    let size = qr.size() + 2 * QUIET;
    Ok((0..size)
        .map(|y| {
            (0..size)
                .map(|x| qr.get_module(x - QUIET, y - QUIET))
                .collect()
        })
        .collect())
}

/// An SVG image of `text` as a QR code: dark modules in one path on a white square, scaled by
/// its `viewBox` to whatever size the page gives it. `label` is the image's accessible name
/// (escaped here).
pub fn svg(text: &str, label: &str) -> Result<String, TooLong> {
    let grid = modules(text)?;
    let n = grid.len();
    let mut path = String::new();
    for (y, row) in grid.iter().enumerate() {
        let mut x = 0;
        while x < n {
            if row[x] {
                // One rectangle per run of dark modules in a row.
                let start = x;
                while x < n && row[x] {
                    x += 1;
                }
                let _ = write!(path, "M{start} {y}h{}v1H{start}z", x - start);
            } else {
                x += 1;
            }
        }
    }
    let label = escape(label);
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {n} {n}\" role=\"img\" \
         aria-label=\"{label}\" shape-rendering=\"crispEdges\"><title>{label}</title>\
         <rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a scanner reads from the modules, drawn `scale` pixels a module.
    fn scan(grid: &[Vec<bool>], scale: usize) -> Vec<String> {
        let n = grid.len() * scale;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(n, n, |x, y| {
            if grid[y / scale][x / scale] {
                0
            } else {
                255
            }
        });
        img.detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok().map(|(_, text)| text))
            .collect()
    }

    #[test]
    fn a_scanner_reads_the_url_back() {
        let url = "https://steward.example.com/it/assets/12345";
        let grid = modules(url).expect("fits");
        assert_eq!(scan(&grid, 4), [url]);
        // The quiet zone: four light modules on every side.
        let n = grid.len();
        let edge = |i: usize| i < 4 || i >= n - 4;
        for (y, row) in grid.iter().enumerate() {
            for (x, dark) in row.iter().enumerate() {
                assert!(!(*dark && (edge(x) || edge(y))), "dark module at {x},{y}");
            }
        }
    }

    #[test]
    fn the_svg_draws_the_dark_modules_and_escapes_its_name() {
        let svg = svg("A-000001", "Label <A-000001> & \"co\"").expect("fits");
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.contains("aria-label=\"Label &lt;A-000001&gt; &amp; &quot;co&quot;\""));
        assert!(!svg.contains("<A-000001>"));
        // Version 1 (21 modules) plus the quiet zone.
        assert!(svg.contains("viewBox=\"0 0 29 29\""), "{svg}");
        let dark: usize = modules("A-000001")
            .expect("fits")
            .iter()
            .flatten()
            .filter(|d| **d)
            .count();
        let drawn: usize = svg
            .split('M')
            .skip(1)
            .filter_map(|r| {
                r.split('h')
                    .nth(1)?
                    .split('v')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .sum();
        assert_eq!(drawn, dark);
    }

    #[test]
    fn too_long_a_text_is_refused() {
        let long = "x".repeat(3_000);
        assert_eq!(modules(&long), Err(TooLong(3_000)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn any_record_url_reads_back(host in "[a-z]{1,20}(\\.[a-z]{2,10}){1,2}", id in 1u64..u64::MAX, https in any::<bool>()) {
            let scheme = if https { "https" } else { "http" };
            let url = format!("{scheme}://{host}/it/assets/{id}");
            let grid = modules(&url).expect("fits");
            prop_assert_eq!(scan(&grid, 3), vec![url]);
        }
    }
}
