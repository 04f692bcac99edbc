#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod dead;
mod error;
mod group;
mod handle;
mod poison;
mod producer;
mod queue;
mod replies;
mod task;
mod wire;
mod worker;

pub mod demo;
pub mod server;

pub use dead::DeadLetter;
pub use error::{
    ConfigError, ConnectError, DeadLetterReason, NatsError, ServerError, SubmitError,
    SubmitFailure, TaskError,
};
pub use group::RemoteGroup;
pub use handle::RemoteHandle;
pub use producer::{Producer, ProducerStats};
pub use queue::QueueConfig;
pub use server::NatsServer;
pub use task::{Registry, Task};
pub use worker::{RunningWorker, Worker, WorkerStats};

/// Connects with the settings every client here uses: 5 s to reach the server at first,
/// then reconnecting forever.
async fn connect(url: &str) -> Result<async_nats::Client, ConnectError> {
    async_nats::ConnectOptions::new()
        .connection_timeout(std::time::Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| ConnectError::Unreachable {
            url: url.to_owned(),
            source: Box::new(e),
        })
}
