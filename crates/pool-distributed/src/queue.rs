//! The queue's layout on JetStream: three streams and one consumer, named from a prefix.
//!
//! - `<prefix>_tasks`, subjects `<prefix>.tasks.>`, work-queue retention: a task leaves the
//!   stream when a worker acknowledges it. File storage, so a server restart keeps it.
//! - the durable pull consumer `workers` on it: explicit acks, `ack_wait`, `max_deliver`,
//!   and `max_ack_pending`, the bound on tasks delivered and not yet acknowledged across
//!   all workers (the backpressure).
//! - `<prefix>_results`, subjects `<prefix>.results.<producer>`: the replies, kept for
//!   `result_ttl`, deduplicated by task id inside `duplicate_window`.
//! - `<prefix>_dead`, subjects `<prefix>.dead.<task name>`: tasks a worker could not run.

use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};

use crate::error::{ConfigError, ConnectError};

/// Where the queue lives and how it delivers. Producer and workers must use the same one.
///
/// ```
/// use std::time::Duration;
/// use pool_distributed::QueueConfig;
/// let config = QueueConfig::new("crawl").max_ack_pending(64).ack_wait(Duration::from_secs(10));
/// assert!(config.validate().is_ok());
/// assert!(QueueConfig::new("no.dots").validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    prefix: String,
    max_ack_pending: u32,
    ack_wait: Duration,
    max_deliver: u32,
    duplicate_window: Duration,
    result_ttl: Duration,
    publish_timeout: Duration,
}

impl QueueConfig {
    /// The defaults under `prefix`: 256 tasks in flight, 30 s ack wait, 10 deliveries,
    /// 2 min duplicate window, results kept 1 h, submissions retried for 30 s.
    pub fn new(prefix: impl Into<String>) -> QueueConfig {
        QueueConfig {
            prefix: prefix.into(),
            max_ack_pending: 256,
            ack_wait: Duration::from_secs(30),
            max_deliver: 10,
            duplicate_window: Duration::from_secs(120),
            result_ttl: Duration::from_secs(3600),
            publish_timeout: Duration::from_secs(30),
        }
    }

    /// The most tasks delivered to workers and not yet acknowledged, over all workers.
    pub fn max_ack_pending(mut self, n: u32) -> QueueConfig {
        self.max_ack_pending = n;
        self
    }

    /// How long a delivered task may stay unacknowledged before JetStream redelivers it.
    /// A worker running a longer task extends it (it sends progress every third of it).
    pub fn ack_wait(mut self, wait: Duration) -> QueueConfig {
        self.ack_wait = wait;
        self
    }

    /// How many times a task is delivered at most (a task that kills every worker stops
    /// after this many).
    pub fn max_deliver(mut self, n: u32) -> QueueConfig {
        self.max_deliver = n;
        self
    }

    /// How long JetStream remembers message ids to drop republished copies.
    pub fn duplicate_window(mut self, window: Duration) -> QueueConfig {
        self.duplicate_window = window;
        self
    }

    /// How long results stay in the results stream.
    pub fn result_ttl(mut self, ttl: Duration) -> QueueConfig {
        self.result_ttl = ttl;
        self
    }

    /// How long a submission keeps retrying while JetStream does not confirm it (for
    /// example across a server restart).
    pub fn publish_timeout(mut self, timeout: Duration) -> QueueConfig {
        self.publish_timeout = timeout;
        self
    }

    /// The configured in-flight bound.
    pub fn max_ack_pending_value(&self) -> u32 {
        self.max_ack_pending
    }

    /// The configured ack wait.
    pub fn ack_wait_value(&self) -> Duration {
        self.ack_wait
    }

    /// The configured publish timeout.
    pub fn publish_timeout_value(&self) -> Duration {
        self.publish_timeout
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Checks the settings.
    ///
    /// # Errors
    /// [`ConfigError::BadPrefix`], [`ConfigError::ZeroMaxAckPending`],
    /// [`ConfigError::ZeroAckWait`] or [`ConfigError::ZeroMaxDeliver`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        let prefix_ok = !self.prefix.is_empty()
            && self
                .prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !prefix_ok {
            return Err(ConfigError::BadPrefix(self.prefix.clone()));
        }
        if self.max_ack_pending == 0 {
            return Err(ConfigError::ZeroMaxAckPending);
        }
        if self.ack_wait.is_zero() {
            return Err(ConfigError::ZeroAckWait);
        }
        if self.max_deliver == 0 {
            return Err(ConfigError::ZeroMaxDeliver);
        }
        Ok(())
    }

    /// The tasks stream's name.
    pub fn tasks_stream(&self) -> String {
        format!("{}_tasks", self.prefix)
    }

    /// The results stream's name.
    pub fn results_stream(&self) -> String {
        format!("{}_results", self.prefix)
    }

    /// The dead-letter stream's name.
    pub fn dead_stream(&self) -> String {
        format!("{}_dead", self.prefix)
    }

    /// The durable consumer's name.
    pub const CONSUMER: &'static str = "workers";

    pub(crate) fn task_subject(&self, batch: &str) -> String {
        format!("{}.tasks.{batch}", self.prefix)
    }

    pub(crate) fn result_subject(&self, producer: &str) -> String {
        format!("{}.results.{producer}", self.prefix)
    }

    pub(crate) fn dead_subject(&self, name: &str) -> String {
        // Subject tokens may not hold '.', '*', '>' or spaces; a task name could.
        let token: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let token = if token.is_empty() { "_".into() } else { token };
        format!("{}.dead.{token}", self.prefix)
    }

    /// Creates the streams and the consumer if missing, and returns the consumer. An
    /// existing stream or consumer is kept as it is: the first producer or worker to
    /// connect sets `max_ack_pending`, `ack_wait` and `max_deliver` for everyone (to change
    /// them, delete the consumer or use a new prefix).
    pub(crate) async fn ensure(
        &self,
        js: &jetstream::Context,
        url: &str,
    ) -> Result<consumer::Consumer<consumer::pull::Config>, ConnectError> {
        let setup_err = |what: String| {
            let url = url.to_owned();
            move |e: Box<dyn std::error::Error + Send + Sync>| ConnectError::JetStream {
                url,
                what,
                source: e,
            }
        };
        let tasks = js
            .get_or_create_stream(stream::Config {
                name: self.tasks_stream(),
                subjects: vec![format!("{}.tasks.>", self.prefix)],
                retention: stream::RetentionPolicy::WorkQueue,
                storage: stream::StorageType::File,
                duplicate_window: self.duplicate_window,
                ..Default::default()
            })
            .await
            .map_err(|e| setup_err(self.tasks_stream())(e.into()))?;
        for (name, subjects, max_age) in [
            (
                self.results_stream(),
                format!("{}.results.>", self.prefix),
                self.result_ttl,
            ),
            (
                self.dead_stream(),
                format!("{}.dead.>", self.prefix),
                Duration::ZERO,
            ),
        ] {
            js.get_or_create_stream(stream::Config {
                name: name.clone(),
                subjects: vec![subjects],
                storage: stream::StorageType::File,
                // JetStream refuses a duplicate window longer than a non-zero max age.
                duplicate_window: if max_age.is_zero() {
                    self.duplicate_window
                } else {
                    self.duplicate_window.min(max_age)
                },
                max_age,
                ..Default::default()
            })
            .await
            .map_err(|e| setup_err(name.clone())(e.into()))?;
        }
        tasks
            .get_or_create_consumer(
                Self::CONSUMER,
                consumer::pull::Config {
                    durable_name: Some(Self::CONSUMER.to_owned()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: self.ack_wait,
                    max_deliver: i64::from(self.max_deliver),
                    max_ack_pending: i64::from(self.max_ack_pending),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| setup_err(format!("consumer {}", Self::CONSUMER))(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_settings_are_errors() {
        let c = QueueConfig::new("q");
        assert_eq!(
            c.clone().max_ack_pending(0).validate(),
            Err(ConfigError::ZeroMaxAckPending)
        );
        assert_eq!(
            c.clone().ack_wait(Duration::ZERO).validate(),
            Err(ConfigError::ZeroAckWait)
        );
        assert_eq!(
            c.max_deliver(0).validate(),
            Err(ConfigError::ZeroMaxDeliver)
        );
    }

    #[test]
    fn prefix_must_be_one_subject_token() {
        for bad in ["", "a.b", "a*", "a b", "a>"] {
            assert!(QueueConfig::new(bad).validate().is_err(), "{bad:?}");
        }
        assert!(QueueConfig::new("jobs-2_x").validate().is_ok());
    }

    #[test]
    fn dead_subject_is_one_token() {
        assert_eq!(
            QueueConfig::new("q").dead_subject("a.b *>"),
            "q.dead.a_b___"
        );
        assert_eq!(QueueConfig::new("q").dead_subject(""), "q.dead._");
    }
}
