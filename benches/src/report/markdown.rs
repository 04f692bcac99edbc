//! The run's `README.md` (provenance) and `summary.md` (the tables).

use comfy_table::presets::ASCII_MARKDOWN;
use comfy_table::Table;

use crate::record::{RunData, Status};
use crate::workloads::Family;

use super::aggregate::{baseline_for, cells, config_label, CellStats};
use super::choose::choices;

/// Seconds, with a unit that keeps three significant figures.
pub fn secs(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.2} s")
    } else if v >= 1e-3 {
        format!("{:.2} ms", v * 1e3)
    } else {
        format!("{:.2} us", v * 1e6)
    }
}

fn rate(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2} M/s", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1} k/s", v / 1e3)
    } else {
        format!("{v:.1} /s")
    }
}

fn kib(v: u64) -> String {
    format!("{:.1} MiB", v as f64 / 1024.0)
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "-".into(), f)
}

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(ASCII_MARKDOWN).set_header(header.to_vec());
    t
}

/// The run README: the exact command, versions, commit and machine.
pub fn readme(data: &RunData) -> String {
    let m = &data.meta;
    let mut s = format!("# pool-bench run {} on {}\n\n", m.date, m.host);
    s.push_str(&format!(
        "Command (from the repository root):\n\n```sh\n{}\n```\n\n",
        m.command
    ));
    let mut t = table(&["Item", "Value"]);
    t.add_row(vec!["Commit".into(), m.commit.clone()]);
    t.add_row(vec!["Date (UTC)".into(), m.date.clone()]);
    t.add_row(vec!["rustc".into(), m.rustc.clone()]);
    t.add_row(vec!["Build profile".into(), m.profile.clone()]);
    for (name, version) in &m.crates {
        t.add_row(vec![format!("crate {name}"), version.clone()]);
    }
    t.add_row(vec!["CPU".into(), m.cpu.clone()]);
    t.add_row(vec!["Cores".into(), m.cores.to_string()]);
    t.add_row(vec!["Memory".into(), kib(m.mem_kib)]);
    t.add_row(vec!["Kernel".into(), m.kernel.clone()]);
    t.add_row(vec![
        "Scale".into(),
        m.scale
            .map_or("custom".into(), |x| format!("{x:?}").to_lowercase()),
    ]);
    t.add_row(vec!["Baseline".into(), m.baseline.clone()]);
    t.add_row(vec![
        "spin_work speed".into(),
        format!("{:.3} ns/iteration", m.spin_ns_per_iter),
    ]);
    t.add_row(vec!["Cell timeout".into(), format!("{} s", m.timeout_s)]);
    t.add_row(vec!["Run time".into(), secs(m.elapsed_s)]);
    s.push_str(&t.to_string());
    s.push_str("\n\nFiles: `summary.md` (tables), `raw.csv` and `results.json` (every sample), `figures/*.svg`.\n");
    s.push_str("Re-render the reports from the raw data with `pool-bench report <this folder>`.\n");
    s
}

fn speedup(c: &CellStats, all: &[CellStats], baseline: &str) -> String {
    let Some(mine) = c.makespan() else {
        return "-".into();
    };
    let point = (c.first.workers, c.first.concurrency);
    match baseline_for(all, &c.first.workload, baseline, point).and_then(CellStats::makespan) {
        Some(b) => format!("{:.2}x", b / mine),
        None => "n/a".into(),
    }
}

fn status_cell(c: &CellStats) -> String {
    if c.status == Status::Ok {
        "ok".into()
    } else {
        format!("{}: {}", c.status.label(), c.error.replace('|', "/"))
    }
}

fn workload_table(family: Family, rows: &[&CellStats], all: &[CellStats], baseline: &str) -> Table {
    let vs = format!("speedup vs {baseline}");
    match family {
        Family::Latency => {
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
        Family::Idle => {
            let mut t = table(&[
                "Contender",
                "Config",
                "Status",
                "CPU/wall",
                "CPU time",
                "Wall",
                "Witness",
            ]);
            for c in rows {
                t.add_row(vec![
                    c.first.contender.clone(),
                    config_label(c),
                    status_cell(c),
                    opt(c.cpu_util(), |u| format!("{:.1} %", u * 100.0)),
                    opt(c.cpu, secs),
                    opt(c.wall, |w| secs(w.median)),
                    c.witness.clone(),
                ]);
            }
            t
        }
        Family::QueueMemory => {
            let mut t = table(&[
                "Contender",
                "Config",
                "Status",
                "Heap B/job",
                "RSS B/job",
                "Peak RSS",
                "Submit rate",
                "Witness",
            ]);
            for c in rows {
                t.add_row(vec![
                    c.first.contender.clone(),
                    config_label(c),
                    status_cell(c),
                    opt(c.heap_per_job, |b| format!("{b:.0}")),
                    opt(c.rss_per_job, |b| format!("{b:.0}")),
                    opt(c.peak_rss_kib, kib),
                    opt(c.throughput, rate),
                    c.witness.clone(),
                ]);
            }
            t
        }
        _ => {
            let mut head = vec![
                "Contender",
                "Config",
                "Status",
                "Makespan (median)",
                "Spread",
                "Reps",
                "Throughput",
                "CPU user+sys",
                "CPU/wall",
                "Peak RSS",
                vs.as_str(),
            ];
            if family.is_io() {
                head.push("Little's-law bound");
            }
            head.push("Witness");
            let mut t = table(&head);
            for c in rows {
                let mut row = vec![
                    c.first.contender.clone(),
                    config_label(c),
                    status_cell(c),
                    opt(c.wall, |w| secs(w.median)),
                    opt(c.wall, |w| format!("{:.1} %", w.spread() * 100.0)),
                    opt(c.wall, |w| w.n.to_string()),
                    opt(c.throughput, rate),
                    opt(c.cpu, secs),
                    opt(c.cpu_util(), |u| format!("{:.2}", u)),
                    opt(c.peak_rss_kib, kib),
                    speedup(c, all, baseline),
                ];
                if family.is_io() {
                    row.push(opt(c.bound, secs));
                }
                row.push(c.witness.clone());
                t.add_row(row);
            }
            t
        }
    }
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

/// `summary.md`: the which-pool table, correctness, failures, then one table per workload.
pub fn summary(data: &RunData, figures: &[(String, String)]) -> String {
    let m = &data.meta;
    let all = cells(&data.samples);
    let mut s = format!("# Summary: {} on {} at {}\n\n", m.date, m.host, m.commit);
    s.push_str(&format!(
        "{} cores, {}; scale {}; ratios are speedups against **{}** in this same run (its cell at the same workers/concurrency, else its fastest). Makespan is the median over repetitions, spread is (max - min) / median. Provenance and the exact command: [README.md](README.md). How to read this: `FAQ.md` at the repository root.\n\n",
        m.cores, m.cpu, m.scale.map_or("custom".into(), |x| format!("{x:?}").to_lowercase()), m.baseline
    ));
    s.push_str("## Which pool for which workload\n\nDerived from the cells below: the best `ok` cell per workload (lower is better), the best cell of any other contender, the best multi-worker pool when the best is not one (sequential or unbounded; its figure over the best), and thread-per-task's figure over the best bounded cell (> 1: bounding the workers wins by that factor).\n\n");
    let mut t = table(&[
        "Workload",
        "Metric",
        "Best",
        "Config",
        "Figure",
        "Runner-up",
        "Margin",
        "Best multi-worker pool (x best)",
        "Bounded vs thread-per-task",
    ]);
    for c in choices(&data.workloads, &all) {
        t.add_row(vec![
            c.workload,
            c.metric.into(),
            c.best,
            c.config,
            c.figure,
            c.runner_up.unwrap_or_else(|| "-".into()),
            opt(c.margin, |x| format!("{x:.2}x")),
            c.best_pool
                .map_or_else(|| "(the best)".into(), |(p, r)| format!("{p}: {r:.2}x")),
            opt(c.bounded_gain, |x| format!("{x:.2}x")),
        ]);
    }
    s.push_str(&t.to_string());
    s.push_str("\n\n## Correctness\n\nEvery cell checks its result against a sequential reference; a wrong answer fails the run.\n\n");
    let mut t = table(&[
        "Contender",
        "ok",
        "wrong answer",
        "failed",
        "timeout",
        "unsupported",
        "Example witness",
    ]);
    let mut names: Vec<&str> = Vec::new();
    for c in &all {
        if !names.contains(&c.first.contender.as_str()) {
            names.push(&c.first.contender);
        }
    }
    for n in names {
        let mine: Vec<&CellStats> = all.iter().filter(|c| c.first.contender == n).collect();
        let count = |st: Status| mine.iter().filter(|c| c.status == st).count().to_string();
        let witness = mine
            .iter()
            .find(|c| c.status == Status::Ok)
            .map(|c| format!("{}: {}", c.first.workload, c.witness));
        t.add_row(vec![
            n.to_owned(),
            count(Status::Ok),
            count(Status::WrongAnswer),
            count(Status::Failed),
            count(Status::Timeout),
            count(Status::Unsupported),
            witness.unwrap_or_else(|| "-".into()),
        ]);
    }
    s.push_str(&t.to_string());
    let mut bad: Vec<&CellStats> = Vec::new();
    for c in all.iter().filter(|c| c.status != Status::Ok) {
        let dup = c.status == Status::Unsupported
            && bad.iter().any(|b| {
                b.status == Status::Unsupported
                    && b.first.workload == c.first.workload
                    && b.first.contender == c.first.contender
            });
        if !dup {
            bad.push(c);
        }
    }
    s.push_str("\n\n## Cells that are not ok\n\n");
    if bad.is_empty() {
        s.push_str("None.\n");
    } else {
        let mut t = table(&["Workload", "Contender", "Config", "Status", "Why"]);
        for c in bad {
            t.add_row(vec![
                c.first.workload.clone(),
                c.first.contender.clone(),
                config_label(c),
                c.status.label().into(),
                c.error.replace('|', "/"),
            ]);
        }
        s.push_str(&t.to_string());
        s.push('\n');
    }
    let mut families: Vec<Family> = data.workloads.iter().map(|w| w.family).collect();
    families.dedup();
    for f in families {
        s.push_str(&format!("\n## {}\n", f.label()));
        for w in data.workloads.iter().filter(|w| w.family == f) {
            s.push_str(&format!(
                "\n### {}\n\n*Hypothesis:* {}.  \n*Parameters:* {}.\n\n",
                w.name, w.hypothesis, w.params
            ));
            let rows =
                collapse_unsupported(all.iter().filter(|c| c.first.workload == w.name).collect());
            s.push_str(&workload_table(f, &rows, &all, &m.baseline).to_string());
            s.push('\n');
            for (_, fig) in figures.iter().filter(|(wl, _)| *wl == w.name) {
                s.push_str(&format!("\n![{fig}](figures/{fig})\n"));
            }
        }
    }
    s
}
