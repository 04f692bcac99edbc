//! The executing side: pulls tasks, runs them, replies, then acknowledges.
//!
//! Per task, in this order (the order is the at-least-once argument):
//! 1. pull the message (it now counts against `max_ack_pending`);
//! 2. run it on a blocking thread, sending "in progress" every third of `ack_wait` so a
//!    long task is not redelivered while it runs; an unknown name or an undecodable payload
//!    is not run but copied to the dead-letter stream;
//! 3. publish the reply to the producer's results subject and wait for JetStream to store
//!    it (message id `r.<task id>`, so a second copy inside the duplicate window is dropped);
//! 4. acknowledge the task and wait for the server to confirm (work-queue retention then
//!    deletes it).
//!
//! A worker that dies anywhere before 4 leaves the task unacknowledged: JetStream
//! redelivers it after `ack_wait`, and the task runs again. So every task runs at least
//! once; the producer counts the first reply and drops the rest.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer, message::PublishMessage as Publish, AckKind};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::error::{ConfigError, ConnectError, DeadLetterReason};
use crate::queue::QueueConfig;
use crate::task::Registry;
use crate::wire::{self, Outcome, Reply};

/// A worker: a registry of task types, the queue to pull from, and how many tasks it runs
/// at once.
///
/// ```no_run
/// use pool_distributed::{demo, NatsServer, QueueConfig, Worker};
/// let server = NatsServer::start()?;
/// let worker = Worker::new(QueueConfig::new("jobs"), demo::registry())
///     .concurrency(8)
///     .name("worker-a")
///     .spawn(&server.url())?;
/// let stats = worker.stop();
/// assert_eq!(stats.executed, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Worker {
    queue: QueueConfig,
    registry: Arc<Registry>,
    concurrency: usize,
    name: String,
}

/// What a worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Tasks run that returned a value.
    pub executed: u64,
    /// Tasks run that panicked (the worker went on).
    pub panicked: u64,
    /// Tasks moved to the dead-letter stream.
    pub dead_lettered: u64,
    /// Tasks received on a second or later delivery.
    pub redelivered: u64,
    /// Tasks left unacknowledged because the reply or the ack failed (JetStream will
    /// redeliver them).
    pub unacked: u64,
    /// The most tasks this worker ran at once.
    pub max_running: usize,
}

#[derive(Default)]
struct Counters {
    executed: AtomicU64,
    panicked: AtomicU64,
    dead_lettered: AtomicU64,
    redelivered: AtomicU64,
    unacked: AtomicU64,
    running: AtomicUsize,
    max_running: AtomicUsize,
}

impl Counters {
    fn snapshot(&self) -> WorkerStats {
        WorkerStats {
            executed: self.executed.load(Ordering::Relaxed),
            panicked: self.panicked.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
            redelivered: self.redelivered.load(Ordering::Relaxed),
            unacked: self.unacked.load(Ordering::Relaxed),
            max_running: self.max_running.load(Ordering::Relaxed),
        }
    }
}

impl Worker {
    /// A worker for `queue` running the task types of `registry`, 16 at a time, named
    /// after its process id.
    pub fn new(queue: QueueConfig, registry: Registry) -> Worker {
        Worker {
            queue,
            registry: Arc::new(registry),
            concurrency: 16,
            name: format!("worker-{}", std::process::id()),
        }
    }

    /// How many tasks this worker runs at once (each on its own blocking thread).
    pub fn concurrency(mut self, n: usize) -> Worker {
        self.concurrency = n;
        self
    }

    /// The name reported in replies (in [`TaskError::Panicked`](crate::TaskError::Panicked)).
    pub fn name(mut self, name: impl Into<String>) -> Worker {
        self.name = name.into();
        self
    }

    /// Connects and serves on the calling thread until the process ends.
    ///
    /// # Errors
    /// As [`Worker::spawn`].
    pub fn run(self, url: &str) -> Result<(), ConnectError> {
        let running = self.spawn(url)?;
        running.thread.join().ok();
        Ok(())
    }

    /// Connects, then serves on a thread of its own until [`RunningWorker::stop`].
    ///
    /// # Errors
    /// [`ConnectError::Config`] (zero concurrency, bad queue settings),
    /// [`ConnectError::Unreachable`], [`ConnectError::JetStream`] or
    /// [`ConnectError::Runtime`], as for [`Producer::connect`](crate::Producer::connect).
    pub fn spawn(self, url: &str) -> Result<RunningWorker, ConnectError> {
        self.queue.validate()?;
        if self.concurrency == 0 {
            return Err(ConfigError::ZeroConcurrency.into());
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(self.concurrency)
            .thread_name("pool-distributed-worker")
            .enable_all()
            .build()
            .map_err(ConnectError::Runtime)?;
        let consumer = rt.block_on(async {
            let client = crate::connect(url).await?;
            let js = jetstream::new(client);
            self.queue.ensure(&js, url).await.map(|c| (js, c))
        })?;
        let counters = Arc::new(Counters::default());
        let (stop_tx, stop_rx) = watch::channel(false);
        let serving = Arc::clone(&counters);
        let thread = std::thread::Builder::new()
            .name(format!("{}-main", self.name))
            .spawn(move || rt.block_on(self.serve(consumer.0, consumer.1, serving, stop_rx)))
            .map_err(ConnectError::Runtime)?;
        Ok(RunningWorker {
            thread,
            stop: stop_tx,
            counters,
        })
    }

    async fn serve(
        self,
        js: jetstream::Context,
        consumer: consumer::Consumer<consumer::pull::Config>,
        counters: Arc<Counters>,
        mut stop: watch::Receiver<bool>,
    ) {
        let slots = Arc::new(Semaphore::new(self.concurrency));
        // Every task's handler, until it has replied and acked.
        let mut handlers = JoinSet::new();
        let this = Arc::new(self);
        'serve: while !*stop.borrow() {
            let stream = consumer
                .stream()
                .max_messages_per_batch(this.concurrency)
                .heartbeat(Duration::from_secs(2))
                .expires(Duration::from_secs(5))
                .messages()
                .await;
            let Ok(mut messages) = stream else {
                // The server is away (a restart): try again shortly.
                tokio::select! {
                    _ = stop.changed() => break 'serve,
                    () = tokio::time::sleep(Duration::from_millis(200)) => continue 'serve,
                }
            };
            loop {
                let slot = tokio::select! {
                    _ = stop.changed() => break 'serve,
                    slot = Arc::clone(&slots).acquire_owned() => slot,
                };
                let Ok(slot) = slot else { break 'serve };
                let next = tokio::select! {
                    _ = stop.changed() => break 'serve,
                    next = messages.next() => next,
                };
                match next {
                    Some(Ok(message)) => {
                        let this = Arc::clone(&this);
                        let js = js.clone();
                        let counters = Arc::clone(&counters);
                        handlers.spawn(async move {
                            this.handle(&js, message, slot, &counters).await;
                        });
                        while handlers.try_join_next().is_some() {}
                    }
                    // Missed heartbeats and the like: the stream recovers or ends.
                    Some(Err(_)) => continue,
                    None => continue 'serve,
                }
            }
        }
        // Let the running tasks finish, reply and ack.
        while handlers.join_next().await.is_some() {}
    }

    /// Runs one task in `slot`, freed as soon as the task returns: the reply and the ack
    /// then proceed while the slot runs the next task (they stay bounded by
    /// `max_ack_pending`, since the task stays unacknowledged until then).
    async fn handle(
        &self,
        js: &jetstream::Context,
        message: jetstream::Message,
        slot: OwnedSemaphorePermit,
        c: &Counters,
    ) {
        let delivered = message.info().map(|i| i.delivered).unwrap_or(1);
        if delivered > 1 {
            c.redelivered.fetch_add(1, Ordering::Relaxed);
        }
        let headers = message.headers.clone().unwrap_or_default();
        let header = |name: &str| headers.get(name).map(|v| v.as_str().to_owned());
        let (Some(id), Some(reply_to), Some(name)) = (
            header(wire::TASK_ID),
            header(wire::REPLY_TO),
            header(wire::TASK_NAME),
        ) else {
            let missing = [wire::TASK_ID, wire::REPLY_TO, wire::TASK_NAME]
                .into_iter()
                .find(|h| headers.get(*h).is_none())
                .unwrap_or(wire::TASK_ID);
            drop(slot);
            let reason = DeadLetterReason::MissingHeader(missing.to_owned());
            // Nobody to reply to: the dead letter is the report.
            let stored = self
                .dead_letter(js, &message, "unnamed", &missing_id(&message), &reason)
                .await;
            c.dead_lettered.fetch_add(1, Ordering::Relaxed);
            self.finish(&message, stored, c).await;
            return;
        };
        let outcome = self.execute(&message, name.clone(), c).await;
        drop(slot);
        let mut stored = true;
        match &outcome {
            Outcome::Ok(_) => c.executed.fetch_add(1, Ordering::Relaxed),
            Outcome::Panicked(_) | Outcome::Unencodable(_) => {
                c.panicked.fetch_add(1, Ordering::Relaxed)
            }
            Outcome::DeadLettered(reason) => {
                stored = self.dead_letter(js, &message, &name, &id, reason).await;
                c.dead_lettered.fetch_add(1, Ordering::Relaxed)
            }
        };
        let reply = Reply {
            id: id.clone(),
            outcome,
            delivered: u64::try_from(delivered).unwrap_or(1),
            worker: self.name.clone(),
        };
        let payload = serde_json::to_vec(&reply).map(Bytes::from);
        let replied = match payload {
            Ok(payload) => {
                let message = Publish::build()
                    .payload(payload)
                    .message_id(format!("r.{id}"));
                self.store(js, reply_to, message).await
            }
            Err(_) => false,
        };
        self.finish(&message, stored && replied, c).await;
    }

    /// Runs the task on a blocking thread, telling the server it is in progress meanwhile.
    async fn execute(&self, message: &jetstream::Message, name: String, c: &Counters) -> Outcome {
        let running = c.running.fetch_add(1, Ordering::Relaxed) + 1;
        c.max_running.fetch_max(running, Ordering::Relaxed);
        let registry = Arc::clone(&self.registry);
        let payload = message.payload.clone();
        let mut job = tokio::task::spawn_blocking(move || registry.run(&name, &payload));
        // The first tick a period from now: an interval's immediate first tick still goes
        // through the timer, which costs up to a millisecond per task.
        let period = self.queue.ack_wait_value() / 3;
        let mut progress = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let outcome = loop {
            tokio::select! {
                joined = &mut job => break joined.unwrap_or_else(|e| Outcome::Panicked(e.to_string())),
                _ = progress.tick() => {
                    // A lost progress ack only risks a redelivery, which is allowed.
                    let _ = message.ack_with(AckKind::Progress).await;
                }
            }
        };
        c.running.fetch_sub(1, Ordering::Relaxed);
        outcome
    }

    /// Copies the task to the dead-letter stream with the reason in a header.
    async fn dead_letter(
        &self,
        js: &jetstream::Context,
        message: &jetstream::Message,
        name: &str,
        id: &str,
        reason: &DeadLetterReason,
    ) -> bool {
        let mut headers = message.headers.clone().unwrap_or_default();
        headers.insert(wire::DEAD_REASON, reason.to_string().as_str());
        let dead = Publish::build()
            .payload(message.payload.clone())
            .headers(headers)
            .message_id(format!("d.{id}"));
        self.store(js, self.queue.dead_subject(name), dead).await
    }

    /// Publishes until JetStream confirms or the queue's publish timeout passes.
    async fn store(&self, js: &jetstream::Context, subject: String, message: Publish) -> bool {
        let started = Instant::now();
        while started.elapsed() < self.queue.publish_timeout_value() {
            let attempt = async {
                js.send_publish(subject.clone(), message.clone())
                    .await?
                    .await
                    .map_err(crate::error::NatsError::from)
            };
            if attempt.await.is_ok() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Acknowledges a task whose outcome is stored; leaves it for redelivery otherwise.
    async fn finish(&self, message: &jetstream::Message, stored: bool, c: &Counters) {
        if !(stored && message.double_ack().await.is_ok()) {
            c.unacked.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// An id for a message that lacks the task-id header: its stream sequence.
fn missing_id(message: &jetstream::Message) -> String {
    message
        .info()
        .map(|i| format!("seq{}", i.stream_sequence))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// A worker serving on its own thread.
#[derive(Debug)]
pub struct RunningWorker {
    thread: std::thread::JoinHandle<()>,
    stop: watch::Sender<bool>,
    counters: Arc<Counters>,
}

impl RunningWorker {
    /// What the worker did so far.
    pub fn stats(&self) -> WorkerStats {
        self.counters.snapshot()
    }

    /// Stops pulling, lets the running tasks finish, reply and be acknowledged, and
    /// returns the counts. Tasks the client had pulled but not started go back to the
    /// queue after `ack_wait`.
    pub fn stop(self) -> WorkerStats {
        let _ = self.stop.send(true);
        // A panic of the serving thread would be ours, not a task's; its counts stand.
        let _ = self.thread.join();
        self.counters.snapshot()
    }
}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.snapshot().fmt(f)
    }
}
