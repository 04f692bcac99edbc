//! The bounded queue: `submit(..).await` waits for room, `try_submit` says `Full`, and a
//! closing pool wakes waiting submitters with `Closed`.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{guarded, pool};
use pool_async::AsyncPool;
use pool_core::{Pool, SubmitError};
use tokio::sync::Notify;

fn bounded(limit: usize, bound: usize) -> AsyncPool {
    AsyncPool::builder()
        .concurrency(limit)
        .worker_threads(2)
        .queue_bound(Some(bound))
        .build()
        .expect("valid")
}

/// `L` = 1 busy, 2 queued: the next `submit` waits until a queued task starts.
#[test]
fn submit_waits_for_room() {
    guarded("submit_waits_for_room", || {
        let pool = bounded(1, 2);
        let release = Arc::new(Notify::new());
        pool.handle().block_on(async {
            let r = release.clone();
            let blocker = pool
                .submit(async move { r.notified().await })
                .await
                .unwrap();
            while pool.metrics().running == 0 {
                tokio::task::yield_now().await;
            }
            let queued = [
                pool.submit(async { 1 }).await.unwrap(),
                pool.submit(async { 2 }).await.unwrap(),
            ];
            let third = pool.submit(async { 3 });
            tokio::pin!(third);
            let waited = tokio::time::timeout(Duration::from_millis(50), third.as_mut()).await;
            assert!(waited.is_err(), "the queue is full: submit must wait");
            release.notify_one();
            let third = third.await.expect("room appears once the blocker finishes");
            blocker.await.unwrap();
            let mut sum = third.await.unwrap();
            for h in queued {
                sum += h.await.unwrap();
            }
            assert_eq!(sum, 6);
        });
    });
}

/// `try_submit` at the bound hands the future back as `Full`; the future is intact.
#[test]
fn try_submit_full_hands_the_future_back() {
    guarded("try_submit_full_hands_the_future_back", || {
        let pool = bounded(1, 1);
        let release = Arc::new(Notify::new());
        let r = release.clone();
        let blocker = pool.try_submit(async move { r.notified().await }).unwrap();
        pool_testkit::eventually("the blocker runs", || pool.metrics().running == 1);
        let queued = pool.try_submit(async { 10 }).unwrap();
        let back = match pool.try_submit(async { 32 }) {
            Err(SubmitError::Full(fut)) => fut,
            other => panic!("expected Full, got {other:?}"),
        };
        assert_eq!(
            pool.handle().block_on(back),
            32,
            "the handed-back future is ours"
        );
        release.notify_one();
        blocker.join().unwrap();
        assert_eq!(queued.join().unwrap(), 10);
        pool_core::Pool::wait_idle(&pool).unwrap();
        let m = pool.metrics();
        assert_eq!((m.submitted, m.rejected, m.completed), (3, 1, 2));
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// A submitter waiting for room when the pool shuts down gets `Closed` with its future.
#[test]
fn submit_closed_while_waiting_for_room() {
    guarded("submit_closed_while_waiting_for_room", || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let pool = Arc::new(
            AsyncPool::builder()
                .concurrency(1)
                .queue_bound(Some(1))
                .attach(rt.handle().clone())
                .unwrap(),
        );
        let blocker = pool
            .try_submit(async { tokio::time::sleep(Duration::from_secs(60)).await })
            .unwrap();
        pool_testkit::eventually("the blocker runs", || pool.metrics().running == 1);
        let _queued = pool.try_submit(async {}).unwrap();
        let waiter = {
            let pool = pool.clone();
            rt.spawn(async move { pool.submit(async { 5 }).await.map(|_| ()) })
        };
        std::thread::sleep(Duration::from_millis(30));
        let report = pool.shutdown_timeout(Duration::from_millis(10)).unwrap();
        let err = rt.block_on(waiter).unwrap().unwrap_err();
        let fut = match err {
            SubmitError::Closed(fut) => fut,
            other => panic!("expected Closed, got {other:?}"),
        };
        assert_eq!(rt.block_on(fut), 5);
        assert!(blocker
            .join()
            .unwrap_err()
            .into_task_error()
            .unwrap()
            .is_cancelled());
        assert_eq!(report.report.discarded, 2, "{report:?}");
        assert!(pool.metrics().is_balanced());
    });
}

/// Dropping `submit(..)` while it waits for room submits nothing and leaks no slot.
#[test]
fn dropped_submit_submits_nothing() {
    guarded("dropped_submit_submits_nothing", || {
        let pool = bounded(1, 1);
        let ran = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(Notify::new());
        pool.handle().block_on(async {
            let r = release.clone();
            let blocker = pool
                .submit(async move { r.notified().await })
                .await
                .unwrap();
            while pool.metrics().running == 0 {
                tokio::task::yield_now().await;
            }
            let queued = pool.submit(async {}).await.unwrap();
            let ran2 = ran.clone();
            let dropped = pool.submit(async move {
                ran2.fetch_add(1, Ordering::SeqCst);
            });
            let timed_out = tokio::time::timeout(Duration::from_millis(20), dropped).await;
            assert!(timed_out.is_err());
            release.notify_one();
            blocker.await.unwrap();
            queued.await.unwrap();
            // The slot the dropped call never took is free.
            pool.submit(async {}).await.unwrap().await.unwrap();
        });
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        let m = pool.metrics();
        assert_eq!(m.submitted, 3, "{m:?}");
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// The sync `Pool::submit` with `Block` waits for room from outside the runtime, and with
/// `Reject` hands the job back.
#[test]
fn sync_submit_blocks_or_rejects_by_policy() {
    guarded("sync_submit_blocks_or_rejects_by_policy", || {
        use pool_core::{OverflowPolicy, PoolExt};
        let pool = Arc::new(bounded(1, 1));
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let done = done.clone();
            pool.execute(move || {
                std::thread::sleep(Duration::from_millis(1));
                done.fetch_add(1, Ordering::SeqCst);
            })
            .expect("Block waits for room");
        }
        pool.wait_idle().unwrap();
        assert_eq!(done.load(Ordering::SeqCst), 20);

        let rejecting = AsyncPool::builder()
            .concurrency(1)
            .queue_bound(Some(1))
            .overflow(OverflowPolicy::Reject)
            .build()
            .unwrap();
        let latch = Arc::new(pool_testkit::Latch::new(1));
        let l = latch.clone();
        rejecting.execute(move || l.wait()).unwrap();
        pool_testkit::eventually("blocker runs", || rejecting.metrics().running == 1);
        rejecting.execute(|| {}).unwrap();
        assert!(rejecting.execute(|| {}).unwrap_err().is_full());
        latch.count_down();
        rejecting.wait_idle().unwrap();
    });
}

/// `CallerRuns` runs the job on the submitting thread when the queue is full.
#[test]
fn caller_runs_when_full() {
    guarded("caller_runs_when_full", || {
        use pool_core::{OverflowPolicy, PoolExt};
        let pool = AsyncPool::builder()
            .concurrency(1)
            .queue_bound(Some(1))
            .overflow(OverflowPolicy::CallerRuns)
            .build()
            .unwrap();
        let latch = Arc::new(pool_testkit::Latch::new(1));
        let l = latch.clone();
        pool.execute(move || l.wait()).unwrap();
        pool_testkit::eventually("blocker runs", || pool.metrics().running == 1);
        pool.execute(|| {}).unwrap();
        let me = std::thread::current().id();
        let ran_on = Arc::new(std::sync::Mutex::new(None));
        let r = ran_on.clone();
        pool.execute(move || *r.lock().unwrap() = Some(std::thread::current().id()))
            .unwrap();
        assert_eq!(*ran_on.lock().unwrap(), Some(me));
        latch.count_down();
        pool.wait_idle().unwrap();
        assert!(pool.metrics().is_balanced());
    });
}

/// Without a bound, `try_submit` accepts everything.
#[test]
fn unbounded_try_submit_is_never_full() {
    let pool = pool(1, 1);
    let handles: Vec<_> = (0..1000)
        .map(|i| pool.try_submit(async move { i }).unwrap())
        .collect();
    assert_eq!(
        handles.into_iter().map(|h| h.join().unwrap()).sum::<i32>(),
        499_500
    );
}
