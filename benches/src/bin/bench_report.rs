//! `bench-report DIR`: turns the raw figures in `DIR` (`http.csv`, `dispatch.csv`, `memory.csv`,
//! `compile.csv`) into `DIR/report.md` (medians and ratios) and `DIR/throughput.svg`.
//!
//! Run with: `cargo run -p krest-benches --bin bench-report -- target/bench-report`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use krest_benches::report;

fn read(dir: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(name)).ok()
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: bench-report DIR");
        return ExitCode::from(2);
    };
    let mut md = String::from("# krest benchmark report\n\n");
    if let Some(machine) = read(&dir, "machine.txt") {
        let _ = writeln!(md, "```\n{}```\n", machine);
    }
    if let Some(csv) = read(&dir, "dispatch.csv") {
        md.push_str("## Route dispatch (ns per request, median)\n\n");
        md.push_str(&report::render_dispatch(&csv));
        md.push('\n');
    }
    if let Some(csv) = read(&dir, "http.csv") {
        let summary = report::summarize_http(&report::parse_http(&csv));
        md.push_str("## HTTP throughput (medians of interleaved runs)\n\n");
        md.push_str(&report::render_http(&summary));
        md.push_str("\n### Ratios of medians\n\n");
        md.push_str(&report::render_ratios(
            &summary,
            &["krest-memory", "krest-embedded", "krest-500"],
            &["go-restful-500", "go-restful-1", "hyper-ceiling"],
        ));
        md.push('\n');
        md.push_str(&report::render_round_ratios(
            &report::parse_http(&csv),
            &["krest-memory", "krest-embedded", "krest-500"],
            &["go-restful-500", "hyper-ceiling"],
        ));
        md.push_str("\n![throughput](throughput.svg)\n\n");
        if let Err(e) = std::fs::write(dir.join("throughput.svg"), report::render_svg(&summary)) {
            eprintln!("writing throughput.svg: {e}");
            return ExitCode::FAILURE;
        }
    }
    for (name, title) in [
        ("memory.csv", "Memory (RSS)"),
        ("compile.csv", "Compile cost"),
    ] {
        if let Some(csv) = read(&dir, name) {
            let _ = write!(md, "## {title}\n\n{}\n", report::render_table(&csv));
        }
    }
    match std::fs::write(dir.join("report.md"), &md) {
        Ok(()) => {
            print!("{md}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("writing report.md: {e}");
            ExitCode::FAILURE
        }
    }
}
