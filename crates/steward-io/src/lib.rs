#![forbid(unsafe_code)]
//! Tabular import and export for Steward, plus the plain-text journal reader and writers
//! ([`journal`]), the bank statement readers ([`bank`]: CSV, OFX, CAMT.053), SEPA credit
//! transfer files ([`sepa`]), business documents as PDF ([`pdf`]) and QR codes as SVG
//! ([`qr`]).
//!
//! This crate turns uploaded spreadsheet files (CSV or XLSX) into a simple
//! [`Table`] of strings, and turns rows of strings back into downloadable CSV
//! or XLSX files. It is deliberately *pure*: every function takes bytes and
//! returns bytes or values, and nothing here touches the file system, the
//! network or the database. Validation of the *meaning* of the cells (dates,
//! amounts, references) belongs to the importing code; this crate only
//! guarantees a well-formed grid with line numbers a human can find in the
//! original file.
//!
//! Besides tables it reads and writes plain-text accounting journals ([`journal`]) and
//! writes SEPA credit transfer files for the bank ([`sepa`]).
//!
//! Typical import:
//!
//! ```
//! use steward_io::{read_table, ColumnMapping, ReadLimits, TableFormat};
//!
//! let bytes = b"Name;E-Mail\nAda;ada@example.org\n";
//! let format = TableFormat::from_name("people.csv").expect("known extension");
//! let table = read_table(bytes, format, &ReadLimits::default())?;
//! let mapping = ColumnMapping::auto(&["name", "email"], &table.headers);
//! let mapped = mapping.resolve(&table)?;
//! for row in mapped.rows() {
//!     assert_eq!(row.line(), 2);
//!     assert_eq!(row.get("email"), Some("ada@example.org"));
//! }
//! # Ok::<(), steward_io::ReadError>(())
//! ```
//!
//! Typical export:
//!
//! ```
//! use steward_io::{write_csv_typed, write_xlsx, ColumnKind};
//!
//! let rows = vec![vec!["Ada".to_string(), "-12.50".to_string()]];
//! let kinds = [ColumnKind::Text, ColumnKind::Number];
//! let csv = write_csv_typed(&["name", "balance"], &kinds, rows.clone());
//! assert_eq!(csv, b"name,balance\r\nAda,-12.50\r\n");
//! let xlsx = write_xlsx("Balances", &["name", "balance"], rows)?;
//! assert!(xlsx.starts_with(b"PK"));
//! # Ok::<(), steward_io::WriteError>(())
//! ```

pub mod archive;
pub mod bank;
pub mod journal;
pub mod pdf;
pub mod qr;
pub mod sepa;
pub mod table;

pub use table::{
    read_table, write_csv, write_csv_typed, write_xlsx, ColumnKind, ColumnMapping, MappedRow,
    MappedTable, ReadError, ReadLimits, Row, Table, TableFormat, WriteError,
};
