//! Closures through the `Pool` trait: each runs exactly once, a blocking one never stalls
//! the async tasks, and a panicking one is counted.

mod common;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use common::{guarded, pool};
use pool_core::{Pool, PoolExt};

#[test]
fn each_of_100k_closures_runs_exactly_once() {
    guarded("each_of_100k_closures_runs_exactly_once", || {
        const N: usize = 100_000;
        let pool = pool(2, 2);
        let runs: Arc<Vec<AtomicU8>> = Arc::new((0..N).map(|_| AtomicU8::new(0)).collect());
        for i in 0..N {
            let runs = runs.clone();
            pool.execute(move || {
                runs[i].fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
        }
        pool.wait_idle().unwrap();
        assert!(runs.iter().all(|r| r.load(Ordering::Relaxed) == 1));
        let m = pool.metrics();
        assert_eq!(m.completed, N as u64, "{m:?}");
        assert!(m.is_balanced(), "{m:?}");
    });
}

#[test]
fn a_blocking_closure_does_not_stall_async_tasks() {
    guarded("a_blocking_closure_does_not_stall_async_tasks", || {
        // One async worker. The closure blocks until the async task below has run: run
        // on that worker, it would hold the task back forever (the watchdog fails it).
        let pool = pool(8, 1);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        pool.execute(move || {
            let _ = rx.recv();
        })
        .unwrap();
        pool_testkit::eventually("the closure runs", || pool.metrics().running == 1);
        let task = pool.try_submit(async move { tx.send(()).is_ok() }).unwrap();
        assert!(
            task.join().unwrap(),
            "the closure stopped waiting before the task ran"
        );
        pool.wait_idle().unwrap();
    });
}

#[test]
fn panicking_closures_are_counted_and_runners_survive() {
    guarded("panicking_closures_are_counted_and_runners_survive", || {
        let pool = pool(2, 1);
        for i in 0..100u32 {
            pool.execute(move || assert!(i % 4 != 0, "closure {i} panics"))
                .unwrap();
        }
        pool.wait_idle().unwrap();
        let m = pool.metrics();
        assert_eq!((m.completed, m.panicked), (75, 25), "{m:?}");
        assert!(m.is_balanced(), "{m:?}");
        assert_eq!(pool.spawn(|| 7).unwrap().join().unwrap(), 7);
    });
}
