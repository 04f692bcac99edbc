//! The in-flight bound is the consumer's max-ack-pending, over all workers together: with
//! three workers offering 16 slots each, never more than 5 tasks run at once.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::with_server;
use pool_distributed::{Producer, QueueConfig, Registry, Task, Worker};
use serde::{Deserialize, Serialize};

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

/// Counts how many of its kind run at once (all workers are in this process).
#[derive(Serialize, Deserialize)]
struct Held(u32);

impl Task for Held {
    const NAME: &'static str = "held";
    type Output = u32;
    fn work(self) -> u32 {
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        MOST.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(20));
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        self.0
    }
}

const BOUND: u32 = 5;

#[test]
fn never_more_than_max_ack_pending_in_flight() {
    with_server(
        "never_more_than_max_ack_pending_in_flight",
        move |url, _| {
            let queue = QueueConfig::new("bp").max_ack_pending(BOUND);
            let producer = Producer::connect(&url, queue.clone()).unwrap();
            let handles: Vec<_> = producer
                .submit_all((0..200).map(Held))
                .into_iter()
                .map(|h| h.unwrap())
                .collect();
            let workers: Vec<_> = (0..3)
                .map(|i| {
                    let registry = Registry::new().register::<Held>().unwrap();
                    Worker::new(queue.clone(), registry)
                        .concurrency(16)
                        .name(format!("w{i}"))
                        .spawn(&url)
                        .unwrap()
                })
                .collect();
            for (i, h) in (0..200).zip(handles) {
                assert_eq!(h.join().unwrap(), i);
            }
            let per_worker: Vec<_> = workers.into_iter().map(|w| w.stop()).collect();
            let most = MOST.load(Ordering::SeqCst);
            assert!(
                most <= BOUND as usize,
                "{most} tasks ran at once, bound {BOUND}"
            );
            // 200 tasks of 20 ms queued for 48 slots: the bound, not the slots, was the limit.
            assert_eq!(most, BOUND as usize, "the bound was never reached");
            let executed: u64 = per_worker.iter().map(|s| s.executed).sum();
            assert_eq!(executed, 200);
        },
    );
}
