//! `steward ledger import|export` and `steward report`: the general ledger from the command
//! line, through the same services (and the same authorization) as the pages and the API.
use anyhow::{anyhow, bail, Context};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use steward_core::ids::CommodityId;
use steward_core::ledger::import::{self, DiskSource, ImportOutcome, ImportRequest, Phase};
use steward_core::ledger::reports::{
    self as report, AccountLedger, Report, ReportKind, ReportOptions,
};
use steward_core::ledger::{service, LedgerRow};
use steward_core::list::Paging;
use steward_core::money::format_minor;
use steward_io::journal::Format;
use steward_io::ColumnKind;

use crate::cli::{
    ExportFormat, JournalFormat, LedgerCommand, ReportArgs, ReportFormat, ReportName,
};
use crate::commands::{cli_actor, open_migrated};
use crate::config::Loaded;

/// A service error as a person reads it: journal problems already say `FILE:LINE: ...`,
/// so the field name `file` is left out.
pub(crate) fn explain(e: steward_core::Error) -> anyhow::Error {
    use steward_core::Error as E;
    match e {
        E::Invalid { field, message } if field == "file" => anyhow!(message),
        E::InvalidMany(errors) => anyhow!(errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("\n")),
        other => anyhow!(other),
    }
}

impl From<JournalFormat> for Format {
    fn from(f: JournalFormat) -> Format {
        match f {
            JournalFormat::Hledger => Format::Hledger,
            JournalFormat::Ledger => Format::Ledger,
            JournalFormat::Beancount => Format::Beancount,
        }
    }
}

impl From<ExportFormat> for Format {
    fn from(f: ExportFormat) -> Format {
        match f {
            ExportFormat::Hledger => Format::Hledger,
            ExportFormat::Beancount => Format::Beancount,
        }
    }
}

/// The dialect from a file's extension, when --format is not given.
fn format_of(file: &Path) -> anyhow::Result<Format> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "journal" | "hledger" | "j" => Format::Hledger,
        "ledger" | "dat" => Format::Ledger,
        "beancount" | "bean" => Format::Beancount,
        _ => bail!(
            "cannot tell the format of {} from its name: add --format hledger, ledger or beancount",
            file.display()
        ),
    })
}

pub async fn ledger(cfg: &Loaded, cmd: LedgerCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LedgerCommand::Import {
            file,
            format,
            dry_run,
            journal,
            company,
        } => {
            let format = match format {
                Some(f) => f.into(),
                None => format_of(&file)?,
            };
            std::fs::File::open(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let store = open_migrated(cfg).await?;
            let actor = cli_actor(&store, company).await?;
            service::set_up_books(&store, &actor, false)
                .await
                .map_err(explain)?;
            let req = ImportRequest {
                format,
                file_name: file.display().to_string(),
                dry_run,
                journal,
            };
            let bars = std::io::stderr().is_terminal().then(Bars::default);
            let bars = bars.map(Arc::new);
            let progress = bars.clone().map(|b| {
                let f: import::Progress = Arc::new(move |phase: Phase, done: u64, total: u64| {
                    b.update(phase, done, total)
                });
                f
            });
            let started = Instant::now();
            let result = import::import_journal(
                &store,
                &actor,
                &req,
                Arc::new(DiskSource::new(&file)),
                progress,
            )
            .await;
            if let Some(b) = &bars {
                b.finish();
            }
            store.close().await;
            match result {
                Ok(o) => {
                    print_summary(&req.file_name, &o, started.elapsed().as_secs_f64());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("error: {}", explain(e));
                    if !dry_run {
                        eprintln!("nothing was imported");
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        LedgerCommand::Export {
            format,
            output,
            company,
        } => {
            let store = open_migrated(cfg).await?;
            let actor = cli_actor(&store, company).await?;
            let format: Format = format.into();
            let entries = match &output {
                Some(path) => {
                    let tmp = partial_name(path);
                    let file = std::fs::File::create(&tmp)
                        .with_context(|| format!("cannot create {}", tmp.display()))?;
                    let mut w = std::io::BufWriter::new(file);
                    let result = import::export_journal(&store, &actor, format, &mut w).await;
                    let n = match result {
                        Ok(n) => n,
                        Err(e) => {
                            drop(w);
                            let _ = std::fs::remove_file(&tmp);
                            return Err(explain(e));
                        }
                    };
                    w.flush()
                        .with_context(|| format!("cannot write {}", tmp.display()))?;
                    drop(w);
                    std::fs::rename(&tmp, path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    n
                }
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout());
                    let n = import::export_journal(&store, &actor, format, &mut w)
                        .await
                        .map_err(explain)?;
                    w.flush().context("cannot write to standard output")?;
                    n
                }
            };
            store.close().await;
            match &output {
                Some(p) => eprintln!(
                    "exported {entries} entries as {} to {}",
                    format.name(),
                    p.display()
                ),
                None => eprintln!("exported {entries} entries as {}", format.name()),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `FILE.partial` beside `FILE`: written first, renamed when complete.
fn partial_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_owned()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn print_summary(file: &str, o: &ImportOutcome, secs: f64) {
    let list = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        if v.is_empty() {
            String::new()
        } else if v.len() <= 12 {
            format!(" ({})", v.join(", "))
        } else {
            format!(" ({}, …)", v[..12].join(", "))
        }
    };
    let created = format!(
        "{}{} and {}{}",
        plural(o.accounts_created.len(), "account", "accounts"),
        list(&o.accounts_created),
        plural(o.commodities_created.len(), "commodity", "commodities"),
        list(&o.commodities_created),
    );
    if o.dry_run {
        println!(
            "dry run: {file} is valid; it would import {} transactions ({} postings) and create {created}. Nothing was written.",
            o.transactions, o.postings,
        );
    } else {
        println!(
            "imported {} transactions ({} postings) from {file} in {secs:.2} s",
            o.transactions, o.postings
        );
        println!("created {created}");
    }
    if let (Some(f), Some(l)) = (o.first_date, o.last_date) {
        println!("dates {f} to {l}; sha256 {}", o.sha256);
    }
}

/// One progress bar per phase, on standard error.
#[derive(Default)]
struct Bars {
    current: Mutex<Option<(Phase, ProgressBar)>>,
}

impl Bars {
    fn update(&self, phase: Phase, done: u64, total: u64) {
        let Ok(mut current) = self.current.lock() else {
            return;
        };
        if current.as_ref().map(|(p, _)| *p) != Some(phase) {
            if let Some((_, old)) = current.take() {
                old.finish();
            }
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{prefix:>8} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} {elapsed} {msg}",
            )
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(match phase {
                Phase::Checking => "checking",
                Phase::Writing => "writing",
            });
            *current = Some((phase, bar));
        }
        if let Some((_, bar)) = current.as_ref() {
            bar.set_length(total);
            bar.set_position(done);
            if phase == Phase::Writing && done >= total {
                // The store still sums the balances and commits.
                bar.set_message("committing…");
            }
        }
    }
    fn finish(&self) {
        if let Ok(mut current) = self.current.lock() {
            if let Some((_, bar)) = current.take() {
                bar.finish();
            }
        }
    }
}

// ---------------------------------------------------------------- reports

pub async fn report(cfg: &Loaded, a: ReportArgs) -> anyhow::Result<ExitCode> {
    if a.format == ReportFormat::Xlsx && a.output.is_none() {
        bail!("--format xlsx needs -o FILE");
    }
    let opts = ReportOptions::from_params(|k| match k {
        "as_of" => a.as_of.clone(),
        "from" => a.from.clone(),
        "to" => a.to.clone(),
        "compare" => a.compare.clone(),
        "by" => a.by.clone(),
        "convert" => a.convert.clone(),
        "tree" => a.tree.then(|| "1".to_string()),
        _ => None,
    })
    .map_err(|e| match e {
        steward_core::Error::Invalid { field, message } => {
            anyhow!("--{}: {message}", field.replace('_', "-"))
        }
        other => explain(other),
    })?;
    let store = open_migrated(cfg).await?;
    let actor = cli_actor(&store, a.company).await?;
    let bytes = match a.report {
        ReportName::GeneralLedger => general_ledger(&store, &actor, &a, &opts).await,
        name => {
            let kind = match name {
                ReportName::BalanceSheet => ReportKind::BalanceSheet,
                ReportName::IncomeStatement => ReportKind::IncomeStatement,
                ReportName::CashFlow => ReportKind::CashFlow,
                _ => ReportKind::TrialBalance,
            };
            match report::report(&store, &actor, kind, &opts).await {
                Ok(r) => {
                    for w in &r.warnings {
                        eprintln!("warning: {w}");
                    }
                    render_report(&r, a.format)
                }
                Err(e) => Err(explain(e)),
            }
        }
    };
    store.close().await;
    write_output(a.output.as_deref(), &bytes?)?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            std::fs::write(p, bytes).with_context(|| format!("cannot write {}", p.display()))?;
            eprintln!("wrote {}", p.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|_| out.flush())
                .context("cannot write to standard output")?;
        }
    }
    Ok(())
}

/// CSV through steward-io's one writer (RFC 4180, formula cells defused): `kinds` says
/// which columns hold numbers we formatted, so `-12.50` stays a number there while the same
/// text in a name or memo is defused.
fn csv(headers: &[String], kinds: &[ColumnKind], rows: Vec<Vec<String>>) -> Vec<u8> {
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    steward_io::write_csv_typed(&h, kinds, rows)
}

/// The kinds of [`flat_report`]'s columns: section, account, label and commodity, then
/// one amount per report column.
fn flat_report_kinds(r: &Report) -> Vec<ColumnKind> {
    let mut k = vec![ColumnKind::Text; 4];
    k.extend(r.columns.iter().map(|_| ColumnKind::Number));
    k
}

/// The kinds of the account ledger's columns (date … commodity, amount, balance).
const LEDGER_KINDS: [ColumnKind; 8] = [
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Text,
    ColumnKind::Number,
    ColumnKind::Number,
];

fn xlsx(sheet: &str, headers: &[String], rows: Vec<Vec<String>>) -> anyhow::Result<Vec<u8>> {
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    steward_io::table::write_xlsx(sheet, &h, rows).map_err(|e| anyhow!("cannot write XLSX: {e}"))
}

/// An aligned text table: the first `left` columns left-aligned, the others right-aligned.
fn text_table(headers: &[String], rows: &[Vec<String>], left: usize) -> String {
    let n = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate().take(n) {
            if i > 0 {
                s.push_str("  ");
            }
            let pad = widths[i].saturating_sub(c.chars().count());
            if i < left {
                s.push_str(c);
                if i + 1 < n {
                    s.push_str(&" ".repeat(pad));
                }
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(headers);
    out.push('\n');
    let total: usize = widths.iter().sum::<usize>() + 2 * n.saturating_sub(1);
    out.push_str(&"-".repeat(total));
    out.push('\n');
    for r in rows {
        if r.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&line(r));
            out.push('\n');
        }
    }
    out
}

fn render_report(r: &Report, format: ReportFormat) -> anyhow::Result<Vec<u8>> {
    let single = r.columns.len() == 1;
    match format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(r)?;
            s.push('\n');
            Ok(s.into_bytes())
        }
        ReportFormat::Csv if r.kind == ReportKind::TrialBalance && single => {
            Ok(report::trial_balance_csv(r).into_bytes())
        }
        ReportFormat::Csv | ReportFormat::Xlsx => {
            let (headers, rows) = flat_report(r);
            if format == ReportFormat::Csv {
                Ok(csv(&headers, &flat_report_kinds(r), rows))
            } else {
                xlsx(r.kind.slug(), &headers, rows)
            }
        }
        ReportFormat::Table => {
            let mut headers = vec!["Account".to_string(), "Commodity".to_string()];
            headers.extend(r.columns.iter().map(|c| c.label.clone()));
            let mut rows: Vec<Vec<String>> = Vec::new();
            let amounts = |row: &steward_core::ledger::reports::ReportRow| {
                (0..r.columns.len())
                    .map(|i| row.formatted(i))
                    .collect::<Vec<_>>()
            };
            let tree = r
                .sections
                .iter()
                .any(|s| s.rows.iter().any(|x| x.depth > 0 && x.account_id.is_some()));
            for s in &r.sections {
                if r.sections.len() > 1 {
                    rows.push(vec![s.title.clone()]);
                }
                for row in &s.rows {
                    let name = if tree || row.account.is_empty() {
                        format!("{}{}", "  ".repeat(row.depth), row.label)
                    } else {
                        row.account.clone()
                    };
                    let indent = if r.sections.len() > 1 { "  " } else { "" };
                    let mut cells = vec![format!("{indent}{name}"), row.commodity.clone()];
                    cells.extend(amounts(row));
                    rows.push(cells);
                }
                for t in &s.totals {
                    let mut cells = vec![t.label.clone(), t.commodity.clone()];
                    cells.extend(amounts(t));
                    rows.push(cells);
                }
                if r.sections.len() > 1 {
                    rows.push(Vec::new());
                }
            }
            for t in &r.totals {
                let mut cells = vec![t.label.clone(), t.commodity.clone()];
                cells.extend(amounts(t));
                rows.push(cells);
            }
            let mut out = format!("{} — {}\n\n", r.title, r.subtitle);
            out.push_str(&text_table(&headers, &rows, 2));
            Ok(out.into_bytes())
        }
    }
}

/// Every row of a report as `section, account, label, commodity, amounts...`.
fn flat_report(r: &Report) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers: Vec<String> = ["section", "account", "label", "commodity"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    headers.extend(r.columns.iter().map(|c| c.label.clone()));
    let mut rows = Vec::new();
    let mut push = |section: &str, row: &steward_core::ledger::reports::ReportRow| {
        let mut cells = vec![
            section.to_string(),
            row.account.clone(),
            row.label.clone(),
            row.commodity.clone(),
        ];
        cells.extend((0..r.columns.len()).map(|i| row.formatted(i)));
        rows.push(cells);
    };
    for s in &r.sections {
        for row in s.rows.iter().chain(&s.totals) {
            push(&s.title, row);
        }
    }
    for t in &r.totals {
        push("Total", t);
    }
    (headers, rows)
}

/// Rows fetched per page of an account's ledger.
const LEDGER_PAGE: u32 = 5_000;

async fn general_ledger(
    store: &steward_store::Store,
    actor: &steward_core::auth::Actor,
    a: &ReportArgs,
    opts: &ReportOptions,
) -> anyhow::Result<Vec<u8>> {
    let Some(name) = a.account.as_deref().map(str::trim) else {
        bail!("general-ledger needs --account NAME (e.g. --account Assets:Bank:Checking)");
    };
    let chart = service::chart(store, actor).await.map_err(explain)?;
    let account = chart
        .iter()
        .find(|x| x.name.as_str() == name)
        .or_else(|| chart.iter().find(|x| x.code.as_deref() == Some(name)))
        .ok_or_else(|| anyhow!("no account `{name}` in this company"))?;
    let to = opts.to.or(opts.as_of);
    let limit = a.limit.unwrap_or(u64::MAX);
    let mut rows: Vec<LedgerRow> = Vec::new();
    let mut first: Option<AccountLedger> = None;
    loop {
        let want = (limit - rows.len() as u64).min(u64::from(LEDGER_PAGE));
        if want == 0 {
            break;
        }
        let paging = Paging {
            limit: want as u32,
            offset: rows.len() as u64,
        };
        let page = report::account_ledger(store, actor, account.id, opts.from, to, paging)
            .await
            .map_err(explain)?;
        let got = page.page.rows.len();
        rows.extend(page.page.rows.iter().cloned());
        let total = page.page.total;
        if first.is_none() {
            first = Some(page);
        }
        if got == 0 || rows.len() as u64 >= total {
            break;
        }
    }
    let Some(mut ledger) = first else {
        bail!("no ledger for `{name}`");
    };
    ledger.page.rows = rows;
    render_ledger(&ledger, a.format)
}

fn render_ledger(l: &AccountLedger, format: ReportFormat) -> anyhow::Result<Vec<u8>> {
    let commodity = |id: CommodityId| l.commodities.iter().find(|c| c.id == id);
    let money = |id: CommodityId, v: i64| match commodity(id) {
        Some(c) => (c.symbol.clone(), format_minor(v, c.precision)),
        None => (String::new(), v.to_string()),
    };
    let headers: Vec<String> = [
        "date",
        "number",
        "description",
        "reference",
        "memo",
        "commodity",
        "amount",
        "balance",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let row_cells = |r: &LedgerRow| {
        let (sym, amount) = money(r.commodity_id, r.amount);
        let (_, running) = money(r.commodity_id, r.running);
        vec![
            r.date.to_string(),
            r.number.clone().unwrap_or_default(),
            r.description.clone(),
            r.reference.clone(),
            r.memo.clone(),
            sym,
            amount,
            running,
        ]
    };
    match format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(l)?;
            s.push('\n');
            Ok(s.into_bytes())
        }
        ReportFormat::Csv => {
            let rows: Vec<Vec<String>> = l.page.rows.iter().map(row_cells).collect();
            Ok(csv(&headers, &LEDGER_KINDS, rows))
        }
        ReportFormat::Xlsx => {
            let rows: Vec<Vec<String>> = l.page.rows.iter().map(row_cells).collect();
            xlsx("general-ledger", &headers, rows)
        }
        ReportFormat::Table => {
            let range = match (l.from, l.to) {
                (None, None) => "every posted entry".to_string(),
                (Some(f), None) => format!("from {f}"),
                (None, Some(t)) => format!("up to {t}"),
                (Some(f), Some(t)) => format!("{f} – {t}"),
            };
            let mut out = format!(
                "General ledger — {} ({range}), {} postings\n\n",
                l.account.name, l.page.total
            );
            let mut rows: Vec<Vec<String>> = Vec::new();
            for (id, v) in &l.page.opening {
                let (sym, amount) = money(*id, *v);
                rows.push(vec![
                    String::new(),
                    String::new(),
                    "Opening balance".into(),
                    String::new(),
                    String::new(),
                    sym,
                    String::new(),
                    amount,
                ]);
            }
            rows.extend(l.page.rows.iter().map(row_cells));
            let headers: Vec<String> = [
                "Date",
                "Number",
                "Description",
                "Reference",
                "Memo",
                "Commodity",
                "Amount",
                "Balance",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            out.push_str(&text_table(&headers, &rows, 6));
            Ok(out.into_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_extensions() {
        assert_eq!(
            format_of(Path::new("a/books.journal")).ok(),
            Some(Format::Hledger)
        );
        assert_eq!(format_of(Path::new("x.BEAN")).ok(), Some(Format::Beancount));
        assert_eq!(format_of(Path::new("x.dat")).ok(), Some(Format::Ledger));
        assert!(format_of(Path::new("x.txt")).is_err());
    }

    /// Cells that parse as floating point (`-inf`, `+1e5`) are still formulas to a
    /// spreadsheet unless defused; amounts stay numbers because their column says so.
    #[test]
    fn csv_cells_are_quoted_and_defused_by_column() {
        let headers: Vec<String> = ["date", "number", "description", "reference", "memo"]
            .iter()
            .chain(&["commodity", "amount", "balance"])
            .map(|s| s.to_string())
            .collect();
        let row = |d: &str, m: &str, a: &str| {
            vec![
                "2026-01-02".to_string(),
                String::new(),
                d.to_string(),
                "a,b".to_string(),
                m.to_string(),
                "EUR".to_string(),
                a.to_string(),
                "-12.50".to_string(),
            ]
        };
        let out = csv(
            &headers,
            &LEDGER_KINDS,
            vec![
                row("-inf", "+1e5", "-12.50"),
                row("=SUM(A1)", "say \"hi\"", "-1e5"),
                row("-12.50", "@x", "+3"),
            ],
        );
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[1],
            "2026-01-02,,'-inf,\"a,b\",'+1e5,EUR,-12.50,-12.50"
        );
        assert_eq!(
            lines[2],
            "2026-01-02,,'=SUM(A1),\"a,b\",\"say \"\"hi\"\"\",EUR,'-1e5,-12.50"
        );
        assert_eq!(lines[3], "2026-01-02,,'-12.50,\"a,b\",'@x,EUR,+3,-12.50");
    }

    #[test]
    fn tables_align() {
        let h = vec!["Account".to_string(), "Amount".to_string()];
        let rows = vec![
            vec!["Assets:Bank".to_string(), "1.00".to_string()],
            vec!["X".to_string(), "-1000.00".to_string()],
        ];
        let t = text_table(&h, &rows, 1);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "Account        Amount");
        assert_eq!(lines[1], "-".repeat(21));
        assert_eq!(lines[2], "Assets:Bank      1.00");
        assert_eq!(lines[3], "X            -1000.00");
    }

    #[test]
    fn partial_files_sit_beside() {
        assert_eq!(
            partial_name(Path::new("/tmp/x/out.journal")),
            PathBuf::from("/tmp/x/out.journal.partial")
        );
    }
}
