//! A worker process SIGKILLed mid-run: every one of 10,000 tasks completes, each result is
//! counted once, and the killed worker's unacknowledged tasks are redelivered.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::with_server;
use pool_distributed::{demo, Producer, QueueConfig};

const TASKS: u64 = 10_000;

#[test]
fn sigkilled_worker_loses_nothing_and_nothing_counts_twice() {
    with_server("sigkilled_worker_loses_nothing", move |url, workers| {
        // Short ack wait so the killed worker's tasks come back within the test.
        let queue = QueueConfig::new("sigkill")
            .max_ack_pending(64)
            .ack_wait(Duration::from_secs(2));
        let producer = Producer::connect(&url, queue).unwrap();
        let args = ["16", "64", "2000"];
        let victim = workers.start(&url, "sigkill", &args);
        workers.start(&url, "sigkill", &args);

        // Tasks of 200 us, so the run lasts long enough to kill a worker in the middle.
        let handles: Vec<_> = producer
            .submit_all((0..TASKS).map(|tag| demo::Sleep { tag, micros: 200 }))
            .into_iter()
            .map(|h| h.unwrap())
            .collect();
        assert_eq!(producer.stats().submitted, TASKS);

        let deadline = Instant::now() + Duration::from_secs(60);
        while producer.stats().completed < TASKS / 4 {
            assert!(
                Instant::now() < deadline,
                "no progress: {:?}",
                producer.stats()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        workers.kill(victim);
        let at_kill = producer.stats().completed;
        assert!(at_kill < TASKS, "the run ended before the kill");

        let mut seen = HashSet::new();
        for (tag, handle) in (0..TASKS).zip(handles) {
            assert!(seen.insert(handle.id().to_owned()), "task id reused");
            assert_eq!(handle.join().unwrap(), tag);
        }
        let stats = producer.stats();
        assert_eq!(stats.completed, TASKS, "{stats:?}");
        // The victim had up to 16 tasks running and more pulled: they ran again elsewhere.
        assert!(stats.redelivered >= 1, "no task was redelivered: {stats:?}");
        println!("killed at {at_kill}/{TASKS} completed; {stats:?}");
    });
}
