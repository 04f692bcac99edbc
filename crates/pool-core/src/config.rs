//! The builder settings every strategy shares, validated once here.

use std::num::NonZeroUsize;

use crate::{BuildError, BuildErrorKind};

/// What a bounded queue does with a submission that does not fit.
///
/// ```
/// assert_eq!(pool_core::OverflowPolicy::default(), pool_core::OverflowPolicy::Block);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OverflowPolicy {
    /// `submit` waits for room (backpressure). From inside a worker it hands the job back
    /// as `Full` instead, since waiting there could deadlock the pool on itself.
    #[default]
    Block,
    /// `submit` hands the job back as `Full`.
    Reject,
    /// `submit` runs the job on the calling thread.
    CallerRuns,
}

/// Builder settings shared by every strategy; each strategy's builder wraps one.
///
/// Values are checked by [`PoolConfig::validate`], so a bad value is a [`BuildError`] at
/// build time, never a panic.
///
/// ```
/// use pool_core::{OverflowPolicy, PoolConfig};
/// let config = PoolConfig::new()
///     .workers(4)
///     .queue_bound(Some(1024))
///     .overflow(OverflowPolicy::Reject)
///     .thread_name("crunch");
/// let valid = config.validate().unwrap();
/// assert_eq!(valid.workers.get(), 4);
/// assert!(PoolConfig::new().workers(0).validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// Requested worker count; 0 is rejected by `validate`.
    pub workers: usize,
    /// `None`: unbounded queue. `Some(n)`: at most `n` queued jobs from outside submitters.
    pub queue_bound: Option<usize>,
    /// What `submit` does when the bounded queue is full.
    pub overflow: OverflowPolicy,
    /// Worker threads are named `"{thread_name}-{index}"`.
    pub thread_name: String,
    /// Stack size of each worker thread; `None` uses Rust's default.
    pub stack_size: Option<usize>,
}

impl Default for PoolConfig {
    fn default() -> PoolConfig {
        PoolConfig {
            workers: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            queue_bound: None,
            overflow: OverflowPolicy::Block,
            thread_name: "workpools".to_owned(),
            stack_size: None,
        }
    }
}

impl PoolConfig {
    /// The most worker threads a pool may ask for. Far above any machine's cores, and low
    /// enough that the per-worker state is allocated before the OS is asked for threads
    /// without exhausting memory (a count near `usize::MAX` would abort on allocation).
    pub const MAX_WORKERS: usize = 1 << 16;

    /// The smallest worker stack accepted, in bytes. The OS silently raises smaller values
    /// (0 included) to its own minimum, on which a job's first deep call or panic message
    /// overflows the stack and aborts the process.
    pub const MIN_STACK_SIZE: usize = 64 * 1024;

    /// The defaults: one worker per available core, unbounded queue, `Block`.
    pub fn new() -> PoolConfig {
        PoolConfig::default()
    }

    /// Sets the worker count.
    pub fn workers(mut self, workers: usize) -> PoolConfig {
        self.workers = workers;
        self
    }

    /// Sets the queue bound: a count, `Some(count)`, or `None` for unbounded (every
    /// strategy's builder takes the same forms).
    ///
    /// ```
    /// use pool_core::PoolConfig;
    /// assert_eq!(PoolConfig::new().queue_bound(8).validate().unwrap().queue_bound.unwrap().get(), 8);
    /// assert!(PoolConfig::new().queue_bound(None).validate().unwrap().queue_bound.is_none());
    /// ```
    pub fn queue_bound(mut self, bound: impl Into<Option<usize>>) -> PoolConfig {
        self.queue_bound = bound.into();
        self
    }

    /// Sets the overflow policy.
    pub fn overflow(mut self, policy: OverflowPolicy) -> PoolConfig {
        self.overflow = policy;
        self
    }

    /// Sets the worker thread name prefix.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> PoolConfig {
        self.thread_name = prefix.into();
        self
    }

    /// Sets the worker stack size in bytes: a count, `Some(count)`, or `None` for Rust's
    /// default.
    ///
    /// ```
    /// use pool_core::PoolConfig;
    /// assert_eq!(PoolConfig::new().stack_size(1 << 20).validate().unwrap().stack_size, Some(1 << 20));
    /// ```
    pub fn stack_size(mut self, bytes: impl Into<Option<usize>>) -> PoolConfig {
        self.stack_size = bytes.into();
        self
    }

    /// Checks the settings.
    ///
    /// Every value that `std::thread::Builder` would panic on, or that could only abort or
    /// overflow later, is refused here, so no strategy's `build` can panic on its settings.
    ///
    /// # Errors
    /// - [`BuildErrorKind::ZeroWorkers`] for `workers(0)`;
    /// - [`BuildErrorKind::TooManyWorkers`] for more than [`PoolConfig::MAX_WORKERS`];
    /// - [`BuildErrorKind::ZeroQueueBound`] for `queue_bound(Some(0))`;
    /// - [`BuildErrorKind::ThreadName`] for a thread name with a NUL byte;
    /// - [`BuildErrorKind::StackSize`] for a stack below [`PoolConfig::MIN_STACK_SIZE`].
    ///   Stacks too large for the OS fail later, as [`BuildErrorKind::Spawn`].
    ///
    /// ```
    /// use pool_core::{BuildErrorKind, PoolConfig};
    /// let err = PoolConfig::new().queue_bound(Some(0)).validate().unwrap_err();
    /// assert!(matches!(err.kind(), BuildErrorKind::ZeroQueueBound));
    /// let err = PoolConfig::new().thread_name("a\0b").validate().unwrap_err();
    /// assert!(matches!(err.kind(), BuildErrorKind::ThreadName(_)));
    /// let err = PoolConfig::new().stack_size(0).validate().unwrap_err();
    /// assert!(matches!(err.kind(), BuildErrorKind::StackSize(0)));
    /// let err = PoolConfig::new().workers(usize::MAX).validate().unwrap_err();
    /// assert!(matches!(err.kind(), BuildErrorKind::TooManyWorkers(_)));
    /// ```
    pub fn validate(&self) -> Result<ValidConfig, BuildError> {
        let workers =
            NonZeroUsize::new(self.workers).ok_or(BuildError::new(BuildErrorKind::ZeroWorkers))?;
        check_thread_count(self.workers)?;
        check_thread_settings(&self.thread_name, self.stack_size)?;
        let queue_bound = match self.queue_bound {
            None => None,
            Some(n) => {
                Some(NonZeroUsize::new(n).ok_or(BuildError::new(BuildErrorKind::ZeroQueueBound))?)
            }
        };
        Ok(ValidConfig {
            workers,
            queue_bound,
            overflow: self.overflow,
            thread_name: self.thread_name.clone(),
            stack_size: self.stack_size,
        })
    }
}

/// Refuses a thread count above [`PoolConfig::MAX_WORKERS`]; for strategies with a thread
/// count of their own (pool-async's runtime threads).
///
/// # Errors
/// [`BuildErrorKind::TooManyWorkers`] with the count.
///
/// ```
/// assert!(pool_core::check_thread_count(4).is_ok());
/// assert!(pool_core::check_thread_count(usize::MAX).is_err());
/// ```
pub fn check_thread_count(threads: usize) -> Result<(), BuildError> {
    if threads > PoolConfig::MAX_WORKERS {
        return Err(BuildError::new(BuildErrorKind::TooManyWorkers(threads)));
    }
    Ok(())
}

/// The checks on what `std::thread::Builder` is given; shared with `spawn_workers`, which
/// may get a `ValidConfig` built by hand.
pub(crate) fn check_thread_settings(
    name: &str,
    stack_size: Option<usize>,
) -> Result<(), BuildError> {
    if name.contains('\0') {
        return Err(BuildError::new(BuildErrorKind::ThreadName(name.to_owned())));
    }
    if let Some(bytes) = stack_size.filter(|&b| b < PoolConfig::MIN_STACK_SIZE) {
        return Err(BuildError::new(BuildErrorKind::StackSize(bytes)));
    }
    Ok(())
}

/// Settings that passed [`PoolConfig::validate`].
///
/// ```
/// let valid = pool_core::PoolConfig::new().workers(2).validate().unwrap();
/// assert_eq!(valid.workers.get(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidConfig {
    /// At least one worker.
    pub workers: NonZeroUsize,
    /// `None`: unbounded; otherwise at least one slot.
    pub queue_bound: Option<NonZeroUsize>,
    /// What `submit` does when the bounded queue is full.
    pub overflow: OverflowPolicy,
    /// Worker thread name prefix.
    pub thread_name: String,
    /// Worker stack size.
    pub stack_size: Option<usize>,
}
