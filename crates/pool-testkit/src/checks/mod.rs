//! The conformance checks, one function per promise of the [`Pool`] contract.
//!
//! Each takes a [`Build`] function and a worker count, builds its own pool(s), and panics on
//! any broken promise. Every check runs under [`with_watchdog`](crate::with_watchdog), so a
//! deadlock fails it. [`conformance_suite!`](crate::conformance_suite) calls them all.

mod execution;
mod joining;
mod panics;
mod policies;
mod racing_shutdowns;
mod shutdown;
mod submission;
mod waiting;
mod wakeup;

pub use execution::{exactly_once, handle_results};
pub use joining::{
    group_wait_inside_every_worker, join_inside_every_worker, join_inside_many_tasks_at_once,
    join_runs_nothing_else_while_waiting,
};
pub use panics::panic_isolation;
pub use policies::{collect_all_gathers_every_error, fail_fast_cancels_the_rest};
pub use racing_shutdowns::{concurrent_shutdowns_agree, report_balances_while_refusals_race};
pub use shutdown::{
    graceful_shutdown_accounting, immediate_shutdown_discards_queue, shutdown_racing_submitters,
};
pub use submission::{try_submit_full_and_closed, try_submit_full_hands_back_the_job};
pub use waiting::{shutdown_inside_worker_is_an_error, wait_idle_inside_worker_is_an_error};
pub use wakeup::{burst_idle_burst, idle_then_submit};

use std::sync::Arc;

use pool_core::{Pool, PoolConfig};

/// Builds the pool under test from the shared settings.
pub type Build = fn(PoolConfig) -> Arc<dyn Pool>;

/// The settings every check starts from: `workers` workers, an unbounded queue.
fn config(workers: usize) -> PoolConfig {
    PoolConfig::new()
        .workers(workers)
        .thread_name("conformance")
}

/// Shrinks a size under miri, where every operation is thousands of times slower.
fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        (n / 1000).max(8)
    } else {
        n
    }
}

/// Opens the latch that holds the workers when dropped, so a failing check does not leave
/// the pool's workers blocked (and its drop hanging).
struct Release(Arc<crate::Latch>);

impl Release {
    fn open(self) {}
}

impl Drop for Release {
    fn drop(&mut self) {
        self.0.count_down();
    }
}

/// Blocks `workers` of the pool's workers until the returned guard is opened or dropped;
/// returns once all of them are blocked, so anything submitted next stays queued.
fn occupy_all_workers(pool: &dyn Pool, workers: usize) -> Release {
    use pool_core::PoolExt;
    let release = Arc::new(crate::Latch::new(1));
    let started = Arc::new(crate::Latch::new(workers));
    for _ in 0..workers {
        let (release, started) = (release.clone(), started.clone());
        pool.execute(move || {
            started.count_down();
            release.wait();
        })
        .unwrap_or_else(|_| panic!("an empty pool accepts the blockers"));
    }
    started.wait();
    Release(release)
}
