//! The "which pool for which workload" table, derived from the measurements with their
//! uncertainty.
//!
//! Per workload, each contender is represented by its best cell (the lowest median figure;
//! among that contender's cells statistically tied with it, the one with no oversubscription
//! and the fewest workers). The contender with the lowest figure is named the winner only
//! when the runner-up's ratio to it has a 95 % interval above 1.0; otherwise every
//! contender whose interval reaches 1.0 is listed as tied with it. Without an interval
//! (fewer than 3 repetitions) nothing can be told apart, so it counts as a tie.
//!
//! The figure is the median makespan for throughput workloads, p99 latency for the
//! latency workloads, CPU time over wall time for `idle`, and heap bytes per queued job
//! (else resident bytes) for `queue-memory`, resident bytes per pending task for
//! `held-*`. Lower is better for all of them.

use crate::contenders::{HARNESS_FLOOR, THREAD_PER_TASK};
use crate::record::{EarlierVerdict, WorkloadInfo};
use crate::stats::{ratio_ci, seed_of, Interval};
use crate::workloads::Family;

use super::aggregate::{cell_label, config_label, CellStats};

/// A ratio of two cells' median figures with its 95 % bootstrap interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ratio {
    /// Median over median.
    pub value: f64,
    /// The interval; `None` when either cell has fewer than 3 repetitions.
    pub ci: Option<Interval>,
}

impl Ratio {
    /// `num`'s median figure over `den`'s, resampling each cell independently; `None`
    /// when either has no figure or `den`'s is not positive.
    pub fn of(num: &CellStats, den: &CellStats) -> Option<Ratio> {
        let (n, d) = (num.figure()?, den.figure()?);
        if d <= 0.0 {
            return None;
        }
        let seed = seed_of(&format!(
            "{} over {}",
            cell_label(&num.first),
            cell_label(&den.first)
        ));
        Some(Ratio {
            value: n / d,
            ci: ratio_ci(&num.figures, &den.figures, seed),
        })
    }

    /// Whether the interval lies above 1.0: the numerator is really worse.
    pub fn excludes_one(&self) -> bool {
        self.ci.is_some_and(|ci| ci.lo > 1.0)
    }
}

/// A cell named in the table: contender, configuration and figure with its interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    /// Contender name.
    pub contender: String,
    /// Its configuration label.
    pub config: String,
    /// Its median figure.
    pub figure: f64,
    /// The figure's interval.
    pub ci: Option<Interval>,
    /// Repetitions above 3x the median, and all repetitions.
    pub outliers: (usize, usize),
}

impl Pick {
    fn of(c: &CellStats) -> Pick {
        Pick {
            contender: c.first.contender.clone(),
            config: config_label(c),
            figure: c.figure().unwrap_or(f64::NAN),
            ci: c.figure_ci,
            outliers: (c.outliers, c.figures.len()),
        }
    }

    /// `contender (config)`.
    pub fn label(&self) -> String {
        format!("{} ({})", self.contender, self.config)
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// Workload name.
    pub workload: String,
    /// Its family.
    pub family: Family,
    /// What was compared (`makespan`, `p99`, ...).
    pub metric: &'static str,
    /// Each contender's best cell, best first.
    pub ranked: Vec<Pick>,
    /// How many of `ranked` (from the first) are statistically tied with the best; 1
    /// means the first is a clear winner.
    pub tied: usize,
    /// Whether some contender counts as tied only because an interval is missing
    /// (fewer than 3 repetitions).
    pub undecided: bool,
    /// The runner-up's figure over the best's.
    pub margin: Option<Ratio>,
    /// The best multi-worker bounded pool and its figure over the best's, when the best
    /// is not such a pool (sequential, one worker, or unbounded).
    pub best_pool: Option<(Pick, Ratio)>,
    /// thread-per-task's figure over the best multi-worker bounded pool's (> 1: bounding
    /// wins).
    pub bounded_gain: Option<Ratio>,
    /// The earlier run that named another winner, making this row a tie.
    pub disputed: Option<EarlierVerdict>,
}

impl Choice {
    /// The winner, when one is statistically clear.
    pub fn winner(&self) -> Option<&Pick> {
        (self.tied == 1).then(|| &self.ranked[0])
    }

    /// `tie: a ~ b`, marked when the tie only means "too few repetitions to tell" or
    /// "an earlier run named another winner".
    pub fn tie_words(&self) -> String {
        let mark = if self.undecided {
            " (n < 3, no CI)"
        } else {
            ""
        };
        let mut s = format!("tie{mark}: {}", self.tied_names().join(" ~ "));
        if let Some(d) = &self.disputed {
            s.push_str(&format!(" ({})", d.words()));
        }
        s
    }

    /// The contenders tied with the best (the best included), best first.
    pub fn tied_names(&self) -> Vec<&str> {
        self.ranked[..self.tied]
            .iter()
            .map(|p| p.contender.as_str())
            .collect()
    }
}

fn metric(family: Family) -> &'static str {
    match family {
        Family::Latency => "p99 latency",
        Family::Idle => "CPU/wall",
        Family::QueueMemory => "bytes/queued job",
        Family::Held => "bytes/pending task",
        _ => "makespan",
    }
}

/// Formats a figure of `family` for tables.
pub fn format_figure(family: Family, v: f64) -> String {
    match family {
        Family::Latency => format!("{:.1} us", v / 1e3),
        Family::Idle => format!("{:.1} %", v * 100.0),
        Family::QueueMemory | Family::Held => format!("{v:.0} B"),
        _ => super::format::secs(v),
    }
}

/// Whether `other` cannot be told apart from `best`: the interval of other / best reaches
/// 1.0, or there is no interval.
pub fn tied_with(best: &CellStats, other: &CellStats) -> bool {
    Ratio::of(other, best).is_none_or(|r| !r.excludes_one())
}

/// Whether the interval of `other` / `best` exists and reaches 1.0. Choosing among one
/// contender's configurations needs that evidence; without it the lowest median stands.
pub(super) fn surely_tied(best: &CellStats, other: &CellStats) -> bool {
    Ratio::of(other, best).is_some_and(|r| r.ci.is_some() && !r.excludes_one())
}

/// A bounded pool with more than one worker (not `sequential`, not unbounded).
pub fn is_multi_worker_pool(c: &CellStats) -> bool {
    c.first.workers.is_some_and(|w| w > 1)
}

/// The best of `cells`: the lowest median figure, then, among cells of the same contender
/// statistically tied with it (an interval that reaches 1.0), the one without
/// oversubscription and with the fewest workers (then the lowest concurrency).
pub fn pick<'a>(cells: impl Iterator<Item = &'a CellStats> + Clone) -> Option<&'a CellStats> {
    let best = cells
        .clone()
        .filter_map(|c| c.figure().map(|f| (c, f)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?
        .0;
    cells
        .filter(|c| c.first.contender == best.first.contender && c.figure().is_some())
        .filter(|c| std::ptr::eq(*c, best) || surely_tied(best, c))
        .min_by_key(|c| {
            (
                c.first.oversubscribed,
                c.first.workers.unwrap_or(usize::MAX),
                c.first.concurrency.unwrap_or(usize::MAX),
            )
        })
}

/// Each contender's best cell (see [`pick`]), lowest figure first.
pub fn ranked<'a>(cells: &[&'a CellStats]) -> Vec<&'a CellStats> {
    let mut names: Vec<&str> = Vec::new();
    for c in cells {
        if !names.contains(&c.first.contender.as_str()) {
            names.push(&c.first.contender);
        }
    }
    let mut out: Vec<&CellStats> = names
        .iter()
        .filter_map(|n| pick(cells.iter().copied().filter(|c| c.first.contender == *n)))
        .collect();
    out.sort_by(|a, b| {
        a.figure()
            .unwrap_or(f64::MAX)
            .total_cmp(&b.figure().unwrap_or(f64::MAX))
    });
    out
}

/// The best multi-worker bounded pool among `cells`: the first of [`ranked`] over those
/// cells, so it agrees with the contender's representative in the table.
pub fn best_pool<'a>(cells: &[&'a CellStats]) -> Option<&'a CellStats> {
    let pools: Vec<&CellStats> = cells
        .iter()
        .copied()
        .filter(|c| is_multi_worker_pool(c))
        .collect();
    ranked(&pools).first().copied()
}

/// The best thread-per-task cell among `cells`: the unbounded contender the claims and
/// the "thread-per-task / best pool" column name (other unbounded contenders, a tokio
/// task per job, are not threads and are compared on their own rows).
pub fn best_unbounded<'a>(cells: &[&'a CellStats]) -> Option<&'a CellStats> {
    pick(
        cells
            .iter()
            .copied()
            .filter(|c| c.first.workers.is_none() && c.first.contender == THREAD_PER_TASK),
    )
}

/// The cells of workload `name` that compete: every contender but the harness floor,
/// which is a reference line (the harness's own cost), not a pool.
pub fn of_workload<'a>(cells: &'a [CellStats], name: &str) -> Vec<&'a CellStats> {
    cells
        .iter()
        .filter(|c| c.first.workload == name && c.first.contender != HARNESS_FLOOR)
        .collect()
}

/// The earlier verdict on `workload` that contradicts a clear winner ranked first in
/// `order`: it named another contender, ranked at the returned index of `order`.
fn contradiction<'a>(
    earlier: &'a [EarlierVerdict],
    workload: &str,
    order: &[&CellStats],
) -> Option<(usize, &'a EarlierVerdict)> {
    let e = earlier.iter().find(|e| e.workload == workload)?;
    let other = e.winner.as_deref()?;
    let at = order.iter().position(|c| c.first.contender == other)?;
    (at > 0).then_some((at, e))
}

/// Derives one [`Choice`] per workload that has at least one `ok` cell; `earlier` holds
/// the verdicts of an earlier run that a winner must agree with (empty: none).
pub fn choices(
    workloads: &[WorkloadInfo],
    cells: &[CellStats],
    earlier: &[EarlierVerdict],
) -> Vec<Choice> {
    let mut out = Vec::new();
    for w in workloads {
        let mine = of_workload(cells, &w.name);
        let by_figure = ranked(&mine);
        let Some(&best) = by_figure.first() else {
            continue;
        };
        // Tied contenders first (a noisy one may rank below a clearly worse but steady one).
        let (mut order, rest): (Vec<&CellStats>, Vec<&CellStats>) = by_figure
            .iter()
            .partition(|c| std::ptr::eq(**c, best) || tied_with(best, c));
        let mut tied = order.len();
        let undecided = order[1..]
            .iter()
            .any(|c| Ratio::of(c, best).is_none_or(|r| r.ci.is_none()));
        order.extend(rest);
        let disputed = contradiction(earlier, &w.name, &order).filter(|_| tied == 1);
        if let Some((at, _)) = disputed {
            tied = at + 1;
        }
        let pool = best_pool(&mine);
        out.push(Choice {
            workload: w.name.clone(),
            family: w.family,
            metric: metric(w.family),
            ranked: order.iter().map(|c| Pick::of(c)).collect(),
            tied,
            undecided,
            margin: by_figure.get(1).and_then(|c| Ratio::of(c, best)),
            best_pool: pool
                .filter(|_| !is_multi_worker_pool(best))
                .and_then(|p| Some((Pick::of(p), Ratio::of(p, best)?))),
            bounded_gain: best_unbounded(&mine)
                .zip(pool)
                .and_then(|(u, p)| Ratio::of(u, p)),
            disputed: disputed.map(|(_, e)| e.clone()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::IoMode;
    use crate::record::{Cell, Sample, Status};

    fn reps(contender: &str, workers: Option<usize>, over: bool, wall_ms: &[f64]) -> Vec<Sample> {
        let cell = Cell {
            workload: "spin-100us".into(),
            family: Family::CpuFlat,
            contender: contender.into(),
            io_mode: IoMode::Blocking,
            workers,
            concurrency: workers,
            oversubscribed: over,
        };
        wall_ms
            .iter()
            .enumerate()
            .map(|(i, ms)| {
                let mut s = Sample::empty(&cell, Status::Ok, "");
                s.rep = i as u32 + 1;
                s.wall_ns = Some((ms * 1e6) as u64);
                s
            })
            .collect()
    }

    fn choose(samples: Vec<Vec<Sample>>) -> Choice {
        let samples: Vec<Sample> = samples.into_iter().flatten().collect();
        let cells = super::super::aggregate::cells(&samples);
        let info = vec![WorkloadInfo {
            name: "spin-100us".into(),
            family: Family::CpuFlat,
            hypothesis: String::new(),
            params: String::new(),
        }];
        choices(&info, &cells, &[]).remove(0)
    }

    const STEADY: [f64; 5] = [10.0, 10.2, 9.9, 10.1, 10.0];

    #[test]
    fn a_clear_winner_is_named_with_intervals() {
        let c = choose(vec![
            reps("rayon", Some(2), false, &STEADY),
            reps("rayon", Some(1), false, &[20.0, 20.1, 19.9, 20.2, 20.0]),
            reps(
                "threadpool",
                Some(2),
                false,
                &[15.0, 15.1, 14.9, 15.2, 15.0],
            ),
            reps(
                "thread-per-task",
                None,
                false,
                &[40.0, 40.5, 39.5, 40.2, 40.1],
            ),
        ]);
        let w = c.winner().expect("a clear winner");
        assert_eq!((w.contender.as_str(), w.config.as_str()), ("rayon", "w=2"));
        assert_eq!(c.ranked[1].label(), "threadpool (w=2)");
        let m = c.margin.expect("margin");
        assert!((m.value - 1.5).abs() < 0.01 && m.excludes_one(), "{m:?}");
        let g = c.bounded_gain.expect("gain");
        assert!((g.value - 4.0).abs() < 0.05 && g.ci.is_some_and(|ci| ci.lo > 3.0));
        assert_eq!(c.best_pool, None, "the best is already a pool");
    }

    #[test]
    fn overlapping_contenders_are_a_tie() {
        let c = choose(vec![
            reps("finite", Some(2), false, &[10.0, 11.0, 9.0, 10.5, 12.0]),
            reps("threadpool", Some(2), false, &[10.3, 9.5, 11.5, 10.0, 12.5]),
            reps("rayon", Some(2), false, &[30.0, 30.1, 29.9, 30.2, 30.0]),
        ]);
        assert!(c.winner().is_none() && !c.undecided);
        assert_eq!(
            c.tied_names(),
            vec!["threadpool", "finite"],
            "lower median first, rayon clearly out"
        );
    }

    #[test]
    fn a_tied_oversubscribed_config_yields_to_workers_equal_cores() {
        let c = choose(vec![
            reps("finite", Some(2), false, &[10.0, 11.0, 9.0, 10.5, 12.0]),
            reps("finite", Some(8), true, &[9.8, 10.8, 9.1, 10.2, 11.5]),
        ]);
        assert_eq!(c.ranked[0].config, "w=2");
    }

    #[test]
    fn too_few_repetitions_name_no_winner() {
        let c = choose(vec![
            reps("finite", Some(2), false, &[10.0]),
            reps("threadpool", Some(2), false, &[50.0]),
        ]);
        assert!(c.winner().is_none() && c.undecided);
        assert!(c.margin.is_some_and(|m| m.ci.is_none()));
    }

    #[test]
    fn an_outlier_repetition_is_counted_not_dropped() {
        let c = choose(vec![reps(
            "finite",
            Some(2),
            false,
            &[10.0, 10.1, 9.9, 10.0, 40.0],
        )]);
        assert_eq!(c.ranked[0].outliers, (1, 5));
        assert!((c.ranked[0].figure - 0.010).abs() < 1e-4, "median kept it");
    }

    #[test]
    fn failed_cells_never_win() {
        let mut bad = reps("rayon", Some(2), false, &STEADY);
        bad[0].status = Status::Timeout;
        let c = choose(vec![bad, reps("threadpool", Some(2), false, &[15.0; 5])]);
        assert_eq!(c.ranked[0].contender, "threadpool");
    }

    #[test]
    fn when_sequential_wins_pools_and_thread_per_task_are_compared_to_the_best_pool() {
        let c = choose(vec![
            reps("sequential", Some(1), false, &[5.0, 5.1, 4.9, 5.0, 5.05]),
            reps("rayon", Some(2), false, &STEADY),
            reps(
                "thread-per-task",
                None,
                false,
                &[30.0, 30.2, 29.8, 30.1, 30.0],
            ),
        ]);
        assert_eq!(c.winner().map(|p| p.contender.as_str()), Some("sequential"));
        let (pool, ratio) = c.best_pool.clone().expect("a pool");
        assert_eq!(pool.label(), "rayon (w=2)");
        assert!((ratio.value - 2.0).abs() < 0.05 && ratio.excludes_one());
        let g = c.bounded_gain.expect("gain");
        assert!(
            (g.value - 3.0).abs() < 0.05,
            "against the pool, not sequential"
        );
    }
}
