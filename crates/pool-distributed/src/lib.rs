//! # pool-distributed: the worker pool for work that outgrows one machine
//!
//! Typed tasks on a [NATS JetStream](https://docs.nats.io/nats-concepts/jetstream) work
//! queue. A [`Producer`] publishes each task (its serde JSON, under the name its [`Task`]
//! type is registered with); [`Worker`]s, in as many processes and machines as you like,
//! pull tasks with explicit acks, run them, and publish the result back; the producer
//! routes each result to the task's [`RemoteHandle`], whose `join` gives
//! `Result<T, TaskError>` like a local pool's handle. [`RemoteGroup`] folds a group's
//! results with pool-core's error policies, `CollectAll` and `FailFast`.
//!
//! Use it when the queue must outlive a process or spread over machines: crawls, bulk file
//! and network I/O, anything whose workers may die. Do not use it for short CPU jobs in one
//! process: every task costs network round trips (publish, deliver, reply, ack), hundreds
//! of microseconds where an in-process pool costs under one.
//!
//! ## Guarantees
//! - **At-least-once delivery, exactly-once in effect.** A task JetStream confirmed
//!   storing (its `submit` returned `Ok`) runs at least once: a worker acknowledges it only
//!   after its reply is stored, and a task not acknowledged within `ack_wait` (the worker
//!   died, or lost the server) is delivered again. So a task may *run* more than once; its
//!   handle completes with the first reply, and later replies for the same task id are
//!   dropped and counted ([`ProducerStats::duplicates`]). Side effects of `work` must be
//!   idempotent by the task's id, or tolerate repetition.
//! - **The in-flight bound is `max_ack_pending`.** JetStream never has more tasks delivered
//!   and unacknowledged than [`QueueConfig::max_ack_pending`], summed over all workers: that
//!   is the backpressure. Submission itself is not bounded (the stream is the queue).
//! - **Bad input never kills a worker.** A panic in `work` is caught and reported
//!   ([`TaskError::Panicked`]). A task with an unknown name or an undecodable payload is
//!   not run: it is copied to the dead-letter stream `<prefix>_dead` with the reason, and
//!   its handle reports [`TaskError::DeadLettered`].
//! - **Durability.** The streams use file storage: a server restart loses no confirmed
//!   task and no stored reply; clients reconnect and submissions retry (under the same
//!   message id, so a retry is not queued twice) for [`QueueConfig::publish_timeout`].
//! - **Shutdown and drop.** [`RunningWorker::stop`] stops pulling, lets running tasks
//!   finish, reply and be acknowledged; tasks it had pulled but not started return to the
//!   queue after `ack_wait`. Dropping a [`Producer`] stops listening: its pending handles
//!   read [`TaskError::Cancelled`], and its queued tasks still run (their replies stay in
//!   the results stream for `result_ttl`). A `FailFast` group removes its unacknowledged
//!   tasks from the queue at the first failure.
//! - **Happens-before**, across processes: what the task's fields carry is what the worker
//!   sees; what `work` returned is what `join` returns. Nothing else is shared.
//! - A task that kills every worker it lands on is delivered at most
//!   [`QueueConfig::max_deliver`] times; its handle then never completes (use
//!   [`RemoteHandle::join_timeout`]).
//!
//! ## Example
//! A local server (the [`NatsServer`] helper; any `nats-server -js` will do), one worker
//! thread, and a producer:
//! ```
//! use pool_distributed::{demo, NatsServer, Producer, QueueConfig, Worker};
//!
//! // Needs `apt-get install -y nats-server`; without it this example says SKIPPED.
//! let server = match NatsServer::start() {
//!     Ok(server) => server,
//!     Err(e) => { println!("SKIPPED: {e}"); return Ok(()); }
//! };
//! let queue = QueueConfig::new("example").max_ack_pending(32);
//! let worker = Worker::new(queue.clone(), demo::registry()).spawn(&server.url())?;
//! let producer = Producer::connect(&server.url(), queue)?;
//! let handles = producer.submit_all((0..100).map(|x| demo::Square { x }));
//! let mut sum = 0u64;
//! for handle in handles {
//!     sum += handle?.join()?;
//! }
//! assert_eq!(sum, (0..100u64).map(|x| x * x).sum::<u64>());
//! worker.stop();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! Worker processes on other machines run the same `Worker` with the same registry; this
//! crate's `pool-distributed-worker` binary is one with the [`demo`] tasks.

mod dead;
mod error;
mod group;
mod handle;
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
