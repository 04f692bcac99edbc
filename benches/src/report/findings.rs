//! The `## Findings` section: per family, per workload, what wins and by how much (or
//! that it is a tie), and the verdict on the workload's claim, all from the run's cells.

use crate::record::RunData;
use crate::workloads::Family;

use super::aggregate::CellStats;
use super::choose::{format_figure, of_workload, Choice};
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
    let mut s = format!(
        "## Findings\n\n{winners} workloads have a clear winner and {ties} a statistical tie (95 % intervals); hypotheses: {yes} confirmed, {no} refuted, {maybe} inconclusive. Ratios are runner-up / best.\n\n"
    );
    for f in families(data) {
        s.push_str(&format!("- **{}** ([page]({}))\n", f.label(), file_name(f)));
        if f == Family::Latency {
            for line in super::latency::findings(data) {
                s.push_str(&format!("  - {line} ([load sweep](latency.md))\n"));
            }
        }
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
    }
    s
}
