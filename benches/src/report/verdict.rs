//! Each workload's hypothesis as a machine-checkable claim, and its verdict from the
//! run's cells: **confirmed** when the 95 % interval of the measured quantity lies on the
//! claimed side of the threshold, **refuted** when it lies wholly on the other side,
//! **inconclusive** otherwise (interval straddles it, fewer than 3 repetitions, or a cell
//! the check needs was not measured).

use crate::fixtures::DOWNSTREAM_CAPACITY;
use crate::stats::{Interval, Summary};
use crate::workloads::Family;

use super::aggregate::{config_label, CellStats};
use super::choose::{best_pool, best_unbounded, format_figure, pick, Ratio};
use super::format::{interval, ratio};
use crate::contenders::THREAD_PER_TASK;

/// The quantity a check measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// thread-per-task's figure over the best multi-worker pool's.
    UnboundedOverPool,
    /// `sequential`'s figure over the best multi-worker pool's (the pools' speedup).
    SequentialOverPool,
    /// The best pool's contender: its figure at 1 worker (or `c=1`) over its figure at
    /// workers (or `c`) = cores.
    ScaleGain,
    /// The best pool's contender: its figure at workers (or `c`) = cores over its best
    /// figure beyond the cores.
    BeyondCoresGain,
    /// The best multi-worker pool's own figure.
    BestPoolFigure,
    /// 503s per repetition of the worst bounded cell with `c <= K` (downstream).
    PoolRefusals,
    /// 503s per repetition of the unbounded cell with the fewest (downstream).
    UnboundedRefusals,
    /// The service's longest queue under the worst bounded cell with `c <= K`.
    PoolQueueMax,
    /// The service's longest queue under the unbounded cell with the shortest.
    UnboundedQueueMax,
}

/// A threshold, fixed or proportional to the run's core count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Threshold {
    /// This value.
    Fixed(f64),
    /// This many times the cores.
    PerCore(f64),
}

/// One check: the measure is at least (or at most) the threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Check {
    /// What is measured.
    pub measure: Measure,
    /// `true`: the claim is measure >= threshold; `false`: measure <= threshold.
    pub at_least: bool,
    /// The threshold.
    pub threshold: Threshold,
}

/// A workload's claim: its words and the checks that must all hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Claim {
    /// The claim as the reader sees it.
    pub words: &'static str,
    /// The checks.
    pub checks: &'static [Check],
}

const fn at_least(measure: Measure, threshold: Threshold) -> Check {
    Check {
        measure,
        at_least: true,
        threshold,
    }
}

const fn at_most(measure: Measure, threshold: Threshold) -> Check {
    Check {
        measure,
        at_least: false,
        threshold,
    }
}

use Measure::*;
use Threshold::*;

const OVERHEAD: Claim = Claim {
    words: "bounded pools beat thread-per-task by >= 10x, and the best pool gains < 1.2x from 1 worker to the cores",
    checks: &[
        at_least(UnboundedOverPool, Fixed(10.0)),
        at_most(ScaleGain, Fixed(1.2)),
    ],
};
const COMPUTE: Claim = Claim {
    words: "the best pool runs >= 0.8 x cores faster at workers = cores than at 1 worker, and oversubscription gains < 5 %",
    checks: &[
        at_least(ScaleGain, PerCore(0.8)),
        at_most(BeyondCoresGain, Fixed(1.05)),
    ],
};
const SPEEDUP: Claim = Claim {
    words: "the best pool runs >= 0.75 x cores faster than sequential",
    checks: &[at_least(SequentialOverPool, PerCore(0.75))],
};
const WAITS: Claim = Claim {
    words: "concurrency beyond the cores cuts the makespan by >= 2x",
    checks: &[at_least(BeyondCoresGain, Fixed(2.0))],
};
const SYSCALLS: Claim = Claim {
    words: "concurrency beyond the cores gains < 1.25x",
    checks: &[at_most(BeyondCoresGain, Fixed(1.25))],
};

const PER_FORK: Claim = Claim {
    words: "a thread per fork loses to the best pool by >= 100x",
    checks: &[at_least(UnboundedOverPool, Fixed(100.0))],
};
const OVERLAP: Claim = Claim {
    words: "overlapping the waits with concurrency beyond the cores gains >= 1.5x",
    checks: &[at_least(BeyondCoresGain, Fixed(1.5))],
};
const LOW_LOAD: Claim = Claim {
    words: "at up to half load the best pool's p99 stays below 1 ms",
    checks: &[at_most(BestPoolFigure, Fixed(1e6))],
};
const HIGH_LOAD: Claim = Claim {
    words: "at 70 % load and above queueing pushes the best pool's p99 above 1 ms",
    checks: &[at_least(BestPoolFigure, Fixed(1e6))],
};
const PARKED: Claim = Claim {
    words: "parked workers of the best pool burn < 1 % of a core",
    checks: &[at_most(BestPoolFigure, Fixed(0.01))],
};
const REFUSALS: Claim = Claim {
    words: "a pool bounded at c <= K gets no 503s from the service; unbounded tasks get some",
    checks: &[
        at_most(PoolRefusals, Fixed(0.0)),
        at_least(UnboundedRefusals, Fixed(1.0)),
    ],
};
const SERVICE_QUEUE: Claim = Claim {
    words: "the service's queue stays empty under a pool bounded at c <= K and holds >= K requests under unbounded tasks",
    checks: &[
        at_most(PoolQueueMax, Fixed(0.0)),
        at_least(UnboundedQueueMax, Fixed(DOWNSTREAM_CAPACITY as f64)),
    ],
};
const QUEUED: Claim = Claim {
    words:
        "a queued job costs >= 10x more memory as a thread (thread-per-task) than in the best pool",
    checks: &[at_least(UnboundedOverPool, Fixed(10.0))],
};

const HELD: Claim = Claim {
    words: "a pending task holds >= 10x more memory as a thread (thread-per-task) than in the best pool",
    checks: &[at_least(UnboundedOverPool, Fixed(10.0))],
};

/// The claim checked for workload `name`, if it has one.
pub fn claim(name: &str) -> Option<Claim> {
    Some(match name {
        "empty" | "spin-1us" => OVERHEAD,
        "spin-100us" | "spin-10ms" => COMPUTE,
        "fib-join" | "fib-spawn" | "uts-t3" | "nqueens" | "tree-sum-large" => SPEEDUP,
        "fib-join-nocut" | "tree-sum-small" => PER_FORK,
        "sleep" | "tcp-rr" | "crawl" => WAITS,
        "files" | "dirwalk" => SYSCALLS,
        "mixed" => OVERLAP,
        "latency-10" | "latency-30" | "latency-50" => LOW_LOAD,
        "latency-70" | "latency-90" => HIGH_LOAD,
        "idle" => PARKED,
        "queue-memory" => QUEUED,
        "downstream-refuse" => REFUSALS,
        "downstream-queue" => SERVICE_QUEUE,
        "held-sleep" | "held-conn" => HELD,
        _ => return None,
    })
}

/// The outcome of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The interval lies on the claimed side.
    Confirmed,
    /// The interval lies on the other side.
    Refuted,
    /// Neither.
    Inconclusive,
}

impl Outcome {
    /// The word written in reports.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::Refuted => "refuted",
            Outcome::Inconclusive => "inconclusive",
        }
    }
}

/// A claim's outcome with the numbers behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The outcome over all checks.
    pub outcome: Outcome,
    /// One line of evidence per check.
    pub evidence: Vec<String>,
}

/// The workers (CPU families) or concurrency (I/O families) of a cell.
fn parallelism(c: &CellStats) -> Option<usize> {
    if c.first.family.is_io() {
        c.first.concurrency
    } else {
        c.first.workers
    }
}

fn at_par<'a>(mine: &[&'a CellStats], contender: &str, p: usize) -> Option<&'a CellStats> {
    mine.iter()
        .copied()
        .find(|c| c.first.contender == contender && parallelism(c) == Some(p))
}

/// A downstream count measure: the cell it picks among `mine` (bounded ones at `c <= K`:
/// the worst; unbounded ones: the best), with the interval from its smallest to its
/// largest repetition (a count is exact; at least 3 repetitions, as for the others).
fn count(m: Measure, mine: &[&CellStats]) -> Result<(f64, Option<Interval>, String), String> {
    let bounded = matches!(m, PoolRefusals | PoolQueueMax);
    let of = |c: &CellStats| -> Option<Summary> {
        match m {
            PoolRefusals | UnboundedRefusals => c.refusals,
            _ => c.queue_max,
        }
    };
    let cells = mine.iter().copied().filter(|c| {
        let at_most_k = c
            .first
            .concurrency
            .is_some_and(|x| x <= DOWNSTREAM_CAPACITY);
        c.first.workers.is_some() == bounded && (!bounded || at_most_k)
    });
    let counted = cells.filter_map(|c| Some((c, of(c)?)));
    let chosen = if bounded {
        counted.max_by(|a, b| a.1.max.total_cmp(&b.1.max))
    } else {
        counted.min_by(|a, b| a.1.min.total_cmp(&b.1.min))
    };
    let what = match m {
        PoolRefusals | UnboundedRefusals => "503s",
        _ => "service queue max",
    };
    let (c, s) = chosen.ok_or(format!("{what}: no `ok` cell to compare"))?;
    Ok((
        s.median,
        (s.n >= 3).then_some(Interval {
            lo: s.min,
            hi: s.max,
        }),
        format!(
            "{what} of {} ({}) = {:.0} [{:.0}, {:.0}]",
            c.first.contender,
            config_label(c),
            s.median,
            s.min,
            s.max
        ),
    ))
}

/// The measured value, its interval and what it is; `Err` says what was missing.
fn measure(
    m: Measure,
    mine: &[&CellStats],
    family: Family,
    cores: usize,
) -> Result<(f64, Option<Interval>, String), String> {
    let pool = best_pool(mine).ok_or("no multi-worker pool measured")?;
    let name = &pool.first.contender;
    let pair = |num: Option<&CellStats>, den: Option<&CellStats>, what: &str| {
        let (n, d) = num
            .zip(den)
            .ok_or(format!("{what}: no `ok` cell to compare"))?;
        let r = Ratio::of(n, d).ok_or(format!("{what}: no figure"))?;
        Ok((r.value, r.ci, format!("{what} = {}", ratio(r))))
    };
    match m {
        UnboundedOverPool => pair(
            best_unbounded(mine),
            Some(pool),
            &format!("{THREAD_PER_TASK} / {name}"),
        ),
        SequentialOverPool => pair(
            pick(
                mine.iter()
                    .copied()
                    .filter(|c| c.first.contender == "sequential"),
            ),
            Some(pool),
            &format!("sequential / {name}"),
        ),
        ScaleGain => pair(
            at_par(mine, name, 1),
            at_par(mine, name, cores),
            &format!("{name} at 1 / at {cores}"),
        ),
        BeyondCoresGain => {
            let beyond = pick(mine.iter().copied().filter(|c| {
                c.first.contender == *name && parallelism(c).is_some_and(|p| p > cores)
            }));
            pair(
                at_par(mine, name, cores),
                beyond,
                &format!("{name} at {cores} / beyond {cores}"),
            )
        }
        PoolRefusals | UnboundedRefusals | PoolQueueMax | UnboundedQueueMax => count(m, mine),
        BestPoolFigure => {
            let v = pool.figure().ok_or("no figure")?;
            Ok((
                v,
                pool.figure_ci,
                format!(
                    "{name} = {} {}",
                    format_figure(family, v),
                    interval(family, pool.figure_ci)
                ),
            ))
        }
    }
}

fn judge(check: &Check, ci: Option<Interval>, t: f64) -> Outcome {
    let Some(ci) = ci else {
        return Outcome::Inconclusive;
    };
    let (holds, fails) = if check.at_least {
        (ci.lo >= t, ci.hi < t)
    } else {
        (ci.hi <= t, ci.lo > t)
    };
    if holds {
        Outcome::Confirmed
    } else if fails {
        Outcome::Refuted
    } else {
        Outcome::Inconclusive
    }
}

/// Judges `claim` over the cells of one workload: confirmed when every check is,
/// refuted when any check is, else inconclusive.
pub fn verdict(claim: &Claim, mine: &[&CellStats], family: Family, cores: usize) -> Verdict {
    let mut outcomes = Vec::new();
    let mut evidence = Vec::new();
    for check in claim.checks {
        let t = match check.threshold {
            Fixed(x) => x,
            PerCore(x) => x * cores as f64,
        };
        let side = if check.at_least { ">=" } else { "<=" };
        let shown = |v: f64| match check.measure {
            BestPoolFigure => format_figure(family, v),
            PoolRefusals | UnboundedRefusals | PoolQueueMax | UnboundedQueueMax => {
                format!("{v:.0}")
            }
            _ => format!("{v:.2}x"),
        };
        match measure(check.measure, mine, family, cores) {
            Ok((_, ci, what)) => {
                outcomes.push(judge(check, ci, t));
                evidence.push(format!("{what} (claim {side} {})", shown(t)));
            }
            Err(why) => {
                outcomes.push(Outcome::Inconclusive);
                // Checks that lack the same cell say so once.
                if !evidence.contains(&why) {
                    evidence.push(why);
                }
            }
        }
    }
    let outcome = if outcomes.contains(&Outcome::Refuted) {
        Outcome::Refuted
    } else if outcomes.iter().all(|o| *o == Outcome::Confirmed) {
        Outcome::Confirmed
    } else {
        Outcome::Inconclusive
    };
    Verdict { outcome, evidence }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::IoMode;
    use crate::record::{Cell, Sample, Status};

    fn reps(contender: &str, workers: Option<usize>, wall_ms: &[f64]) -> Vec<Sample> {
        let cell = Cell {
            workload: "empty".into(),
            family: Family::CpuFlat,
            contender: contender.into(),
            io_mode: IoMode::Blocking,
            workers,
            concurrency: workers,
            oversubscribed: false,
        };
        wall_ms
            .iter()
            .map(|ms| {
                let mut s = Sample::empty(&cell, Status::Ok, "");
                s.rep = 1;
                s.wall_ns = Some((ms * 1e6) as u64);
                s
            })
            .collect()
    }

    fn judge_overhead(unbounded_ms: &[f64]) -> Verdict {
        let samples: Vec<Sample> = [
            reps("finite", Some(1), &[10.0, 10.1, 9.9, 10.0, 10.2]),
            reps("finite", Some(2), &[10.0, 10.2, 9.8, 10.1, 9.9]),
            reps("thread-per-task", None, unbounded_ms),
        ]
        .concat();
        let cells = super::super::aggregate::cells(&samples);
        let mine: Vec<&CellStats> = cells.iter().collect();
        verdict(&OVERHEAD, &mine, Family::CpuFlat, 2)
    }

    #[test]
    fn an_interval_above_the_threshold_confirms() {
        let v = judge_overhead(&[200.0, 210.0, 190.0, 205.0, 195.0]);
        assert_eq!(v.outcome, Outcome::Confirmed, "{v:?}");
        assert_eq!(v.evidence.len(), 2);
    }

    #[test]
    fn an_interval_below_the_threshold_refutes() {
        let v = judge_overhead(&[20.0, 21.0, 19.0, 20.5, 19.5]);
        assert_eq!(v.outcome, Outcome::Refuted, "{v:?}");
    }

    #[test]
    fn an_interval_straddling_the_threshold_is_inconclusive() {
        let v = judge_overhead(&[60.0, 150.0, 90.0, 130.0, 70.0, 110.0]);
        assert_eq!(v.outcome, Outcome::Inconclusive, "{v:?}");
    }

    #[test]
    fn a_missing_cell_is_inconclusive_and_says_so() {
        let samples = reps("finite", Some(2), &[10.0, 10.2, 9.8]);
        let cells = super::super::aggregate::cells(&samples);
        let mine: Vec<&CellStats> = cells.iter().collect();
        let v = verdict(&OVERHEAD, &mine, Family::CpuFlat, 2);
        assert_eq!(v.outcome, Outcome::Inconclusive);
        assert!(v.evidence[0].contains("no `ok` cell"), "{v:?}");
    }

    #[test]
    fn checks_missing_the_same_cell_say_so_once() {
        let samples = reps("sequential", Some(1), &[10.0, 10.2, 9.8]);
        let cells = super::super::aggregate::cells(&samples);
        let mine: Vec<&CellStats> = cells.iter().collect();
        let v = verdict(&OVERHEAD, &mine, Family::CpuFlat, 2);
        assert_eq!(v.outcome, Outcome::Inconclusive);
        assert_eq!(v.evidence, vec!["no multi-worker pool measured".to_owned()]);
    }

    #[test]
    fn every_workload_of_the_matrix_has_a_claim() {
        for w in crate::workloads::all(crate::workloads::Scale::Full) {
            assert!(claim(w.name()).is_some(), "{} has no claim", w.name());
        }
    }
}
