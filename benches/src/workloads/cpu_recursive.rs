//! CPU recursive: tasks that fork or spawn children.
//!
//! **Hypothesis.** Recursive work needs tasks to create tasks cheaply. Fork-join
//! (`fib-join`, rayon-style `join`) is cheapest per fork; without a cutoff
//! (`fib-join-nocut`) the per-fork overhead is the whole cost and one thread per fork is
//! hopeless. Spawn-and-count trees (`fib-spawn`, `uts-t3`, `nqueens`) pay a queue operation
//! per task; the unbalanced UTS T3-like tree punishes pools that cannot rebalance (one
//! shared queue is fine at two cores; per-worker deques need stealing).
//!
//! **Check.** fib against the linear-time `fib_expected`, UTS against the sequential node
//! count, nqueens against the sequential solution count (all from `pool_testkit::kernels`).

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use pool_testkit::kernels::{
    count_nodes, fib_cutoff, fib_expected, fib_forks, nqueens, spin_work, subproblems, Board,
    FibStep, Uts, UtsShape,
};

use super::{check, Env, Family, Output, Scale, ShardedCounter, Workload, WorkloadError};
use crate::contender::{Contender, Forker, Spawner, TreeTask};
use crate::estimate::{cpu_lanes, fork_cost, spawn_cost, times};
use crate::measure::Clock;
use crate::record::Cell;

/// One call of the naive `fib` at a leaf (about 1 ns measured in release; errs long).
const FIB_CALL: Duration = Duration::from_nanos(2);

/// Sequential compute of fib(n): `2 * fib(n + 1) - 1` calls.
fn fib_compute(n: u32) -> Duration {
    times(2 * fib_expected(n + 1) - 1, FIB_CALL)
}

/// The five CPU-recursive workloads at `scale`.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    vec![
        Box::new(FibJoin {
            name: "fib-join",
            n: scale.pick(20, 32, 35),
            cutoff: scale.pick(10, 16, 18),
        }),
        Box::new(FibJoin {
            name: "fib-join-nocut",
            n: scale.pick(14, 22, 32),
            cutoff: 0,
        }),
        Box::new(FibSpawn {
            n: scale.pick(20, 32, 35),
            cutoff: scale.pick(10, 16, 18),
        }),
        Box::new(UtsTree {
            uts: Uts::new(
                UtsShape::Binomial {
                    root_children: scale.pick(20, 500, 2000),
                    q: 0.124_875,
                    m: 8,
                },
                42,
            ),
            expected: OnceLock::new(),
        }),
        Box::new(NQueens {
            n: scale.pick(7, 11, 13),
            split: scale.pick(2, 3, 4),
            reference: OnceLock::new(),
        }),
    ]
}

/// fib(n) with `join` at every split above `cutoff`.
#[derive(Debug)]
pub struct FibJoin {
    name: &'static str,
    n: u32,
    cutoff: u32,
}

fn fib_join(f: &dyn Forker, n: u32, cutoff: u32) -> u64 {
    match fib_cutoff(n, cutoff) {
        FibStep::Leaf(v) => v,
        FibStep::Split(a, b) => {
            let (mut x, mut y) = (0, 0);
            f.join(&mut || x = fib_join(f, a, cutoff), &mut || {
                y = fib_join(f, b, cutoff)
            });
            x + y
        }
    }
}

impl Workload for FibJoin {
    fn name(&self) -> &'static str {
        self.name
    }
    fn family(&self) -> Family {
        Family::CpuRecursive
    }
    fn hypothesis(&self) -> &'static str {
        if self.cutoff == 0 {
            "a fork at every level: per-fork cost decides; a thread per fork loses to the best pool by >= 100x"
        } else {
            "coarse leaves: fork-join pools reach near-linear speedup, >= 0.75 x cores faster than sequential"
        }
    }
    fn params(&self, _env: &Env) -> String {
        format!(
            "fib({}) cutoff {} ({} forks)",
            self.n,
            self.cutoff,
            fib_forks(self.n, self.cutoff)
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        _env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let (n, cutoff) = (self.n, self.cutoff);
        clock.start();
        let got = c.fork_join(&|f: &dyn Forker| fib_join(f, n, cutoff))?;
        clock.stop();
        let witness = check(&format!("fib({n})"), fib_expected(n), got)?;
        Ok(Output {
            jobs: fib_forks(n, cutoff),
            witness,
            ..Output::default()
        })
    }
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        fib_compute(self.n) / cpu_lanes(cell, env.cores)
            + times(fib_forks(self.n, self.cutoff), fork_cost(cell))
    }
}

/// fib(n) as a spawn tree: each split spawns two children, leaves add to a counter.
#[derive(Debug)]
pub struct FibSpawn {
    n: u32,
    cutoff: u32,
}

fn fib_task(n: u32, cutoff: u32, sum: Arc<ShardedCounter>) -> TreeTask {
    Box::new(move |s: &dyn Spawner| match fib_cutoff(n, cutoff) {
        FibStep::Leaf(v) => sum.add(v),
        FibStep::Split(a, b) => {
            s.spawn(fib_task(a, cutoff, Arc::clone(&sum)));
            s.spawn(fib_task(b, cutoff, sum));
        }
    })
}

impl Workload for FibSpawn {
    fn name(&self) -> &'static str {
        "fib-spawn"
    }
    fn family(&self) -> Family {
        Family::CpuRecursive
    }
    fn hypothesis(&self) -> &'static str {
        "fire-and-forget children: a pool that lets tasks spawn tasks scales, >= 0.75 x cores faster than sequential"
    }
    fn params(&self, _env: &Env) -> String {
        format!(
            "fib({}) cutoff {} as a spawn tree ({} tasks)",
            self.n,
            self.cutoff,
            tasks(self.n, self.cutoff)
        )
    }
    fn run(
        &self,
        c: &dyn Contender,
        _env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let sum = Arc::new(ShardedCounter::new());
        let root = fib_task(self.n, self.cutoff, Arc::clone(&sum));
        clock.start();
        c.spawn_tree(root)?;
        clock.stop();
        let witness = check(&format!("fib({})", self.n), fib_expected(self.n), sum.sum())?;
        Ok(Output {
            jobs: tasks(self.n, self.cutoff),
            witness,
            ..Output::default()
        })
    }
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        fib_compute(self.n) / cpu_lanes(cell, env.cores)
            + times(tasks(self.n, self.cutoff), spawn_cost(cell))
    }
}

/// Tasks in a cutoff fib spawn tree: every fork has two children, plus the root.
fn tasks(n: u32, cutoff: u32) -> u64 {
    2 * fib_forks(n, cutoff) + 1
}

/// Compute per UTS node, standing in for UTS's SHA-1 per node.
const UTS_NODE_WORK: Duration = Duration::from_micros(1);

/// A UTS T3-like (binomial) tree, one task per node doing ~1 us of work.
#[derive(Debug)]
pub struct UtsTree {
    uts: Uts,
    expected: OnceLock<u64>,
}

/// What every UTS task shares: the tree, the per-node work, and the two counters.
struct UtsRun {
    uts: Uts,
    iters: u64,
    nodes: ShardedCounter,
    checksum: ShardedCounter,
}

fn uts_task(run: Arc<UtsRun>, node: pool_testkit::kernels::UtsNode) -> TreeTask {
    Box::new(move |s: &dyn Spawner| {
        run.nodes.add(1);
        run.checksum.add(spin_work(run.iters));
        for child in run.uts.children(node) {
            s.spawn(uts_task(Arc::clone(&run), child));
        }
    })
}

impl Workload for UtsTree {
    fn name(&self) -> &'static str {
        "uts-t3"
    }
    fn family(&self) -> Family {
        Family::CpuRecursive
    }
    fn hypothesis(&self) -> &'static str {
        "an unbalanced tree (long thin chains): pools that rebalance keep every worker busy, >= 0.75 x cores faster than sequential"
    }
    fn params(&self, _env: &Env) -> String {
        match self.uts.shape() {
            UtsShape::Binomial {
                root_children,
                q,
                m,
            } => {
                format!(
                    "UTS binomial b={root_children} q={q} m={m} r=42 ({} nodes, ~1us of work each)",
                    self.nodes()
                )
            }
            UtsShape::Geometric {
                branching,
                max_depth,
            } => {
                format!(
                    "UTS geometric b={branching} d={max_depth} ({} nodes, ~1us of work each)",
                    self.nodes()
                )
            }
        }
    }
    fn run(
        &self,
        c: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let expected = self.nodes();
        let iters = env.spin.iterations_for(UTS_NODE_WORK);
        let run = Arc::new(UtsRun {
            uts: self.uts,
            iters,
            nodes: ShardedCounter::new(),
            checksum: ShardedCounter::new(),
        });
        let root = uts_task(Arc::clone(&run), self.uts.root());
        clock.start();
        c.spawn_tree(root)?;
        clock.stop();
        check(
            "checksum",
            spin_work(iters).wrapping_mul(expected),
            run.checksum.sum(),
        )?;
        let witness = check("nodes", expected, run.nodes.sum())?;
        Ok(Output {
            jobs: expected,
            witness,
            ..Output::default()
        })
    }
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        times(
            self.nodes(),
            UTS_NODE_WORK / cpu_lanes(cell, env.cores) + spawn_cost(cell),
        )
    }
}

impl UtsTree {
    fn nodes(&self) -> u64 {
        *self.expected.get_or_init(|| count_nodes(&self.uts).nodes)
    }
}

/// N-queens: boards above `split` rows spawn one task per child board.
#[derive(Debug)]
pub struct NQueens {
    n: u32,
    split: u32,
    /// The sequential solution count and the time it took.
    reference: OnceLock<(u64, Duration)>,
}

impl NQueens {
    fn reference(&self) -> (u64, Duration) {
        *self.reference.get_or_init(|| {
            let t = Instant::now();
            let count = nqueens(self.n);
            (count, t.elapsed())
        })
    }
}

fn queens_task(
    board: Board,
    split: u32,
    sum: Arc<ShardedCounter>,
    tasks: Arc<ShardedCounter>,
) -> TreeTask {
    Box::new(move |s: &dyn Spawner| {
        tasks.add(1);
        if board.row() >= split {
            sum.add(board.count());
        } else {
            for child in board.children() {
                s.spawn(queens_task(
                    child,
                    split,
                    Arc::clone(&sum),
                    Arc::clone(&tasks),
                ));
            }
        }
    })
}

impl Workload for NQueens {
    fn name(&self) -> &'static str {
        "nqueens"
    }
    fn family(&self) -> Family {
        Family::CpuRecursive
    }
    fn hypothesis(&self) -> &'static str {
        "irregular subtrees after a split: dynamic scheduling balances them, >= 0.75 x cores faster than sequential"
    }
    fn params(&self, _env: &Env) -> String {
        format!("nqueens({}), tasks down to row {}", self.n, self.split)
    }
    fn run(
        &self,
        c: &dyn Contender,
        _env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        let (expected, _) = self.reference();
        let sum = Arc::new(ShardedCounter::new());
        let tasks = Arc::new(ShardedCounter::new());
        let root = queens_task(
            Board::empty(self.n),
            self.split,
            Arc::clone(&sum),
            Arc::clone(&tasks),
        );
        clock.start();
        c.spawn_tree(root)?;
        clock.stop();
        let witness = check(&format!("nqueens({})", self.n), expected, sum.sum())?;
        Ok(Output {
            jobs: tasks.sum(),
            witness,
            ..Output::default()
        })
    }
    /// Times the sequential count once; tasks are the boards down to the split row.
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration {
        let boards = (0..=self.split)
            .map(|row| subproblems(self.n, row).len() as u64)
            .sum();
        self.reference().1 / cpu_lanes(cell, env.cores) + times(boards, spawn_cost(cell))
    }
}
