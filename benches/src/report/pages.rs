//! The per-family pages (`family-<name>.md`): every cell of every workload of one family,
//! with median, 95 % interval, spread, outlier flags, ratio against the baseline with its
//! interval, CPU/wall, peak RSS and witness, then the workload's figures.

use comfy_table::Table;

use crate::record::{RunData, Status, WorkloadInfo};
use crate::workloads::Family;

use super::aggregate::{baseline_for, config_label, CellStats};
use super::choose::Ratio;
use super::format::{interval, kib, opt, rate, ratio, secs, table};
use super::verdict::{claim, verdict};

/// The file name of `family`'s page.
pub fn file_name(family: Family) -> String {
    let slug = match family {
        Family::CpuFlat => "cpu-flat",
        Family::CpuRecursive => "cpu-recursive",
        Family::IoFlat => "io-flat",
        Family::IoRecursive => "io-recursive",
        Family::Mixed => "mixed",
        Family::Latency => "latency",
        Family::Idle => "idle",
        Family::QueueMemory => "queue-memory",
        Family::Downstream => "downstream",
        Family::Held => "held",
    };
    format!("family-{slug}.md")
}

/// The families of the run, in workload order, each once.
pub fn families(data: &RunData) -> Vec<Family> {
    let mut out: Vec<Family> = Vec::new();
    for w in &data.workloads {
        if !out.contains(&w.family) {
            out.push(w.family);
        }
    }
    out
}

fn versus(c: &CellStats, all: &[CellStats], baseline: &str) -> String {
    if c.makespan().is_none() {
        return "-".into();
    }
    let point = (c.first.workers, c.first.concurrency);
    baseline_for(all, &c.first.workload, baseline, point)
        .and_then(|b| Ratio::of(b, c))
        .map_or_else(|| "n/a".into(), ratio)
}

fn status_cell(c: &CellStats) -> String {
    if c.status == Status::Ok {
        "ok".into()
    } else {
        format!("{}: {}", c.status.label(), c.error.replace('|', "/"))
    }
}

/// Outlier repetitions and repetitions measured on a busy machine, or `-`.
fn outlier_cell(c: &CellStats) -> String {
    let mut flags = Vec::new();
    if c.outliers > 0 {
        flags.push(format!(
            "**{} of {} > 3x median**",
            c.outliers,
            c.figures.len()
        ));
    }
    if let (n @ 1.., Some(why)) = (c.busy.0, &c.busy.1) {
        flags.push(format!("**{n} of {} busy** ({why})", c.figures.len()));
    }
    if flags.is_empty() {
        "-".into()
    } else {
        flags.join("; ")
    }
}

fn latency_table(rows: &[&CellStats]) -> Table {
    let mut t = table(&[
        "Contender",
        "Config",
        "Status",
        "p50",
        "p90",
        "p99",
        "p99.9",
        "max",
        "CPU/wall",
        "Witness",
    ]);
    for c in rows {
        let l = |i: usize| opt(c.latency, |l| format!("{:.1} us", l[i] / 1e3));
        t.add_row(vec![
            c.first.contender.clone(),
            config_label(c),
            status_cell(c),
            l(0),
            l(1),
            l(2),
            l(3),
            l(4),
            opt(c.cpu_util(), |u| format!("{:.0} %", u * 100.0)),
            c.witness.clone(),
        ]);
    }
    t
}

fn workload_table(family: Family, rows: &[&CellStats], all: &[CellStats], baseline: &str) -> Table {
    if family == Family::Latency {
        return latency_table(rows);
    }
    let vs = format!("vs {baseline} [95 % CI]");
    let first: &[&str] = match family {
        Family::Idle => &["CPU/wall (median)"],
        Family::QueueMemory => &[
            "Held B/job (median)",
            "Heap B/job",
            "RSS B/job",
            "Mapped B/job",
            "Threads/job",
        ],
        Family::Held => &[
            "Held B/task (median)",
            "Heap B/task",
            "RSS B/task",
            "Mapped B/task",
            "Threads/task",
        ],
        _ => &["Makespan (median)"],
    };
    let mut head = vec!["Contender", "Config", "Status"];
    head.extend_from_slice(first);
    head.extend_from_slice(&["95 % CI", "Spread", "Reps", "Flags"]);
    match family {
        Family::Idle => head.extend_from_slice(&["CPU time", "Wall"]),
        Family::QueueMemory => head.extend_from_slice(&["Peak RSS", "Submit rate"]),
        Family::Held => head.extend_from_slice(&[
            "Peak RSS",
            "Peak threads",
            "Peak fds",
            "fd errors",
            "Refused",
            "Pending at once",
            "Makespan",
        ]),
        _ => {
            head.extend_from_slice(&["Throughput", "CPU/wall", "Peak RSS", vs.as_str()]);
            if family.is_io() {
                head.push("Little's-law bound");
            }
            if family == Family::Downstream {
                head.extend_from_slice(&["503s", "Service queue max", "p50", "p99"]);
            }
        }
    }
    head.push("Witness");
    let mut t = table(&head);
    for c in rows {
        let fig = |v: f64| super::choose::format_figure(family, v);
        let spread = crate::stats::Summary::of(&c.figures)
            .filter(|_| c.makespan().is_some())
            .map(|s| (s.spread(), s.n));
        let mut row = vec![
            c.first.contender.clone(),
            config_label(c),
            status_cell(c),
            opt(c.figure(), fig),
        ];
        if matches!(family, Family::QueueMemory | Family::Held) {
            let bytes = |v: Option<f64>| opt(v, |b| format!("{b:.0}"));
            row.extend([
                bytes(c.heap_per_job),
                bytes(c.rss_per_job),
                bytes(c.mapped_per_job),
                opt(c.threads_per_job, |t| format!("{t:.2}")),
            ]);
        }
        row.extend([
            if c.figure().is_some() {
                interval(family, c.figure_ci)
            } else {
                "-".into()
            },
            opt(spread, |(s, _)| format!("{:.1} %", s * 100.0)),
            opt(spread, |(_, n)| n.to_string()),
            outlier_cell(c),
        ]);
        match family {
            Family::Idle => row.extend([opt(c.cpu, secs), opt(c.wall, |w| secs(w.median))]),
            Family::QueueMemory => row.extend([opt(c.peak_rss_kib, kib), opt(c.throughput, rate)]),
            Family::Held => {
                let n = |v: Option<u64>| opt(v, |v| v.to_string());
                let h = &c.held;
                row.extend([
                    opt(c.peak_rss_kib, kib),
                    n(h.threads),
                    n(h.fds),
                    n(h.fd_errors),
                    n(h.refused),
                    n(h.pending),
                    opt(c.wall, |w| secs(w.median)),
                ]);
            }
            _ => {
                row.extend([
                    opt(c.throughput, rate),
                    opt(c.cpu_util(), |u| format!("{u:.2}")),
                    opt(c.peak_rss_kib, kib),
                    versus(c, all, baseline),
                ]);
                if family.is_io() {
                    row.push(opt(c.bound, secs));
                }
                if family == Family::Downstream {
                    row.extend(downstream_columns(c));
                }
            }
        }
        row.push(c.witness.clone());
        t.add_row(row);
    }
    t
}

/// A downstream cell's medians: 503s, the service's longest queue, p50 and p99 latency.
fn downstream_columns(c: &CellStats) -> [String; 4] {
    let count = |v: Option<crate::stats::Summary>| opt(v, |s| format!("{:.0}", s.median));
    let lat = |i: usize| opt(c.latency, |l| secs(l[i] / 1e9));
    [count(c.refusals), count(c.queue_max), lat(0), lat(2)]
}

/// Keeps one `unsupported` row per contender (a missing capability does not depend on the
/// worker count); every other row stays.
fn collapse_unsupported(rows: Vec<&CellStats>) -> Vec<&CellStats> {
    let mut seen: Vec<&str> = Vec::new();
    rows.into_iter()
        .filter(|c| {
            if c.status != Status::Unsupported {
                return true;
            }
            let first = !seen.contains(&c.first.contender.as_str());
            seen.push(&c.first.contender);
            first
        })
        .collect()
}

fn workload_section(
    w: &WorkloadInfo,
    data: &RunData,
    all: &[CellStats],
    figures: &[(String, String)],
) -> String {
    let mine: Vec<&CellStats> = all.iter().filter(|c| c.first.workload == w.name).collect();
    let mut s = format!(
        "\n## {}\n\n*Hypothesis:* {}.  \n*Parameters:* {}.  \n",
        w.name, w.hypothesis, w.params
    );
    match claim(&w.name) {
        Some(cl) => {
            let v = verdict(&cl, &mine, w.family, data.meta.cores);
            s.push_str(&format!(
                "*Claim checked:* {}: **{}** ({}).\n\n",
                cl.words,
                v.outcome.label(),
                v.evidence.join("; ")
            ));
        }
        None => s.push_str("*Claim checked:* none for this workload.\n\n"),
    }
    let rows = collapse_unsupported(mine);
    s.push_str(&workload_table(w.family, &rows, all, &data.meta.baseline).to_string());
    s.push('\n');
    for (_, fig) in figures.iter().filter(|(wl, _)| *wl == w.name) {
        s.push_str(&format!("\n![{fig}](figures/{fig})\n"));
    }
    s
}

/// The page of `family`.
pub fn page(
    family: Family,
    data: &RunData,
    all: &[CellStats],
    figures: &[(String, String)],
) -> String {
    let m = &data.meta;
    let mut s = format!(
        "# {}: {} on {} at {}\n\nBack to the [summary](summary.md). Figures are medians over repetitions with a 95 % percentile-bootstrap interval of the median (none under 3 repetitions); spread is (max - min) / median; a repetition above 3x its cell's median is flagged under Outliers and still counted. Ratios against **{}** are its median over the cell's (above 1: faster than it), at the same workers/concurrency if measured, else its fastest cell, each cell resampled independently.\n",
        family.label(),
        m.date,
        m.host,
        m.commit,
        m.baseline
    );
    if family == Family::Latency && !super::latency::points(data).is_empty() {
        s.push_str("\nThe loads side by side, with percentiles from the repetitions' merged histograms, the generator's lateness and stability flags: [latency.md](latency.md).\n");
    }
    for w in data.workloads.iter().filter(|w| w.family == family) {
        s.push_str(&workload_section(w, data, all, figures));
    }
    s
}
