//! The conformance checks fail on pools that break the contract: each test plants one bug.

mod reference;

use std::sync::Arc;

use pool_core::{Pool, PoolConfig};
use pool_testkit::checks;
use reference::{Bug, ReferencePool};

fn loses_jobs(config: PoolConfig) -> Arc<dyn Pool> {
    Arc::new(ReferencePool::new(config, Bug::LosesJobs))
}

fn ignores_bound(config: PoolConfig) -> Arc<dyn Pool> {
    Arc::new(ReferencePool::new(config, Bug::IgnoresBound))
}

#[test]
#[should_panic(expected = "ran a wrong number of times")]
fn exactly_once_catches_a_lost_job() {
    checks::exactly_once(loses_jobs, 2);
}

#[test]
#[should_panic(expected = "the bound is reached")]
fn try_submit_check_catches_an_ignored_bound() {
    checks::try_submit_full_and_closed(ignores_bound, 2);
}

#[test]
#[should_panic(expected = "graceful shutdown ran every job")]
fn accounting_check_catches_a_lost_job() {
    checks::graceful_shutdown_accounting(loses_jobs, 2);
}
