//! A task that kills every worker it lands on is delivered `max_deliver` times, then
//! dead-lettered and reported to its handle; the queue goes on with the other tasks.

mod common;

use std::time::Duration;

use common::with_server;
use pool_distributed::{demo, DeadLetterReason, Producer, QueueConfig, TaskError};

#[test]
fn task_killing_its_workers_is_dead_lettered_after_max_deliver() {
    with_server(
        "task_killing_its_workers_is_dead_lettered",
        move |url, workers| {
            let queue = QueueConfig::new("poison")
                .ack_wait(Duration::from_secs(1))
                .max_deliver(2);
            let producer = Producer::connect(&url, queue).unwrap();
            // Three worker processes: the crash takes two (one per delivery), one is left.
            let args = ["1", "256", "1000"];
            let started: Vec<usize> = (0..3)
                .map(|_| workers.start(&url, "poison", &args))
                .collect();
            let crash = producer.submit(demo::Crash).unwrap();
            assert_eq!(
                crash.join(),
                Err(TaskError::DeadLettered(DeadLetterReason::MaxDeliveries(2)))
            );
            let alive = started.iter().filter(|&&i| workers.alive(i)).count();
            assert_eq!(alive, 1, "each delivery should have killed one worker");
            assert_eq!(
                producer.submit(demo::Square { x: 6 }).unwrap().join(),
                Ok(36)
            );
            let letters = producer.dead_letters().unwrap();
            assert_eq!(letters.len(), 1);
            assert_eq!(letters[0].task_name.as_deref(), Some("demo.crash"));
        },
    );
}
