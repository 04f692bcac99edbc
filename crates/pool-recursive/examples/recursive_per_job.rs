//! Runs `n` empty fire-and-forget jobs from one outside submitter on one worker, for an
//! instruction count under callgrind (`scripts/callgrind-per-job.sh <n> pool-recursive` runs it at two
//! sizes and prints the difference per job, beside the bare crossbeam loop).
//!
//! ```text
//! cargo run --release -p pool-recursive --example recursive_per_job -- pool <n>
//! ```

use std::process::ExitCode;

use pool_recursive::RecursivePool;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = match (
        args.first().map(String::as_str),
        args.get(1).and_then(|s| s.parse().ok()),
    ) {
        (Some("pool"), Some(n)) => n,
        _ => {
            eprintln!("usage: <example> pool <n>");
            return ExitCode::from(2);
        }
    };
    let pool = RecursivePool::builder()
        .workers(1)
        .build()
        .expect("one worker builds");
    let ran = pool_testkit::paths::gated_execute(&pool, n);
    assert_eq!(ran, n, "every job ran");
    println!("{ran} jobs");
    ExitCode::SUCCESS
}
