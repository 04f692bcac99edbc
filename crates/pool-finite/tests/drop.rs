//! What dropping the pool does: a graceful drain and join from outside; from one of the
//! pool's own workers, a close without a self-join, the workers finishing the queue on
//! their own.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pool_core::{PoolExt, ShutdownMode};
use pool_finite::FinitePool;
use pool_testkit::{eventually, with_watchdog, Latch};

#[test]
fn drop_from_outside_drains_the_queue_and_joins_the_workers() {
    with_watchdog("drop outside", Duration::from_secs(20), || {
        let ran = Arc::new(AtomicUsize::new(0));
        let pool = FinitePool::builder()
            .workers(2)
            .thread_name("drop-outside")
            .build()
            .expect("valid pool");
        for _ in 0..1000 {
            let ran = ran.clone();
            pool.execute(move || {
                std::thread::sleep(Duration::from_micros(5));
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .expect("open pool");
        }
        drop(pool);
        // Drop returned: every queued job ran, and the workers have exited (joined), so the
        // only reference left to `ran` is ours.
        assert_eq!(ran.load(Ordering::SeqCst), 1000);
        assert_eq!(
            Arc::strong_count(&ran),
            1,
            "the workers dropped their jobs' captures"
        );
    });
}

#[test]
fn last_handle_dropped_on_a_worker_does_not_self_join() {
    with_watchdog("drop inside", Duration::from_secs(20), || {
        let pool = Arc::new(
            FinitePool::builder()
                .workers(2)
                .build()
                .expect("valid pool"),
        );
        let ran = Arc::new(AtomicUsize::new(0));
        let holder: Arc<Mutex<Option<Arc<FinitePool>>>> = Arc::new(Mutex::new(None));
        let release = Arc::new(Latch::new(1));
        // A job that will drop the last handle, on a worker.
        {
            let (holder, release) = (holder.clone(), release.clone());
            pool.execute(move || {
                release.wait();
                let last = holder.lock().expect("not poisoned").take();
                drop(last); // the pool's Drop runs here, on one of its workers
            })
            .expect("open pool");
        }
        // Queued behind it: these must still run after the pool handle is gone.
        for _ in 0..100 {
            let ran = ran.clone();
            pool.execute(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .expect("open pool");
        }
        *holder.lock().expect("not poisoned") = Some(pool);
        release.count_down();
        eventually("the queued jobs ran after the drop", || {
            ran.load(Ordering::SeqCst) == 100
        });
        // The workers exit on their own once the queue is empty, dropping every capture.
        eventually("the workers exited", || Arc::strong_count(&ran) == 1);
    });
}

#[test]
fn drop_after_shutdown_is_a_no_op() {
    let pool = FinitePool::builder()
        .workers(1)
        .build()
        .expect("valid pool");
    pool.execute(|| {}).expect("open pool");
    let report = pool_core::Pool::shutdown(&pool, ShutdownMode::Immediate).expect("outside");
    assert!(report.is_balanced());
    drop(pool);
}

#[test]
fn close_and_join_on_a_worker_closes_without_joining() {
    with_watchdog("close_and_join inside", Duration::from_secs(20), || {
        let slot: Arc<Mutex<Option<FinitePool>>> = Arc::new(Mutex::new(None));
        let pool = FinitePool::builder()
            .workers(1)
            .build()
            .expect("valid pool");
        let (tx, rx) = std::sync::mpsc::channel();
        let release = Arc::new(Latch::new(1));
        {
            let (slot, release) = (slot.clone(), release.clone());
            pool.execute(move || {
                release.wait();
                let me = slot
                    .lock()
                    .expect("not poisoned")
                    .take()
                    .expect("handle set");
                // On the pool's own (only) worker: joining would wait for this very job.
                tx.send(me.close_and_join()).expect("receiver alive");
            })
            .expect("open pool");
        }
        *slot.lock().expect("not poisoned") = Some(pool);
        release.count_down();
        let report = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("no self-join");
        assert_eq!(
            report.completed, 0,
            "its own job was still running: {report:?}"
        );
        assert_eq!(report.submitted, 1, "{report:?}");
    });
}
