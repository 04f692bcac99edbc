//! Blocking closures (the `Pool` path) run on blocking threads, so async tasks on the same
//! pool keep making progress while they block.

mod common;

use std::time::{Duration, Instant};

use common::{guarded, pool};
use pool_core::{Pool, PoolExt};

#[test]
fn timers_progress_while_closures_block() {
    guarded("timers_progress_while_closures_block", || {
        // One async worker thread; 3 closures each block a thread for 500 ms.
        let pool = pool(64, 1);
        let latch = std::sync::Arc::new(pool_testkit::Latch::new(1));
        for _ in 0..3 {
            let l = latch.clone();
            pool.execute(move || {
                l.wait_timeout(Duration::from_millis(500));
            })
            .unwrap();
        }
        pool_testkit::eventually("closures run", || pool.metrics().running == 3);
        let start = Instant::now();
        let timers: Vec<_> = (0..50)
            .map(|_| {
                pool.try_submit(async { tokio::time::sleep(Duration::from_millis(5)).await })
                    .unwrap()
            })
            .collect();
        for t in timers {
            t.join().unwrap();
        }
        let took = start.elapsed();
        latch.count_down();
        pool.wait_idle().unwrap();
        assert!(
            took < Duration::from_millis(400),
            "timers waited for the closures: {took:?}"
        );
    });
}
