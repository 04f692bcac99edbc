//! A worker process running the stock tasks of `pool_distributed::demo`.
//!
//! `pool-distributed-worker <nats-url> <prefix> [concurrency] [max-ack-pending] [ack-wait-ms]`
//! serves until killed. Tests, the example and the benchmark start it as a child process.

use std::process::ExitCode;
use std::time::Duration;

use pool_distributed::{demo, QueueConfig, Worker};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(url), Some(prefix)) = (args.first(), args.get(1)) else {
        eprintln!("usage: pool-distributed-worker <nats-url> <prefix> [concurrency] [max-ack-pending] [ack-wait-ms]");
        return ExitCode::from(2);
    };
    let number = |i: usize, default: u64| -> Result<u64, String> {
        args.get(i).map_or(Ok(default), |s| {
            s.parse().map_err(|e| format!("argument {s:?}: {e}"))
        })
    };
    let parsed = (|| Ok::<_, String>((number(2, 16)?, number(3, 256)?, number(4, 30_000)?)))();
    let (concurrency, max_ack_pending, ack_wait_ms) = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("pool-distributed-worker: {e}");
            return ExitCode::from(2);
        }
    };
    let queue = QueueConfig::new(prefix.as_str())
        .max_ack_pending(u32::try_from(max_ack_pending).unwrap_or(u32::MAX))
        .ack_wait(Duration::from_millis(ack_wait_ms));
    let worker = Worker::new(queue, demo::registry())
        .concurrency(usize::try_from(concurrency).unwrap_or(usize::MAX));
    match worker.run(url) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pool-distributed-worker: {e}");
            ExitCode::FAILURE
        }
    }
}
