//! The benchmark report: medians and ratios from the raw figures `scripts/bench.sh` collects,
//! as Markdown tables and an SVG bar chart of the HTTP throughput.
//!
//! Inputs are small CSV files with a header line:
//! - `http.csv`: `round,target,workload,rps,p50_us,p99_us,requests,status_errors,socket_errors`
//! - `dispatch.csv`: `router,size,ns_per_request`
//! - any other `*.csv`: rendered as a plain table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The throughput workloads, in report order.
pub const WORKLOADS: [&str; 4] = ["get", "list", "create", "update"];

/// One wrk run.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpRun {
    /// Which round of the interleaved runs.
    pub round: String,
    /// Which server.
    pub target: String,
    /// Which workload (`get`, `list`, `create`, `update`).
    pub workload: String,
    /// Requests per second.
    pub rps: f64,
    /// 99th percentile latency, microseconds.
    pub p99_us: f64,
    /// Responses with a 4xx/5xx status plus socket errors.
    pub errors: u64,
}

/// The median of the runs of one server on one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpSummary {
    /// Which server.
    pub target: String,
    /// Which workload.
    pub workload: String,
    /// Median requests per second.
    pub rps: f64,
    /// Median p99 latency, microseconds.
    pub p99_us: f64,
    /// How many runs.
    pub runs: usize,
    /// Errors over all runs.
    pub errors: u64,
}

/// The rows of a CSV text (header skipped, blank lines ignored), split on commas.
fn rows(csv: &str) -> impl Iterator<Item = Vec<&str>> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::trim).collect())
}

/// Parses `http.csv`; malformed lines are skipped.
pub fn parse_http(csv: &str) -> Vec<HttpRun> {
    rows(csv)
        .filter_map(|f| {
            Some(HttpRun {
                round: f.first()?.to_string(),
                target: f.get(1)?.to_string(),
                workload: f.get(2)?.to_string(),
                rps: f.get(3)?.parse().ok()?,
                p99_us: f.get(5)?.parse().ok()?,
                errors: f.get(7)?.parse::<u64>().ok()? + f.get(8)?.parse::<u64>().ok()?,
            })
        })
        .collect()
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Medians per server and workload, servers in the order they first appear.
pub fn summarize_http(runs: &[HttpRun]) -> Vec<HttpSummary> {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: BTreeMap<(&str, &str), Vec<&HttpRun>> = BTreeMap::new();
    for run in runs {
        if !order.contains(&run.target.as_str()) {
            order.push(&run.target);
        }
        groups
            .entry((&run.target, &run.workload))
            .or_default()
            .push(run);
    }
    let mut out = Vec::new();
    for target in order {
        for workload in WORKLOADS {
            if let Some(group) = groups.get(&(target, workload)) {
                let rps: Vec<f64> = group.iter().map(|r| r.rps).collect();
                let p99: Vec<f64> = group.iter().map(|r| r.p99_us).collect();
                out.push(HttpSummary {
                    target: target.to_string(),
                    workload: workload.to_string(),
                    rps: median(&rps),
                    p99_us: median(&p99),
                    runs: group.len(),
                    errors: group.iter().map(|r| r.errors).sum(),
                });
            }
        }
    }
    out
}

fn find<'a>(s: &'a [HttpSummary], target: &str, workload: &str) -> Option<&'a HttpSummary> {
    s.iter()
        .find(|x| x.target == target && x.workload == workload)
}

fn targets(s: &[HttpSummary]) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for x in s {
        if !out.contains(&x.target.as_str()) {
            out.push(&x.target);
        }
    }
    out
}

/// The throughput table: one row per server, `req/s (p99 ms)` per workload.
pub fn render_http(summary: &[HttpSummary]) -> String {
    let mut out = String::from("| server | GET req/s (p99) | LIST 100 req/s (p99) | CREATE req/s (p99) | UPDATE req/s (p99) | runs | errors |\n|---|---|---|---|---|---|---|\n");
    for target in targets(summary) {
        let _ = write!(out, "| {target} |");
        let mut runs = 0;
        let mut errors = 0;
        for w in WORKLOADS {
            match find(summary, target, w) {
                Some(x) => {
                    runs = runs.max(x.runs);
                    errors += x.errors;
                    let _ = write!(out, " {:.0} ({:.2} ms) |", x.rps, x.p99_us / 1000.0);
                }
                None => out.push_str(" - |"),
            }
        }
        let _ = writeln!(out, " {runs} | {errors} |");
    }
    out
}

/// Ratios of medians: each of `subjects` over each of `peers`, per workload, for req/s and p99.
pub fn render_ratios(summary: &[HttpSummary], subjects: &[&str], peers: &[&str]) -> String {
    let mut out = String::from(
        "| ratio | GET | LIST 100 | CREATE | UPDATE | GET p99 (lower is better) |\n|---|---|---|---|---|---|\n",
    );
    for s in subjects {
        for p in peers {
            if find(summary, s, "get").is_none() || find(summary, p, "get").is_none() {
                continue;
            }
            let _ = write!(out, "| {s} / {p} |");
            for w in WORKLOADS {
                match (find(summary, s, w), find(summary, p, w)) {
                    (Some(a), Some(b)) if b.rps > 0.0 => {
                        let _ = write!(out, " {:.2}x |", a.rps / b.rps);
                    }
                    _ => out.push_str(" - |"),
                }
            }
            match (find(summary, s, "get"), find(summary, p, "get")) {
                (Some(a), Some(b)) if b.p99_us > 0.0 => {
                    let _ = writeln!(out, " {:.2}x |", a.p99_us / b.p99_us);
                }
                _ => out.push_str(" - |\n"),
            }
        }
    }
    out
}

/// GET ratios round by round (each pair ran minutes apart at most) and their median: on a
/// noisy machine this is the steadier figure beside the ratio of medians.
pub fn render_round_ratios(runs: &[HttpRun], subjects: &[&str], peers: &[&str]) -> String {
    let mut out = String::from("| GET ratio | per round | median of rounds |\n|---|---|---|\n");
    let get = |target: &str, round: &str| {
        runs.iter()
            .find(|r| r.target == target && r.round == round && r.workload == "get")
            .map(|r| r.rps)
    };
    let mut rounds: Vec<&str> = Vec::new();
    for r in runs {
        if !rounds.contains(&r.round.as_str()) {
            rounds.push(&r.round);
        }
    }
    for s in subjects {
        for p in peers {
            let ratios: Vec<f64> = rounds
                .iter()
                .filter_map(|round| match (get(s, round), get(p, round)) {
                    (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                    _ => None,
                })
                .collect();
            if ratios.is_empty() {
                continue;
            }
            let each: Vec<String> = ratios.iter().map(|r| format!("{r:.2}x")).collect();
            let _ = writeln!(
                out,
                "| {s} / {p} | {} | {:.2}x |",
                each.join(", "),
                median(&ratios)
            );
        }
    }
    out
}

/// The dispatch table from `dispatch.csv`: ns per request per router and route-set size, and
/// each router's growth from the smallest set to the largest.
pub fn render_dispatch(csv: &str) -> String {
    let mut sizes: Vec<u64> = Vec::new();
    let mut routers: Vec<String> = Vec::new();
    let mut figures: BTreeMap<(String, u64), f64> = BTreeMap::new();
    for f in rows(csv) {
        let (Some(router), Some(size), Some(ns)) = (f.first(), f.get(1), f.get(2)) else {
            continue;
        };
        let (Ok(size), Ok(ns)) = (size.parse::<u64>(), ns.parse::<f64>()) else {
            continue;
        };
        if !sizes.contains(&size) {
            sizes.push(size);
        }
        if !routers.iter().any(|r| r == router) {
            routers.push((*router).to_string());
        }
        figures.insert(((*router).to_string(), size), ns);
    }
    sizes.sort_unstable();
    let mut out = String::from("| router |");
    for s in &sizes {
        let _ = write!(out, " N = {s} ({} routes) |", s * 17);
    }
    out.push_str(" largest / smallest |\n|---|");
    for _ in &sizes {
        out.push_str("---|");
    }
    out.push_str("---|\n");
    for r in &routers {
        let _ = write!(out, "| {r} |");
        for s in &sizes {
            match figures.get(&(r.clone(), *s)) {
                Some(ns) => {
                    let _ = write!(out, " {ns:.1} ns |");
                }
                None => out.push_str(" - |"),
            }
        }
        let first = sizes.first().and_then(|s| figures.get(&(r.clone(), *s)));
        let last = sizes.last().and_then(|s| figures.get(&(r.clone(), *s)));
        match (first, last) {
            (Some(a), Some(b)) if *a > 0.0 => {
                let _ = writeln!(out, " {:.2}x |", b / a);
            }
            _ => out.push_str(" - |\n"),
        }
    }
    out
}

/// Any CSV as a Markdown table.
pub fn render_table(csv: &str) -> String {
    let mut lines = csv.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return String::new();
    };
    let columns = header.split(',').count();
    let mut out = format!(
        "| {} |\n|",
        header.split(',').collect::<Vec<_>>().join(" | ")
    );
    out.push_str(&"---|".repeat(columns));
    out.push('\n');
    for line in lines {
        let _ = writeln!(
            out,
            "| {} |",
            line.split(',').collect::<Vec<_>>().join(" | ")
        );
    }
    out
}

/// A grouped bar chart of median req/s: one group per workload, one bar per server.
pub fn render_svg(summary: &[HttpSummary]) -> String {
    const COLORS: [&str; 8] = [
        "#d95f02", "#e7298a", "#b15928", "#1b9e77", "#7570b3", "#666666", "#66a61e", "#e6ab02",
    ];
    let servers = targets(summary);
    let (width, height, left, top, bottom) = (900.0, 420.0, 70.0, 40.0, 90.0);
    let plot_h = height - top - bottom;
    let max = summary.iter().map(|x| x.rps).fold(1.0, f64::max);
    let scale = nice_ceiling(max);
    let group_w = (width - left - 20.0) / WORKLOADS.len() as f64;
    let bar_w = (group_w - 20.0) / servers.len().max(1) as f64;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"20\" font-size=\"15\">HTTP throughput, median req/s (wrk -t2 -c64, loopback)</text>\n"
    );
    for tick in 0..=4 {
        let value = scale * f64::from(tick) / 4.0;
        let y = top + plot_h - plot_h * f64::from(tick) / 4.0;
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            width - 20.0,
            left - 5.0,
            y + 4.0,
            thousands(value)
        );
    }
    for (g, workload) in WORKLOADS.iter().enumerate() {
        let x0 = left + g as f64 * group_w + 10.0;
        for (i, server) in servers.iter().enumerate() {
            let Some(x) = find(summary, server, workload) else {
                continue;
            };
            let h = plot_h * x.rps / scale;
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{server} {workload}: {:.0} req/s</title></rect>",
                x0 + i as f64 * bar_w,
                top + plot_h - h,
                bar_w - 2.0,
                COLORS[i % COLORS.len()],
                x.rps
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x0 + (group_w - 20.0) / 2.0,
            top + plot_h + 16.0,
            workload.to_uppercase()
        );
    }
    for (i, server) in servers.iter().enumerate() {
        let x = left + (i % 4) as f64 * 200.0;
        let y = height - bottom + 40.0 + (i / 4) as f64 * 18.0;
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{y:.1}\">{server}</text>",
            y - 10.0,
            COLORS[i % COLORS.len()],
            x + 16.0
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The smallest round figure (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at or
/// above `v`.
fn nice_ceiling(v: f64) -> f64 {
    let mut step = 1.0;
    while step * 10.0 < v {
        step *= 10.0;
    }
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .into_iter()
        .map(|m| m * step)
        .find(|c| *c >= v)
        .unwrap_or(v)
}

fn thousands(v: f64) -> String {
    if v >= 1000.0 {
        format!("{}k", v / 1000.0)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTP: &str =
        "round,target,workload,rps,p50_us,p99_us,requests,status_errors,socket_errors\n\
        1,krest,get,100,1,10,1000,0,0\n\
        2,krest,get,300,1,30,1000,0,0\n\
        3,krest,get,200,1,20,1000,1,0\n\
        1,go,get,50,1,40,1000,0,0\n";

    #[test]
    fn medians_and_ratios() {
        let summary = summarize_http(&parse_http(HTTP));
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].rps, 200.0);
        assert_eq!(summary[0].p99_us, 20.0);
        assert_eq!(summary[0].errors, 1);
        let ratios = render_ratios(&summary, &["krest"], &["go"]);
        assert!(
            ratios.contains("| krest / go | 4.00x | - | - | - | 0.50x |"),
            "{ratios}"
        );
        assert!(render_http(&summary).contains("| krest | 200 (0.02 ms) |"));
        assert!(render_svg(&summary).starts_with("<svg"));
        let rounds = render_round_ratios(&parse_http(HTTP), &["krest"], &["go"]);
        assert!(
            rounds.contains("| krest / go | 2.00x | 2.00x |"),
            "{rounds}"
        );
    }

    #[test]
    fn dispatch_table_shows_growth() {
        let table =
            render_dispatch("router,size,ns\nkrest,1,10\nkrest,500,12\ngo,1,100\ngo,500,900\n");
        assert!(
            table.contains("| krest | 10.0 ns | 12.0 ns | 1.20x |"),
            "{table}"
        );
        assert!(
            table.contains("| go | 100.0 ns | 900.0 ns | 9.00x |"),
            "{table}"
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(nice_ceiling(130_000.0), 150_000.0);
        assert_eq!(
            render_table("a,b\n1,2\n"),
            "| a | b |\n|---|---|\n| 1 | 2 |\n"
        );
    }
}
