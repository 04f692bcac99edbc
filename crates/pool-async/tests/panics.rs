//! A panicking task becomes a `TaskError`; the runtime and the other tasks keep running.

mod common;

use std::time::Duration;

use common::{guarded, pool};
use pool_core::Pool;

#[test]
fn panic_becomes_task_error_and_runtime_keeps_running() {
    guarded("panic_becomes_task_error_and_runtime_keeps_running", || {
        let pool = pool(4, 2);
        let handles: Vec<_> = (0..200u32)
            .map(|i| {
                pool.try_submit(async move {
                    tokio::time::sleep(Duration::from_micros(50)).await;
                    assert!(i % 4 != 0, "task {i} panics");
                    i
                })
                .unwrap()
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let id = h.id();
            match h.join() {
                Ok(v) => assert_eq!(v as usize, i),
                Err(e) => {
                    assert_eq!(i % 4, 0);
                    let e = e.into_task_error().unwrap();
                    assert!(e.is_panic());
                    assert_eq!(e.id(), Some(id));
                    assert_eq!(e.panic_message(), Some(format!("task {i} panics").as_str()));
                }
            }
        }
        pool.wait_idle().unwrap();
        let m = pool.metrics();
        assert_eq!((m.completed, m.panicked), (150, 50), "{m:?}");
        assert!(m.is_balanced(), "{m:?}");
        // Still alive: timers and new tasks work.
        let after = pool
            .try_submit(async {
                tokio::time::sleep(Duration::from_millis(1)).await;
                5
            })
            .unwrap();
        assert_eq!(after.join().unwrap(), 5);
    });
}

/// A panic in a task's destructor (dropped by a cancel) is contained too.
#[test]
fn panic_while_dropping_a_cancelled_task_is_contained() {
    guarded("panic_while_dropping_a_cancelled_task_is_contained", || {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("bomb in drop");
            }
        }
        let pool = pool(2, 1);
        let h = pool
            .try_submit(async {
                let _bomb = Bomb;
                tokio::time::sleep(Duration::from_secs(3600)).await;
            })
            .unwrap();
        pool_testkit::eventually("it runs", || pool.metrics().running == 1);
        h.cancel();
        assert!(h.join().is_err());
        pool.wait_idle().unwrap();
        assert_eq!(pool.try_submit(async { 1 }).unwrap().join().unwrap(), 1);
        assert!(pool.metrics().is_balanced(), "{:?}", pool.metrics());
    });
}
