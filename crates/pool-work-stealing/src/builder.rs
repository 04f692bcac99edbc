//! Building a [`WorkStealingPool`]: the shared [`PoolConfig`] plus this strategy's tuning.

use std::time::Duration;

use pool_core::{BuildError, OverflowPolicy, PoolConfig};

use crate::registry::Tuning;
use crate::WorkStealingPool;

/// How long an idle worker keeps looking for work (yielding between rounds) before it
/// parks, by default.
///
/// Chosen by measurement (`benches/idle_cpu.rs` and `examples/side_by_side.rs`, figures in
/// the crate README, "Spinning before parking"): idle CPU grows with the spin (for one job
/// every 10 ms: ~0.15 % of a core at 0, ~0.4 % at 20 µs, ~0.65 % at 50 µs, ~2 % at
/// 200 µs, against rayon's ~1 % on a quiet machine), while without any spin a thief that
/// runs dry parks at once and the forking worker pays a futex wake-up on its next push,
/// which made 1M scope spawns up to 1.5x slower than rayon in one run.
pub const DEFAULT_IDLE_SPIN: Duration = Duration::from_micros(20);

/// How many stolen jobs a worker may run nested on its stack, by default (see
/// [`Builder::max_help_depth`]).
pub const DEFAULT_MAX_HELP_DEPTH: usize = 32;

/// Builds a [`WorkStealingPool`].
///
/// ```
/// use std::time::Duration;
/// use pool_core::OverflowPolicy;
/// use pool_work_stealing::WorkStealingPool;
/// let pool = WorkStealingPool::builder()
///     .workers(2)
///     .queue_bound(Some(64))
///     .overflow(OverflowPolicy::Reject)
///     .thread_name("crunch")
///     .idle_spin(Duration::ZERO)
///     .max_help_depth(8)
///     .build()
///     .unwrap();
/// assert_eq!(pool_core::Pool::workers(&pool), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    config: PoolConfig,
    tuning: Tuning,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: [`PoolConfig::new`], [`DEFAULT_IDLE_SPIN`], [`DEFAULT_MAX_HELP_DEPTH`].
    pub fn new() -> Builder {
        Builder {
            config: PoolConfig::new(),
            tuning: Tuning {
                idle_spin: DEFAULT_IDLE_SPIN,
                max_help_depth: DEFAULT_MAX_HELP_DEPTH,
            },
        }
    }

    /// Replaces the shared settings.
    pub fn config(mut self, config: PoolConfig) -> Builder {
        self.config = config;
        self
    }

    /// Sets the worker count (0 is a build error).
    pub fn workers(mut self, workers: usize) -> Builder {
        self.config = self.config.workers(workers);
        self
    }

    /// Bounds the jobs submitted from outside the pool that are queued and not yet started
    /// (`None`: unbounded). Jobs submitted by the pool's own workers, `join` and `scope`
    /// are never bounded.
    ///
    /// Takes a count, `Some(count)` or `None`, like every strategy's builder:
    ///
    /// ```
    /// let bounded = pool_work_stealing::WorkStealingPool::builder().workers(1).queue_bound(8).build();
    /// let unbounded = pool_work_stealing::WorkStealingPool::builder().workers(1).queue_bound(None).build();
    /// assert!(bounded.is_ok() && unbounded.is_ok());
    /// ```
    pub fn queue_bound(mut self, bound: impl Into<Option<usize>>) -> Builder {
        self.config = self.config.queue_bound(bound.into());
        self
    }

    /// What `submit` does when the bound is reached.
    pub fn overflow(mut self, policy: OverflowPolicy) -> Builder {
        self.config = self.config.overflow(policy);
        self
    }

    /// Worker threads are named `"{prefix}-{index}"`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Builder {
        self.config = self.config.thread_name(prefix);
        self
    }

    /// Worker stack size in bytes (`None`: Rust's default).
    pub fn stack_size(mut self, bytes: impl Into<Option<usize>>) -> Builder {
        self.config = self.config.stack_size(bytes.into());
        self
    }

    /// How long an idle worker keeps looking for work, yielding between rounds, before it
    /// parks. `Duration::ZERO` parks at once.
    pub fn idle_spin(mut self, spin: Duration) -> Builder {
        self.tuning.idle_spin = spin;
        self
    }

    /// How many jobs taken from the injector or other workers a worker may run nested on
    /// its stack (the main loop's job counts as one). A worker at the limit that waits in
    /// `join` or `scope` runs only its own deque's jobs and then parks. Values below 1 are
    /// treated as 1.
    ///
    /// So `1` turns helping off (a waiting worker runs only forks of its own frames), and a
    /// worker's stack holds at most `depth` found jobs. Each one nested in another adds its
    /// own frames plus the pool's frames between the waiting `join`/`scope` and the job:
    /// at most about 0.6 KiB in a release build and 3 KiB in a debug build, measured on
    /// x86-64 (`cargo test [--release] -p pool-work-stealing --test help_depth --
    /// --nocapture`).
    ///
    /// `tests/help_depth.rs` checks the bound at 1, 2 and 4 (and 0, taken as 1) with 2 and
    /// 8 workers, on a workload that nests 10 to 14 found jobs on a worker when unbounded:
    /// no thread ever runs more than `depth` found jobs nested, and with `depth` above 1
    /// some waiting worker does help (2 nested for `depth` 2).
    pub fn max_help_depth(mut self, depth: usize) -> Builder {
        self.tuning.max_help_depth = depth.max(1);
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    /// - [`pool_core::BuildErrorKind::ZeroWorkers`] for `workers(0)`;
    /// - [`pool_core::BuildErrorKind::ZeroQueueBound`] for `queue_bound(Some(0))`;
    /// - [`pool_core::BuildErrorKind::Spawn`] when the OS refuses a thread (those already
    ///   started are stopped and joined first).
    ///
    /// ```
    /// use pool_core::BuildErrorKind;
    /// let err = pool_work_stealing::WorkStealingPool::builder().workers(0).build().unwrap_err();
    /// assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers));
    /// ```
    pub fn build(self) -> Result<WorkStealingPool, BuildError> {
        WorkStealingPool::start(&self.config, self.tuning)
    }
}
