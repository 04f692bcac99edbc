//! Task trees: the [`Scope`] a task gets to submit children, the bodies that run them, and
//! what a tree reports when it ends.

mod body;
mod error;
mod scope;

pub(crate) use body::TreeTask;
pub use error::{TaskFailure, TaskOutput, TreeError};
pub use scope::{Child, Scope};
