//! The shared conformance suite (pool-testkit) at 1, 2 and 8 workers.

pool_testkit::conformance_suite!(
    |config: pool_core::PoolConfig| -> std::sync::Arc<dyn pool_core::Pool> {
        std::sync::Arc::new(
            pool_heartbeat::HeartbeatPool::from_config(config).expect("valid config"),
        )
    },
    inline_joins
);
