#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod builder;
mod heartbeat;
mod job;
mod join;
mod pool;
mod registry;
mod unwind;
mod worker;

pub use builder::{Builder, DEFAULT_HEARTBEAT, DEFAULT_IDLE_SPIN};
pub use join::join;
pub use pool::HeartbeatPool;
pub use worker::MAX_HELP_DEPTH;
