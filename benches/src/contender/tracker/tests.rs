//! The tracker's protocol under stress: many more threads than cores (workers running
//! tree tasks that add children, submitters that wait for their own trees, and bystander
//! waiters), so that a lost wake-up shows as a watchdog timeout, an early return as a
//! submitter whose tasks are not all finished when `wait` returns, and a lost or doubled
//! panic report as a wrong total.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use pool_core::Job;

use super::*;

/// The toy pool's queue: `None` tells a worker to stop.
type Queue = Sender<Option<Node>>;

/// A task of the toy pool: it may send children to the pool it runs on.
struct Node(Box<dyn FnOnce(&Queue) + Send>);

const WORKERS: usize = 6;
const SUBMITTERS: usize = 4;
const BYSTANDERS: usize = 2;
const ROUNDS: u32 = 200;
const ROOTS: u32 = 8;
const DEPTH: u32 = 3;

struct Tree {
    tracker: &'static Tracker,
    finished: AtomicU64,
    panics: Arc<AtomicU64>,
}

/// A binary tree of `depth` below this node; every fifth leaf panics after counting.
fn node(t: &Arc<Tree>, depth: u32, index: u32) -> Node {
    let t = Arc::clone(t);
    Node(Box::new(move |pool: &Queue| {
        t.tracker.run_fn(|| {
            if depth > 0 {
                for i in 0..2 {
                    t.tracker.add();
                    let sent = pool.send(Some(node(&t, depth - 1, index * 2 + i)));
                    assert!(sent.is_ok(), "toy pool closed early");
                }
            }
            t.finished.fetch_add(1, Ordering::SeqCst);
            if depth == 0 && index % 5 == 0 {
                t.panics.fetch_add(1, Ordering::SeqCst);
                std::panic::resume_unwind(Box::new("leaf panics on purpose"));
            }
        });
    }))
}

fn worker(queue: &Mutex<Receiver<Option<Node>>>, pool: &Queue) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match next {
            Ok(Some(n)) => (n.0)(pool),
            Ok(None) | Err(_) => return,
        }
    }
}

fn record(reported: &AtomicU64, waited: Result<(), ContenderError>) {
    if let Err(ContenderError::Panicked(n)) = waited {
        reported.fetch_add(n, Ordering::SeqCst);
    }
}

/// Returns (panics injected, panics reported by every `wait`).
fn stress() -> (u64, u64) {
    let tracker = Tracker::leaked();
    let injected = Arc::new(AtomicU64::new(0));
    let reported = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<Option<Node>>();
    let rx = Arc::new(Mutex::new(rx));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (rx, tx) = (Arc::clone(&rx), tx.clone());
            std::thread::spawn(move || worker(&rx, &tx))
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let bystanders: Vec<_> = (0..BYSTANDERS)
        .map(|_| {
            let (stop, reported) = (Arc::clone(&stop), Arc::clone(&reported));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    record(&reported, tracker.wait());
                }
            })
        })
        .collect();
    let per_root = (1_u64 << (DEPTH + 1)) - 1;
    let submitters: Vec<_> = (0..SUBMITTERS)
        .map(|_| {
            let (tx, injected, reported) =
                (tx.clone(), Arc::clone(&injected), Arc::clone(&reported));
            std::thread::spawn(move || {
                for _ in 0..ROUNDS {
                    let t = Arc::new(Tree {
                        tracker,
                        finished: AtomicU64::new(0),
                        panics: Arc::clone(&injected),
                    });
                    for root in 0..ROOTS {
                        tracker.add();
                        assert!(tx.send(Some(node(&t, DEPTH, root))).is_ok());
                    }
                    record(&reported, tracker.wait());
                    assert_eq!(
                        t.finished.load(Ordering::SeqCst),
                        u64::from(ROOTS) * per_root,
                        "wait returned before every task of this submitter finished"
                    );
                }
            })
        })
        .collect();
    for s in submitters {
        s.join().expect("submitter");
    }
    stop.store(true, Ordering::Relaxed);
    for b in bystanders {
        b.join().expect("bystander");
    }
    for _ in 0..WORKERS {
        assert!(tx.send(None).is_ok());
    }
    for w in workers {
        w.join().expect("worker");
    }
    record(&reported, tracker.wait());
    (
        injected.load(Ordering::SeqCst),
        reported.load(Ordering::SeqCst),
    )
}

#[test]
fn no_lost_wake_up_no_early_return_every_panic_reported_once() {
    let (done_tx, done_rx) = mpsc::channel();
    let body = std::thread::spawn(move || {
        let counts = stress();
        let _ = done_tx.send(());
        counts
    });
    let finished = done_rx.recv_timeout(Duration::from_secs(120));
    assert!(
        finished.is_ok(),
        "deadlock: a waiter was never woken (watchdog)"
    );
    let (injected, reported) = body.join().expect("stress body");
    assert!(injected > 0);
    assert_eq!(reported, injected);
}

#[test]
fn wait_reports_panics_once_and_jobs_run_once() {
    let t = Tracker::leaked();
    let ran = Arc::new(AtomicU64::new(0));
    let r = Arc::clone(&ran);
    t.add();
    t.add();
    let waiter = std::thread::spawn(move || t.wait());
    t.run(Job::new(move || {
        r.fetch_add(1, Ordering::SeqCst);
    }));
    t.run(Job::new(|| panic!("boom")));
    assert_eq!(
        waiter.join().expect("waiter"),
        Err(ContenderError::Panicked(1))
    );
    assert_eq!(t.wait(), Ok(()));
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn a_guard_dropped_by_unwinding_counts_a_panic() {
    let t = Arc::new(Tracker::new());
    let g = Tracker::guard(Arc::clone(&t));
    let unwound = std::thread::spawn(move || {
        let _g = g;
        std::panic::resume_unwind(Box::new("unwinds through the guard"));
    })
    .join();
    assert!(unwound.is_err());
    assert_eq!(t.wait(), Err(ContenderError::Panicked(1)));
}

/// One task at a time, finished after a varying delay, the waiter waiting for each: the
/// last `done` races the waiter's parking every round, so a wake-up lost between them
/// hangs a round and trips the watchdog.
#[test]
fn a_wait_racing_the_last_done_is_always_woken() {
    let t = Tracker::leaked();
    let (tx, rx) = mpsc::channel::<u32>();
    std::thread::spawn(move || {
        for spins in rx {
            (0..spins).for_each(|_| std::hint::spin_loop());
            t.done();
        }
    });
    let (finished_tx, finished_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for i in 0..100_000_u32 {
            t.add();
            tx.send((i % 64) * 16).expect("worker alive");
            t.wait().expect("no panics");
        }
        let _ = finished_tx.send(());
    });
    assert!(
        finished_rx.recv_timeout(Duration::from_secs(60)).is_ok(),
        "a wait was never woken"
    );
}

/// A root task adds a child (run by another thread) just before it finishes, with a
/// varying delay: `wait` must not return before the child has run, which it would if the
/// waiter could see the root's `done` without the child's `add`.
#[test]
fn a_child_added_by_a_finishing_task_is_waited_for() {
    let t = Tracker::leaked();
    let (child_tx, child_rx) = mpsc::channel::<Arc<AtomicBool>>();
    let (root_tx, root_rx) = mpsc::channel::<(u32, Arc<AtomicBool>)>();
    std::thread::spawn(move || {
        for ran in child_rx {
            ran.store(true, Ordering::SeqCst);
            t.done();
        }
    });
    std::thread::spawn(move || {
        for (spins, ran) in root_rx {
            (0..spins).for_each(|_| std::hint::spin_loop());
            t.add();
            child_tx.send(ran).expect("child runner alive");
            t.done();
        }
    });
    for i in 0..100_000_u32 {
        let ran = Arc::new(AtomicBool::new(false));
        t.add();
        root_tx
            .send(((i % 32) * 8, Arc::clone(&ran)))
            .expect("root runner alive");
        t.wait().expect("no panics");
        assert!(
            ran.load(Ordering::SeqCst),
            "wait returned before the child ran ({i})"
        );
    }
}
