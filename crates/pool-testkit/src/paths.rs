//! The two paths users call most, timed the same way on every pool and on its peers, for
//! each strategy crate's `benches/paths.rs` (issue 16):
//!
//! - **spawn -> join**: `n` closures spawned from one outside thread, then every handle
//!   joined in order; peer: tokio, `Runtime::spawn` from outside, then every `JoinHandle`
//!   awaited in `block_on`;
//! - **execute + wait_idle**: `n` empty fire-and-forget closures from one outside thread,
//!   then `wait_idle`; peer: the bare crossbeam-channel worker loop (`for job in rx { job() }`,
//!   the sender dropped and the workers joined to wait: no counter at all).
//!
//! Each run checks its answer (every job ran, every value came back) so that a broken
//! contender cannot look fast. [`paired`] runs the contenders in interleaved rounds (each
//! once per round, in turn: background drift on a shared machine hits all alike) and
//! [`markdown`] writes the table each crate's README shows.
//!
//! ```
//! use pool_testkit::paths::{crossbeam_loop, paired, Contender};
//! let mut cs = vec![
//!     Contender::new("loop-a", move |n| crossbeam_loop(1, n)),
//!     Contender::new("loop-b", move |n| crossbeam_loop(1, n)),
//! ];
//! let rows = paired("execute + wait_idle", "1w", &mut cs, "loop-a", 1000, 3);
//! assert_eq!(rows.len(), 2);
//! assert!(rows.iter().all(|r| r.ns_per_job.median > 0.0));
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use pool_core::{Pool, PoolExt};

/// One contender: a name and a function from a job count to the time those jobs took.
pub struct Contender {
    name: String,
    run: Box<dyn FnMut(u64) -> Duration>,
}

impl Contender {
    /// A contender named `name` that runs `n` jobs with `run`.
    pub fn new(name: impl Into<String>, run: impl FnMut(u64) -> Duration + 'static) -> Self {
        Contender {
            name: name.into(),
            run: Box::new(run),
        }
    }

    /// The contender's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `n` jobs and returns how long they took.
    pub fn run(&mut self, n: u64) -> Duration {
        (self.run)(n)
    }
}

/// Spawns `n` closures on `pool` from this thread, then joins every handle in order.
///
/// # Panics
/// If the pool refuses a job or a value does not come back (a broken contender).
pub fn spawn_join(pool: &dyn Pool, n: u64) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|i| pool.spawn(move || black_box(i)).expect("open pool"))
        .collect();
    let sum: u64 = handles
        .into_iter()
        .map(|h| h.join().expect("no panic"))
        .sum();
    let elapsed = start.elapsed();
    assert_eq!(sum, n * n.saturating_sub(1) / 2, "every value came back");
    elapsed
}

/// A tokio runtime with `workers` worker threads, for [`tokio_spawn_join`].
///
/// # Panics
/// If the runtime cannot start its threads.
pub fn tokio_runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("tokio runtime starts")
}

/// tokio's spawn -> join: `n` tasks spawned from this (outside) thread with
/// `Runtime::spawn`, then every `JoinHandle` awaited in order inside `block_on`.
///
/// # Panics
/// If a task panics or a value does not come back.
pub fn tokio_spawn_join(rt: &tokio::runtime::Runtime, n: u64) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|i| rt.spawn(async move { black_box(i) }))
        .collect();
    let sum = rt.block_on(async move {
        let mut sum = 0;
        for h in handles {
            sum += h.await.expect("no panic");
        }
        sum
    });
    let elapsed = start.elapsed();
    assert_eq!(sum, n * n.saturating_sub(1) / 2, "every value came back");
    elapsed
}

fn empty() {
    black_box(());
}

/// `execute`s `n` empty closures on `pool` from this thread, then `wait_idle`.
///
/// # Panics
/// If the pool refuses a job or does not count every job completed.
pub fn execute_wait_idle(pool: &dyn Pool, n: u64) -> Duration {
    let before = pool.metrics().completed;
    let start = Instant::now();
    for _ in 0..n {
        pool.execute(empty).expect("open pool");
    }
    pool.wait_idle().expect("from outside the pool");
    let elapsed = start.elapsed();
    assert_eq!(pool.metrics().completed - before, n, "every job ran");
    elapsed
}

/// A boxed job, as a bare loop's channel carries it.
pub type Task = Box<dyn FnOnce() + Send>;

/// The bare worker loop over any channel: `workers` threads `for job in rx { job() }`, `n`
/// boxed empty closures sent from this thread with `send`, the sender dropped and the
/// workers joined (their loops end once the sender is gone and the queue is empty).
///
/// # Panics
/// If a worker panics or the workers do not run `n` jobs in all.
pub fn bare_loop<Tx, Rx>(
    channel: fn() -> (Tx, Rx),
    send: fn(&Tx, Task),
    workers: usize,
    n: u64,
) -> Duration
where
    Rx: IntoIterator<Item = Task> + Clone + Send + 'static,
{
    let start = Instant::now();
    let (tx, rx) = channel();
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || {
                let mut ran = 0u64;
                for job in rx {
                    job();
                    ran += 1;
                }
                ran
            })
        })
        .collect();
    drop(rx);
    for _ in 0..n {
        send(&tx, Box::new(empty));
    }
    drop(tx);
    let ran: u64 = threads
        .into_iter()
        .map(|t| t.join().expect("no panic"))
        .sum();
    let elapsed = start.elapsed();
    assert_eq!(ran, n, "every job ran");
    elapsed
}

/// [`bare_loop`] over an unbounded crossbeam channel.
///
/// # Panics
/// If a worker does not run its share.
pub fn crossbeam_loop(workers: usize, n: u64) -> Duration {
    bare_loop(
        crossbeam_channel::unbounded::<Task>,
        |tx, job| tx.send(job).expect("workers alive"),
        workers,
        n,
    )
}

/// Median and range of a set of figures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The median.
    pub median: f64,
    /// The smallest figure.
    pub min: f64,
    /// The largest figure.
    pub max: f64,
}

impl Spread {
    /// The spread of `xs` (all zero when empty).
    ///
    /// ```
    /// let s = pool_testkit::paths::Spread::of(vec![3.0, 1.0, 2.0]);
    /// assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
    /// ```
    pub fn of(mut xs: Vec<f64>) -> Spread {
        xs.sort_by(f64::total_cmp);
        match (xs.first(), xs.last()) {
            (Some(&min), Some(&max)) => Spread {
                median: xs[xs.len() / 2],
                min,
                max,
            },
            _ => Spread {
                median: 0.0,
                min: 0.0,
                max: 0.0,
            },
        }
    }
}

/// One contender's figures from [`paired`].
#[derive(Clone, Debug)]
pub struct Row {
    /// The path measured.
    pub path: String,
    /// The setting (for example `1w`).
    pub setting: String,
    /// The contender.
    pub name: String,
    /// Nanoseconds per job over the rounds.
    pub ns_per_job: Spread,
    /// Per-round ratio to the baseline's time in the same round.
    pub ratio: Spread,
}

/// Runs every contender once per round, in turn, for `rounds` rounds of `n` jobs, and
/// returns each one's time per job and its per-round ratio to `baseline`.
///
/// # Panics
/// If `baseline` is not one of the contenders.
pub fn paired(
    path: &str,
    setting: &str,
    contenders: &mut [Contender],
    baseline: &str,
    n: u64,
    rounds: usize,
) -> Vec<Row> {
    let base = contenders
        .iter()
        .position(|c| c.name == baseline)
        .expect("the baseline is a contender");
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); contenders.len()];
    for _ in 0..rounds {
        for (i, c) in contenders.iter_mut().enumerate() {
            times[i].push(c.run(n).as_nanos() as f64 / n as f64);
        }
    }
    contenders
        .iter()
        .zip(&times)
        .map(|(c, t)| Row {
            path: path.to_owned(),
            setting: setting.to_owned(),
            name: c.name.clone(),
            ns_per_job: Spread::of(t.clone()),
            ratio: Spread::of(t.iter().zip(&times[base]).map(|(a, b)| a / b).collect()),
        })
        .collect()
}

/// The rows as a markdown table: ns per job and ratio to the baseline, median and range.
///
/// ```
/// use pool_testkit::paths::{markdown, Row, Spread};
/// let s = Spread { median: 2.0, min: 1.0, max: 3.0 };
/// let row = Row { path: "p".into(), setting: "1w".into(), name: "x".into(), ns_per_job: s, ratio: s };
/// assert!(markdown(&[row]).contains("| p | 1w | x | 2 (1-3) | 2.00 (1.00-3.00) |"));
/// ```
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from(
        "| Path | Workers | Contender | ns/job, median (range) | ratio to peer, median (range) |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} ({:.0}-{:.0}) | {:.2} ({:.2}-{:.2}) |\n",
            r.path,
            r.setting,
            r.name,
            r.ns_per_job.median,
            r.ns_per_job.min,
            r.ns_per_job.max,
            r.ratio.median,
            r.ratio.min,
            r.ratio.max
        ));
    }
    out
}

/// Jobs per timed run: the issue's 1M in an optimized build, few under `cargo test
/// --benches` (a debug build that runs each bench once).
fn jobs() -> u64 {
    if cfg!(debug_assertions) {
        2_000
    } else {
        1_000_000
    }
}

/// The contenders of both paths at `workers` workers: the pool built by `build` against its
/// peers, each pool or runtime built once and reused across runs.
fn contenders(
    label: &str,
    workers: usize,
    build: &dyn Fn(usize) -> std::sync::Arc<dyn Pool>,
) -> [Vec<Contender>; 2] {
    let pool = build(workers);
    let rt = tokio_runtime(workers);
    let p = pool.clone();
    let spawn = vec![
        Contender::new(label, move |n| spawn_join(p.as_ref(), n)),
        Contender::new("tokio", move |n| tokio_spawn_join(&rt, n)),
    ];
    let execute = vec![
        Contender::new(label, move |n| execute_wait_idle(pool.as_ref(), n)),
        Contender::new("crossbeam-loop", move |n| crossbeam_loop(workers, n)),
    ];
    [spawn, execute]
}

/// The paths' names, in the order [`contenders`] returns them, with each one's peer.
const PATHS: [(&str, &str, &str); 2] = [
    ("spawn_join", "`spawn` -> `join` every handle", "tokio"),
    (
        "execute_wait_idle",
        "outside `execute` + `wait_idle`",
        "crossbeam-loop",
    ),
];

/// The body of a strategy crate's `benches/paths.rs`: the pool built by `build` (from a
/// worker count) against its peers on both paths at 1 and 2 workers.
///
/// With `PATHS_TABLE=1` in the environment it first runs [`paired`] rounds (`PATHS_ROUNDS`,
/// default 7) and prints the [`markdown`] table between `<!-- paths-table:begin -->` and
/// `<!-- paths-table:end -->` (what `scripts/paths-table.sh` puts in the crate's README);
/// `PATHS_TABLE=only` skips criterion's groups after it.
///
/// # Panics
/// If a pool cannot be built or a contender's check fails.
pub fn bench(
    c: &mut criterion::Criterion,
    label: &str,
    build: impl Fn(usize) -> std::sync::Arc<dyn Pool>,
) {
    let n = jobs();
    let table = std::env::var("PATHS_TABLE").ok();
    if table.is_some() {
        let rounds = std::env::var("PATHS_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(7);
        let mut rows = Vec::new();
        for workers in [1, 2] {
            let sets = contenders(label, workers, &build);
            for ((_, path, peer), mut set) in PATHS.iter().zip(sets) {
                rows.extend(paired(
                    path,
                    &format!("{workers}"),
                    &mut set,
                    peer,
                    n,
                    rounds,
                ));
            }
        }
        rows.sort_by(|a, b| a.path.cmp(&b.path).reverse());
        println!("<!-- paths-table:begin -->");
        println!(
            "{} rounds of {n} jobs, interleaved; ratio = this contender's time / the peer's in the same round.\n",
            rounds
        );
        print!("{}", markdown(&rows));
        println!("<!-- paths-table:end -->");
    }
    if table.as_deref() == Some("only") {
        return;
    }
    // Criterion's own samples: fewer jobs per sample, the paired table is the figure of record.
    let n = n / 10;
    for workers in [1, 2] {
        let sets = contenders(label, workers, &build);
        for ((group_name, _, _), mut set) in PATHS.iter().zip(sets) {
            let mut group = c.benchmark_group(*group_name);
            group.throughput(criterion::Throughput::Elements(n));
            group.sample_size(10);
            for contender in set.iter_mut() {
                let id =
                    criterion::BenchmarkId::new(contender.name().to_owned(), format!("{workers}w"));
                group.bench_function(id, |b| {
                    b.iter_custom(|iters| (0..iters).map(|_| contender.run(n)).sum())
                });
            }
            group.finish();
        }
    }
}

/// The whole `main` of a crate's `*_per_job` example: reads `pool <n>` from the command
/// line, runs [`gated_execute`] on `pool` and checks that every job ran. Exit code 2 with a
/// usage line for other arguments.
///
/// # Panics
/// If a job is lost or the pool refuses one.
pub fn per_job_main(pool: &dyn Pool) -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = match (
        args.first().map(String::as_str),
        args.get(1).and_then(|s| s.parse().ok()),
    ) {
        (Some("pool"), Some(n)) => n,
        _ => {
            eprintln!("usage: <example> pool <n>");
            return std::process::ExitCode::from(2);
        }
    };
    let ran = gated_execute(pool, n);
    assert_eq!(ran, n, "every job ran");
    println!("{ran} jobs");
    std::process::ExitCode::SUCCESS
}

/// For instruction counts per job (`scripts/callgrind-per-job.sh`): holds `pool`'s single
/// worker with a gate job while `n` empty closures are `execute`d from this thread, then
/// opens the gate and waits until idle, so that the count is the cost of a job on each side
/// and not of how valgrind interleaves the two threads. Returns the jobs run (gate excluded).
///
/// # Panics
/// If the pool refuses a job.
pub fn gated_execute(pool: &dyn Pool, n: u64) -> u64 {
    let (open, gate) = crossbeam_channel::bounded::<()>(0);
    let before = pool.metrics().completed;
    pool.execute(move || {
        let _ = gate.recv();
    })
    .expect("open pool");
    for _ in 0..n {
        pool.execute(empty).expect("open pool");
    }
    open.send(()).expect("the gate job waits");
    pool.wait_idle().expect("from outside the pool");
    pool.metrics().completed - before - 1
}
