//! Every way this crate can fail, as types.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A boxed error from the NATS client, kept as the `source()` of ours.
pub type NatsError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Starting a throwaway `nats-server` failed ([`NatsServer`](crate::NatsServer)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// No `nats-server` binary on `PATH`, in `/usr/sbin`, or at `$NATS_SERVER`.
    #[error("nats-server not found: install it with `{install}` (or point NATS_SERVER at it)")]
    NotInstalled {
        /// The command that installs it.
        install: &'static str,
    },
    /// The temporary folder, the port or the process could not be had.
    #[error("could not start nats-server: {0}")]
    Io(#[source] std::io::Error),
    /// The process ended while starting (a bad flag, a port taken meanwhile).
    #[error("nats-server exited while starting ({status}); its log ends:\n{log}")]
    Exited {
        /// The exit status.
        status: String,
        /// The last lines of its log.
        log: String,
    },
    /// The process runs but did not greet a client in time.
    #[error("nats-server did not accept clients within {waited:?}; its log ends:\n{log}")]
    NotReady {
        /// How long we waited.
        waited: Duration,
        /// The last lines of its log.
        log: String,
    },
}

/// A [`QueueConfig`](crate::QueueConfig) or worker setting that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The prefix names streams and subjects: it must be non-empty ASCII letters, digits,
    /// `-` or `_`.
    #[error("queue prefix {0:?} must be non-empty ASCII letters, digits, '-' or '_'")]
    BadPrefix(String),
    /// `max_ack_pending` of zero would never deliver a task.
    #[error("max_ack_pending must be at least 1")]
    ZeroMaxAckPending,
    /// An `ack_wait` of zero would redeliver every task at once.
    #[error("ack_wait must be longer than zero")]
    ZeroAckWait,
    /// `max_deliver` of zero would never deliver a task.
    #[error("max_deliver must be at least 1")]
    ZeroMaxDeliver,
    /// A worker with no task slots would pull nothing.
    #[error("worker concurrency must be at least 1")]
    ZeroConcurrency,
    /// Two task types registered under one name.
    #[error("task name {0:?} is registered twice")]
    DuplicateTask(&'static str),
}

/// Connecting a producer or a worker failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The settings cannot work; nothing was contacted.
    #[error("bad configuration: {0}")]
    Config(#[from] ConfigError),
    /// No NATS server answered at the URL.
    #[error("no NATS server reachable at {url} (start one with `nats-server -js`, or install it with `apt-get install -y nats-server`): {source}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The client's error.
        #[source]
        source: NatsError,
    },
    /// The server answered but the streams or the consumer could not be set up (JetStream
    /// off, or an existing stream with a clashing configuration).
    #[error("JetStream setup failed at {url} ({what}): {source}")]
    JetStream {
        /// The URL.
        url: String,
        /// Which stream or consumer.
        what: String,
        /// The client's error.
        #[source]
        source: NatsError,
    },
    /// The tokio runtime behind the blocking API could not start.
    #[error("could not start the client runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Why a submission failed. The task comes back in [`SubmitError::into_inner`].
pub struct SubmitError<T> {
    task: T,
    reason: SubmitFailure,
}

/// What went wrong in a [`SubmitError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubmitFailure {
    /// The task did not serialise.
    #[error("the task did not serialise: {0}")]
    Encode(#[source] serde_json::Error),
    /// JetStream did not confirm storing the task before the publish timeout: it may or may
    /// not be queued (resubmitting is safe within the stream's duplicate window only under
    /// the same task id, which a new submission does not have).
    #[error("JetStream did not confirm the task within {waited:?}: {source}")]
    Publish {
        /// How long we retried.
        waited: Duration,
        /// The last client error.
        #[source]
        source: NatsError,
    },
}

impl<T> SubmitError<T> {
    pub(crate) fn new(task: T, reason: SubmitFailure) -> SubmitError<T> {
        SubmitError { task, reason }
    }

    /// The task that was not submitted.
    pub fn into_inner(self) -> T {
        self.task
    }

    /// Why.
    pub fn reason(&self) -> &SubmitFailure {
        &self.reason
    }
}

impl<T> fmt::Debug for SubmitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubmitError")
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for SubmitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "submit failed: {}", self.reason)
    }
}

impl<T> std::error::Error for SubmitError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}

/// Why a worker put a task in the dead-letter stream instead of running it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[non_exhaustive]
pub enum DeadLetterReason {
    /// No task type is registered under this name on the worker.
    #[error("no task named {0:?} is registered on the worker")]
    UnknownTask(String),
    /// The payload did not deserialise as the named task.
    #[error("the payload does not decode as task {name:?}: {detail}")]
    Undecodable {
        /// The task name.
        name: String,
        /// The decoder's message.
        detail: String,
    },
    /// The message lacks one of the headers every task carries (it was not published by a
    /// [`Producer`](crate::Producer)).
    #[error("the message lacks the {0:?} header")]
    MissingHeader(String),
    /// Delivered `max_deliver` times without an acknowledgement (every worker it landed on
    /// died or lost the server): reported by the producer, not a worker.
    #[error("delivered {0} times and never acknowledged (it may kill its workers)")]
    MaxDeliveries(u64),
}

/// Why a task produced no value: the `Err` side of [`RemoteHandle::join`](crate::RemoteHandle::join).
///
/// ```
/// use pool_distributed::{DeadLetterReason, TaskError};
/// let e = TaskError::DeadLettered(DeadLetterReason::UnknownTask("resize".into()));
/// assert!(e.is_dead_lettered());
/// assert!(e.to_string().contains("resize"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked on the worker; the worker lives on.
    #[error("task panicked on worker {worker}: {message}")]
    Panicked {
        /// The panic message (`"<non-string panic>"` for other payloads).
        message: String,
        /// The worker's name.
        worker: String,
    },
    /// The worker could not run the task and moved it to the dead-letter stream.
    #[error("task dead-lettered: {0}")]
    DeadLettered(DeadLetterReason),
    /// The worker's result did not decode as the task's output type (producer and worker
    /// disagree about the task), or the output did not serialise on the worker.
    #[error("task result unusable: {0}")]
    BadResult(String),
    /// The task will never report: its group failed fast and removed it from the queue, or
    /// the producer was closed before the result came.
    #[error("task was cancelled")]
    Cancelled,
}

impl TaskError {
    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, TaskError::Panicked { .. })
    }

    /// Whether the task was dead-lettered.
    pub fn is_dead_lettered(&self) -> bool {
        matches!(self, TaskError::DeadLettered(_))
    }

    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }
}
