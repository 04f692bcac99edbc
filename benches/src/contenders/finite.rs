//! `finite` (pool-finite): fixed workers over one shared queue, driven entirely through
//! `pool_core::Pool` by a [`CorePool`].

use std::sync::Arc;

use pool_core::PoolConfig;
use pool_finite::FinitePool;

use crate::contender::ContenderError;
use crate::contenders::{CorePool, Sizing};

/// Builds `finite` with `sizing.workers` workers.
///
/// # Errors
/// [`ContenderError::Failed`] when the pool cannot be built.
pub fn build(sizing: Sizing) -> Result<CorePool, ContenderError> {
    let config = PoolConfig::new()
        .workers(sizing.workers)
        .thread_name("finite");
    let pool =
        FinitePool::from_config(config).map_err(|e| ContenderError::Failed(e.to_string()))?;
    Ok(CorePool::new("finite", Arc::new(pool)))
}
