#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod batch;
mod builder;
mod ledger;
mod pool;
mod submitters;
mod worker;

pub use batch::run_batch;
pub use builder::Builder;
pub use pool::FinitePool;
