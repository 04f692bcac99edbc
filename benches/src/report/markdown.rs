//! The run's `README.md` (provenance) and `summary.md` (findings, the which-pool table,
//! correctness in brief, links to the per-family pages).

use crate::record::{RunData, Status};

use super::aggregate::{cells, config_label, CellStats};
use super::answer::answer;
use super::choose::{choices, Choice};
use super::findings::findings;
use super::format::{interval, kib, opt, ratio, secs, table};
use super::pages::{families, file_name};

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
    t.add_row(vec![
        "Round-order seed".into(),
        format!("{} (`--seed {}` replays the orders)", m.seed, m.seed),
    ]);
    s.push_str(&t.to_string());
    if !data.conditions.is_empty() {
        s.push_str("\n\nMachine conditions per workload (1-minute load average and the host's steal time; each repetition's own busy check is on the family pages):\n\n");
        let mut c = table(&["Workload", "Load before", "Load after", "Steal", "Time"]);
        let load = |v: Option<f64>| opt(v, |l| format!("{l:.2}"));
        for w in &data.conditions {
            c.add_row(vec![
                w.workload.clone(),
                load(w.load1_before),
                load(w.load1_after),
                opt(w.steal_ns(), |ns| secs(ns as f64 / 1e9)),
                secs(w.elapsed_s),
            ]);
        }
        s.push_str(&c.to_string());
    }
    s.push_str("\n\nFiles: `summary.md` (findings and the which-pool table), `family-*.md` (every cell), `raw.csv` and `results.json` (every sample), `figures/*.svg`.\n");
    s.push_str("Re-render the reports from the raw data with `pool-bench report <this folder>`.\n");
    s
}

fn which_pool(choices: &[Choice]) -> String {
    let mut s = String::from("## Which pool for which workload\n\nPer workload, each contender's best `ok` cell (lowest median; among its configurations statistically tied with that, the one without oversubscription and with the fewest workers). A winner is named only where the runner-up / best ratio has a 95 % bootstrap interval above 1.0; otherwise the row is a **tie** listing every contender whose interval reaches 1.0 (with fewer than 3 repetitions nothing can be told apart). A winner must also replicate: where the nearest earlier run of the same host, cores and scale named another contender, the row is a tie between the two and says which run disagreed (the drift between runs is larger than the noise within one). Where the best is not a multi-worker pool (sequential, one worker, unbounded), the best such pool is named with its figure over the best. Thread-per-task is compared against the best multi-worker pool only (above 1: bounding the workers wins).\n\n");
    let mut t = table(&[
        "Workload",
        "Metric",
        "Best (or tie)",
        "Config",
        "Figure [95 % CI]",
        "Runner-up",
        "Runner-up / best [95 % CI]",
        "Best multi-worker pool / best",
        "Thread-per-task / best pool",
    ]);
    for c in choices {
        let b = &c.ranked[0];
        t.add_row(vec![
            c.workload.clone(),
            c.metric.into(),
            match c.winner() {
                Some(w) => format!("**{}**", w.contender),
                None => c.tie_words(),
            },
            b.config.clone(),
            format!(
                "{} {}{}",
                super::choose::format_figure(c.family, b.figure),
                interval(c.family, b.ci),
                match b.outliers {
                    (0, _) => String::new(),
                    (k, n) => format!(" **{k} of {n} reps > 3x median**"),
                }
            ),
            opt(c.ranked.get(1), |p| p.label()),
            opt(c.margin, ratio),
            c.best_pool.as_ref().map_or_else(
                || "(the best)".into(),
                |(p, r)| format!("{}: {}", p.label(), ratio(*r)),
            ),
            opt(c.bounded_gain, ratio),
        ]);
    }
    s.push_str(&t.to_string());
    s.push('\n');
    s
}

fn correctness(all: &[CellStats]) -> String {
    let mut s = String::from("## Correctness\n\nEvery cell checks its result against a sequential reference; a wrong answer fails the run. Cells per contender: ");
    let mut names: Vec<&str> = Vec::new();
    for c in all {
        if !names.contains(&c.first.contender.as_str()) {
            names.push(&c.first.contender);
        }
    }
    let count = |n: &str, st: Status| {
        all.iter()
            .filter(|c| c.first.contender == n && c.status == st)
            .count()
    };
    let parts: Vec<String> = names
        .iter()
        .map(|n| {
            let mut p = format!("{n} {} ok", count(n, Status::Ok));
            for st in [Status::WrongAnswer, Status::Failed, Status::Timeout] {
                let k = count(n, st);
                if k > 0 {
                    p.push_str(&format!(", **{k} {}**", st.label()));
                }
            }
            p
        })
        .collect();
    s.push_str(&parts.join("; "));
    s.push_str(".\n\n");
    let bad: Vec<&CellStats> = all
        .iter()
        .filter(|c| !matches!(c.status, Status::Ok | Status::Unsupported))
        .collect();
    if bad.is_empty() {
        s.push_str("No cell failed, timed out or gave a wrong answer (unsupported capabilities are listed on the family pages).\n");
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
    s
}

/// `summary.md`: contents, the answer to the blog post's question, findings, the which-pool table, correctness in brief and links
/// to the per-family pages (which hold every cell).
pub fn summary(data: &RunData) -> String {
    let m = &data.meta;
    let all = cells(&data.samples);
    let picked = choices(&data.workloads, &all, &data.earlier);
    let mut s = format!("# Summary: {} on {} at {}\n\n", m.date, m.host, m.commit);
    s.push_str(&format!(
        "{} cores, {}; scale {}. Provenance and the exact command: [README.md](README.md). How to read this: `FAQ.md` at the repository root.\n\n",
        m.cores, m.cpu, m.scale.map_or("custom".into(), |x| format!("{x:?}").to_lowercase())
    ));
    s.push_str("Contents: [Does a worker pool help with file or network I/O?](#does-a-worker-pool-help-when-tasks-are-heavy-in-file-or-network-io) · [Findings](#findings) · [Which pool for which workload](#which-pool-for-which-workload) · [Correctness](#correctness) · [Pages](#pages)\n\n");
    s.push_str(&answer(data, &all));
    s.push('\n');
    s.push_str(&findings(data, &all, &picked));
    s.push('\n');
    s.push_str(&which_pool(&picked));
    s.push('\n');
    s.push_str(&correctness(&all));
    s.push_str("\n## Pages\n\nEvery cell, with its interval, spread, outliers, ratio against the baseline and witness, and the figures:\n\n");
    for f in families(data) {
        let names: Vec<String> = data
            .workloads
            .iter()
            .filter(|w| w.family == f)
            .map(|w| format!("`{}`", w.name))
            .collect();
        s.push_str(&format!(
            "- [{}]({}): {}\n",
            f.label(),
            file_name(f),
            names.join(", ")
        ));
    }
    s.push_str("- Raw data: `raw.csv`, `results.json`; figures in `figures/`.\n");
    s
}
