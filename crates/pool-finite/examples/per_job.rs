//! Runs `n` empty fire-and-forget jobs from one submitter on one worker, on pool-finite or on
//! the bare crossbeam-channel loop it is built on, for an instruction count under callgrind
//! (`scripts/callgrind-per-job.sh` runs both at two sizes and prints the difference per job).
//!
//! The worker starts draining only once every job is queued, so that the count is the cost of
//! a job on each side and not of how valgrind happens to interleave the two threads (a worker
//! that keeps finding the queue empty blocks and is woken, which costs far more than a job).
//!
//! ```text
//! cargo run --release -p pool-finite --example per_job -- <pool|loop> <n>
//! ```

use std::hint::black_box;
use std::process::ExitCode;

use pool_core::{Pool, PoolExt};
use pool_finite::FinitePool;

fn empty() {
    black_box(());
}

/// pool-finite: the worker held by a gate job while each job is `execute`d, then
/// `wait_idle`. Returns the jobs completed (the gate excluded).
fn pool(n: u64) -> u64 {
    let pool = FinitePool::builder()
        .workers(1)
        .build()
        .expect("one worker builds");
    let (open, gate) = crossbeam_channel::bounded::<()>(0);
    pool.execute(move || {
        let _ = gate.recv();
    })
    .expect("open pool");
    for _ in 0..n {
        pool.execute(empty).expect("open pool");
    }
    open.send(()).expect("the gate job waits");
    pool.wait_idle().expect("from outside the pool");
    pool.close_and_join().completed - 1
}

/// The bare loop: every job sent, then one worker `for job in rx { job() }` started, and the
/// sender dropped to end it.
fn bare_loop(n: u64) -> u64 {
    let (tx, rx) = crossbeam_channel::unbounded::<Box<dyn FnOnce() + Send>>();
    for _ in 0..n {
        tx.send(Box::new(empty)).expect("receiver alive");
    }
    drop(tx);
    let worker = std::thread::spawn(move || {
        let mut ran = 0;
        for job in rx {
            job();
            ran += 1;
        }
        ran
    });
    worker.join().expect("no panic")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args.get(1).and_then(|s| s.parse::<u64>().ok());
    let (ran, n) = match (args.first().map(String::as_str), n) {
        (Some("pool"), Some(n)) => (pool(n), n),
        (Some("loop"), Some(n)) => (bare_loop(n), n),
        _ => {
            eprintln!("usage: per_job <pool|loop> <n>");
            return ExitCode::from(2);
        }
    };
    assert_eq!(ran, n, "every job ran");
    println!("{ran} jobs");
    ExitCode::SUCCESS
}
