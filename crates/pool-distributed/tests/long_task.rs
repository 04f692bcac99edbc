//! A task running longer than the ack wait is not redelivered: its worker reports progress
//! while it runs.

mod common;

use std::time::Duration;

use common::with_server;
use pool_distributed::{demo, Producer, QueueConfig, Worker};

#[test]
fn task_longer_than_ack_wait_runs_once() {
    with_server("task_longer_than_ack_wait_runs_once", move |url, _| {
        let queue = QueueConfig::new("long").ack_wait(Duration::from_millis(600));
        let producer = Producer::connect(&url, queue.clone()).unwrap();
        // Two idle workers: a redelivery would have somewhere to go.
        let workers: Vec<_> = (0..2)
            .map(|_| {
                Worker::new(queue.clone(), demo::registry())
                    .concurrency(1)
                    .spawn(&url)
                    .unwrap()
            })
            .collect();
        let long = producer
            .submit(demo::Sleep {
                tag: 7,
                micros: 2_000_000,
            })
            .unwrap();
        assert_eq!(long.join(), Ok(7));
        let stats: Vec<_> = workers.into_iter().map(|w| w.stop()).collect();
        let executed: u64 = stats.iter().map(|s| s.executed).sum();
        let redelivered: u64 = stats.iter().map(|s| s.redelivered).sum();
        assert_eq!((executed, redelivered), (1, 0), "{stats:?}");
        assert_eq!(producer.stats().duplicates, 0);
    });
}
