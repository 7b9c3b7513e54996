//! Business documents (invoices, credit notes, statements, orders) as PDF.
//!
//! The caller hands over a [`BusinessDocument`] whose every text is already formatted
//! (amounts such as `"1,234.56 EUR"`, dates, the customer's address), and [`render`] lays it
//! out on A4 pages and returns the bytes of the file. Nothing here knows what an invoice
//! means: the same layout serves any document with parties, a few key facts, a table of
//! lines, totals and notes.
//!
//! The page: 20 mm margins; the issuer top left, the title and number top right; the
//! recipient where a window envelope shows it (45 mm from the top, 20 mm from the left); the
//! `meta` facts beside the recipient; then the table of lines, whose header row is repeated
//! on every page it continues on; the totals under the last column; the notes; and on every
//! page the footer with "Page n of m".
//!
//! The text is set in the PDF's built-in Helvetica and Helvetica-Bold, so no font is
//! embedded and files stay small, at a price: only the characters of Windows code page 1252
//! (Western European) can be shown, and any other character prints as `?` (see
//! [`encode_win_ansi`]). Text is measured with the fonts' own metrics, so long cells wrap
//! within their column and numbers align on the right.
//!
//! Only the table, the totals and the notes flow over pages; the head (parties, title,
//! facts) is set on the first page as it comes, so it is meant for a few lines each.
//!
//! The output is deterministic: the same document gives the same bytes (no clock is read;
//! the creation date is [`BusinessDocument::creation_date`]).
//!
//! ```
//! use steward_io::pdf::{render, BusinessDocument, Column, PartyBlock};
//!
//! let doc = BusinessDocument {
//!     title: "Invoice".into(),
//!     number: "INV-2026-0042".into(),
//!     issuer: PartyBlock::new("Acme GmbH", ["Hauptstraße 1", "10115 Berlin"]),
//!     recipient: PartyBlock::new("Jane Doe", ["12 High Street", "London"]),
//!     columns: vec![Column::left("Description", 6.0), Column::right("Amount", 2.0)],
//!     rows: vec![vec!["Consulting, December".into(), "1,000.00".into()]],
//!     totals: vec![("Total".into(), "1,000.00 EUR".into(), true)],
//!     ..BusinessDocument::default()
//! };
//! let pdf = render(&doc);
//! assert!(pdf.starts_with(b"%PDF-"));
//! ```

mod layout;
mod metrics;
mod text;
mod write;

pub use text::encode_win_ansi;

use chrono::NaiveDate;

/// A business document to print: every text already formatted for the reader.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BusinessDocument {
    /// The kind of document, printed large at the top right: "Invoice", "Credit note".
    pub title: String,
    /// Its number, printed under the title: "INV-2026-0042".
    pub number: String,
    /// Who issues it, top left: the company's name, address, tax id, e-mail.
    pub issuer: PartyBlock,
    /// Who receives it, placed for the window of an envelope.
    pub recipient: PartyBlock,
    /// Labelled facts beside the recipient: ("Invoice date", "2026-12-06"), ("Due date", ..).
    pub meta: Vec<(String, String)>,
    /// The columns of the table of lines.
    pub columns: Vec<Column>,
    /// The lines: one cell per column, in column order. A missing cell is empty; cells past
    /// the last column are ignored. A cell may hold `\n` for a line break.
    pub rows: Vec<Vec<String>>,
    /// (label, amount, bold): "Subtotal", "VAT 20%", and the bold "Total", under the table.
    pub totals: Vec<(String, String, bool)>,
    /// Paragraphs after the totals: payment instructions, terms.
    pub notes: Vec<String>,
    /// The company's legal line, at the foot of every page beside "Page n of m".
    pub footer: String,
    /// The date written as the file's creation date; none is written when `None`.
    pub creation_date: Option<NaiveDate>,
}

/// A party's block of text: a bold first line, then plain lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartyBlock {
    /// The bold first line: the party's name (or a caption such as "Bill to"); may be empty.
    pub heading: String,
    /// The lines under it: address lines, tax id, e-mail.
    pub lines: Vec<String>,
}

impl PartyBlock {
    pub fn new<I, S>(heading: impl Into<String>, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            heading: heading.into(),
            lines: lines.into_iter().map(Into::into).collect(),
        }
    }
}

/// One column of the table of lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The header text, wrapped like a cell; at most four lines of it are shown, since the
    /// header repeats on every page.
    pub header: String,
    /// How the header and the cells sit in the column: numbers go right.
    pub align: Align,
    /// The column's share of the table's width, relative to the other columns' (a
    /// non-positive or non-finite width counts as 1).
    pub width: f32,
}

impl Column {
    pub fn left(header: impl Into<String>, width: f32) -> Self {
        Self {
            header: header.into(),
            align: Align::Left,
            width,
        }
    }

    pub fn right(header: impl Into<String>, width: f32) -> Self {
        Self {
            header: header.into(),
            align: Align::Right,
            width,
        }
    }
}

/// Horizontal alignment of a column's text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Align {
    #[default]
    Left,
    Right,
}

/// Lays the document out on A4 pages and returns the PDF file.
///
/// Infallible: any text, any number of rows, any column widths give a valid file of at
/// least one page. Text that cannot be shown in the built-in fonts prints as `?`.
pub fn render(doc: &BusinessDocument) -> Vec<u8> {
    let pages = layout::layout(doc);
    write::write(doc, &pages)
}
