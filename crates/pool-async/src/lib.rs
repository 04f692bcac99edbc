#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod admission;
mod builder;
mod closures;
mod group;
mod handle;
mod pool;
mod pool_impl;
mod shutdown;
mod signal;
mod task;

pub use builder::AsyncPoolBuilder;
pub use group::{AsyncGroup, GroupToken};
pub use handle::{JoinError, TaskHandle};
pub use pool::AsyncPool;
pub use shutdown::DrainReport;
