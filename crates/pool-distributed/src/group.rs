//! A group of remote tasks under one error policy (`CollectAll` or `FailFast`).

use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};

use pool_core::{ErrorPolicy, GroupError};

use crate::error::{SubmitError, TaskError};
use crate::producer::Producer;
use crate::task::Task;
use crate::wire::Reply;

/// Tasks submitted together whose results are folded by an [`ErrorPolicy`] of pool-core:
/// [`CollectAll`](pool_core::CollectAll) waits for every task and returns every result in
/// submission order; [`FailFast`](pool_core::FailFast) returns at the first failure and
/// removes the group's tasks that no worker has acknowledged from the queue (their handles
/// read cancelled; one already running may still run, its reply is dropped).
///
/// A failure is any [`TaskError`] (panic, dead letter, bad result), reported as
/// `GroupError::Task`; a cancelled task is `GroupError::Failed` with pool-core's
/// cancelled `TaskError`, as in a local group.
///
/// ```no_run
/// use pool_core::FailFast;
/// use pool_distributed::{demo, NatsServer, Producer, QueueConfig, Registry, RemoteGroup, Worker};
/// let server = NatsServer::start()?;
/// let queue = QueueConfig::new("group");
/// let worker = Worker::new(queue.clone(), Registry::new().register::<demo::Square>()?)
///     .spawn(&server.url())?;
/// let producer = Producer::connect(&server.url(), queue)?;
/// let mut group = RemoteGroup::new(&producer, FailFast);
/// for x in 0..5 {
///     group.spawn(demo::Square { x })?;
/// }
/// assert_eq!(group.wait().unwrap(), vec![0, 1, 4, 9, 16]);
/// worker.stop();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RemoteGroup<'p, T: Task, P: ErrorPolicy> {
    producer: &'p Producer,
    batch: String,
    tx: Sender<(usize, Reply)>,
    rx: Receiver<(usize, Reply)>,
    ids: Vec<String>,
    _types: PhantomData<fn() -> (T, P)>,
}

/// Numbers groups within a process so each gets its own subject.
static NEXT_GROUP: AtomicU64 = AtomicU64::new(0);

impl<'p, T: Task, P: ErrorPolicy> RemoteGroup<'p, T, P> {
    /// An empty group submitting through `producer`.
    pub fn new(producer: &'p Producer, _policy: P) -> Self {
        let (tx, rx) = mpsc::channel();
        let n = NEXT_GROUP.fetch_add(1, Ordering::Relaxed);
        RemoteGroup {
            producer,
            batch: format!("{}.g{n}", producer.id()),
            tx,
            rx,
            ids: Vec::new(),
            _types: PhantomData,
        }
    }

    /// Submits a task to the group.
    ///
    /// # Errors
    /// As [`Producer::submit`]: the task comes back.
    pub fn spawn(&mut self, task: T) -> Result<(), SubmitError<T>> {
        let index = self.ids.len();
        let id = self
            .producer
            .submit_to(task, &self.batch, self.tx.clone(), index)?;
        self.ids.push(id);
        Ok(())
    }

    /// How many tasks were submitted.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether no task was submitted.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Waits for the group as the policy says and folds the results.
    pub fn wait(self) -> P::Output<T::Output, TaskError> {
        let RemoteGroup {
            producer,
            batch,
            tx,
            rx,
            ids,
            ..
        } = self;
        // Only the waiters' clones remain: the channel disconnects if the producer drops them.
        drop(tx);
        let mut results: Vec<Option<Result<T::Output, TaskError>>> =
            std::iter::repeat_with(|| None).take(ids.len()).collect();
        let mut first_failure = None;
        let mut missing = ids.len();
        while missing > 0 {
            let Ok((index, reply)) = rx.recv() else { break };
            let result = reply.into_result::<T::Output>();
            missing -= 1;
            let failed = result.is_err();
            results[index] = Some(result);
            if failed && first_failure.is_none() {
                first_failure = Some(index);
                if P::CANCEL_ON_FAILURE {
                    cancel(producer, &batch, &ids, &results);
                    break;
                }
            }
        }
        let results = results
            .into_iter()
            .map(|r| match r.unwrap_or(Err(TaskError::Cancelled)) {
                Ok(value) => Ok(value),
                Err(TaskError::Cancelled) => {
                    Err(GroupError::Failed(pool_core::TaskError::cancelled()))
                }
                Err(e) => Err(GroupError::Task(e)),
            })
            .collect();
        P::fold(results, first_failure)
    }
}

/// Removes the group's unacknowledged tasks from the queue and stops waiting for the ones
/// without a result.
fn cancel<O>(producer: &Producer, batch: &str, ids: &[String], results: &[Option<O>]) {
    let pending: Vec<String> = ids
        .iter()
        .zip(results)
        .filter(|(_, r)| r.is_none())
        .map(|(id, _)| id.clone())
        .collect();
    producer.shared().forget(&pending);
    let shared = producer.shared();
    let subject = shared.config.task_subject(batch);
    let stream = shared.config.tasks_stream();
    // Best effort: if the purge fails, the tasks still run and their replies are dropped.
    let _ = producer.runtime().block_on(async {
        let stream = shared.js.get_stream(stream).await?;
        stream
            .purge()
            .filter(subject)
            .await
            .map_err(crate::error::NatsError::from)
    });
}

impl<T: Task, P: ErrorPolicy> std::fmt::Debug for RemoteGroup<'_, T, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteGroup")
            .field("batch", &self.batch)
            .field("len", &self.ids.len())
            .finish()
    }
}
