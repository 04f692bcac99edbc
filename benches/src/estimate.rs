//! How long a plan takes, before running it (`pool-bench run --dry-run`).
//!
//! Each workload estimates one repetition of a cell from its own parameters
//! ([`Workload::rep_estimate`]): the compute divided by the CPU lanes the contender has,
//! the Little's-law makespan for waits, plus a per-job cost that depends on the kind of
//! contender ([`job_cost`]). [`cell_time`] then applies the runner's repetition rule
//! (warm-ups, at least `min_reps`, more while under the budget, at most `max_reps`) and
//! the timeout, and adds the cost of starting the cell's process.
//!
//! The per-job costs are deliberately on the slow side of what was measured on the 2-core
//! reference VM, so the total errs long: the dry run is for checking that a run fits in
//! the time available, and the measured times of a real run are printed per cell. Nor
//! does the estimate know which contenders lack a capability (their cells end at once as
//! `unsupported`) or fail fast (one thread per fork runs out of threads on `fib(32)`).
//!
//! Calibration on the 2-core VM (release build): the quick plan is estimated at 7.1 min
//! and ran in 5.0 min (486 cells, quiet machine). Full-size subsets, run while other
//! builds loaded the machine (load average 10 to 200), took 1/1.3 to 1/1.5 of their
//! estimate: 212 cells on `work-stealing` and `async` (a 2 s budget, at most 10
//! repetitions), 8.7 min estimated and 5.7 min measured; 62 cells of `rayon`, `tokio` and
//! `thread-per-task` on six workloads (the final plan), 6.7 and 5.0 min. Time-paced
//! workloads (`latency-*`, `idle`) run as estimated on a quiet machine and CPU-bound cells
//! can exceed their estimate on a loaded one; the rest run faster.

use std::time::Duration;

use crate::matrix::Plan;
use crate::record::Cell;
use crate::workloads::{Env, Workload};

/// Starting a cell: the child process, building the contender, the workload's setup.
pub const CELL_START: Duration = Duration::from_millis(150);

/// Queueing and running one job on a bounded pool (a few hundred ns measured; errs long).
pub const POOL_JOB: Duration = Duration::from_micros(1);

/// One `join` on a fork-join pool: ~13 ns per join for rayon at one thread, a few hundred
/// ns when the second half is stolen; errs long.
pub const FORK: Duration = Duration::from_nanos(200);

/// One thread spawned and joined per job (43-49 us for a lone spawn and join; 31 us per
/// job measured for 200,000 `spin-1us` jobs on thread-per-task, where they overlap).
pub const THREAD_JOB: Duration = Duration::from_micros(40);

/// One thread per task spawned from inside tasks (`fib-spawn`, `nqueens`, trees): 83-88 us
/// per task measured at the full sizes, where spawning threads compete with running ones.
pub const THREAD_TREE_JOB: Duration = Duration::from_micros(100);

/// One loopback connection with one request and response beyond the service time:
/// 0.2-0.33 ms of latency measured one at a time, and about 0.1 ms of CPU (client and
/// server together) when many are in flight. Used for both; errs long.
pub const CONNECTION: Duration = Duration::from_micros(300);

/// Tokio's timer wheel rounds a sleep up to its 1 ms tick; a blocking sleep overshoots
/// by about 0.1-0.2 ms here. Either way a wait of `d` takes up to `d` plus this.
pub const SLEEP_SLACK: Duration = Duration::from_millis(1);

/// The per-job cost of `cell`'s contender: a thread per job when unbounded, else a queue
/// operation.
pub fn job_cost(cell: &Cell) -> Duration {
    if cell.workers.is_none() {
        THREAD_JOB
    } else {
        POOL_JOB
    }
}

/// The per-task cost of `cell`'s contender for tasks spawned by tasks: a thread per task
/// when unbounded, else a queue operation.
pub fn spawn_cost(cell: &Cell) -> Duration {
    if cell.workers.is_none() {
        THREAD_TREE_JOB
    } else {
        POOL_JOB
    }
}

/// The per-fork cost of `cell`'s contender in `join`: a thread per fork when unbounded,
/// else [`FORK`].
pub fn fork_cost(cell: &Cell) -> Duration {
    if cell.workers.is_none() {
        THREAD_TREE_JOB
    } else {
        FORK
    }
}

/// CPU lanes `cell`'s contender gets: its workers up to the cores (all cores when
/// unbounded).
pub fn cpu_lanes(cell: &Cell, cores: usize) -> u32 {
    let lanes = cell.workers.map_or(cores, |w| w.min(cores)).max(1);
    u32::try_from(lanes).unwrap_or(u32::MAX)
}

/// Operations `cell`'s contender keeps in flight out of `n`: its concurrency, or all of
/// them when unbounded.
pub fn io_lanes(cell: &Cell, n: u64) -> u64 {
    if cell.workers.is_none() {
        n.max(1)
    } else {
        cell.concurrency.unwrap_or(1).max(1) as u64
    }
}

/// The makespan of `n` waits of `each` with `lanes` in flight: `ceil(n / lanes) * each`.
pub fn waves(n: u64, lanes: u64, each: Duration) -> Duration {
    each.saturating_mul(u32::try_from(n.div_ceil(lanes.max(1))).unwrap_or(u32::MAX))
}

/// `n` jobs of `each`.
pub fn times(n: u64, each: Duration) -> Duration {
    each.saturating_mul(u32::try_from(n).unwrap_or(u32::MAX))
}

/// A cell's time for repetitions of `rep` each under `plan`: process start, warm-ups, at
/// least `min_reps`, more while the budget lasts (assuming the spread never settles), at
/// most `max_reps`; never more than the timeout.
pub fn cell_time(plan: &Plan, rep: Duration) -> Duration {
    let rep_s = rep.as_secs_f64().max(1e-6);
    let budget_reps = (plan.budget.as_secs_f64() / rep_s).floor() as u32 + 1;
    let reps = budget_reps.clamp(plan.min_reps.max(1), plan.max_reps.max(1));
    let measured = CELL_START + rep.saturating_mul(plan.warmup + reps);
    measured.min(plan.timeout)
}

/// Whether `cell` would be killed at the timeout, by the estimate.
pub fn times_out(plan: &Plan, rep: Duration) -> bool {
    CELL_START + rep.saturating_mul(plan.warmup + plan.min_reps.max(1)) > plan.timeout
}

/// The estimate of one workload's cells.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkloadEstimate {
    /// The workload.
    pub name: String,
    /// Its parameters at this scale.
    pub params: String,
    /// Its cells.
    pub cells: usize,
    /// Their estimated total time.
    pub total: Duration,
    /// The slowest cell and its estimate.
    pub slowest: Option<(String, Duration)>,
    /// Cells the estimate expects to hit the timeout.
    pub timeouts: Vec<String>,
}

/// Estimates every cell of `cells` (in order), grouped by workload. `env_for` gives the
/// environment a cell runs in (its concurrency and the fixtures).
pub fn estimate(
    plan: &Plan,
    workloads: &[Box<dyn Workload>],
    cells: &[Cell],
    env_for: impl Fn(&Cell) -> Env,
) -> Vec<WorkloadEstimate> {
    let mut out: Vec<WorkloadEstimate> = Vec::new();
    for w in workloads {
        let mut e = WorkloadEstimate {
            name: w.name().to_owned(),
            ..WorkloadEstimate::default()
        };
        for cell in cells.iter().filter(|c| c.workload == w.name()) {
            let env = env_for(cell);
            if e.params.is_empty() {
                e.params = w.params(&env);
            }
            let rep = w.rep_estimate(&env, cell);
            let t = cell_time(plan, rep);
            e.cells += 1;
            e.total += t;
            if e.slowest.as_ref().is_none_or(|(_, s)| t > *s) {
                e.slowest = Some((cell.label(), t));
            }
            if times_out(plan, rep) {
                e.timeouts.push(cell.label());
            }
        }
        out.push(e);
    }
    out
}

/// The dry run's table: cells and estimated minutes per workload, and the total.
pub fn render(plan: &Plan, estimates: &[WorkloadEstimate]) -> String {
    let mut s = format!(
        "Plan ({:?}): workers {:?}, concurrency {:?}, {}-{} repetitions after {} warm-up, \
         budget {:.1} s, timeout {:.0} s per cell\n\n",
        plan.scale,
        plan.workers,
        plan.concurrency,
        plan.min_reps,
        plan.max_reps,
        plan.warmup,
        plan.budget.as_secs_f64(),
        plan.timeout.as_secs_f64()
    );
    for e in estimates {
        s.push_str(&format!("{:<16} {}\n", e.name, e.params));
    }
    s.push_str(&format!(
        "\n{:<16} {:>6} {:>9}  slowest cell\n",
        "workload", "cells", "estimate"
    ));
    let (mut cells, mut total) = (0, Duration::ZERO);
    for e in estimates {
        cells += e.cells;
        total += e.total;
        let slowest = e
            .slowest
            .as_ref()
            .map(|(l, t)| format!("{l} ({:.1} s)", t.as_secs_f64()))
            .unwrap_or_default();
        s.push_str(&format!(
            "{:<16} {:>6} {:>7.1} s  {slowest}\n",
            e.name,
            e.cells,
            e.total.as_secs_f64()
        ));
    }
    let timeouts: Vec<&str> = estimates
        .iter()
        .flat_map(|e| e.timeouts.iter().map(String::as_str))
        .collect();
    if !timeouts.is_empty() {
        s.push_str(&format!(
            "\nExpected to hit the {:.0} s timeout (recorded as `timeout`): {}\n",
            plan.timeout.as_secs_f64(),
            timeouts.join(", ")
        ));
    }
    s.push_str(&format!(
        "\nTotal: {cells} cells, estimated {:.1} min (errs long; the real per-cell times are printed while running)\n",
        total.as_secs_f64() / 60.0
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::Scale;

    #[test]
    fn a_fast_cell_fills_its_budget_and_stops_at_max_reps() {
        let plan = Plan::new(Scale::Full, 2);
        let tiny = cell_time(&plan, Duration::from_micros(10));
        let capped = CELL_START + Duration::from_micros(10) * (plan.warmup + plan.max_reps);
        assert_eq!(tiny, capped);
        let mid = Duration::from_millis(100);
        let t = cell_time(&plan, mid);
        assert!(t >= CELL_START + plan.budget.min(mid * plan.max_reps));
        assert!(t <= CELL_START + plan.budget + mid * (plan.warmup + 1));
    }

    #[test]
    fn a_slow_cell_runs_min_reps_and_is_capped_by_the_timeout() {
        let plan = Plan::new(Scale::Full, 2);
        let rep = plan.budget;
        assert_eq!(
            cell_time(&plan, rep),
            (CELL_START + rep * (plan.warmup + plan.min_reps)).min(plan.timeout)
        );
        assert!(!times_out(&plan, rep / 10));
        assert_eq!(cell_time(&plan, plan.timeout), plan.timeout);
        assert!(times_out(&plan, plan.timeout));
    }

    #[test]
    fn lanes_follow_the_contender_kind() {
        let mut cell = Cell {
            workload: "sleep".into(),
            family: crate::workloads::Family::IoFlat,
            contender: "finite".into(),
            io_mode: crate::contender::IoMode::Blocking,
            workers: Some(8),
            concurrency: Some(8),
            oversubscribed: false,
        };
        assert_eq!((cpu_lanes(&cell, 2), io_lanes(&cell, 100)), (2, 8));
        assert_eq!(job_cost(&cell), POOL_JOB);
        cell.workers = None;
        cell.concurrency = None;
        assert_eq!((cpu_lanes(&cell, 2), io_lanes(&cell, 100)), (2, 100));
        assert_eq!(job_cost(&cell), THREAD_JOB);
        assert_eq!(spawn_cost(&cell), THREAD_TREE_JOB);
        assert_eq!(
            waves(100, 8, Duration::from_millis(1)),
            Duration::from_millis(13)
        );
    }
}
