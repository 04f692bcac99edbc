//! Issue 12, defects 1 and 2: concurrent shutdowns (any modes, any threads) all return,
//! with equal reports; every report balances while refused submissions race it.
//! (Not in the shared conformance list yet: pool-async times out on these checks.)
//!
//! Not run under miri, as `conformance.rs`: crossbeam-deque needs
//! `-Zmiri-preemption-rate=0`, and without preemption the checks' busy submitters never
//! yield to the thread that would stop them (the miri job hung here).
#![cfg(not(miri))]

use std::sync::Arc;

use pool_core::{Pool, PoolConfig};
use pool_testkit::checks;

fn build(config: PoolConfig) -> Arc<dyn Pool> {
    Arc::new(pool_work_stealing::WorkStealingPool::from_config(config).expect("valid config"))
}

#[test]
fn concurrent_shutdowns_agree() {
    for workers in [1, 2, 8] {
        checks::concurrent_shutdowns_agree(build, workers);
    }
}

#[test]
fn report_balances_while_refusals_race() {
    for workers in [1, 2, 8] {
        checks::report_balances_while_refusals_race(build, workers);
    }
}
