//! Every adapter, at several worker counts (more than the cores included): each
//! capability either works exactly once per task or answers `Unsupported`; panics are
//! reported by `wait`, never lost, and the contender keeps working. A watchdog turns a
//! deadlock into a failure.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use pool_core::Job;

use super::{all, Program, Sizing};
use crate::contender::{Contender, ContenderError, Forker, IoMode, Spawner, TreeTask, Work};

fn with_watchdog(name: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let t = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(()) => t.join().expect("test body"),
        Err(_) => match t.join() {
            Err(p) => std::panic::resume_unwind(p),
            Ok(()) => panic!("{name}: deadlock (watchdog)"),
        },
    }
}

fn each(f: fn(&dyn Contender)) {
    each_of(all().into_iter().filter(|e| !e.flat_only), f, false);
}

/// Like [`each`], with the harness floor too: for flat submission only, on the
/// contenders that have it (chili answers `Unsupported`, which a probe checks).
fn each_flat(f: fn(&dyn Contender)) {
    each_of(all().into_iter(), f, true);
}

fn each_of(entries: impl Iterator<Item = super::Entry>, f: fn(&dyn Contender), flat: bool) {
    // External contenders are driven by their own program, not through `Contender`.
    for e in entries.filter(|e| e.program == Program::InProcess) {
        for w in [1, 2, 8] {
            if (e.single || !e.bounded) && w > 1 {
                continue;
            }
            // A size the contender cannot take (chili at one worker) is recorded as
            // unsupported by the harness; there is nothing to run here.
            let c = match (e.build)(Sizing::workers(w)) {
                Ok(c) => c,
                Err(ContenderError::Unsupported(_)) => continue,
                Err(err) => panic!("build {} at {w}: {err}", e.name),
            };
            if flat {
                match c.submit(Job::new(|| ()), Work::Cpu) {
                    Err(ContenderError::Unsupported(_)) => continue,
                    probe => probe.expect("probe submit"),
                }
                c.wait().expect("probe wait");
            }
            with_watchdog(e.name, move || f(c.as_ref()));
        }
    }
}

#[test]
fn submit_runs_each_task_exactly_once() {
    each_flat(|c| {
        let n = 500;
        let hits: Arc<Vec<AtomicU8>> = Arc::new((0..n).map(|_| AtomicU8::new(0)).collect());
        for i in 0..n {
            let hits = Arc::clone(&hits);
            let work = if i % 2 == 0 {
                Work::Cpu
            } else {
                Work::Blocking
            };
            c.submit(
                Job::new(move || {
                    hits[i].fetch_add(1, Ordering::Relaxed);
                }),
                work,
            )
            .expect("submit");
        }
        c.wait().expect("wait");
        assert!(
            hits.iter().all(|h| h.load(Ordering::Relaxed) == 1),
            "{}",
            c.name()
        );
    });
}

fn node(depth: u32, count: Arc<AtomicU64>) -> TreeTask {
    Box::new(move |s: &dyn Spawner| {
        count.fetch_add(1, Ordering::Relaxed);
        if depth > 0 {
            s.spawn(node(depth - 1, Arc::clone(&count)));
            s.spawn(node(depth - 1, count));
        }
    })
}

#[test]
fn spawn_tree_runs_every_node_once() {
    each(|c| {
        let count = Arc::new(AtomicU64::new(0));
        c.spawn_tree(node(8, Arc::clone(&count)))
            .expect("spawn_tree");
        assert_eq!(count.load(Ordering::Relaxed), 511, "{}", c.name());
    });
}

fn fib(f: &dyn Forker, n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (mut a, mut b) = (0, 0);
    f.join(&mut || a = fib(f, n - 1), &mut || b = fib(f, n - 2));
    a + b
}

#[test]
fn fork_join_computes_or_is_unsupported() {
    each(|c| match c.fork_join(&|f: &dyn Forker| fib(f, 12)) {
        Ok(v) => assert_eq!(v, 144, "{}", c.name()),
        Err(e) => assert_eq!(e, ContenderError::Unsupported("fork-join"), "{}", c.name()),
    });
}

#[test]
fn wait_errors_with_panicked_and_the_contender_keeps_working() {
    each_flat(|c| {
        c.submit(Job::new(|| panic!("task panics on purpose")), Work::Cpu)
            .expect("submit");
        assert_eq!(c.wait(), Err(ContenderError::Panicked(1)), "{}", c.name());
        let ran = Arc::new(AtomicU64::new(0));
        let r = Arc::clone(&ran);
        c.submit(
            Job::new(move || {
                r.fetch_add(1, Ordering::Relaxed);
            }),
            Work::Cpu,
        )
        .expect("submit");
        assert_eq!(c.wait(), Ok(()));
        assert_eq!(ran.load(Ordering::Relaxed), 1);
    });
}

#[test]
fn spawn_tree_errors_with_panicked() {
    each(|c| {
        let r = c.spawn_tree(Box::new(|s: &dyn Spawner| {
            s.spawn(Box::new(|_: &dyn Spawner| panic!("child panics")))
        }));
        assert!(
            matches!(r, Err(ContenderError::Panicked(_))),
            "{}: {r:?}",
            c.name()
        );
    });
}

#[test]
fn submit_async_runs_futures_or_is_unsupported() {
    each(|c| {
        let done = Arc::new(AtomicU64::new(0));
        let d = Arc::clone(&done);
        let r = c.submit_async(Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            d.fetch_add(1, Ordering::Relaxed);
        }));
        match c.io_mode() {
            IoMode::Async => {
                r.expect("async contender runs futures");
                c.wait().expect("wait");
                assert_eq!(done.load(Ordering::Relaxed), 1);
            }
            IoMode::Blocking => assert_eq!(r, Err(ContenderError::Unsupported("async tasks"))),
        }
    });
}

#[test]
fn names_are_unique_and_match_the_adapters() {
    let entries = all();
    for (i, e) in entries.iter().enumerate() {
        assert!(entries[i + 1..].iter().all(|o| o.name != e.name));
        match e.program {
            Program::InProcess => {
                assert_eq!((e.build)(Sizing::workers(2)).expect("build").name(), e.name);
            }
            Program::Go => assert!(matches!(
                (e.build)(Sizing::workers(2)),
                Err(ContenderError::Unsupported(_))
            )),
        }
    }
    assert!(super::find("rayon").is_some() && super::find("nope").is_none());
}

#[test]
fn threadpool_new_errors_on_zero_workers() {
    assert!(matches!(
        super::ThreadpoolCrate::new(0),
        Err(ContenderError::Failed(_))
    ));
}

#[test]
fn rayon_and_tokio_new_build_with_one_worker() {
    assert_eq!(super::RayonPool::new(1).expect("rayon").workers(), Some(1));
    assert_eq!(
        super::TokioRuntime::new(1).expect("tokio").workers(),
        Some(1)
    );
}

#[test]
fn the_floor_runs_jobs_inside_submit_and_offers_nothing_else() {
    let floor = super::Floor::new();
    let ran = Arc::new(AtomicU64::new(0));
    let r = Arc::clone(&ran);
    floor
        .submit(
            Job::new(move || {
                r.fetch_add(1, Ordering::Relaxed);
            }),
            Work::Cpu,
        )
        .expect("submit");
    assert_eq!(ran.load(Ordering::Relaxed), 1, "ran before submit returned");
    assert!(!floor.queues());
    assert!(matches!(
        floor.spawn_tree(Box::new(|_: &dyn Spawner| {})),
        Err(ContenderError::Unsupported(_))
    ));
    let entry = super::find("floor").expect("registered");
    assert_eq!((entry.kind(), entry.flat_only), ("harness floor", true));
}

#[test]
fn async_runs_blocking_closures_through_its_pool() {
    let c = super::Async::new(Sizing::workers(2)).expect("async");
    let before = c.pool_metrics().completed;
    for _ in 0..10 {
        c.submit(Job::new(|| {}), Work::Blocking).expect("submit");
    }
    c.wait().expect("wait");
    assert_eq!(c.pool_metrics().completed - before, 10);
}
