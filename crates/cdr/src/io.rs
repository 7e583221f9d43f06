//! CDR archives: JSONL in and out, CSV out. The functions read from and
//! write to whatever the caller hands in (`BufRead`, `Write`, a `&str`);
//! they open nothing themselves.

use crate::cdr::{Cdr, CSV_HEADER};
use crate::Error;
use std::borrow::Borrow;
use std::io::{BufRead, Write};

/// Write CDRs as JSON Lines: one [`Cdr::to_json`] per line, `\n` after each.
pub fn write_jsonl<W, I>(mut w: W, cdrs: I) -> Result<(), Error>
where
    W: Write,
    I: IntoIterator,
    I::Item: Borrow<Cdr>,
{
    for cdr in cdrs {
        serde_json::to_writer(&mut w, cdr.borrow()).map_err(|e| match e.io_error_kind() {
            Some(kind) => Error::Io { kind },
            None => Error::json(0, &e),
        })?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

/// CDRs as a JSONL string.
pub fn to_jsonl<I>(cdrs: I) -> String
where
    I: IntoIterator,
    I::Item: Borrow<Cdr>,
{
    let mut out = String::new();
    for cdr in cdrs {
        out.push_str(&cdr.borrow().to_json());
        out.push('\n');
    }
    out
}

/// Parse JSONL text: one CDR per non-blank line; an error names its line.
pub fn parse_jsonl(text: &str) -> impl Iterator<Item = Result<Cdr, Error>> + '_ {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| Error::json(i + 1, &e)))
}

/// Read JSONL from a reader, one CDR per non-blank line.
pub fn read_jsonl<R: BufRead>(reader: R) -> JsonlReader<R> {
    JsonlReader {
        reader,
        line: 0,
        buf: String::new(),
    }
}

/// Iterator returned by [`read_jsonl`]; it reuses one line buffer.
#[derive(Debug)]
pub struct JsonlReader<R> {
    reader: R,
    line: usize,
    buf: String,
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Cdr, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(e.into())),
            }
            self.line += 1;
            if self.buf.trim().is_empty() {
                continue;
            }
            return Some(serde_json::from_str(&self.buf).map_err(|e| Error::json(self.line, &e)));
        }
    }
}

/// Streams CDRs as CSV (header first, then one row per CDR; null is an
/// empty cell; instants as in JSON).
pub struct CsvExporter<W: Write> {
    writer: csv::Writer<W>,
}

impl<W: Write> std::fmt::Debug for CsvExporter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvExporter").finish_non_exhaustive()
    }
}

fn csv_err(e: csv::Error) -> Error {
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::Io { kind: io.kind() },
        _ => Error::Csv {
            reason: e.to_string(),
        },
    }
}

impl<W: Write> CsvExporter<W> {
    /// Start a CSV export into `w`, writing the header.
    pub fn new(w: W) -> Result<Self, Error> {
        let mut writer = csv::Writer::from_writer(w);
        writer.write_record(CSV_HEADER).map_err(csv_err)?;
        Ok(CsvExporter { writer })
    }

    /// Write one CDR.
    pub fn write(&mut self, cdr: &Cdr) -> Result<(), Error> {
        self.writer.write_record(cdr.csv_record()).map_err(csv_err)
    }

    /// Flush and give the sink back.
    pub fn finish(self) -> Result<W, Error> {
        self.writer.into_inner().map_err(|e| Error::Io {
            kind: e.error().kind(),
        })
    }
}

/// CDRs as a CSV string.
pub fn to_csv<I>(cdrs: I) -> Result<String, Error>
where
    I: IntoIterator,
    I::Item: Borrow<Cdr>,
{
    let mut out = CsvExporter::new(Vec::new())?;
    for cdr in cdrs {
        out.write(cdr.borrow())?;
    }
    let bytes = out.finish()?;
    // Every cell is a Rust `String`, so the output is UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
