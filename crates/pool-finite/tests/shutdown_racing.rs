//! Shutdown racing submitters never loses a job: with several submitter threads and a
//! shutdown at a random moment, executed + handed back + discarded == submitted, for every
//! overflow policy, bounded and unbounded, graceful and immediate.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::{OverflowPolicy, Pool, PoolExt, ShutdownMode, SubmitError};
use pool_finite::FinitePool;
use pool_testkit::with_watchdog;
use rand::{Rng, SeedableRng};

#[derive(Default)]
struct Tally {
    accepted: u64,
    handed_back: u64,
}

fn race(
    seed: u64,
    workers: usize,
    bound: Option<usize>,
    policy: OverflowPolicy,
    mode: ShutdownMode,
) {
    let pool = Arc::new(
        FinitePool::builder()
            .workers(workers)
            .queue_bound(bound)
            .overflow(policy)
            .build()
            .expect("valid pool"),
    );
    let executed = Arc::new(AtomicU64::new(0));
    let go = Arc::new(AtomicBool::new(false));
    let submitters: Vec<_> = (0..4)
        .map(|s| {
            let (pool, executed, go) = (pool.clone(), executed.clone(), go.clone());
            std::thread::spawn(move || {
                while !go.load(Ordering::Acquire) {
                    std::hint::spin_loop();
                }
                let mut tally = Tally::default();
                for i in 0u64.. {
                    let executed = executed.clone();
                    let job = move || {
                        executed.fetch_add(1, Ordering::Relaxed);
                    };
                    // Half the submitters use try_submit, half the policy's submit.
                    let result = if (s + i) % 2 == 0 {
                        pool.try_execute(job)
                    } else {
                        pool.execute(job)
                    };
                    match result {
                        Ok(()) => tally.accepted += 1,
                        Err(SubmitError::Full(_)) => tally.handed_back += 1,
                        Err(SubmitError::Closed(_)) => {
                            tally.handed_back += 1;
                            break;
                        }
                    }
                }
                tally
            })
        })
        .collect();
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    go.store(true, Ordering::Release);
    std::thread::sleep(Duration::from_micros(rng.random_range(0..2000)));
    let report = pool.shutdown(mode).expect("from outside");
    let (mut accepted, mut handed_back) = (0, 0);
    for s in submitters {
        let t = s.join().expect("submitter does not panic");
        accepted += t.accepted;
        handed_back += t.handed_back;
    }
    let executed = executed.load(Ordering::Relaxed);
    let ctx =
        format!("seed {seed} workers {workers} bound {bound:?} {policy:?} {mode:?}: {report:?}");
    assert_eq!(report.completed, executed, "{ctx}");
    assert_eq!(executed + report.discarded, accepted, "{ctx}");
    if mode == ShutdownMode::Graceful {
        assert_eq!(report.discarded, 0, "{ctx}");
    }
    let m = pool.metrics();
    assert_eq!(m.submitted, accepted + handed_back, "{ctx} {m:?}");
    assert_eq!(m.rejected, handed_back, "{ctx} {m:?}");
    assert!(m.is_balanced(), "{ctx} {m:?}");
}

#[test]
fn executed_plus_handed_back_plus_discarded_is_submitted() {
    with_watchdog("shutdown racing", Duration::from_secs(60), || {
        let mut seed = 0;
        for workers in [1, 3] {
            for bound in [None, Some(4)] {
                for policy in [
                    OverflowPolicy::Block,
                    OverflowPolicy::Reject,
                    OverflowPolicy::CallerRuns,
                ] {
                    if bound.is_none() && policy != OverflowPolicy::Block {
                        continue; // the policy only matters for a bounded queue
                    }
                    for mode in [ShutdownMode::Graceful, ShutdownMode::Immediate] {
                        seed += 1;
                        race(seed, workers, bound, policy, mode);
                    }
                }
            }
        }
    });
}
