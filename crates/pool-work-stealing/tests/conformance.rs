//! The shared conformance suite (pool-testkit) at 1, 2 and 8 workers.
//!
//! Not run under miri: crossbeam-deque needs `-Zmiri-preemption-rate=0` (its speculative
//! slot read is a known race), and without preemption the suite's busy submit loops
//! (`shutdown_racing_submitters`) never yield to the thread that would stop them. Miri runs
//! this crate's own tests instead, which cover the same paths at miri-sized scales.
#![cfg(not(miri))]

pool_testkit::conformance_suite!(
    |config: pool_core::PoolConfig| -> std::sync::Arc<dyn pool_core::Pool> {
        std::sync::Arc::new(
            pool_work_stealing::WorkStealingPool::from_config(config).expect("valid config"),
        )
    },
    inline_joins
);
