//! The conformance suite passes on a plain, obviously correct pool.

mod reference;

use reference::{Bug, ReferencePool};

pool_testkit::conformance_suite!(
    |config: pool_core::PoolConfig| -> std::sync::Arc<dyn pool_core::Pool> {
        std::sync::Arc::new(ReferencePool::new(config, Bug::None))
    }
);
