//! # pool-testkit: the conformance suite every workpools strategy runs
//!
//! - [`conformance_suite!`]: one macro that expands to the same behaviour tests for any
//!   [`Pool`](pool_core::Pool) built from a [`PoolConfig`](pool_core::PoolConfig), at 1, 2 and
//!   8 workers (more workers than this machine's cores, on purpose);
//! - [`checks`]: the checks themselves, as plain functions, for pools that need a custom
//!   harness;
//! - [`kernels`]: deterministic CPU workloads with sequential references;
//! - [`fixtures`]: loopback servers and generated data for I/O workloads;
//! - `paths` (feature `paths`): the spawn -> join and execute + wait_idle paths timed
//!   against their peers, for the strategy crates' `benches/paths.rs`;
//! - [`refused`]: the settings every builder must refuse with an error, never a panic.
//!
//! A deadlock fails a check instead of hanging it: every wait goes through a watchdog.

pub mod fixtures;
pub mod kernels;

pub mod checks;
#[cfg(feature = "paths")]
pub mod paths;
pub mod refused;
mod watchdog;

pub use watchdog::{eventually, with_watchdog, Latch, DEADLOCK};

#[doc(hidden)]
pub mod __private {
    pub use pool_core::{Pool, PoolConfig};
}

/// Expands to the conformance tests for one pool, at 1, 2 and 8 workers.
///
/// The argument is a closure (or function) from [`PoolConfig`](pool_core::PoolConfig) to
/// `Arc<dyn Pool>`; the generated modules `workers_1`, `workers_2` and `workers_8` each hold
/// one `#[test]` per function in [`checks`].
///
/// A pool whose joiners run unstarted tasks themselves ([`Pool::inline_joins`](pool_core::Pool::inline_joins))
/// declares it with `inline_joins` after the closure, which adds the checks of joining
/// from inside a task (a pool without it would deadlock on them, by design).
///
/// ```ignore
/// // tests/conformance.rs of a strategy crate
/// pool_testkit::conformance_suite!(|config: pool_core::PoolConfig| -> std::sync::Arc<dyn pool_core::Pool> {
///     std::sync::Arc::new(my_pool::MyPool::from_config(config).expect("valid config"))
/// });
/// ```
#[macro_export]
macro_rules! conformance_suite {
    ($build:expr) => {
        $crate::conformance_suite!(@at $build; []; workers_1 = 1, workers_2 = 2, workers_8 = 8);
    };
    ($build:expr, inline_joins) => {
        $crate::conformance_suite!(@at $build;
            [join_inside_every_worker, join_inside_many_tasks_at_once, group_wait_inside_every_worker,
             join_runs_nothing_else_while_waiting];
            workers_1 = 1, workers_2 = 2, workers_8 = 8);
    };
    (@at $build:expr; $extras:tt; $($module:ident = $workers:expr),*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use super::*;

                fn build(
                    config: $crate::__private::PoolConfig,
                ) -> ::std::sync::Arc<dyn $crate::__private::Pool> {
                    ($build)(config)
                }

                $crate::conformance_suite!(@tests $workers; $extras;
                    exactly_once,
                    handle_results,
                    panic_isolation,
                    try_submit_full_and_closed,
                    try_submit_full_hands_back_the_job,
                    graceful_shutdown_accounting,
                    immediate_shutdown_discards_queue,
                    shutdown_racing_submitters,
                    idle_then_submit,
                    burst_idle_burst,
                    wait_idle_inside_worker_is_an_error,
                    shutdown_inside_worker_is_an_error,
                    collect_all_gathers_every_error,
                    fail_fast_cancels_the_rest
                );
            }
        )*
    };
    (@tests $workers:expr; [$($extra:ident),*]; $($check:ident),*) => {
        $(
            #[test]
            fn $check() {
                $crate::checks::$check(build, $workers);
            }
        )*
        $(
            #[test]
            fn $extra() {
                $crate::checks::$extra(build, $workers);
            }
        )*
    };
}
