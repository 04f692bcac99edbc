//! At most `L` tasks run at once; every task runs once.

mod common;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{guarded, pool, Peak};
use pool_core::Pool;

/// 600 tasks with random timer waits and yields on 4 runtime threads (more than the
/// cores), `L` = 7: the independent high-water mark is exactly 7 (reached, never passed),
/// and each task id ran exactly once.
#[test]
fn high_water_mark_is_the_limit() {
    guarded("high_water_mark_is_the_limit", || {
        let pool = pool(7, 4);
        let peak = Peak::new();
        let n = 600;
        let seen: Arc<Vec<AtomicU8>> = Arc::new((0..n).map(|_| AtomicU8::new(0)).collect());
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let seen = seen.clone();
                let task = peak.wrap(async move {
                    if i % 3 == 0 {
                        tokio::task::yield_now().await;
                    }
                    tokio::time::sleep(Duration::from_micros((i as u64 * 37) % 2000)).await;
                    seen[i].fetch_add(1, Ordering::SeqCst);
                    i
                });
                pool.try_submit(task).expect("unbounded open pool")
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.join().expect("no panic"), i);
        }
        assert_eq!(peak.max(), 7, "the limit is reached and never passed");
        assert!(seen.iter().all(|c| c.load(Ordering::SeqCst) == 1));
        let m = pool.metrics();
        assert_eq!((m.completed, m.workers), (n as u64, 7));
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// The same bound holds on an attached runtime with 1 thread and `L` = 3.
#[test]
fn limit_holds_on_an_attached_runtime() {
    guarded("limit_holds_on_an_attached_runtime", || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let pool = pool_async::AsyncPool::builder()
            .concurrency(3)
            .attach(rt.handle().clone())
            .expect("valid");
        let peak = Peak::new();
        rt.block_on(async {
            let mut handles = Vec::new();
            for _ in 0..60 {
                let task = peak.wrap(tokio::time::sleep(Duration::from_millis(1)));
                handles.push(pool.submit(task).await.expect("open"));
            }
            for h in handles {
                h.await.expect("no panic");
            }
        });
        assert_eq!(peak.max(), 3);
    });
}

/// Closures through the `Pool` trait obey the same limit.
#[test]
fn closures_obey_the_limit() {
    guarded("closures_obey_the_limit", || {
        use pool_core::PoolExt;
        let pool = pool(3, 1);
        let now = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let max = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for _ in 0..60 {
            let (now, max) = (now.clone(), max.clone());
            pool.execute(move || {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(running, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(1));
                now.fetch_sub(1, Ordering::SeqCst);
            })
            .expect("open");
        }
        pool.wait_idle().expect("outside the pool");
        assert_eq!(max.load(Ordering::SeqCst), 3);
    });
}
