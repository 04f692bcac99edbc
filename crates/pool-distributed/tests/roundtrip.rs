//! Results come back typed; panics are reported and the worker lives on; the error
//! policies fold a group as in a local pool.

mod common;

use common::with_server;
use pool_core::{CollectAll, FailFast, GroupError};
use std::time::Duration;

use pool_distributed::{
    demo, Producer, QueueConfig, Registry, RemoteGroup, Task, TaskError, Worker,
};
use serde::{Deserialize, Serialize};

#[test]
fn results_come_back_typed_and_in_order() {
    with_server("results_come_back_typed_and_in_order", move |url, _| {
        let queue = QueueConfig::new("roundtrip");
        let worker = Worker::new(queue.clone(), demo::registry())
            .spawn(&url)
            .unwrap();
        let producer = Producer::connect(&url, queue).unwrap();
        let one = producer.submit(demo::Square { x: 12 }).unwrap();
        assert_eq!(one.join().unwrap(), 144);
        let handles = producer.submit_all((0..500).map(|x| demo::Square { x }));
        let squares: Vec<u64> = handles
            .into_iter()
            .map(|h| h.unwrap().join().unwrap())
            .collect();
        assert_eq!(squares, (0..500u64).map(|x| x * x).collect::<Vec<_>>());
        let stats = producer.stats();
        assert_eq!(
            (stats.submitted, stats.completed, stats.duplicates),
            (501, 501, 0)
        );
        assert_eq!(worker.stop().executed, 501);
    });
}

#[test]
fn panicking_task_is_reported_and_the_worker_lives_on() {
    with_server("panicking_task_is_reported", move |url, _| {
        let queue = QueueConfig::new("panics");
        let worker = Worker::new(queue.clone(), demo::registry())
            .concurrency(1)
            .name("w1")
            .spawn(&url)
            .unwrap();
        let producer = Producer::connect(&url, queue).unwrap();
        let failed = producer
            .submit(demo::Fail {
                message: "boom".into(),
            })
            .unwrap();
        assert_eq!(
            failed.join(),
            Err(TaskError::Panicked {
                message: "boom".into(),
                worker: "w1".into()
            })
        );
        // Same single slot: the worker survived the panic.
        assert_eq!(
            producer.submit(demo::Square { x: 3 }).unwrap().join(),
            Ok(9)
        );
        let stats = worker.stop();
        assert_eq!((stats.panicked, stats.executed), (1, 1));
        assert_eq!(producer.stats().panicked, 1);
    });
}

#[test]
fn collect_all_returns_every_result_in_order() {
    with_server("collect_all", move |url, _| {
        let queue = QueueConfig::new("collect");
        let worker = Worker::new(queue.clone(), demo::registry())
            .spawn(&url)
            .unwrap();
        let producer = Producer::connect(&url, queue).unwrap();
        let mut group = RemoteGroup::new(&producer, CollectAll);
        for x in 0..20 {
            group.spawn(demo::Square { x }).unwrap();
        }
        let results = group.wait();
        assert_eq!(results.len(), 20);
        for (x, r) in results.into_iter().enumerate() {
            assert_eq!(r.unwrap(), (x * x) as u64);
        }
        worker.stop();
    });
}

/// Sleeps, or panics when told to: one type, so one group can hold both.
#[derive(Serialize, Deserialize)]
struct Step {
    fail: bool,
    millis: u64,
}

impl Task for Step {
    const NAME: &'static str = "step";
    type Output = u64;
    fn work(self) -> u64 {
        assert!(!self.fail, "step failed");
        std::thread::sleep(Duration::from_millis(self.millis));
        self.millis
    }
}

#[test]
fn fail_fast_returns_the_failure_and_cancels_the_queued_rest() {
    with_server("fail_fast", move |url, _| {
        let queue = QueueConfig::new("failfast");
        let producer = Producer::connect(&url, queue.clone()).unwrap();
        let mut group = RemoteGroup::new(&producer, FailFast);
        group
            .spawn(Step {
                fail: true,
                millis: 0,
            })
            .unwrap();
        for _ in 0..40 {
            group
                .spawn(Step {
                    fail: false,
                    millis: 50,
                })
                .unwrap();
        }
        // One slot: the failure comes first, the rest wait in the queue behind it.
        let worker = Worker::new(queue, Registry::new().register::<Step>().unwrap())
            .concurrency(1)
            .spawn(&url)
            .unwrap();
        match group.wait() {
            Err(GroupError::Task(TaskError::Panicked { message, .. })) => {
                assert_eq!(message, "step failed")
            }
            other => panic!("expected the panic, got {other:?}"),
        }
        // The queued steps were removed: the worker finds nothing more to run.
        std::thread::sleep(Duration::from_millis(500));
        let stats = worker.stop();
        assert_eq!(stats.panicked, 1);
        assert!(
            stats.executed <= 5,
            "{} of 40 cancelled steps ran",
            stats.executed
        );
    });
}
