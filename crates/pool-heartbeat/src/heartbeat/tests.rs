//! Loom models of the hand-off, with the real `Hub` and real stack jobs. A lost wake-up
//! leaves a thread parked forever, which loom reports as a deadlock; a fork run twice or
//! never shows in the run counts.

use pool_core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// The heartbeat thread parked while the pool is idle wakes when a worker takes
/// fork-join work.
#[test]
fn loom_heartbeat_thread_wakes_when_fork_join_work_is_taken() {
    loom::model(|| {
        let hub = Arc::new(Hub::new(1, None));
        let beat = {
            let hub = hub.clone();
            thread::spawn(move || hub.wait_for_activity())
        };
        let job = StackJob::new(Waiter::Worker(0), || ());
        // SAFETY: `job` stays in this frame until its `done` is set below.
        let job_ref = unsafe { job.as_job_ref() };
        assert!(hub.inject(job_ref));
        let work = hub.try_take();
        assert!(work.is_some());
        // Still running (not `finished`): the heartbeat thread must see the activity.
        assert!(beat.join().unwrap());
        if let Some(work) = work {
            run(&hub, work);
        }
        assert!(job.is_done());
    });
}

/// A `'static` job does not wake the heartbeat thread when taken, but its first recorded
/// fork does (`wake_heartbeat`), unless the thread was not parked yet, in which case it
/// sees the job running and does not park. (The relaxed look may miss a thread that is
/// parking at that instant; the model checks the case where the look comes after it
/// parked, which is what a worker whose job runs for longer than a context switch sees.)
#[test]
fn loom_first_fork_of_a_static_job_wakes_the_heartbeat_thread() {
    loom::model(|| {
        let hub = Arc::new(Hub::new(1, None));
        hub.submit(Job::new(|| ()), false, false, || ())
            .unwrap_or_else(|_| panic!("open hub"));
        let work = hub.try_take();
        assert!(work.is_some());
        let returned = Arc::new(AtomicBool::new(false));
        let beat = {
            let (hub, returned) = (hub.clone(), returned.clone());
            thread::spawn(move || {
                let active = hub.wait_for_activity();
                returned.store(true, Ordering::Relaxed);
                active
            })
        };
        // The worker's first fork: look until the thread is parked or has seen the job.
        while !returned.load(Ordering::Relaxed) && !hub.beat_asleep.load(Ordering::Relaxed) {
            thread::yield_now();
        }
        hub.wake_heartbeat();
        assert!(beat.join().unwrap());
        if let Some(work) = work {
            run(&hub, work);
        }
    });
}
