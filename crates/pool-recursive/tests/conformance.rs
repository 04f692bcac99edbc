//! The shared pool-testkit conformance suite, at 1, 2 and 8 workers.

pool_testkit::conformance_suite!(
    |config: pool_core::PoolConfig| -> std::sync::Arc<dyn pool_core::Pool> {
        std::sync::Arc::new(
            pool_recursive::RecursivePool::from_config(config).expect("valid config"),
        )
    },
    inline_joins
);
