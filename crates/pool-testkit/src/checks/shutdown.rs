//! Shutdown accounts for every submission: `submitted == completed + panicked + discarded +
//! rejected`, and nothing is silently lost when shutdown races submitters.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::{PoolExt, ShutdownMode};
use rand::{Rng, SeedableRng};

use super::{config, occupy_all_workers, scaled, Build};
use crate::{eventually, with_watchdog, DEADLOCK};

/// Graceful shutdown drains the queue: every accepted job completes or panics, none is
/// discarded, and calling shutdown again returns the same report.
pub fn graceful_shutdown_accounting(build: Build, workers: usize) {
    with_watchdog("graceful_shutdown_accounting", DEADLOCK, move || {
        let pool = build(config(workers));
        let ran = Arc::new(AtomicU64::new(0));
        let n = scaled(10_000) as u64;
        for i in 0..n {
            let ran = ran.clone();
            pool.execute(move || {
                ran.fetch_add(1, Ordering::Relaxed);
                assert!(i % 100 != 0, "every hundredth job panics");
            })
            .unwrap_or_else(|_| panic!("open pool"));
        }
        let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
        assert_eq!(
            ran.load(Ordering::Relaxed),
            n,
            "graceful shutdown ran every job"
        );
        assert_eq!(report.submitted, n);
        assert_eq!(report.panicked, n.div_ceil(100));
        assert_eq!(report.completed, n - n.div_ceil(100));
        assert_eq!(report.discarded, 0);
        assert!(report.is_balanced(), "{report:?}");
        let again = pool.shutdown(ShutdownMode::Immediate).expect("idempotent");
        assert_eq!(
            again, report,
            "a second shutdown returns the same accounting"
        );
    });
}

/// Immediate shutdown discards queued jobs (their handles report cancelled) without waiting
/// for running ones to finish first, lets running jobs finish, and accounts for all.
pub fn immediate_shutdown_discards_queue(build: Build, workers: usize) {
    with_watchdog("immediate_shutdown_discards_queue", DEADLOCK, move || {
        let pool = build(config(workers));
        let release = occupy_all_workers(&*pool, workers);
        let queued = scaled(1000);
        let handles: Vec<_> = (0..queued)
            .map(|i| {
                pool.spawn(move || i)
                    .unwrap_or_else(|_| panic!("open pool"))
            })
            .collect();
        let shutter = {
            let pool = pool.clone();
            std::thread::spawn(move || pool.shutdown(ShutdownMode::Immediate))
        };
        let q = queued as u64;
        eventually("immediate shutdown discards the queue", || {
            pool.metrics().cancelled == q
        });
        release.open();
        let report = shutter
            .join()
            .expect("shutdown does not panic")
            .expect("shutdown from outside");
        assert_eq!(report.discarded, q, "{report:?}");
        assert_eq!(
            report.completed, workers as u64,
            "the running blockers finished"
        );
        assert!(report.is_balanced(), "{report:?}");
        for h in handles {
            let err = h.join().expect_err("a discarded job never ran");
            assert!(err.is_cancelled(), "{err:?}");
        }
    });
}

/// Several submitters race a shutdown at a random moment: each job is either run, discarded,
/// or handed back to its submitter, and the counts add up exactly.
pub fn shutdown_racing_submitters(build: Build, workers: usize) {
    with_watchdog("shutdown_racing_submitters", DEADLOCK, move || {
        for seed in 0..4u64 {
            let pool = build(config(workers));
            let executed = Arc::new(AtomicU64::new(0));
            let go = Arc::new(AtomicBool::new(false));
            let submitters: Vec<_> = (0..4)
                .map(|_| {
                    let (pool, executed, go) = (pool.clone(), executed.clone(), go.clone());
                    std::thread::spawn(move || {
                        while !go.load(Ordering::Acquire) {
                            std::hint::spin_loop();
                        }
                        let (mut accepted, mut rejected) = (0u64, 0u64);
                        loop {
                            let executed = executed.clone();
                            let result = pool.execute(move || {
                                executed.fetch_add(1, Ordering::Relaxed);
                            });
                            match result {
                                Ok(()) => accepted += 1,
                                Err(e) if e.is_closed() => {
                                    rejected += 1;
                                    return (accepted, rejected);
                                }
                                Err(_) => rejected += 1,
                            }
                        }
                    })
                })
                .collect();
            let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
            let mode = if seed % 2 == 0 {
                ShutdownMode::Graceful
            } else {
                ShutdownMode::Immediate
            };
            go.store(true, Ordering::Release);
            std::thread::sleep(Duration::from_micros(rng.random_range(0..3000)));
            let report = pool.shutdown(mode).expect("from outside");
            let (mut accepted, mut rejected) = (0, 0);
            for s in submitters {
                let (a, r) = s.join().expect("submitter does not panic");
                accepted += a;
                rejected += r;
            }
            let executed = executed.load(Ordering::Relaxed);
            // Rejections can land after `shutdown` returned (a submitter's first `Closed`),
            // so the submission side is checked on the final metrics; what ran or was
            // discarded was settled when `shutdown` returned.
            let m = pool.metrics();
            assert_eq!(m.submitted, accepted + rejected, "{mode:?} {m:?}");
            assert_eq!(m.rejected, rejected, "{mode:?} {m:?}");
            assert_eq!(report.completed, executed, "{mode:?} {report:?}");
            assert_eq!(executed + report.discarded, accepted, "{mode:?} {report:?}");
            if mode == ShutdownMode::Graceful {
                assert_eq!(report.discarded, 0, "graceful shutdown drains: {report:?}");
            }
            assert!(m.is_balanced(), "{mode:?} {m:?}");
        }
    });
}
