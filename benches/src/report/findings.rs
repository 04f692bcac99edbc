//! The `## Findings` section: per family, per workload, what wins and by how much (or
//! that it is a tie), and the verdict on the workload's claim, all from the run's cells.

use crate::record::RunData;
use crate::workloads::Family;

use crate::contenders::HARNESS_FLOOR;

use super::aggregate::CellStats;
use super::choose::{format_figure, of_workload, ranked, Choice};
use super::format::{interval, ratio};
use super::pages::{families, file_name};
use super::verdict::{claim, verdict, Outcome, Verdict};

/// The figure of the best cell with its interval: `13.68 ms [13.50 ms, 13.90 ms]`.
fn best_figure(c: &Choice) -> String {
    let b = &c.ranked[0];
    format!(
        "{} {}",
        format_figure(c.family, b.figure),
        interval(c.family, b.ci)
    )
}

/// What wins a workload, in words.
pub fn outcome_words(c: &Choice) -> String {
    let b = &c.ranked[0];
    let mut s = match c.winner() {
        Some(w) => {
            let next = c
                .margin
                .map(|m| format!("; next {} at {}", c.ranked[1].contender, ratio(m)))
                .unwrap_or_default();
            format!(
                "**{}** ({}) wins, {}{next}",
                w.contender,
                w.config,
                best_figure(c)
            )
        }
        None => format!(
            "{} (best {} ({}), {})",
            c.tie_words(),
            b.contender,
            b.config,
            best_figure(c)
        ),
    };
    if let Some((pool, r)) = &c.best_pool {
        if b.contender == "sequential" {
            s.push_str(&format!(
                "; no pool beats running inline, best pool {} at {}",
                pool.label(),
                ratio(*r)
            ));
        } else {
            s.push_str(&format!(
                "; best multi-worker pool {} at {}",
                pool.label(),
                ratio(*r)
            ));
        }
    }
    s
}

/// Nanoseconds per job of a cell's median makespan, with the interval of the median.
fn per_job(c: &CellStats) -> Option<String> {
    let jobs = c.first.jobs.filter(|&j| j > 0)? as f64;
    let ns = |s: f64| format!("{:.0} ns", s * 1e9 / jobs);
    let ci = c
        .figure_ci
        .map(|ci| format!(" [{}, {}]", ns(ci.lo), ns(ci.hi)))
        .unwrap_or_default();
    Some(format!("{}/job{ci}", ns(c.makespan()?)))
}

/// The harness floor against the fastest pool on `empty`, where per-job costs are all
/// there is: what the adapter path costs alone, so a pool's figure reads as the floor
/// plus the pool's own cost.
fn floor_line(data: &RunData, all: &[CellStats]) -> Option<String> {
    data.workloads
        .iter()
        .filter(|w| w.name == "empty")
        .find_map(|w| {
            let floor = all.iter().find(|c| {
                c.first.workload == w.name
                    && c.first.contender == HARNESS_FLOOR
                    && c.makespan().is_some()
            })?;
            let mine = of_workload(all, &w.name);
            let pool = ranked(&mine)
                .into_iter()
                .find(|c| c.first.contender != "sequential" && c.first.workers.is_some())?;
            Some(format!(
                "Harness floor on `{}` (the same adapter path, each job run inline on the submitter): {}; the fastest pool, {} ({}), takes {}: the difference is the pool's own queue, hand-off and wake-up cost.",
                w.name,
                per_job(floor)?,
                pool.first.contender,
                super::aggregate::config_label(pool),
                per_job(pool)?
            ))
        })
}

/// One line for a family's workloads that decide nothing: a statistical tie and no
/// verdict (or an inconclusive one). Each keeps its best figure; the family page has the
/// intervals and the evidence. Folding them keeps the Findings on one screen.
fn undecided_line(undecided: &[String]) -> String {
    if undecided.is_empty() {
        return String::new();
    }
    format!(
        "  - {}: statistical ties, hypotheses inconclusive or none (intervals on the page).\n",
        undecided.join("; ")
    )
}

/// The `## Findings` section of `summary.md`.
pub fn findings(data: &RunData, all: &[CellStats], choices: &[Choice]) -> String {
    let verdicts: Vec<Option<Verdict>> = data
        .workloads
        .iter()
        .map(|w| {
            claim(&w.name)
                .map(|cl| verdict(&cl, &of_workload(all, &w.name), w.family, data.meta.cores))
        })
        .collect();
    let count = |o: Outcome| verdicts.iter().flatten().filter(|v| v.outcome == o).count();
    let (yes, no, maybe) = (
        count(Outcome::Confirmed),
        count(Outcome::Refuted),
        count(Outcome::Inconclusive),
    );
    let winners = choices.iter().filter(|c| c.winner().is_some()).count();
    let ties = choices.len() - winners;
    let disputed = match choices.iter().filter(|c| c.disputed.is_some()).count() {
        0 => String::new(),
        n => format!(", {n} of them because an earlier run named another winner"),
    };
    let ok: Vec<&crate::record::Sample> = data
        .samples
        .iter()
        .filter(|s| s.status == crate::record::Status::Ok && s.rep > 0)
        .collect();
    let busy = ok.iter().filter(|s| s.busy().is_some()).count();
    let busy = if busy == 0 {
        String::new()
    } else {
        format!(
            " {busy} of {} repetitions ran on a busy machine (other processes' CPU or steal; flagged on the pages).",
            ok.len()
        )
    };
    let mut s = format!(
        "## Findings\n\n{winners} workloads have a clear winner and {ties} a statistical tie (95 % intervals{disputed}); hypotheses: {yes} confirmed, {no} refuted, {maybe} inconclusive. Ratios are runner-up / best.{busy}\n\n"
    );
    for f in families(data) {
        s.push_str(&format!("- **{}** ([page]({}))\n", f.label(), file_name(f)));
        if f == Family::CpuFlat {
            if let Some(line) = floor_line(data, all) {
                s.push_str(&format!("  - {line}\n"));
            }
        }
        if f == Family::Downstream {
            for line in super::downstream::findings(data, all) {
                s.push_str(&format!("  - {line}\n"));
            }
        }
        if f == Family::Held {
            for line in super::held::findings(data, all) {
                s.push_str(&format!("  - {line}\n"));
            }
        }
        if f == Family::Latency {
            for line in super::latency::findings(data) {
                s.push_str(&format!("  - {line} ([load sweep](latency.md))\n"));
            }
        }
        let mut undecided: Vec<String> = Vec::new();
        for (w, v) in data
            .workloads
            .iter()
            .zip(&verdicts)
            .filter(|(w, _)| w.family == f)
        {
            let Some(c) = choices.iter().find(|c| c.workload == w.name) else {
                s.push_str(&format!("  - `{}`: no `ok` cell.\n", w.name));
                continue;
            };
            if c.winner().is_none()
                && v.as_ref()
                    .is_none_or(|v| v.outcome == Outcome::Inconclusive)
            {
                let disputed = c
                    .disputed
                    .as_ref()
                    .map(|d| format!("; {}", d.words()))
                    .unwrap_or_default();
                undecided.push(format!(
                    "`{}` best {} ({}, {}{disputed})",
                    w.name,
                    c.ranked[0].contender,
                    c.ranked[0].config,
                    format_figure(c.family, c.ranked[0].figure)
                ));
                continue;
            }
            let judged = v.as_ref().map_or_else(
                || "No checkable hypothesis".to_owned(),
                |v| {
                    format!(
                        "Hypothesis **{}**: {}",
                        v.outcome.label(),
                        v.evidence.join("; ")
                    )
                },
            );
            s.push_str(&format!(
                "  - `{}`: {}. {judged}.\n",
                w.name,
                outcome_words(c)
            ));
        }
        s.push_str(&undecided_line(&undecided));
    }
    s
}
