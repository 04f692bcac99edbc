//! Which cells a run measures: workloads × contenders × worker counts (CPU) or
//! concurrency levels (I/O), with repetition and timeout settings per scale.

use std::time::Duration;

use crate::contender::IoMode;
use pool_testkit::kernels::SpinCalibration;

use crate::contenders::{Entry, Program};
use crate::fixtures::FixtureSpec;
use crate::record::Cell;
use crate::workloads::{
    held_concurrency, held_pending, Env, Family, Scale, Workload, DOWNSTREAM_SWEEP,
};

/// The settings of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Sizes.
    pub scale: Scale,
    /// Worker counts for CPU workloads.
    pub workers: Vec<usize>,
    /// Concurrency levels for I/O workloads.
    pub concurrency: Vec<usize>,
    /// Workers for the latency, idle and queue-memory workloads.
    pub fixed_workers: usize,
    /// Repetitions: at least `min_reps`, at most `max_reps`, stopping once the
    /// interquartile range is under 5 % of the median or the cell's budget is spent.
    pub min_reps: u32,
    /// See `min_reps`.
    pub max_reps: u32,
    /// Unrecorded warm-up repetitions.
    pub warmup: u32,
    /// Time after which a cell stops adding repetitions (beyond `min_reps`).
    pub budget: Duration,
    /// Time after which a cell is killed and recorded as `timeout`.
    pub timeout: Duration,
}

impl Plan {
    /// The defaults for `scale` on a machine with `cores` cores.
    ///
    /// `Full` is sized to fit a reference run in well under an hour on two cores: every
    /// cell gets a warm-up and at least 5 repetitions (median and interquartile range),
    /// fast cells add repetitions for up to 3 s (at most 15), and the 60 s timeout only
    /// catches cells that cannot finish 6 repetitions in it (one thread per task on the
    /// deepest recursive workloads), which are recorded as `timeout`. `pool-bench run
    /// --full --dry-run` prints the estimate.
    pub fn new(scale: Scale, cores: usize) -> Plan {
        let conc_full: Vec<usize> = (0..=10).map(|i| 1 << i).collect();
        Plan {
            scale,
            workers: scale.pick(vec![2], vec![1, 2, 4, 8], vec![1, 2, 4, 8]),
            concurrency: scale.pick(vec![4], vec![2, 16, 128, 1024], conc_full),
            fixed_workers: cores,
            min_reps: scale.pick(1, 3, 5),
            max_reps: scale.pick(1, 5, 15),
            warmup: scale.pick(0, 1, 1),
            budget: Duration::from_millis(scale.pick(1_000, 2_000, 3_000)),
            timeout: Duration::from_secs(scale.pick(30, 60, 60)),
        }
    }

    /// The cells for these workloads and contenders, in report order.
    pub fn cells(
        &self,
        workloads: &[Box<dyn Workload>],
        contenders: &[Entry],
        cores: usize,
    ) -> Vec<Cell> {
        let mut cells = Vec::new();
        for w in workloads {
            let external = w.external(&placeholder_env(cores)).is_some();
            for e in contenders {
                if e.program != Program::InProcess && !external {
                    continue;
                }
                for (workers, concurrency) in self.points(w.family(), e, cores) {
                    cells.push(Cell {
                        workload: w.name().to_owned(),
                        family: w.family(),
                        contender: e.name.to_owned(),
                        io_mode: e.io_mode,
                        workers,
                        concurrency,
                        oversubscribed: w.family().is_cpu() && workers.is_some_and(|n| n > cores),
                    });
                }
            }
        }
        cells
    }

    /// The concurrency levels of an I/O `family`: the plan's, plus, for the downstream
    /// workloads, the levels just below, at and above the service's capacity.
    pub fn concurrency_for(&self, family: Family) -> Vec<usize> {
        let mut levels = self.concurrency.clone();
        if family == Family::Downstream {
            levels.extend(DOWNSTREAM_SWEEP);
            levels.sort_unstable();
            levels.dedup();
        }
        levels
    }

    /// `(workers, concurrency)` points of one contender for one family.
    fn points(
        &self,
        family: Family,
        e: &Entry,
        cores: usize,
    ) -> Vec<(Option<usize>, Option<usize>)> {
        if e.flat_only && family != Family::CpuFlat {
            return Vec::new();
        }
        if e.only.is_some_and(|only| !only.contains(&family)) {
            return Vec::new();
        }
        if e.single {
            // Running each task on submit, a single thread never has two pending: there is
            // nothing to hold.
            if family == Family::Held {
                return Vec::new();
            }
            return vec![(Some(1), Some(1))];
        }
        if !e.bounded {
            return vec![(None, None)];
        }
        if family.is_cpu() {
            self.workers.iter().map(|&w| (Some(w), Some(w))).collect()
        } else if family.by_concurrency() {
            let mut levels = if family == Family::Held {
                held_concurrency(self.scale)
            } else {
                self.concurrency_for(family)
            };
            if family == Family::Held && e.io_mode == IoMode::Async {
                // An async contender whose cap is every task is the unbounded model: one
                // future per task, like a goroutine each.
                levels.push(held_pending(self.scale) as usize);
            }
            levels
                .into_iter()
                .map(|c| {
                    let workers = if e.io_mode == IoMode::Async {
                        c.min(cores)
                    } else {
                        c
                    };
                    (Some(workers), Some(c))
                })
                .collect()
        } else {
            vec![(Some(self.fixed_workers), Some(self.fixed_workers))]
        }
    }
}

/// An environment without fixtures: enough to ask a workload whether it has an
/// external description (it answers `Some(Err(_))` for a missing fixture).
fn placeholder_env(cores: usize) -> Env {
    Env {
        cores,
        concurrency: cores,
        spin: SpinCalibration::from_nanos_per_iteration(1.0),
        fixtures: FixtureSpec::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contender_and_workload_has_a_cell() {
        let plan = Plan::new(Scale::Smoke, 2);
        let ws = crate::workloads::all(Scale::Smoke);
        let cs = crate::contenders::all();
        let cells = plan.cells(&ws, &cs, 2);
        for w in &ws {
            for c in &cs {
                let has = cells
                    .iter()
                    .any(|x| x.workload == w.name() && x.contender == c.name);
                let external =
                    c.program == Program::InProcess || w.external(&placeholder_env(2)).is_some();
                let held_single = c.single && w.family() == Family::Held;
                let listed = c.only.is_none_or(|only| only.contains(&w.family()));
                let want = (!c.flat_only || w.family() == Family::CpuFlat)
                    && listed
                    && external
                    && !held_single;
                assert_eq!(has, want, "{} {}", w.name(), c.name);
            }
        }
    }

    #[test]
    fn the_full_plan_keeps_every_sweep_point_and_five_repetitions() {
        let plan = Plan::new(Scale::Full, 2);
        assert_eq!(plan.workers, [1, 2, 4, 8]);
        let powers: Vec<usize> = (0..=10).map(|i| 1 << i).collect();
        assert_eq!(plan.concurrency, powers);
        assert!(plan.min_reps >= 5 && plan.max_reps >= plan.min_reps && plan.warmup >= 1);
        let cells = plan.cells(
            &crate::workloads::all(Scale::Full),
            &crate::contenders::all(),
            2,
        );
        // 807 with the latency sweep, plus the harness floor's one cell per CPU-flat
        // workload (811), tokio-unbounded's one cell per workload, the two downstream
        // workloads' 80 cells each, and the Go contenders on the external workloads
        // (go-pool at 11 concurrency levels, go-per-task once), plus 17 per held-resources
        // workload (five blocking pools at two bounds, two async contenders at three, and
        // thread-per-task), tokio-unbounded's cell on each, and the Go contenders' (go-pool
        // at the two bounds, go-per-task once). Then the two tree-sum workloads (the CPU
        // recursive cells of the 10 earlier in-process contenders: 7 bounded at 4 worker counts, 3
        // single or unbounded at one, and now heartbeat's and chili's 4 each), heartbeat and
        // chili on the 5 other CPU-recursive workloads, and heartbeat's idle cell.
        assert_eq!(
            cells.len(),
            811 + 22
                + 2 * 80
                + 4 * (11 + 1)
                + 2 * (11 + 1)
                + 2 * (17 + 1 + 3)
                + 2 * (7 * 4 + 3 + 2 * 4)
                + 5 * 2 * 4
                + 1
        );
    }

    #[test]
    fn downstream_cells_sit_below_at_and_above_the_capacity_at_every_scale() {
        let k = crate::fixtures::DOWNSTREAM_CAPACITY;
        for scale in [Scale::Smoke, Scale::Quick, Scale::Full] {
            let plan = Plan::new(scale, 2);
            let cells = plan.cells(&crate::workloads::all(scale), &crate::contenders::all(), 2);
            let levels = |name: &str| -> Vec<Option<usize>> {
                cells
                    .iter()
                    .filter(|c| c.workload == "downstream-refuse" && c.contender == name)
                    .map(|c| c.concurrency)
                    .collect()
            };
            let finite = levels("finite");
            for c in [k / 2, k, 2 * k] {
                assert!(finite.contains(&Some(c)), "{scale:?}: {finite:?}");
            }
            assert_eq!(levels("tokio-unbounded"), [None], "once, unbounded");
            assert_eq!(levels("thread-per-task"), [None]);
        }
    }

    #[test]
    fn go_cells_are_planned_only_on_workloads_with_an_external_description() {
        let plan = Plan::new(Scale::Quick, 2);
        let ws = crate::workloads::all(Scale::Quick);
        let cells = plan.cells(&ws, &crate::contenders::all(), 2);
        let go =
            |name: &str| -> Vec<&Cell> { cells.iter().filter(|c| c.contender == name).collect() };
        let mut workloads: Vec<&str> = go("go-per-task")
            .iter()
            .map(|c| c.workload.as_str())
            .collect();
        workloads.sort_unstable();
        assert_eq!(
            workloads,
            [
                "crawl",
                "downstream-queue",
                "downstream-refuse",
                "files",
                "held-conn",
                "held-sleep",
                "sleep",
                "tcp-rr"
            ]
        );
        assert!(go("go-per-task").iter().all(|c| c.workers.is_none()));
        // The post's pool over the blocking pools' sweep: workers = c.
        let pool: Vec<_> = go("go-pool")
            .iter()
            .filter(|c| c.workload == "sleep")
            .map(|c| (c.workers, c.concurrency))
            .collect();
        let want: Vec<_> = plan
            .concurrency
            .iter()
            .map(|&c| (Some(c), Some(c)))
            .collect();
        assert_eq!(pool, want);
        let downstream = plan.concurrency_for(Family::Downstream).len();
        assert_eq!(
            go("go-pool").len(),
            4 * plan.concurrency.len() + 2 * downstream + 2 * held_concurrency(Scale::Quick).len()
        );
    }

    #[test]
    fn oversubscription_is_labelled_and_async_keeps_few_threads() {
        let plan = Plan::new(Scale::Quick, 2);
        let ws = crate::workloads::all(Scale::Quick);
        let cs = crate::contenders::all();
        let cells = plan.cells(&ws, &cs, 2);
        assert!(cells
            .iter()
            .any(|c| c.oversubscribed && c.workers == Some(8)));
        assert!(cells
            .iter()
            .filter(|c| c.io_mode == IoMode::Async && c.family.is_io())
            .all(|c| c.workers <= Some(2)));
        assert!(cells
            .iter()
            .any(|c| c.contender == "thread-per-task" && c.workers.is_none()));
    }
}
