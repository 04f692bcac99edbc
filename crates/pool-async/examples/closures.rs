//! A driver for instruction counts: `closures <pool|spawn> <n>` runs `n` empty closures
//! through `Pool::submit` (then `wait_idle`), or `n` empty `tokio::spawn` tasks on a runtime
//! of the same size (then waits for the last), and prints how many ran.
//!
//! Per closure, with callgrind: `(I(2n) - I(n)) / n`, so start-up and teardown cancel out
//! (`scripts/callgrind-closures.sh`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pool_async::AsyncPool;
use pool_core::{Pool, PoolExt};

const THREADS: usize = 2;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_default();
    let n: u64 = args.next().unwrap_or_default().parse()?;
    let ran = Arc::new(AtomicU64::new(0));
    match kind.as_str() {
        "pool" => {
            let pool = AsyncPool::builder()
                .concurrency(THREADS)
                .worker_threads(THREADS)
                .build()?;
            for _ in 0..n {
                let ran = ran.clone();
                pool.execute(move || {
                    ran.fetch_add(1, Ordering::Relaxed);
                })
                .map_err(|_| "refused")?;
            }
            pool.wait_idle()?;
        }
        "spawn" => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(THREADS)
                .build()?;
            let last = Arc::new(tokio::sync::Notify::new());
            for _ in 0..n {
                let (ran, last) = (ran.clone(), last.clone());
                rt.spawn(async move {
                    if ran.fetch_add(1, Ordering::Relaxed) + 1 == n {
                        last.notify_one();
                    }
                });
            }
            if n > 0 {
                rt.block_on(last.notified());
            }
        }
        other => return Err(format!("unknown kind {other:?}: pool or spawn").into()),
    }
    println!("{kind}: {} closures ran", ran.load(Ordering::Relaxed));
    Ok(())
}
