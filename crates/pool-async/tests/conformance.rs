//! The shared conformance suite, through the `Pool` trait with closures, at 1, 2 and 8
//! workers (`L` = workers).

pool_testkit::conformance_suite!(
    |config: pool_core::PoolConfig| -> std::sync::Arc<dyn pool_core::Pool> {
        std::sync::Arc::new(pool_async::AsyncPool::from_config(config).expect("valid config"))
    }
);
