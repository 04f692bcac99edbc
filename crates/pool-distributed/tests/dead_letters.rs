//! Bad task payloads (an unknown task name, an undecodable payload) are dead-lettered and
//! reported to their handles; the worker never crashes and goes on with good tasks.

mod common;

use common::with_server;
use pool_distributed::{demo, DeadLetterReason, Producer, QueueConfig, TaskError, Worker};

#[test]
fn bad_payloads_are_dead_lettered_and_reported() {
    with_server(
        "bad_payloads_are_dead_lettered_and_reported",
        move |url, _| {
            let queue = QueueConfig::new("dead");
            // One slot: every task below goes through the same worker, in turn.
            let worker = Worker::new(queue.clone(), demo::registry())
                .concurrency(1)
                .spawn(&url)
                .unwrap();
            let producer = Producer::connect(&url, queue).unwrap();

            let unknown = producer.submit_raw("resize-image", b"{}".to_vec()).unwrap();
            let garbage = producer
                .submit_raw("demo.square", b"\xff not json".to_vec())
                .unwrap();
            let wrong_shape = producer
                .submit_raw("demo.square", br#"{"y": 1}"#.to_vec())
                .unwrap();
            let good = producer.submit(demo::Square { x: 5 }).unwrap();

            assert_eq!(
                unknown.join(),
                Err(TaskError::DeadLettered(DeadLetterReason::UnknownTask(
                    "resize-image".into()
                )))
            );
            for handle in [garbage, wrong_shape] {
                match handle.join() {
                    Err(TaskError::DeadLettered(DeadLetterReason::Undecodable {
                        name, ..
                    })) => {
                        assert_eq!(name, "demo.square")
                    }
                    other => panic!("expected an undecodable dead letter, got {other:?}"),
                }
            }
            assert_eq!(good.join(), Ok(25));

            let letters = producer.dead_letters().unwrap();
            assert_eq!(letters.len(), 3, "{letters:?}");
            assert_eq!(letters[0].task_name.as_deref(), Some("resize-image"));
            assert!(
                letters[0].reason.contains("resize-image"),
                "{:?}",
                letters[0]
            );
            assert_eq!(letters[1].payload, b"\xff not json");
            assert!(letters.iter().all(|l| l.task_id.is_some()));

            let stats = worker.stop();
            assert_eq!(
                (stats.dead_lettered, stats.executed, stats.unacked),
                (3, 1, 0)
            );
            assert_eq!(producer.stats().dead_lettered, 3);
        },
    );
}
