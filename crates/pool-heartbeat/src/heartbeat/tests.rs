//! Loom models of the hand-off, with the real `Hub` and real stack jobs. A lost wake-up
//! leaves a thread parked forever, which loom reports as a deadlock; a fork run twice or
//! never shows in the run counts.

use pool_core::sync::atomic::{AtomicUsize, Ordering};
use pool_core::sync::{thread, Arc};
use pool_core::Job;

use super::{Hub, Work};
use crate::job::{StackJob, Waiter};

/// Runs taken work the way a worker does.
fn run(hub: &Hub, work: Work) {
    match work {
        // SAFETY: taken from the hub's queue, once; the owner in each model keeps the
        // job alive until its `done` is set.
        Work::Fork(job) => unsafe { job.execute(hub) },
        Work::Pool(job) => {
            job.job.run();
        }
    }
    hub.finished();
}

/// Promotion vs a thief's take vs the owner's retraction: the fork runs exactly once, and
/// the owner returns only after it ran.
#[test]
fn loom_promoted_fork_runs_exactly_once() {
    loom::model(|| {
        let hub = Arc::new(Hub::new(2, None));
        let runs = Arc::new(AtomicUsize::new(0));
        let r = runs.clone();
        let job = StackJob::new(Waiter::Worker(0), move || r.fetch_add(1, Ordering::Relaxed));
        // SAFETY: `job` stays in this frame until it is retracted and run, or done.
        let job_ref = unsafe { job.as_job_ref() };
        hub.promote(job_ref);
        let thief = {
            let hub = hub.clone();
            thread::spawn(move || {
                if let Some(work) = hub.try_take() {
                    run(&hub, work);
                }
            })
        };
        let taken_back = hub.retract(&job_ref);
        if taken_back {
            job.run_inline();
        } else {
            while hub.wait_done(0, job.done(), false).is_some() {}
            assert!(job.is_done());
            job.into_result().into_return_value();
        }
        thief.join().unwrap();
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    });
}

/// A thief parked for work is woken by a promotion, and the owner parked on the fork's
/// `done` is woken by the thief: neither wake-up is lost.
#[test]
fn loom_parked_thief_and_parked_owner_are_woken() {
    loom::model(|| {
        let hub = Arc::new(Hub::new(2, None));
        let runs = Arc::new(AtomicUsize::new(0));
        let thief = {
            let hub = hub.clone();
            thread::spawn(move || {
                while let Some(work) = hub.next_work() {
                    run(&hub, work);
                }
            })
        };
        let r = runs.clone();
        let job = StackJob::new(Waiter::Worker(0), move || r.fetch_add(1, Ordering::Relaxed));
        // SAFETY: `job` stays in this frame until its `done` is set (we never retract).
        let job_ref = unsafe { job.as_job_ref() };
        hub.promote(job_ref);
        while !job.is_done() {
            assert!(hub.wait_done(0, job.done(), false).is_none());
        }
        hub.terminate();
        thief.join().unwrap();
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    });
}

/// The heartbeat thread, parked while the pool is idle, is woken by a worker whose work
/// forks enough (`wake_heartbeat`), whether it parked before that work started or not.
#[test]
fn loom_heartbeat_thread_wakes_for_work_that_forks() {
    loom::model(|| {
        let hub = Arc::new(Hub::new(1, None));
        let beat = {
            let hub = hub.clone();
            thread::spawn(move || hub.wait_for_activity())
        };
        hub.submit(Job::new(|| ()), false, false, || ())
            .unwrap_or_else(|_| panic!("open hub"));
        let work = hub.try_take();
        assert!(work.is_some());
        // A recorded fork of the work, once it has run for `WAKE_AFTER`.
        hub.wake_heartbeat();
        // Still running (not `finished`): the heartbeat thread must be up.
        assert!(beat.join().unwrap());
        if let Some(work) = work {
            run(&hub, work);
        }
    });
}

/// The same for a guest running in place (`start_activity` instead of a take).
#[test]
fn loom_heartbeat_thread_wakes_for_a_guest_that_forks() {
    loom::model(|| {
        let hub = Arc::new(Hub::new(1, None));
        let beat = {
            let hub = hub.clone();
            thread::spawn(move || hub.wait_for_activity())
        };
        hub.start_activity();
        hub.wake_heartbeat();
        assert!(beat.join().unwrap());
        hub.finished();
    });
}
