//! The submitting side: publishes tasks to the work queue and routes replies to handles.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, message::PublishMessage as Publish};
use async_nats::HeaderMap;
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::runtime::Runtime;

use crate::error::{ConnectError, SubmitError, SubmitFailure};
use crate::handle::RemoteHandle;
use crate::queue::QueueConfig;
use crate::task::Task;
use crate::wire::{self, Outcome, Reply};

/// Where one pending task's reply goes: a channel and the task's index in its group.
struct Waiter {
    tx: Sender<(usize, Reply)>,
    index: usize,
}

/// Counts of what the producer saw; a snapshot is [`ProducerStats`].
#[derive(Default)]
struct Counters {
    submitted: AtomicU64,
    completed: AtomicU64,
    duplicates: AtomicU64,
    redelivered: AtomicU64,
    dead_lettered: AtomicU64,
    panicked: AtomicU64,
}

/// What a [`Producer`] has seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProducerStats {
    /// Tasks JetStream confirmed storing.
    pub submitted: u64,
    /// Tasks whose first reply came (each counted once).
    pub completed: u64,
    /// Replies for tasks already completed: the task ran again after a redelivery. They
    /// are dropped; this is the at-least-once delivery made visible.
    pub duplicates: u64,
    /// Completed tasks whose counted reply came from a second or later delivery.
    pub redelivered: u64,
    /// Completed tasks that a worker dead-lettered.
    pub dead_lettered: u64,
    /// Completed tasks that panicked on a worker.
    pub panicked: u64,
}

pub(crate) struct Shared {
    pub(crate) js: jetstream::Context,
    pub(crate) config: QueueConfig,
    pub(crate) id: String,
    next_task: AtomicU64,
    waiters: Mutex<HashMap<String, Waiter>>,
    /// Ids given up on by a failed-fast group: their late replies are not duplicates.
    abandoned: Mutex<HashSet<String>>,
    counters: Counters,
}

impl Shared {
    pub(crate) fn route(&self, reply: Reply) {
        let waiter = self
            .waiters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&reply.id);
        let Some(waiter) = waiter else {
            let abandoned = self
                .abandoned
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&reply.id);
            if !abandoned {
                self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
            }
            return;
        };
        let c = &self.counters;
        c.completed.fetch_add(1, Ordering::Relaxed);
        if reply.delivered > 1 {
            c.redelivered.fetch_add(1, Ordering::Relaxed);
        }
        match reply.outcome {
            Outcome::DeadLettered(_) => c.dead_lettered.fetch_add(1, Ordering::Relaxed),
            Outcome::Panicked(_) => c.panicked.fetch_add(1, Ordering::Relaxed),
            Outcome::Ok(_) | Outcome::Unencodable(_) => 0,
        };
        // The handle may be gone (detached): then the reply is dropped, as documented.
        let _ = waiter.tx.send((waiter.index, reply));
    }

    pub(crate) fn forget(&self, ids: &[String]) {
        let mut waiters = self.waiters.lock().unwrap_or_else(PoisonError::into_inner);
        let mut abandoned = self
            .abandoned
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            if waiters.remove(id).is_some() {
                abandoned.insert(id.clone());
            }
        }
    }
}

/// Connects to JetStream, submits typed tasks and hands back their results.
///
/// Blocking API over an internal tokio runtime: do not call it from inside an async task
/// (that would block the caller's runtime; dropping a `Producer` there panics).
///
/// ```no_run
/// use pool_distributed::{demo, NatsServer, Producer, QueueConfig, Registry, Worker};
/// let server = NatsServer::start()?;
/// let queue = QueueConfig::new("squares");
/// let registry = Registry::new().register::<demo::Square>()?;
/// let worker = Worker::new(queue.clone(), registry).spawn(&server.url())?;
/// let producer = Producer::connect(&server.url(), queue)?;
/// let handles: Vec<_> = (0..10).map(|x| producer.submit(demo::Square { x })).collect::<Result<_, _>>()?;
/// let squares: Vec<u64> = handles.into_iter().map(|h| h.join()).collect::<Result<_, _>>()?;
/// assert_eq!(squares[9], 81);
/// worker.stop();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Producer {
    shared: Arc<Shared>,
    listener: tokio::task::JoinHandle<()>,
    poison: tokio::task::JoinHandle<()>,
    // Declared last: dropped after the listener is aborted.
    rt: Runtime,
}

impl Producer {
    /// Connects to the server at `url`, creates the queue's streams and consumer if
    /// missing, and starts listening for this producer's replies.
    ///
    /// # Errors
    /// [`ConnectError::Config`] for bad settings (nothing is contacted);
    /// [`ConnectError::Unreachable`] when no server answers at `url` (a server down at
    /// start is reported here, within the client's 5 s connect timeout);
    /// [`ConnectError::JetStream`] when the streams or the consumer cannot be set up;
    /// [`ConnectError::Runtime`] when the internal runtime cannot start.
    pub fn connect(url: &str, config: QueueConfig) -> Result<Producer, ConnectError> {
        config.validate()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("pool-distributed-producer")
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let (shared, advisories) = rt.block_on(async {
            let client = crate::connect(url).await?;
            let js = jetstream::new(client.clone());
            config.ensure(&js, url).await?;
            let advisories = client
                .subscribe(crate::poison::subject(&config))
                .await
                .map_err(|e| ConnectError::JetStream {
                    url: url.to_owned(),
                    what: "max-deliveries advisories".into(),
                    source: Box::new(e),
                })?;
            let inbox = client.new_inbox();
            // The inbox's last token is a unique id: it names this producer's results.
            let id = inbox.rsplit('.').next().unwrap_or(&inbox).to_owned();
            let shared = Arc::new(Shared {
                js,
                config: config.clone(),
                id,
                next_task: AtomicU64::new(0),
                waiters: Mutex::default(),
                abandoned: Mutex::default(),
                counters: Counters::default(),
            });
            Ok::<_, ConnectError>((shared, advisories))
        })?;
        let subject = config.result_subject(&shared.id);
        let listener = rt.spawn(crate::replies::listen(Arc::clone(&shared), subject));
        let poison = rt.spawn(crate::poison::watch(Arc::clone(&shared), advisories));
        Ok(Producer {
            shared,
            listener,
            poison,
            rt,
        })
    }

    /// Submits one task and waits until JetStream confirms storing it (retrying for the
    /// queue's publish timeout, under the same message id, so a retry never queues it
    /// twice).
    ///
    /// # Errors
    /// [`SubmitError`] with the task: it did not serialise, or it was not confirmed in time.
    pub fn submit<T: Task>(&self, task: T) -> Result<RemoteHandle<T::Output>, SubmitError<T>> {
        let (tx, rx) = mpsc::channel();
        let id = self.submit_to(task, "default", tx, 0)?;
        Ok(RemoteHandle::new(id, rx))
    }

    /// Submits many tasks with their publishes in flight together (much faster than one
    /// [`Producer::submit`] after another), and returns one result per task, in order.
    ///
    /// # Errors
    /// Per task, as [`Producer::submit`].
    pub fn submit_all<T: Task>(
        &self,
        tasks: impl IntoIterator<Item = T>,
    ) -> Vec<Result<RemoteHandle<T::Output>, SubmitError<T>>> {
        let tasks: Vec<T> = tasks.into_iter().collect();
        let (prepared, receivers): (Vec<_>, Vec<_>) = tasks
            .iter()
            .map(|task| {
                let (tx, rx) = mpsc::channel();
                let prepared = self
                    .prepare(task, "default", tx, 0)
                    .map_err(SubmitFailure::Encode);
                (prepared, rx)
            })
            .unzip();
        let shared = &self.shared;
        let outcomes: Vec<Result<String, SubmitFailure>> = self.rt.block_on(
            futures_util::stream::iter(prepared.into_iter().map(|p| async move {
                let p = p?;
                match publish(shared, &p).await {
                    Ok(()) => Ok(p.id),
                    Err(reason) => {
                        shared.forget(std::slice::from_ref(&p.id));
                        Err(reason)
                    }
                }
            }))
            .buffered(PUBLISH_WINDOW)
            .collect(),
        );
        tasks
            .into_iter()
            .zip(receivers)
            .zip(outcomes)
            .map(|((task, rx), outcome)| match outcome {
                Ok(id) => Ok(RemoteHandle::new(id, rx)),
                Err(reason) => Err(SubmitError::new(task, reason)),
            })
            .collect()
    }

    /// Publishes `payload` as a task named `name` without checking either: for producers in
    /// other languages' shoes, and to see what workers do with bad input. The reply is
    /// returned as raw JSON.
    ///
    /// # Errors
    /// [`SubmitFailure::Publish`] (the payload comes back) when JetStream does not
    /// confirm it in time.
    pub fn submit_raw(
        &self,
        name: &str,
        payload: Vec<u8>,
    ) -> Result<RemoteHandle<serde_json::Value>, SubmitError<Vec<u8>>> {
        let (tx, rx) = mpsc::channel();
        let prepared = self.register(name, Bytes::from(payload), "default", tx, 0);
        match self.rt.block_on(publish(&self.shared, &prepared)) {
            Ok(()) => Ok(RemoteHandle::new(prepared.id, rx)),
            Err(reason) => {
                self.shared.forget(std::slice::from_ref(&prepared.id));
                Err(SubmitError::new(prepared.payload.to_vec(), reason))
            }
        }
    }

    /// A snapshot of the counts.
    pub fn stats(&self) -> ProducerStats {
        let c = &self.shared.counters;
        ProducerStats {
            submitted: c.submitted.load(Ordering::Relaxed),
            completed: c.completed.load(Ordering::Relaxed),
            duplicates: c.duplicates.load(Ordering::Relaxed),
            redelivered: c.redelivered.load(Ordering::Relaxed),
            dead_lettered: c.dead_lettered.load(Ordering::Relaxed),
            panicked: c.panicked.load(Ordering::Relaxed),
        }
    }

    /// This producer's unique id (its results subject's last token).
    pub fn id(&self) -> &str {
        &self.shared.id
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn runtime(&self) -> &Runtime {
        &self.rt
    }

    /// Submits `task` on subject batch `batch`, its reply going to `tx` tagged `index`.
    pub(crate) fn submit_to<T: Task>(
        &self,
        task: T,
        batch: &str,
        tx: Sender<(usize, Reply)>,
        index: usize,
    ) -> Result<String, SubmitError<T>> {
        let prepared = match self.prepare(&task, batch, tx, index) {
            Ok(prepared) => prepared,
            Err(e) => return Err(SubmitError::new(task, SubmitFailure::Encode(e))),
        };
        match self.rt.block_on(publish(&self.shared, &prepared)) {
            Ok(()) => Ok(prepared.id),
            Err(reason) => {
                self.shared.forget(std::slice::from_ref(&prepared.id));
                Err(SubmitError::new(task, reason))
            }
        }
    }

    fn prepare<T: Task>(
        &self,
        task: &T,
        batch: &str,
        tx: Sender<(usize, Reply)>,
        index: usize,
    ) -> Result<Prepared, serde_json::Error> {
        let payload = serde_json::to_vec(task)?;
        Ok(self.register(T::NAME, Bytes::from(payload), batch, tx, index))
    }

    /// Gives the task an id and registers its waiter, before publishing: a fast worker's
    /// reply must find it.
    fn register(
        &self,
        name: &str,
        payload: Bytes,
        batch: &str,
        tx: Sender<(usize, Reply)>,
        index: usize,
    ) -> Prepared {
        let shared = &self.shared;
        let n = shared.next_task.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}.{n}", shared.id);
        shared
            .waiters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.clone(), Waiter { tx, index });
        let mut headers = HeaderMap::new();
        headers.insert(wire::TASK_ID, id.as_str());
        headers.insert(wire::TASK_NAME, name);
        headers.insert(
            wire::REPLY_TO,
            shared.config.result_subject(&shared.id).as_str(),
        );
        Prepared {
            subject: shared.config.task_subject(batch),
            id,
            headers,
            payload,
        }
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        self.listener.abort();
        self.poison.abort();
    }
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("id", &self.shared.id)
            .field("stats", &self.stats())
            .finish()
    }
}

/// How many publishes `submit_all` keeps awaiting their confirmation at once.
const PUBLISH_WINDOW: usize = 256;

pub(crate) struct Prepared {
    subject: String,
    pub(crate) id: String,
    headers: HeaderMap,
    payload: Bytes,
}

/// Publishes until JetStream confirms, for at most the queue's publish timeout.
pub(crate) async fn publish(shared: &Shared, p: &Prepared) -> Result<(), SubmitFailure> {
    let timeout = shared.config.publish_timeout_value();
    let started = Instant::now();
    loop {
        let attempt = async {
            let message = Publish::build()
                .payload(p.payload.clone())
                .headers(p.headers.clone())
                .message_id(&p.id);
            shared
                .js
                .send_publish(p.subject.clone(), message)
                .await?
                .await
                .map_err(crate::error::NatsError::from)
        };
        match attempt.await {
            Ok(_) => {
                shared.counters.submitted.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            Err(source) if started.elapsed() >= timeout => {
                return Err(SubmitFailure::Publish {
                    waited: started.elapsed(),
                    source,
                })
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
