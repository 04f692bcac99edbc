//! The submitter's side of one remote task: waits for its reply.

use std::marker::PhantomData;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::TaskError;
use crate::wire::Reply;

/// Waits for one remote task's result, like `pool_core::JoinHandle` for a local one.
///
/// The first reply for the task's id completes the handle; a second one (the task ran
/// again after a redelivery) is counted by the producer and dropped. Dropping the handle
/// detaches the task: it still runs, and its result is dropped.
///
/// ```no_run
/// # use pool_distributed::{demo, NatsServer, Producer, QueueConfig};
/// # let server = NatsServer::start()?;
/// let producer = Producer::connect(&server.url(), QueueConfig::new("doc"))?;
/// let handle = producer.submit(demo::Square { x: 12 })?;
/// assert_eq!(handle.join()?, 144);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RemoteHandle<T> {
    id: String,
    rx: Receiver<(usize, Reply)>,
    _output: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> RemoteHandle<T> {
    pub(crate) fn new(id: String, rx: Receiver<(usize, Reply)>) -> RemoteHandle<T> {
        RemoteHandle {
            id,
            rx,
            _output: PhantomData,
        }
    }

    /// The task's id (also its JetStream message id).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Blocks until the task's reply comes and returns its value.
    ///
    /// # Errors
    /// The task's [`TaskError`]: it panicked on a worker, was dead-lettered, its result
    /// did not decode, or it was cancelled (the producer was dropped first).
    pub fn join(self) -> Result<T, TaskError> {
        match self.rx.recv() {
            Ok((_, reply)) => reply.into_result(),
            Err(_) => Err(TaskError::Cancelled),
        }
    }

    /// Like [`RemoteHandle::join`], giving up after `timeout`.
    ///
    /// # Errors
    /// `Err(self)` if no reply came in time, so the caller can wait again.
    pub fn join_timeout(self, timeout: Duration) -> Result<Result<T, TaskError>, RemoteHandle<T>> {
        match self.rx.recv_timeout(timeout) {
            Ok((_, reply)) => Ok(reply.into_result()),
            Err(RecvTimeoutError::Disconnected) => Ok(Err(TaskError::Cancelled)),
            Err(RecvTimeoutError::Timeout) => Err(self),
        }
    }

    /// Whether the reply has come (`join` would not block). It consumes nothing: the
    /// reply stays for `join`.
    pub fn is_finished(&mut self) -> bool {
        match self.rx.try_recv() {
            Ok(reply) => {
                // Put it back in a fresh channel so `join` still finds it.
                let (tx, rx) = std::sync::mpsc::channel();
                let _ = tx.send(reply);
                self.rx = rx;
                true
            }
            Err(TryRecvError::Disconnected) => true,
            Err(TryRecvError::Empty) => false,
        }
    }
}

impl<T> std::fmt::Debug for RemoteHandle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteHandle")
            .field("id", &self.id)
            .finish()
    }
}
