//! Building a [`RecursivePool`] from the shared [`PoolConfig`].

use pool_core::{BuildError, OverflowPolicy, PoolConfig};

use crate::RecursivePool;

/// Settings for a [`RecursivePool`]; every value is checked by [`Builder::build`].
///
/// ```
/// use pool_core::OverflowPolicy;
/// use pool_recursive::RecursivePool;
/// let pool = RecursivePool::builder()
///     .workers(2)
///     .queue_bound(Some(64))
///     .overflow(OverflowPolicy::Block)
///     .thread_name("walker")
///     .build()
///     .unwrap();
/// assert_eq!(pool_core::Pool::workers(&pool), 2);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    config: PoolConfig,
}

impl Builder {
    /// The defaults of [`PoolConfig::new`].
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Number of worker threads.
    pub fn workers(mut self, workers: usize) -> Builder {
        self.config = self.config.workers(workers);
        self
    }

    /// `Some(n)`: at most `n` outside jobs queued and not started, and at most `n` tasks
    /// queued on each worker before that worker's submissions run inline (caller runs).
    ///
    /// Takes a count, `Some(count)` or `None`, like every strategy's builder:
    ///
    /// ```
    /// let bounded = pool_recursive::RecursivePool::builder().workers(1).queue_bound(8).build();
    /// let unbounded = pool_recursive::RecursivePool::builder().workers(1).queue_bound(None).build();
    /// assert!(bounded.is_ok() && unbounded.is_ok());
    /// ```
    pub fn queue_bound(mut self, bound: impl Into<Option<usize>>) -> Builder {
        self.config = self.config.queue_bound(bound.into());
        self
    }

    /// What an outside `submit` does when the bound is reached.
    pub fn overflow(mut self, policy: OverflowPolicy) -> Builder {
        self.config = self.config.overflow(policy);
        self
    }

    /// Worker threads are named `"{prefix}-{index}"`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Builder {
        self.config = self.config.thread_name(prefix);
        self
    }

    /// Stack size of each worker thread.
    pub fn stack_size(mut self, bytes: impl Into<Option<usize>>) -> Builder {
        self.config = self.config.stack_size(bytes.into());
        self
    }

    /// Starts the pool.
    ///
    /// # Errors
    /// As [`RecursivePool::from_config`]: a zero worker count or zero bound, or a worker
    /// thread the OS refused (no thread is left running then).
    ///
    /// ```
    /// assert!(pool_recursive::RecursivePool::builder().workers(0).build().is_err());
    /// ```
    pub fn build(self) -> Result<RecursivePool, BuildError> {
        RecursivePool::from_config(self.config)
    }
}
