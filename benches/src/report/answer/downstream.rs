//! A service that serves at most `K` requests at once (`downstream-queue` queues the rest,
//! `downstream-refuse` answers 503): per language, the largest bound that cost it
//! nothing, the smallest that cost it a 503 or a queue, and what the unbounded models
//! cost it.

use crate::record::RunData;
use crate::report::aggregate::CellStats;
use crate::report::choose::of_workload;
use crate::report::downstream::{costs, first_cost, median, p99, unbounded_words};

use super::io::conc;
use super::{measured, missing, per_lang, GoCells, Lang, PerLang};

/// The downstream-capacity workloads.
pub(super) const WORKLOADS: [&str; 2] = ["downstream-queue", "downstream-refuse"];

/// One language on one downstream workload.
#[derive(Clone, Debug)]
pub(super) struct Side<'a> {
    /// The language.
    pub(super) lang: Lang,
    /// Its largest bounded cell that cost the service nothing (below any that did),
    /// with the lowest p99 at that bound.
    pub(super) safe: Option<&'a CellStats>,
    /// The smallest bound that cost the service a 503 or a queue.
    pub(super) first_cost: Option<usize>,
    /// Whether it has any `ok` bounded cell.
    pub(super) pools: bool,
    /// Its unbounded models' cells, or why there are none.
    pub(super) unbounded: Vec<(&'static str, Result<&'a CellStats, String>)>,
}

/// One downstream workload of the run.
pub(super) type Bound<'a> = PerLang<Side<'a>>;

/// The downstream workloads the run has.
pub(super) fn bounds<'a>(data: &RunData, all: &'a [CellStats], go: &GoCells) -> Vec<Bound<'a>> {
    per_lang(data, &WORKLOADS, go, |workload, lang| {
        side(all, workload, lang)
    })
}

fn side<'a>(all: &'a [CellStats], workload: &str, lang: Lang) -> Side<'a> {
    let pools: Vec<&CellStats> = of_workload(all, workload)
        .into_iter()
        .filter(|c| {
            Lang::of(&c.first.contender) == lang
                && c.first.workers.is_some()
                && c.makespan().is_some()
        })
        .collect();
    let first = first_cost(&pools);
    let p99_of = |c: &CellStats| c.latency.map_or(f64::MAX, |l| l[2]);
    let safe = pools
        .iter()
        .copied()
        .filter(|c| {
            costs(c) == Some(false)
                && c.first
                    .concurrency
                    .is_some_and(|k| first.is_none_or(|f| k < f))
        })
        .max_by(|a, b| {
            a.first
                .concurrency
                .cmp(&b.first.concurrency)
                .then(p99_of(b).total_cmp(&p99_of(a)))
        });
    let unbounded = lang
        .unbounded()
        .iter()
        .map(|&name| {
            let cell = measured(all, workload, name)
                .and_then(|cells| cells.into_iter().next().ok_or_else(|| "no cell".into()));
            (name, cell)
        })
        .collect();
    Side {
        lang,
        safe,
        first_cost: first,
        pools: !pools.is_empty(),
        unbounded,
    }
}

/// What the most costly of `sides`' unbounded cells cost the service: the most 503s and
/// the longest queue (medians per repetition).
pub(super) fn unbounded_cost(sides: &[&Side]) -> (f64, f64) {
    let cells = || {
        sides
            .iter()
            .flat_map(|s| s.unbounded.iter())
            .filter_map(|(_, c)| c.as_ref().ok())
    };
    let most = |f: fn(&CellStats) -> f64| cells().map(|c| f(c)).fold(0.0, f64::max);
    (most(|c| median(c.refusals)), most(|c| median(c.queue_max)))
}

fn side_words(s: &Side) -> String {
    let mut parts = Vec::new();
    if !s.pools {
        parts.push("no `ok` bounded cell".to_owned());
    } else {
        parts.push(match s.safe {
            Some(c) => format!(
                "pools cost the service nothing up to c = {} (p99 {} there)",
                conc(c),
                p99(c)
            ),
            None if s.first_cost.is_none() => {
                "what the pools cost the service is not known (no 503s, and its queue was not read)"
                    .into()
            }
            None => "every bound cost the service something".into(),
        });
        if s.safe.is_some() || s.first_cost.is_some() {
            parts.push(s.first_cost.map_or_else(
                || "no bound cost it a 503 or a queue".into(),
                |k| format!("from c = {k} they cost it a 503 or a queue"),
            ));
        }
    }
    for (name, c) in &s.unbounded {
        parts.push(match c {
            Ok(c) => unbounded_words(c),
            Err(why) => format!("unbounded {name} {why}"),
        });
    }
    format!("{}: {}", s.lang.label(), parts.join("; "))
}

/// One sub-item per workload, or the workloads the run lacks.
pub(super) fn words(bounds: &[Bound]) -> String {
    if bounds.is_empty() {
        return format!(" {}.", missing(&WORKLOADS));
    }
    bounds
        .iter()
        .map(|b| {
            let sides: Vec<String> = b.sides.iter().map(side_words).collect();
            format!("\n  - `{}`: {}.", b.workload, sides.join(". "))
        })
        .collect()
}
