//! Building a [`HeartbeatPool`]: the shared [`PoolConfig`] plus this strategy's tuning.

use std::time::Duration;

use pool_core::{BuildError, BuildErrorKind, OverflowPolicy, PoolConfig};

use crate::registry::Tuning;
use crate::HeartbeatPool;

/// How often a busy worker is asked to promote its oldest pending fork, by default.
///
/// The heartbeat paper (Acar, Charguéraud, Rainey, PLDI 2018), Spice and chili use 100 µs.
/// Here each beat also wakes the heartbeat thread, which on a 2-core VM takes a core from a
/// worker for a few microseconds: at 100 µs, `fib-join-nocut` (fib(32), 2 workers) ran
/// 1.45-1.47x faster than sequential and `fib-join` 1.05-1.12x slower than rayon; at 300 µs,
/// 1.46-1.53x and 1.01x (pool-bench, interleaved, same sessions). `thread::sleep`
/// overshoots by tens of microseconds on a VM, so the real interval is somewhat longer.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_micros(300);

/// How long an idle worker keeps looking for work (yielding between rounds) before it
/// parks, by default: as pool-work-stealing's, whose measurements chose it.
pub const DEFAULT_IDLE_SPIN: Duration = Duration::from_micros(20);

/// Builds a [`HeartbeatPool`].
///
/// ```
/// use std::time::Duration;
/// use pool_heartbeat::HeartbeatPool;
/// let pool = HeartbeatPool::builder()
///     .workers(2)
///     .heartbeat(Duration::from_micros(200))
///     .idle_spin(Duration::ZERO)
///     .thread_name("fold")
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
    /// The defaults: [`PoolConfig::new`], [`DEFAULT_HEARTBEAT`], [`DEFAULT_IDLE_SPIN`].
    pub fn new() -> Builder {
        Builder {
            config: PoolConfig::new(),
            tuning: Tuning {
                heartbeat: DEFAULT_HEARTBEAT,
                idle_spin: DEFAULT_IDLE_SPIN,
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

    /// Bounds the `'static` jobs submitted from outside the pool that are queued and not
    /// yet started (`None`: unbounded). Jobs submitted by the pool's own workers and
    /// fork-join work are never bounded (bounding them could deadlock the pool on itself).
    pub fn queue_bound(mut self, bound: impl Into<Option<usize>>) -> Builder {
        self.config = self.config.queue_bound(bound.into());
        self
    }

    /// What `submit` does when the bound is reached.
    pub fn overflow(mut self, policy: OverflowPolicy) -> Builder {
        self.config = self.config.overflow(policy);
        self
    }

    /// Worker threads are named `"{prefix}-{index}"`, the heartbeat thread
    /// `"{prefix}-heartbeat"`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Builder {
        self.config = self.config.thread_name(prefix);
        self
    }

    /// Worker stack size in bytes (`None`: Rust's default).
    pub fn stack_size(mut self, bytes: impl Into<Option<usize>>) -> Builder {
        self.config = self.config.stack_size(bytes.into());
        self
    }

    /// How often a busy worker promotes its oldest pending fork (zero is a build error).
    /// Shorter: idle workers get work sooner, at more promotions (a lock each) and more
    /// wake-ups of the heartbeat thread; longer: less overhead, slower load balancing.
    pub fn heartbeat(mut self, interval: Duration) -> Builder {
        self.tuning.heartbeat = interval;
        self
    }

    /// How long an idle worker keeps looking for work, yielding between rounds, before it
    /// parks. `Duration::ZERO` parks at once.
    pub fn idle_spin(mut self, spin: Duration) -> Builder {
        self.tuning.idle_spin = spin;
        self
    }

    /// Starts the workers and the heartbeat thread.
    ///
    /// # Errors
    /// - [`BuildErrorKind::ZeroWorkers`] for `workers(0)`;
    /// - [`BuildErrorKind::ZeroQueueBound`] for `queue_bound(Some(0))`;
    /// - [`BuildErrorKind::ZeroLimit`] for `heartbeat(Duration::ZERO)`;
    /// - [`BuildErrorKind::ThreadName`], [`BuildErrorKind::StackSize`],
    ///   [`BuildErrorKind::TooManyWorkers`] as [`PoolConfig::validate`] says;
    /// - [`BuildErrorKind::Spawn`] when the OS refuses a thread (those already started are
    ///   stopped and joined first; the heartbeat thread's index is the worker count).
    ///
    /// ```
    /// use pool_core::BuildErrorKind;
    /// let err = pool_heartbeat::HeartbeatPool::builder().workers(0).build().unwrap_err();
    /// assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers));
    /// ```
    pub fn build(self) -> Result<HeartbeatPool, BuildError> {
        if self.tuning.heartbeat.is_zero() {
            return Err(BuildError::new(BuildErrorKind::ZeroLimit(
                "the heartbeat interval",
            )));
        }
        HeartbeatPool::start(&self.config, self.tuning)
    }
}
