//! Waiting for the pool from inside the pool is an error, never a deadlock.

use std::sync::Arc;

use pool_core::{Pool, PoolExt, ShutdownError, ShutdownMode, WaitIdleError};

use super::{config, Build};
use crate::{with_watchdog, DEADLOCK};

/// `wait_idle` called from a job returns `InsideWorker`; from outside it still works.
pub fn wait_idle_inside_worker_is_an_error(build: Build, workers: usize) {
    with_watchdog("wait_idle_inside_worker_is_an_error", DEADLOCK, move || {
        let pool = build(config(workers));
        let inner: Arc<dyn Pool> = pool.clone();
        let result = pool
            .spawn(move || inner.wait_idle())
            .unwrap_or_else(|_| panic!("open pool"))
            .join()
            .expect("the job does not panic");
        assert_eq!(result, Err(WaitIdleError::InsideWorker));
        let inner: Arc<dyn Pool> = pool.clone();
        let result = pool
            .spawn(move || inner.wait_idle_timeout(std::time::Duration::from_secs(1)))
            .unwrap_or_else(|_| panic!("open pool"))
            .join()
            .expect("the job does not panic");
        assert_eq!(result, Err(WaitIdleError::InsideWorker));
        pool.wait_idle().expect("from outside");
    });
}

/// `shutdown` called from a job returns `InsideWorker` and closes the pool; a later
/// shutdown from outside drains and joins it.
pub fn shutdown_inside_worker_is_an_error(build: Build, workers: usize) {
    with_watchdog("shutdown_inside_worker_is_an_error", DEADLOCK, move || {
        let pool = build(config(workers));
        let inner: Arc<dyn Pool> = pool.clone();
        let result = pool
            .spawn(move || inner.shutdown(ShutdownMode::Graceful).map(|_| ()))
            .unwrap_or_else(|_| panic!("open pool"))
            .join()
            .expect("the job does not panic");
        assert_eq!(result, Err(ShutdownError::InsideWorker));
        let err = pool.execute(|| {}).expect_err("the pool is closed");
        assert!(err.is_closed());
        let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
        assert_eq!(report.completed, 1, "{report:?}");
    });
}
