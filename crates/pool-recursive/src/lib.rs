#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bound;
mod builder;
mod job;
mod pool;
mod registry;
mod sleep;
mod stats;
mod task;
mod termination;
mod tree;
mod unwind;
mod worker;

pub use builder::Builder;
pub use pool::RecursivePool;
pub use tree::{Child, Scope, TaskFailure, TaskOutput, TreeError};
