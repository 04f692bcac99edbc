//! The shared conformance suite (pool-testkit) at 1, 2 and 8 workers.
//!
//! Not run under miri: its busy submit loops (`shutdown_racing_submitters`) never yield
//! without preemption (which `scripts/miri.sh` turns off for crossbeam), and the suite at
//! its sizes takes hours interpreted. Miri runs `tests/join.rs` at miri-sized scales.
#![cfg(not(miri))]

pool_testkit::conformance_suite!(
    |config: pool_core::PoolConfig| -> std::sync::Arc<dyn pool_core::Pool> {
        std::sync::Arc::new(
            pool_heartbeat::HeartbeatPool::from_config(config).expect("valid config"),
        )
    },
    inline_joins
);
