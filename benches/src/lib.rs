//! # pool-bench: the comparison harness behind the workpools reports
//!
//! It answers the question behind the worker-pool pattern with data: when does bounding
//! the number of workers win, by how much, and which strategy fits which workload.
//!
//! - [`contender`]: the [`Contender`](contender::Contender) trait every pool is driven
//!   through (flat submission, recursive spawning, fork-join, async), and
//!   [`contenders`]: one adapter per pool (rayon with its own `ThreadPool`, tokio,
//!   `threadpool`, one thread per task, sequential; the workpools strategies plug in the
//!   same way);
//! - [`workloads`]: CPU flat and recursive, I/O flat and recursive, mixed, open-loop
//!   latency, idle CPU and memory per queued job; each states its hypothesis and checks
//!   its result;
//! - [`matrix`] and [`runner`]: the cells of a run, each measured in a child process with
//!   a timeout, their repetitions interleaved in shuffled rounds; [`estimate`]: how long a plan takes (`pool-bench run --dry-run`);
//!   [`measure`] and [`stats`]: CPU time, memory, medians, percentiles;
//! - [`fixtures`]: loopback HTTP server and generated files, owned by the parent;
//! - [`report`]: `README.md`, `raw.csv`, `results.json`, `summary.md` (with the "which
//!   pool for which workload" table derived from the data) and SVG figures;
//! - [`app`]: the `pool-bench` command line, and [`terminal`]: what it shows at the end
//!   of a run.
//!
//! ```no_run
//! // What `pool-bench` (no arguments) does: the quick matrix into target/pool-bench/.
//! let args = pool_bench::app::RunArgs::default();
//! let all_correct = pool_bench::app::run(&args, "pool-bench".into()).expect("run");
//! assert!(all_correct);
//! ```

pub mod app;
pub mod contender;
pub mod contenders;
pub mod estimate;
pub mod external;
pub mod fixtures;
pub mod machine;
pub mod matrix;
pub mod measure;
pub mod record;
pub mod report;
pub mod runner;
pub mod stats;
pub mod terminal;
pub mod workloads;
