//! The shared conformance suite (pool-testkit) at 1, 2 and 8 workers.

pool_testkit::conformance_suite!(
    |config: pool_core::PoolConfig| -> std::sync::Arc<dyn pool_core::Pool> {
        std::sync::Arc::new(
            pool_work_stealing::WorkStealingPool::from_config(config).expect("valid config"),
        )
    }
);
