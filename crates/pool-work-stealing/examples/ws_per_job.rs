//! Runs `n` empty fire-and-forget jobs from one outside submitter on one worker, for an
//! instruction count under callgrind (`scripts/callgrind-per-job.sh <n> pool-work-stealing` runs it at two
//! sizes and prints the difference per job, beside the bare crossbeam loop).
//!
//! ```text
//! cargo run --release -p pool-work-stealing --example ws_per_job -- pool <n>
//! ```

use std::process::ExitCode;

use pool_work_stealing::WorkStealingPool;

fn main() -> ExitCode {
    let pool = WorkStealingPool::builder()
        .workers(1)
        .build()
        .expect("one worker builds");
    pool_testkit::paths::per_job_main(&pool)
}
