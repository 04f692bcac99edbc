//! More submitters than cores, a small bound, random waits: exactly once, never above `L`,
//! and shutdown racing submitters loses nothing.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{guarded, Peak};
use pool_async::AsyncPool;
use pool_core::Pool;

/// 8 threads x 1,500 async submissions into `L` = 16 with a queue bound of 32: each task id
/// ran exactly once, the high-water mark is at most 16, and the metrics balance.
#[test]
fn many_submitters_exactly_once() {
    guarded("many_submitters_exactly_once", || {
        let pool = Arc::new(
            AsyncPool::builder()
                .concurrency(16)
                .worker_threads(4)
                .queue_bound(Some(32))
                .build()
                .unwrap(),
        );
        let per = 1500;
        let n = 8 * per;
        let seen: Arc<Vec<AtomicU8>> = Arc::new((0..n).map(|_| AtomicU8::new(0)).collect());
        let peak = Peak::new();
        let submitters: Vec<_> = (0..8)
            .map(|t| {
                let (pool, seen, peak) = (pool.clone(), seen.clone(), peak.clone());
                std::thread::spawn(move || {
                    let handle = pool.handle().clone();
                    handle.block_on(async {
                        let mut handles = Vec::with_capacity(per);
                        for k in 0..per {
                            let id = t * per + k;
                            let seen = seen.clone();
                            let task = peak.wrap(async move {
                                if id % 5 == 0 {
                                    tokio::time::sleep(Duration::from_micros(200)).await;
                                } else {
                                    tokio::task::yield_now().await;
                                }
                                seen[id].fetch_add(1, Ordering::SeqCst);
                            });
                            handles.push(pool.submit(task).await.expect("open"));
                        }
                        for h in handles {
                            h.await.expect("no panic");
                        }
                    });
                })
            })
            .collect();
        for s in submitters {
            s.join().expect("submitter");
        }
        pool.wait_idle().unwrap();
        for (id, c) in seen.iter().enumerate() {
            assert_eq!(c.load(Ordering::SeqCst), 1, "task {id}");
        }
        assert!(peak.max() <= 16, "peak {}", peak.max());
        let m = pool.metrics();
        assert_eq!(m.completed, n as u64);
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// Async submitters race `shutdown_timeout` at several moments: every accepted task
/// either finished or is listed as cancelled, rejections are all `Closed`, and the
/// accounting balances.
#[test]
fn shutdown_racing_async_submitters() {
    guarded("shutdown_racing_async_submitters", || {
        for round in 0..6u64 {
            let pool = Arc::new(
                AsyncPool::builder()
                    .concurrency(4)
                    .worker_threads(2)
                    .queue_bound(Some(8))
                    .build()
                    .unwrap(),
            );
            let executed = Arc::new(AtomicU64::new(0));
            let go = Arc::new(AtomicBool::new(false));
            let submitters: Vec<_> = (0..4)
                .map(|_| {
                    let (pool, executed, go) = (pool.clone(), executed.clone(), go.clone());
                    std::thread::spawn(move || {
                        while !go.load(Ordering::Acquire) {
                            std::hint::spin_loop();
                        }
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_time()
                            .build()
                            .unwrap();
                        rt.block_on(async {
                            let mut accepted = Vec::new();
                            loop {
                                let executed = executed.clone();
                                let task = async move {
                                    tokio::time::sleep(Duration::from_micros(300)).await;
                                    executed.fetch_add(1, Ordering::SeqCst);
                                };
                                match pool.submit(task).await {
                                    Ok(h) => accepted.push(h),
                                    Err(e) => {
                                        assert!(e.is_closed());
                                        return accepted;
                                    }
                                }
                            }
                        })
                    })
                })
                .collect();
            go.store(true, Ordering::Release);
            std::thread::sleep(Duration::from_millis(2 + 3 * round));
            let timeout = Duration::from_millis(if round % 2 == 0 { 0 } else { 50 });
            let report = pool.shutdown_timeout(timeout).unwrap();
            let mut accepted = 0u64;
            let mut cancelled = 0u64;
            for s in submitters {
                for h in s.join().unwrap() {
                    accepted += 1;
                    match h.join() {
                        Ok(()) => {}
                        Err(e) => {
                            assert!(e.into_task_error().unwrap().is_cancelled());
                            cancelled += 1;
                        }
                    }
                }
            }
            let executed = executed.load(Ordering::SeqCst);
            assert_eq!(executed + cancelled, accepted, "round {round}: {report:?}");
            assert_eq!(report.report.completed, executed, "round {round}");
            assert_eq!(report.report.discarded, cancelled, "round {round}");
            assert_eq!(report.cancelled().len() as u64, cancelled, "round {round}");
            assert!(
                pool.metrics().is_balanced(),
                "round {round}: {:?}",
                pool.metrics()
            );
        }
    });
}
