//! The handle's promises, one test each, and loom models of the hand-off (`scripts/loom.sh`).

use super::*;

/// A body that returns `value`, or panics on `None`.
struct Returns(Option<u32>);

impl Body<u32> for Returns {
    fn run(self) -> (Result<u32, TaskError>, crate::Outcome) {
        match self.0 {
            Some(v) => (Ok(v), crate::Outcome::Completed),
            None => (
                Err(TaskError::panic(Box::new("no value"))),
                crate::Outcome::Panicked,
            ),
        }
    }

    fn into_any(self) -> Box<dyn std::any::Any + Send> {
        Box::new(self.0)
    }
}

#[cfg(not(loom))]
mod unit {
    use super::*;
    use crate::Outcome;

    #[test]
    fn queued_task_delivers_to_its_handle() {
        let (job, handle) = task(Returns(Some(5)), None);
        assert_eq!(job.run(), Outcome::Completed);
        assert_eq!(handle.join().unwrap(), 5);
    }

    #[test]
    fn dropped_job_cancels_its_handle() {
        let (job, handle) = task(Returns(Some(5)), None);
        drop(job);
        assert!(handle.join().unwrap_err().is_cancelled());
    }

    #[test]
    fn panicking_body_reaches_the_handle() {
        let (job, handle) = task(Returns(None), None);
        assert_eq!(job.run(), Outcome::Panicked);
        assert!(handle.join().unwrap_err().is_panic());
    }

    #[test]
    fn joiner_on_the_owner_pool_runs_an_unstarted_task_once() {
        let owner = crate::PoolId::new();
        let (job, handle) = task(Returns(Some(9)), Some(owner));
        let _mark = owner.enter();
        assert_eq!(handle.join().unwrap(), 9);
        // The queue's reference finds the body gone: tallied as completed, not run again.
        assert_eq!(job.run(), Outcome::Completed);
    }

    #[test]
    fn joiner_off_the_owner_pool_leaves_the_task_to_the_queue() {
        let (job, handle) = task(Returns(Some(1)), Some(crate::PoolId::new()));
        let worker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            job.run()
        });
        assert_eq!(handle.join().unwrap(), 1);
        assert_eq!(worker.join().unwrap(), Outcome::Completed);
    }

    #[test]
    fn rejected_task_hands_back_its_body() {
        let (job, handle) = task(Returns(Some(4)), None);
        let back: Option<u32> = job.downcast().expect("made from Option<u32>");
        assert_eq!(back, Some(4));
        drop(handle);
    }

    #[test]
    fn join_timeout_then_join_from_another_thread() {
        let (c, h) = JoinHandle::<u32>::pair();
        let h = h.join_timeout(Duration::from_millis(5)).unwrap_err();
        let joiner = std::thread::spawn(move || h.join());
        std::thread::sleep(Duration::from_millis(20));
        c.complete(Ok(8));
        assert_eq!(joiner.join().unwrap().unwrap(), 8);
    }

    #[test]
    fn happens_before_join() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let seen = std::sync::Arc::new(AtomicU64::new(0));
        let s = seen.clone();
        let (c, h) = JoinHandle::pair();
        std::thread::spawn(move || {
            s.store(77, Ordering::Relaxed);
            c.complete(Ok(()));
        });
        h.join().unwrap();
        assert_eq!(seen.load(Ordering::Relaxed), 77);
    }

    #[test]
    fn dropped_handle_drops_the_result_once() {
        let value = std::sync::Arc::new(());
        let (c, h) = JoinHandle::pair();
        drop(h);
        c.complete(Ok(value.clone()));
        assert_eq!(std::sync::Arc::strong_count(&value), 1);
    }
}

#[cfg(loom)]
mod models {
    use super::*;
    use crate::sync::thread;

    #[test]
    fn loom_value_is_never_lost_between_complete_and_join() {
        ::loom::model(|| {
            let (c, h) = JoinHandle::pair();
            let t = thread::spawn(move || c.complete(Ok(7)));
            assert_eq!(h.join().unwrap(), 7);
            t.join().unwrap();
        });
    }

    #[test]
    fn loom_worker_run_and_inline_join_run_the_task_once() {
        ::loom::model(|| {
            let owner = crate::PoolId::new();
            let (job, handle) = task(Returns(Some(3)), Some(owner));
            let worker = thread::spawn(move || job.run());
            let _mark = owner.enter();
            assert_eq!(handle.join().unwrap(), 3);
            // Exactly one of them ran the body: the other saw it claimed.
            assert_eq!(worker.join().unwrap(), crate::Outcome::Completed);
        });
    }

    #[test]
    fn loom_cancel_reaches_a_parked_joiner() {
        ::loom::model(|| {
            let (job, handle) = task(Returns(Some(3)), None);
            let t = thread::spawn(move || drop(job));
            assert!(handle.join().unwrap_err().is_cancelled());
            t.join().unwrap();
        });
    }

    #[test]
    fn loom_timed_out_joiner_unregisters_and_joins_again() {
        ::loom::model(|| {
            let (c, h) = JoinHandle::pair();
            let t = thread::spawn(move || c.complete(Ok(5)));
            let value = match h.join_timeout(Duration::from_millis(1)) {
                Ok(result) => result.unwrap(),
                Err(h) => h.join().unwrap(),
            };
            assert_eq!(value, 5);
            t.join().unwrap();
        });
    }
}
