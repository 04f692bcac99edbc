//! `Builder::max_help_depth` holds: a worker that waits in `join` or `scope` helps with
//! other work, but never runs more than `max_help_depth` jobs taken from the injector or
//! other workers nested on its stack (the main loop's job counts as one).
//!
//! Each test submits a few `'static` jobs per worker (`PoolExt::execute`, through the pool
//! injector), one more than divides evenly. Each job is a chain of forks (`join(leaf,
//! rest)`, or a `scope` spawning `rest` and running `leaf`) with 1 ms sleeping leaves: an
//! idle worker steals `rest`, the forker finishes its leaf first and waits, and helps
//! meanwhile with the thief's next fork or a queued `'static` job. Left unbounded, this
//! nests 10 to 14 found jobs on one worker.
//!
//! A thread-local counter is raised on entry of every job body a worker *found* (every
//! `'static` job, and every fork running on another thread than the one that forked it)
//! and lowered on exit: exactly the pool's own accounting, in which the main loop's job
//! counts as one. So its maximum must not exceed `max_help_depth`; and it must reach 2
//! where the bound allows helping (2 exactly for a bound of 2), so the tests cannot pass
//! without helping. Each body runs under a watchdog, so a deadlock fails.
//!
//! The tests also print (`--nocapture`) the most stack found between a waiting fork and a
//! found job's body nested in it: what the pool's frames add per level of helping (not
//! under miri, whose locals are separate allocations rather than a real stack).

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::ThreadId;
use std::time::Duration;

use pool_core::{Pool, PoolExt};
use pool_work_stealing::{join, scope, WorkStealingPool};

/// A leaf's work: long enough for an idle worker to steal its sibling.
const SLOW: Duration = Duration::from_millis(1);

/// `'static` jobs submitted per worker.
const JOBS_PER_WORKER: usize = 2;

/// Links of each job's fork-join chain.
const LINKS: u32 = if cfg!(miri) { 4 } else { 24 };

/// Runs `body` on a thread and fails if it does not finish in time.
fn watchdog<R: Send + 'static>(what: &str, body: impl FnOnce() -> R + Send + 'static) -> R {
    let (done, finished) = mpsc::channel();
    let runner = std::thread::spawn(move || {
        let result = body();
        let _ = done.send(());
        result
    });
    let limit = if cfg!(miri) { 600 } else { 20 };
    match finished.recv_timeout(Duration::from_secs(limit)) {
        Ok(()) => runner.join().expect("body"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match runner.join() {
            Ok(_) => unreachable!("the body returned without reporting"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("deadlock: {what} did not finish"),
    }
}

thread_local! {
    /// How many found jobs are running nested on this thread's stack right now.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Where the innermost `join`/`scope` call running on this thread was made (a stack
    /// address), or 0.
    static FORK_SITE: Cell<usize> = const { Cell::new(0) };
}

/// What the workload saw, over every worker.
#[derive(Default)]
struct Probe {
    /// The deepest nesting of found jobs on any one thread.
    max_depth: AtomicUsize,
    /// Found jobs that started with another found job already on their thread's stack.
    helped: AtomicUsize,
    /// `'static` jobs that started with another found job already on their thread's stack.
    helped_with_pool_jobs: AtomicUsize,
    /// Forks (`join`'s `b`, `scope` spawns) run by another thread than their forker.
    stolen_forks: AtomicUsize,
    /// The most stack, in bytes, between a waiting `join`/`scope` call and the body of a
    /// found job nested in it: what the pool adds per level of helping, on top of the jobs'
    /// own frames (diagnostics, printed by `assert_bounded`).
    helping_frames: AtomicUsize,
}

/// Marks a found job running on this thread until dropped.
struct Found;

impl Found {
    fn enter(probe: &Probe) -> Found {
        let depth = DEPTH.get() + 1;
        DEPTH.set(depth);
        probe.max_depth.fetch_max(depth, Ordering::Relaxed);
        if depth > 1 {
            probe.helped.fetch_add(1, Ordering::Relaxed);
            // A nested found job runs inside the wait of the innermost fork on this stack.
            let frames = FORK_SITE.get().abs_diff(stack_address(&depth));
            probe.helping_frames.fetch_max(frames, Ordering::Relaxed);
        }
        Found
    }

    /// Marks a fork of `forker`'s as found if it runs on another thread (a thief took it
    /// from `forker`'s deque); on the forker's own thread it is an own-deque job, which the
    /// pool does not count.
    fn if_stolen(probe: &Probe, forker: ThreadId) -> Option<Found> {
        (std::thread::current().id() != forker).then(|| {
            probe.stolen_forks.fetch_add(1, Ordering::Relaxed);
            Found::enter(probe)
        })
    }
}

impl Drop for Found {
    fn drop(&mut self) {
        DEPTH.set(DEPTH.get() - 1);
    }
}

/// The stack address of `local`.
fn stack_address(local: &usize) -> usize {
    std::hint::black_box(local) as *const usize as usize
}

/// How each `'static` job forks.
#[derive(Clone, Copy, Debug)]
enum Wait {
    /// A chain of `join(leaf, rest)`.
    Join,
    /// A chain of `scope`s, each spawning the rest of the chain and running a leaf.
    Scope,
}

/// A fork-join chain of `links` links: each link forks the rest of the chain and runs one
/// sleeping leaf itself, so an idle worker steals the rest and the forker, done first,
/// waits for it and helps meanwhile (typically by stealing the thief's next fork).
fn chain(probe: &Probe, links: u32, wait: Wait) {
    let leaf = || std::thread::sleep(SLOW);
    if links == 0 {
        return leaf();
    }
    let forker = std::thread::current().id();
    let site = 0;
    let outer_site = FORK_SITE.replace(stack_address(&site));
    let rest = || {
        let _found = Found::if_stolen(probe, forker);
        chain(probe, links - 1, wait);
    };
    match wait {
        Wait::Join => {
            join(leaf, rest);
        }
        Wait::Scope => scope(|s| {
            s.spawn(|_| rest());
            leaf();
        }),
    }
    FORK_SITE.set(outer_site);
}

/// Floods a pool of `workers` workers and bound `max_help_depth` with `'static` jobs
/// that each run a fork-join chain as `wait` says; returns what the probe saw.
fn flood(workers: usize, max_help_depth: usize, wait: Wait) -> Arc<Probe> {
    let jobs = JOBS_PER_WORKER * workers + 1;
    let what = format!("{workers} workers, max_help_depth {max_help_depth}, {wait:?}");
    watchdog(&what.clone(), move || {
        let pool = WorkStealingPool::builder()
            .workers(workers)
            .max_help_depth(max_help_depth)
            .build()
            .expect("pool");
        let probe = Arc::new(Probe::default());
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..jobs {
            let (probe, ran) = (Arc::clone(&probe), Arc::clone(&ran));
            pool.execute(move || {
                let _found = Found::enter(&probe);
                if DEPTH.get() > 1 {
                    probe.helped_with_pool_jobs.fetch_add(1, Ordering::Relaxed);
                }
                chain(&probe, LINKS, wait);
                ran.fetch_add(1, Ordering::Relaxed);
            })
            .expect("open pool");
        }
        pool.wait_idle().expect("outside the pool");
        assert_eq!(ran.load(Ordering::Relaxed), jobs, "{what}: every job ran");
        assert_eq!(pool.metrics().panicked, 0, "{what}: no job panicked");
        probe
    })
}

/// Asserts the bound held, that some fork was stolen (so its forker had to wait) and, for
/// a bound above 1, that helping nested found jobs.
fn assert_bounded(probe: &Probe, max_help_depth: usize, what: &str) {
    let max = probe.max_depth.load(Ordering::Relaxed);
    let helped = probe.helped.load(Ordering::Relaxed);
    let stolen = probe.stolen_forks.load(Ordering::Relaxed);
    eprintln!(
        "{what}: max nesting {max}, {helped} found jobs nested ({} of them 'static), \
         {stolen} forks stolen, up to {} bytes of pool frames per level of helping",
        probe.helped_with_pool_jobs.load(Ordering::Relaxed),
        probe.helping_frames.load(Ordering::Relaxed),
    );
    assert!(
        max <= max_help_depth,
        "{what}: {max} found jobs nested on one worker, over max_help_depth {max_help_depth}"
    );
    assert!(
        stolen > 0,
        "{what}: no fork was stolen, so nobody had to wait"
    );
    if max_help_depth > 1 {
        assert!(
            max >= 2,
            "{what}: no worker helped while waiting ({stolen} forks stolen)"
        );
    }
}

fn check_help_depth_1(wait: Wait) {
    let probe = flood(2, 1, wait);
    let what = format!("2 workers, max_help_depth 1, {wait:?}");
    assert_bounded(&probe, 1, &what);
    assert_eq!(probe.helped.load(Ordering::Relaxed), 0, "{what}");
}

fn check_help_depth_2(wait: Wait) {
    let probe = flood(2, 2, wait);
    let what = format!("2 workers, max_help_depth 2, {wait:?}");
    assert_bounded(&probe, 2, &what);
    assert_eq!(probe.max_depth.load(Ordering::Relaxed), 2, "{what}");
}

fn check_help_depth_4(wait: Wait) {
    let probe = flood(8, 4, wait);
    let what = format!("8 workers, max_help_depth 4, {wait:?}");
    assert_bounded(&probe, 4, &what);
    assert!(
        probe.helped_with_pool_jobs.load(Ordering::Relaxed) > 0,
        "{what}: no waiting worker helped with a queued 'static job"
    );
}

#[test]
fn help_depth_0_is_taken_as_1() {
    let probe = flood(2, 0, Wait::Join);
    let what = "2 workers, max_help_depth 0, Join";
    assert_bounded(&probe, 1, what);
    assert_eq!(probe.helped.load(Ordering::Relaxed), 0, "{what}");
}

#[test]
fn help_depth_1_join_runs_only_the_main_loops_job() {
    check_help_depth_1(Wait::Join);
}

#[test]
fn help_depth_1_scope_runs_only_the_main_loops_job() {
    check_help_depth_1(Wait::Scope);
}

#[test]
fn help_depth_2_join_nests_exactly_two_found_jobs() {
    check_help_depth_2(Wait::Join);
}

#[test]
fn help_depth_2_scope_nests_exactly_two_found_jobs() {
    check_help_depth_2(Wait::Scope);
}

#[test]
fn help_depth_4_join_holds_with_8_workers_on_2_cores() {
    check_help_depth_4(Wait::Join);
}

#[test]
fn help_depth_4_scope_holds_with_8_workers_on_2_cores() {
    check_help_depth_4(Wait::Scope);
}
