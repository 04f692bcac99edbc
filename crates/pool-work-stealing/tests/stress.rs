//! Stress tests in crossbeam-deque's arc, at the pool level, with more workers than cores:
//! stampede (many thieves on one deque), no starvation, every task exactly once, and lost
//! wake-ups with parking forced on. Each body runs under a watchdog, so a deadlock fails.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use pool_core::{Pool, PoolExt};
use pool_work_stealing::{join, WorkStealingPool};

/// Scales a size down under miri.
fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        (n / 500).max(4)
    } else {
        n
    }
}

/// Runs `body` on a thread and fails if it does not finish in time.
fn watchdog(what: &str, body: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let runner = std::thread::spawn(move || {
        body();
        let _ = done.send(());
    });
    let limit = if cfg!(miri) { 600 } else { 30 };
    match finished.recv_timeout(Duration::from_secs(limit)) {
        Ok(()) => runner.join().expect("body"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = runner.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("deadlock: {what} did not finish"),
    }
}

fn pool(workers: usize) -> WorkStealingPool {
    WorkStealingPool::builder()
        .workers(workers)
        .build()
        .expect("pool")
}

fn bitmap(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

fn assert_each_once(hits: &[AtomicUsize]) {
    for (id, hit) in hits.iter().enumerate() {
        assert_eq!(hit.load(Ordering::Relaxed), 1, "task {id}");
    }
}

#[test]
fn stampede_of_thieves_on_one_deque() {
    watchdog("stampede", || {
        let pool = pool(8);
        let n = scaled(100_000);
        let hits = bitmap(n);
        let thieves = AtomicUsize::new(0);
        pool.scope(|s| {
            let owner = std::thread::current().id();
            for id in 0..n {
                let (hits, thieves) = (&hits, &thieves);
                s.spawn(move |_| {
                    hits[id].fetch_add(1, Ordering::Relaxed);
                    if std::thread::current().id() != owner {
                        thieves.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert_each_once(&hits);
        if !cfg!(miri) {
            assert!(thieves.load(Ordering::Relaxed) > 0, "nobody stole");
        }
    });
}

#[test]
fn no_starvation_of_outside_jobs_while_a_worker_forks() {
    watchdog("no_starvation", || {
        let pool = Arc::new(pool(4));
        let forking = {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_millis(300);
                pool.install(|| {
                    fn tree(depth: u32) -> u64 {
                        if depth == 0 {
                            return 1;
                        }
                        let (a, b) = join(|| tree(depth - 1), || tree(depth - 1));
                        a + b
                    }
                    let mut rounds = 0u64;
                    while Instant::now() < deadline {
                        assert_eq!(tree(if cfg!(miri) { 3 } else { 10 }), {
                            if cfg!(miri) {
                                8
                            } else {
                                1024
                            }
                        });
                        rounds += 1;
                    }
                    rounds
                })
            })
        };
        let n = scaled(1000);
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..n {
            let ran = ran.clone();
            pool.execute(move || {
                ran.fetch_add(1, Ordering::Relaxed);
            })
            .expect("open pool");
        }
        pool.wait_idle().expect("outside");
        assert_eq!(ran.load(Ordering::Relaxed), n);
        assert!(forking.join().expect("forking thread") > 0);
    });
}

#[test]
fn exactly_once_from_many_outside_submitters() {
    watchdog("exactly_once outside", || {
        let pool = Arc::new(pool(8));
        let per = scaled(10_000);
        let hits = bitmap(4 * per);
        let submitters: Vec<_> = (0..4)
            .map(|t| {
                let (pool, hits) = (pool.clone(), hits.clone());
                std::thread::spawn(move || {
                    for i in 0..per {
                        let hits = hits.clone();
                        pool.execute(move || {
                            hits[t * per + i].fetch_add(1, Ordering::Relaxed);
                        })
                        .expect("open pool");
                    }
                })
            })
            .collect();
        for s in submitters {
            s.join().expect("submitter");
        }
        pool.wait_idle().expect("outside");
        assert_each_once(&hits);
        let m = pool.metrics();
        assert_eq!(m.completed, (4 * per) as u64);
        assert!(m.is_balanced(), "{m:?}");
    });
}

#[test]
fn exactly_once_for_jobs_that_submit_jobs_and_join() {
    watchdog("exactly_once nested", || {
        let pool = Arc::new(pool(8));
        let n = scaled(2_000);
        let hits = bitmap(3 * n);
        for i in 0..n {
            let (inner, hits) = (pool.clone(), hits.clone());
            pool.execute(move || {
                let (h1, h2) = (hits.clone(), hits.clone());
                join(
                    move || h1[3 * i].fetch_add(1, Ordering::Relaxed),
                    move || h2[3 * i + 1].fetch_add(1, Ordering::Relaxed),
                );
                inner
                    .execute(move || {
                        hits[3 * i + 2].fetch_add(1, Ordering::Relaxed);
                    })
                    .expect("open pool");
            })
            .expect("open pool");
        }
        pool.wait_idle().expect("outside");
        assert_each_once(&hits);
    });
}

#[test]
fn no_lost_wakeup_when_parking_at_once() {
    // idle_spin(0): every gap parks the workers, so each job needs a real wake-up.
    watchdog("lost wake-up", || {
        for workers in [1, 2, 8] {
            let pool = WorkStealingPool::builder()
                .workers(workers)
                .idle_spin(Duration::ZERO)
                .build()
                .expect("pool");
            for round in 0..scaled(2_000) {
                let handle = pool.spawn(move || round).expect("open pool");
                assert_eq!(handle.join().expect("no panic"), round);
                if round % 64 == 0 {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
        }
    });
}

#[test]
fn bounded_queue_with_inside_submissions_finishes() {
    watchdog("bounded inside", || {
        let pool = Arc::new(
            WorkStealingPool::builder()
                .workers(2)
                .queue_bound(Some(1))
                .build()
                .expect("pool"),
        );
        let ran = Arc::new(AtomicUsize::new(0));
        fn node(pool: Arc<WorkStealingPool>, ran: Arc<AtomicUsize>, depth: u32) {
            ran.fetch_add(1, Ordering::Relaxed);
            if depth == 0 {
                return;
            }
            for _ in 0..2 {
                let (p, r) = (pool.clone(), ran.clone());
                pool.execute(move || node(p, r, depth - 1))
                    .expect("inside submissions are unbounded");
            }
        }
        let depth = if cfg!(miri) { 3 } else { 10 };
        let (p, r) = (pool.clone(), ran.clone());
        pool.execute(move || node(p, r, depth)).expect("open pool");
        pool.wait_idle().expect("outside");
        assert_eq!(ran.load(Ordering::Relaxed), (1 << (depth + 1)) - 1);
    });
}
