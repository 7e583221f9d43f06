//! `centralino sla` and `centralino cdr …`: reports and exports from the
//! database or from an exported CDR file.
//!
//! ```text
//! centralino sla --from 2026-10-01 --to 2026-10-31 [--service ID] [--cdrs FILE.jsonl]
//!                [--format table|json|csv|xlsx|svg] [--out FILE] [--group-by day|week|month|year]
//!                [--config PATH] [--data-dir DIR] [--as-of RFC3339]
//! centralino cdr export --from DATE --to DATE [--format jsonl|csv] [--service ID] [--out FILE] [--data-dir DIR]
//! centralino cdr import FILE.jsonl [--data-dir DIR]
//! ```
//!
//! Exit codes: 0 done, 2 bad input (a bad date, a missing file or
//! database, an unknown service, a malformed JSONL line, a bad config),
//! 1 anything else (a write that failed, a database error).

use crate::sla_calendar::SlaCalendar;
use crate::store::calls::{ImportError, ScanError};
use crate::store::{Store, StoreError};
use centralino_cdr::{
    io as cdr_io, render, ContractsConfig, Grouping, Report, ReportQuery, SlaEngine,
};
use centralino_ivr::ServiceDirectory;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Output formats of `centralino sla`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlaFormat {
    /// A plain-text summary (breaches in capitals).
    Table,
    /// The full report (docs/sla.md).
    Json,
    /// Totals and buckets; with --out also FILE-checks.csv and FILE-intervals.csv.
    Csv,
    /// A spreadsheet (needs --out).
    Xlsx,
    /// A chart per service (several services need --out: FILE-SERVICE.svg).
    Svg,
}

/// Breakdowns of `centralino sla`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// Per local day.
    Day,
    /// Per ISO week.
    Week,
    /// Per calendar month.
    Month,
    /// Per calendar year.
    Year,
}

impl From<GroupBy> for Grouping {
    fn from(g: GroupBy) -> Grouping {
        match g {
            GroupBy::Day => Grouping::Day,
            GroupBy::Week => Grouping::Week,
            GroupBy::Month => Grouping::Month,
            GroupBy::Year => Grouping::Year,
        }
    }
}

/// Arguments of `centralino sla`.
#[derive(clap::Args, Debug)]
pub struct SlaArgs {
    /// First day (YYYY-MM-DD, each service's local time).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: NaiveDate,
    /// Last day, included.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: NaiveDate,
    /// Only this service (the figures of the others are not printed).
    #[arg(long, value_name = "ID")]
    pub service: Option<String>,
    /// Read CDRs from this exported file (JSONL) instead of the database.
    #[arg(long, value_name = "FILE.jsonl")]
    pub cdrs: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SlaFormat::Table)]
    pub format: SlaFormat,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Configuration file (services' calendars and contracts).
    #[arg(long, default_value = "config/centralino.yaml")]
    pub config: PathBuf,
    /// Data directory holding centralino.db.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
    /// Break the figures down by day, week, month or year.
    #[arg(long, value_enum)]
    pub group_by: Option<GroupBy>,
    /// Judge pending voicemails and availability at this instant
    /// (RFC 3339; default: now).
    #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
    pub as_of: Option<DateTime<Utc>>,
}

/// Formats of `centralino cdr export`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One CDR JSON a line: the archive format (`cdr import`, `sla --cdrs`).
    Jsonl,
    /// The same columns as CSV (null is an empty cell).
    Csv,
}

/// Arguments of `centralino cdr export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// First day (the local date written in each CDR's arrived_at).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: NaiveDate,
    /// Last day, included.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: NaiveDate,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
    /// Only this service.
    #[arg(long, value_name = "ID")]
    pub service: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Data directory holding centralino.db.
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
}

/// Arguments of `centralino cdr import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// A JSONL file written by `centralino cdr export`.
    #[arg(value_name = "FILE.jsonl")]
    pub file: PathBuf,
    /// Data directory holding centralino.db (created if needed).
    #[arg(long, default_value = "data")]
    pub data_dir: PathBuf,
}

/// `centralino cdr …`.
#[derive(clap::Subcommand, Debug)]
pub enum CdrCmd {
    /// Export the CDRs of a period (JSONL archive or CSV).
    Export(ExportArgs),
    /// Import a JSONL archive into the database (all or nothing; CDRs
    /// already present are skipped).
    Import(ImportArgs),
}

/// A failed command: its exit code and one line (or a few) to print.
#[derive(Debug)]
pub(crate) struct CliError {
    code: u8,
    message: String,
}

impl CliError {
    fn bad(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
        }
    }
    fn failed(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Missing { .. }
            | StoreError::FutureSchema { .. }
            | StoreError::Open { .. } => CliError::bad(e.to_string()),
            other => CliError::failed(other.to_string()),
        }
    }
}

fn finish(r: Result<(), CliError>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.message.lines() {
                eprintln!("error: {line}");
            }
            ExitCode::from(e.code)
        }
    }
}

/// Run `centralino sla`.
pub fn sla(args: SlaArgs) -> ExitCode {
    finish(run_sla(args))
}

/// Run `centralino cdr …`.
pub fn cdr(cmd: CdrCmd) -> ExitCode {
    finish(match cmd {
        CdrCmd::Export(a) => run_export(a),
        CdrCmd::Import(a) => run_import(a),
    })
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("not a date: {s:?} (use YYYY-MM-DD)"))
}

fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("not an RFC 3339 instant: {s:?} (e.g. 2026-11-02T09:00:00+01:00)"))
}

/// UTC milliseconds bracketing every local day of `[from, to]` in any time
/// zone (offsets are within ±14 h): the exact cut is the SLA engine's or
/// the export's.
fn search_range(from: NaiveDate, to: NaiveDate) -> (i64, i64) {
    let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
    let start = midnight(from)
        .checked_sub_signed(TimeDelta::days(1))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let end = to
        .succ_opt()
        .map(midnight)
        .and_then(|t| t.checked_add_signed(TimeDelta::days(1)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    (start.timestamp_millis(), end.timestamp_millis())
}

/// The calendars and contracts of a config file.
pub(crate) fn load_config(path: &Path) -> Result<(SlaCalendar, ContractsConfig), CliError> {
    let (cfg, source) = crate::config::load(path).map_err(|e| CliError::bad(e.to_string()))?;
    let services = ServiceDirectory::from_config(cfg.services).map_err(|errs| {
        let lines: Vec<String> = errs
            .0
            .iter()
            .map(|e| {
                crate::config::ConfigError::for_key(path, &source, &e.path, e.kind.to_string())
                    .to_string()
            })
            .collect();
        CliError::bad(lines.join("\n"))
    })?;
    Ok((
        SlaCalendar::new(&services),
        cfg.contracts.unwrap_or_default(),
    ))
}

/// Feed the database's CDRs, voicemails and availability records for the
/// query's period to `engine`.
pub(crate) fn feed_from_store<C: centralino_cdr::ServiceCalendar + ?Sized>(
    store: &Store,
    engine: &mut SlaEngine<'_, C>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(), StoreError> {
    let (from_ms, to_ms) = search_range(from, to);
    // Every service's CDRs, even with --service: the overflow rule counts
    // the whole contract's volume.
    store
        .scan_cdrs(from_ms, to_ms, None, |cdr| {
            engine.add_cdr(&cdr);
            Ok::<(), std::convert::Infallible>(())
        })
        .map_err(|e| match e {
            ScanError::Store(e) => e,
            ScanError::Sink(never) => match never {},
        })?;
    for vm in store.voicemail_records(from_ms, to_ms)? {
        engine.add_voicemail(&vm);
    }
    // A database filled by imports only has no availability records: no
    // figures (as from an archive) rather than "down all month".
    if store.availability_count()? > 0 {
        engine.set_availability(&store.availability_between(from_ms, to_ms)?);
    }
    Ok(())
}

/// Feed CDRs from a JSONL archive to `engine`; an error names the line.
pub(crate) fn feed_from_jsonl<C: centralino_cdr::ServiceCalendar + ?Sized, R: BufRead>(
    reader: R,
    engine: &mut SlaEngine<'_, C>,
) -> Result<(), centralino_cdr::Error> {
    for cdr in cdr_io::read_jsonl(reader) {
        engine.add_cdr(&cdr?);
    }
    Ok(())
}

fn open_input(path: &Path) -> Result<BufReader<File>, CliError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| CliError::bad(format!("{}: {e}", path.display())))
}

fn run_sla(args: SlaArgs) -> Result<(), CliError> {
    if args.to < args.from {
        return Err(CliError::bad(format!(
            "--to {} is before --from {}",
            args.to, args.from
        )));
    }
    let (calendar, contracts) = load_config(&args.config)?;
    if let Some(s) = &args.service {
        if !calendar.knows(s) && contracts.contract_for(&s.as_str().into()).is_none() {
            let known: Vec<String> = calendar.services().iter().map(|s| s.to_string()).collect();
            return Err(CliError::bad(format!(
                "unknown service {s:?} (configured: {})",
                known.join(", ")
            )));
        }
    }
    if matches!(args.format, SlaFormat::Xlsx) && args.out.is_none() {
        return Err(CliError::bad("--format xlsx needs --out FILE.xlsx"));
    }
    let mut query = ReportQuery::new(args.from, args.to, args.as_of.unwrap_or_else(Utc::now));
    query.service = args.service.as_deref().map(Into::into);
    query.group_by = args.group_by.map(Into::into);
    let mut engine =
        SlaEngine::new(&contracts, &calendar, query).map_err(|e| CliError::bad(e.to_string()))?;
    match &args.cdrs {
        Some(file) => {
            let reader = open_input(file)?;
            feed_from_jsonl(reader, &mut engine).map_err(|e| match e {
                centralino_cdr::Error::Io { kind } => CliError::failed(format!(
                    "{}: read failed: {}",
                    file.display(),
                    io::Error::from(kind)
                )),
                other => CliError::bad(format!("{}: {other}", file.display())),
            })?;
        }
        None => {
            let store = Store::open_existing(&Store::path_in(&args.data_dir))?;
            feed_from_store(&store, &mut engine, args.from, args.to)?;
        }
    }
    let report = engine.finish();
    let unknown = calendar.unknown_services();
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|s| s.to_string()).collect();
        eprintln!(
            "warning: services not in {}: {} (Monday-Friday 08:00-17:00 Europe/Rome assumed)",
            args.config.display(),
            names.join(", ")
        );
    }
    write_report(&report, args.format, args.out.as_deref())
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match out {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| CliError::failed(format!("{}: {e}", path.display()))),
        None => {
            let mut stdout = io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|_| stdout.flush())
                .map_err(|e| CliError::failed(format!("standard output: {e}")))
        }
    }
}

/// `FILE.ext` → `FILE-suffix.ext`.
fn sibling(path: &Path, suffix: &str, ext: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{stem}-{suffix}.{ext}"))
}

fn write_report(report: &Report, format: SlaFormat, out: Option<&Path>) -> Result<(), CliError> {
    let render_err = |e: centralino_cdr::Error| CliError::failed(e.to_string());
    match format {
        SlaFormat::Table => write_out(out, render::table(report).as_bytes()),
        SlaFormat::Json => {
            let mut text = render::json(report);
            text.push('\n');
            write_out(out, text.as_bytes())
        }
        SlaFormat::Csv => {
            write_out(
                out,
                render::summary_csv(report).map_err(render_err)?.as_bytes(),
            )?;
            if let Some(path) = out {
                write_out(
                    Some(&sibling(path, "checks", "csv")),
                    render::checks_csv(report).map_err(render_err)?.as_bytes(),
                )?;
                write_out(
                    Some(&sibling(path, "intervals", "csv")),
                    render::intervals_csv(report)
                        .map_err(render_err)?
                        .as_bytes(),
                )?;
            }
            Ok(())
        }
        SlaFormat::Xlsx => write_out(out, &render::xlsx(report).map_err(render_err)?),
        SlaFormat::Svg => match (report.services.as_slice(), out) {
            ([one], _) => write_out(out, render::svg_chart(one).map_err(render_err)?.as_bytes()),
            (many, Some(path)) => {
                for s in many {
                    let file = sibling(path, s.service.as_str(), "svg");
                    write_out(
                        Some(&file),
                        render::svg_chart(s).map_err(render_err)?.as_bytes(),
                    )?;
                    eprintln!("{}", file.display());
                }
                Ok(())
            }
            (_, None) => Err(CliError::bad(
                "--format svg with several services needs --out FILE.svg (or --service ID)",
            )),
        },
    }
}

/// Write the CDRs of `[from, to]` (by the local date of `arrived_at`) as
/// JSONL or CSV; how many.
pub(crate) fn export<W: Write>(
    store: &Store,
    from: NaiveDate,
    to: NaiveDate,
    service: Option<&str>,
    format: ExportFormat,
    w: W,
) -> Result<u64, CliError> {
    let (from_ms, to_ms) = search_range(from, to);
    let keep = |d: NaiveDate| d >= from && d <= to;
    let write_err = |e: centralino_cdr::Error| CliError::failed(format!("export: {e}"));
    let scan_err = |e: ScanError<CliError>| match e {
        ScanError::Store(e) => CliError::from(e),
        ScanError::Sink(e) => e,
    };
    let mut n = 0u64;
    match format {
        ExportFormat::Jsonl => {
            let mut w = BufWriter::new(w);
            store
                .scan_cdrs(from_ms, to_ms, service, |cdr| {
                    if keep(cdr.arrived_at.date_naive()) {
                        n += 1;
                        let line = cdr.to_json();
                        w.write_all(line.as_bytes())
                            .and_then(|_| w.write_all(b"\n"))
                            .map_err(|e| CliError::failed(format!("export: {e}")))?;
                    }
                    Ok(())
                })
                .map_err(scan_err)?;
            w.flush()
                .map_err(|e| CliError::failed(format!("export: {e}")))?;
        }
        ExportFormat::Csv => {
            let mut csv = cdr_io::CsvExporter::new(BufWriter::new(w)).map_err(write_err)?;
            store
                .scan_cdrs(from_ms, to_ms, service, |cdr| {
                    if keep(cdr.arrived_at.date_naive()) {
                        n += 1;
                        csv.write(&cdr).map_err(write_err)?;
                    }
                    Ok(())
                })
                .map_err(scan_err)?;
            csv.finish()
                .map_err(write_err)?
                .flush()
                .map_err(|e| CliError::failed(format!("export: {e}")))?;
        }
    }
    Ok(n)
}

fn run_export(args: ExportArgs) -> Result<(), CliError> {
    if args.to < args.from {
        return Err(CliError::bad(format!(
            "--to {} is before --from {}",
            args.to, args.from
        )));
    }
    let store = Store::open_existing(&Store::path_in(&args.data_dir))?;
    let n = match &args.out {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| CliError::failed(format!("{}: {e}", path.display())))?;
            let n = export(
                &store,
                args.from,
                args.to,
                args.service.as_deref(),
                args.format,
                &file,
            )?;
            file.sync_all()
                .map_err(|e| CliError::failed(format!("{}: {e}", path.display())))?;
            n
        }
        None => export(
            &store,
            args.from,
            args.to,
            args.service.as_deref(),
            args.format,
            io::stdout().lock(),
        )?,
    };
    eprintln!("exported {n} CDRs");
    Ok(())
}

fn run_import(args: ImportArgs) -> Result<(), CliError> {
    let reader = open_input(&args.file)?;
    std::fs::create_dir_all(&args.data_dir).map_err(|e| {
        CliError::failed(format!("data directory {}: {e}", args.data_dir.display()))
    })?;
    let mut store = Store::open(&Store::path_in(&args.data_dir))?;
    let stats = store
        .import_cdrs(cdr_io::read_jsonl(reader))
        .map_err(|e| match e {
            ImportError::Source(centralino_cdr::Error::Io { kind }) => CliError::failed(format!(
                "{}: read failed: {} (nothing imported)",
                args.file.display(),
                io::Error::from(kind)
            )),
            ImportError::Source(e) => {
                CliError::bad(format!("{}: {e} (nothing imported)", args.file.display()))
            }
            ImportError::Store(e) => CliError::from(e),
        })?;
    store.optimize()?;
    eprintln!(
        "imported {} CDRs ({} already present) into {}",
        stats.imported,
        stats.already_present,
        store.path().display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_instants() {
        assert_eq!(
            parse_date("2026-10-01"),
            Ok(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap())
        );
        assert!(parse_date("2026-13-01").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("01/10/2026").is_err());
        assert!(parse_instant("2026-11-02T09:00:00+01:00").is_ok());
        assert!(parse_instant("yesterday").is_err());
    }

    #[test]
    fn the_search_range_covers_every_offset() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let (a, b) = search_range(d(10, 1), d(10, 31));
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis();
        assert!(a <= t("2026-10-01T00:00:00+14:00"));
        assert!(b > t("2026-10-31T23:59:59.999-12:00"));
    }

    #[test]
    fn sibling_files() {
        assert_eq!(
            sibling(Path::new("/tmp/r.csv"), "checks", "csv"),
            PathBuf::from("/tmp/r-checks.csv")
        );
        assert_eq!(
            sibling(Path::new("chart.svg"), "apiae", "svg"),
            PathBuf::from("chart-apiae.svg")
        );
    }
}
