#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod admission;
mod builder;
mod job;
mod join;
mod latch;
mod pool;
mod registry;
mod scope;
mod sleep;
mod unwind;
mod worker;

pub use builder::{Builder, DEFAULT_IDLE_SPIN, DEFAULT_MAX_HELP_DEPTH};
pub use join::join;
pub use pool::WorkStealingPool;
pub use scope::{scope, Scope};
