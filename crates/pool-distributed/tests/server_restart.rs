//! The server is killed (SIGKILL) and restarted mid-run: every task whose submission
//! JetStream confirmed still completes, including ones submitted while it was down.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{server_or_skip, SharedServer, LIMIT};
use pool_distributed::{demo, Producer, QueueConfig, Worker};
use pool_testkit::with_watchdog;

const FIRST: u64 = 2_000;
const DURING: u64 = 200;

#[test]
fn restart_mid_run_loses_nothing_confirmed() {
    let Some(server) = server_or_skip("restart_mid_run_loses_nothing_confirmed") else {
        return;
    };
    let url = server.url();
    let guard = SharedServer(Arc::new(Mutex::new(server)));
    let server = Arc::clone(&guard.0);
    with_watchdog("restart", LIMIT, move || {
        let queue = QueueConfig::new("restart")
            .ack_wait(Duration::from_secs(2))
            .publish_timeout(Duration::from_secs(30));
        let worker = Worker::new(queue.clone(), demo::registry())
            .concurrency(8)
            .spawn(&url)
            .unwrap();
        let producer = Producer::connect(&url, queue).unwrap();
        let mut confirmed: Vec<_> = producer
            .submit_all((0..FIRST).map(|tag| demo::Sleep { tag, micros: 1_000 }))
            .into_iter()
            .enumerate()
            .map(|(tag, h)| (tag as u64, h.unwrap()))
            .collect();

        let deadline = Instant::now() + Duration::from_secs(60);
        while producer.stats().completed < FIRST / 4 {
            assert!(
                Instant::now() < deadline,
                "no progress: {:?}",
                producer.stats()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut refused = 0;
        std::thread::scope(|s| {
            // Submissions go on while the server is down: each one retries until confirmed.
            let submitter = s.spawn(|| {
                let mut out = Vec::new();
                let mut refused = 0;
                for tag in FIRST..FIRST + DURING {
                    match producer.submit(demo::Sleep { tag, micros: 1_000 }) {
                        Ok(h) => out.push((tag, h)),
                        Err(_) => refused += 1,
                    }
                }
                (out, refused)
            });
            std::thread::sleep(Duration::from_millis(20));
            server.lock().unwrap().restart().unwrap();
            let (during, r) = submitter.join().unwrap();
            confirmed.extend(during);
            refused = r;
        });
        let at_restart_end = producer.stats();
        for (tag, handle) in confirmed.drain(..) {
            match handle.join_timeout(Duration::from_secs(40)) {
                Ok(result) => assert_eq!(result.unwrap(), tag),
                Err(h) => panic!(
                    "task {tag} ({}) never completed: {:?} {:?}",
                    h.id(),
                    producer.stats(),
                    worker.stats()
                ),
            }
        }
        assert_eq!(refused, 0, "a submission gave up during the restart");
        let stats = producer.stats();
        assert_eq!(stats.completed, FIRST + DURING, "{stats:?}");
        println!(
            "after restart {at_restart_end:?}; end {stats:?}; worker {:?}",
            worker.stop()
        );
    });
    drop(guard);
}
