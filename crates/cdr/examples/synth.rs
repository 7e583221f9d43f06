//! Write N synthetic CDRs of a month as JSONL on stdout:
//!
//! ```text
//! cargo run --release -p centralino-cdr --example synth -- 1000000 2026 10 [SEED] > month.jsonl
//! ```
//!
//! The same arguments give the same file on every machine.

use centralino_cdr::synth::SynthMonth;
use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let n = arg(0, 1_000);
    let year = i32::try_from(arg(1, 2026)).unwrap_or(2026);
    let month = u32::try_from(arg(2, 10)).unwrap_or(10);
    let seed = arg(3, 42);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if let Err(e) =
        centralino_cdr::io::write_jsonl(&mut out, SynthMonth::new(seed, n, year, month).iter())
    {
        eprintln!("synth: {e}");
        std::process::exit(1);
    }
    let _ = out.flush();
}
