//! When does a distributed pool pay? Per-job overhead against an in-process pool, and
//! makespan as worker processes are added.
//!
//! Hypothesis: every job pays a few round trips to the server (publish, deliver, reply,
//! ack), hundreds of microseconds, where `finite` pays well under one; so for empty jobs
//! `distributed` is far slower, and once jobs wait long enough (I/O), 2 and 4 worker
//! processes of the same size as the one in-process pool finish first. CPU-bound jobs
//! cannot gain on a machine whose cores the one pool already fills.
//!
//! Contenders, side by side in one run, interleaved per repetition: `finite` with `SLOTS`
//! workers; `distributed-k`, k worker processes of `SLOTS` slots each, all on this machine
//! with one local `nats-server`. Every cell checks its results (the sum of the outputs).
//! Reports per cell the median makespan, its min-max spread, time per job, and the ratio
//! to `finite`; a contender whose spread overlaps `finite`'s is marked a tie.
//!
//! `cargo bench -p pool-distributed --bench scale` runs it (a few minutes);
//! `cargo test -p pool-distributed --benches` runs one small repetition as a check.
//!
//! Then the fault cell (see [`fault`]): the extra makespan when a worker process is
//! SIGKILLed mid-run, and how many tasks were redelivered.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use pool_core::{Pool, PoolExt, ShutdownMode};
use pool_distributed::{
    demo, NatsServer, Producer, QueueConfig, RemoteHandle, ServerError, SubmitError, Task,
};
use pool_finite::FinitePool;

/// Workers of the in-process pool, and slots of each worker process.
const SLOTS: usize = 2;
/// Worker processes per `distributed` contender.
const PROCESSES: [usize; 3] = [1, 2, 4];

#[derive(Clone, Copy)]
enum Job {
    Square,
    Sleep(u64),
    /// Target microseconds, and the iterations that take that long here.
    Spin(u64, u64),
}

impl Job {
    fn label(self) -> String {
        match self {
            Job::Square => "empty (square)".into(),
            Job::Sleep(us) => format!("sleep {}", human(us)),
            Job::Spin(us, _) => format!("spin {} (CPU)", human(us)),
        }
    }

    fn run_local(self, tag: u64) -> u64 {
        match self {
            Job::Square => demo::Square { x: tag }.work(),
            Job::Sleep(micros) => demo::Sleep { tag, micros }.work(),
            Job::Spin(_, iterations) => demo::Spin { tag, iterations }.work(),
        }
    }
}

fn human(us: u64) -> String {
    if us >= 1000 {
        format!("{} ms", us / 1000)
    } else {
        format!("{us} us")
    }
}

struct Cell {
    job: Job,
    n: u64,
}

impl Cell {
    fn expected(&self) -> u64 {
        match self.job {
            Job::Square => (0..self.n).map(|x| x * x).sum(),
            Job::Sleep(_) | Job::Spin(..) => (0..self.n).sum(),
        }
    }
}

fn finite(cell: &Cell) -> Duration {
    let pool = FinitePool::builder()
        .workers(SLOTS)
        .build()
        .expect("finite pool");
    let job = cell.job;
    let started = Instant::now();
    let handles: Vec<_> = (0..cell.n)
        .map(|tag| pool.spawn(move || job.run_local(tag)).expect("submit"))
        .collect();
    let sum: u64 = handles.into_iter().map(|h| h.join().expect("job")).sum();
    let took = started.elapsed();
    assert_eq!(sum, cell.expected(), "finite: wrong results");
    pool.shutdown(ShutdownMode::Graceful).expect("shutdown");
    took
}

fn distributed(producer: &Producer, cell: &Cell) -> Duration {
    let n = cell.n;
    let started = Instant::now();
    let sum = match cell.job {
        Job::Square => join_all(producer.submit_all((0..n).map(|x| demo::Square { x }))),
        Job::Sleep(micros) => {
            join_all(producer.submit_all((0..n).map(|tag| demo::Sleep { tag, micros })))
        }
        Job::Spin(_, iterations) => {
            join_all(producer.submit_all((0..n).map(|tag| demo::Spin { tag, iterations })))
        }
    };
    let took = started.elapsed();
    assert_eq!(sum, cell.expected(), "distributed: wrong results");
    took
}

fn join_all<T>(handles: Vec<Result<RemoteHandle<u64>, SubmitError<T>>>) -> u64 {
    handles
        .into_iter()
        .map(|h| h.expect("submit").join().expect("job"))
        .sum()
}

/// How many `demo::Spin` iterations take `target` of CPU here (median of 9 timings of
/// a 1M-iteration run; the worker processes run the same build).
fn spin_iterations(target: Duration) -> u64 {
    const PROBE: u64 = 1_000_000;
    let mut times: Vec<Duration> = (0..9)
        .map(|_| {
            let started = Instant::now();
            demo::Spin {
                tag: 0,
                iterations: PROBE,
            }
            .work();
            started.elapsed()
        })
        .collect();
    times.sort();
    let per_iteration = times[4].as_secs_f64() / PROBE as f64;
    (target.as_secs_f64() / per_iteration).max(1.0) as u64
}

/// Worker processes, killed when the bench ends (or panics).
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Median, min, max.
fn summary(samples: &mut [Duration]) -> (Duration, Duration, Duration) {
    samples.sort();
    (
        samples[samples.len() / 2],
        samples[0],
        samples[samples.len() - 1],
    )
}

/// Starts one worker process of `SLOTS` slots on `prefix`; `extra` are the optional
/// arguments after the slot count (max-ack-pending, ack wait in ms).
fn worker_process(url: &str, prefix: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pool-distributed-worker"))
        .args([url, prefix, &SLOTS.to_string()])
        .args(extra)
        .spawn()
        .expect("worker process")
}

/// The fault cell: 2 worker processes run `n` sleep-1ms jobs; in a faulty repetition one
/// of them is SIGKILLed once a quarter of the jobs have completed (a fresh process replaces
/// it afterwards). Clean and faulty repetitions alternate. Every repetition must complete
/// each job once in effect (the sum of the outputs, one counted reply per job).
fn fault(url: &str, reps: usize, n: u64) {
    const ACK_WAIT: &str = "1000";
    let queue = QueueConfig::new("fault")
        .max_ack_pending(64)
        .ack_wait(Duration::from_millis(1000));
    let producer = Producer::connect(url, queue).expect("producer");
    let start = || worker_process(url, "fault", &["64", ACK_WAIT]);
    let mut procs = Workers(vec![start(), start()]);
    let cell = Cell {
        job: Job::Sleep(1_000),
        n,
    };
    distributed(&producer, &cell);
    let mut clean = Vec::new();
    let mut faulty = Vec::new();
    let mut redelivered = Vec::new();
    let mut duplicates = 0;
    for _ in 0..reps {
        for kill in [false, true] {
            let before = producer.stats();
            let started = Instant::now();
            let handles = producer.submit_all((0..n).map(|tag| demo::Sleep { tag, micros: 1_000 }));
            if kill {
                while producer.stats().completed - before.completed < n / 4 {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let victim = &mut procs.0[0];
                victim.kill().expect("SIGKILL");
                victim.wait().expect("reap");
            }
            let sum = join_all(handles);
            let took = started.elapsed();
            let after = producer.stats();
            assert_eq!(sum, cell.expected(), "fault cell: wrong results");
            assert_eq!(
                after.completed - before.completed,
                n,
                "fault cell: a job counted twice or lost"
            );
            duplicates += after.duplicates - before.duplicates;
            if kill {
                faulty.push(took);
                redelivered.push(after.redelivered - before.redelivered);
                procs.0[0] = start();
            } else {
                clean.push(took);
            }
        }
    }
    let (c, c_min, c_max) = summary(&mut clean);
    let (f, f_min, f_max) = summary(&mut faulty);
    redelivered.sort_unstable();
    println!(
        "\nfault: {n} x sleep 1 ms on 2 worker processes ({SLOTS} slots each, ack wait 1 s), one \
         SIGKILLed at 25 % done: makespan clean {:.0} ms ({:.0}-{:.0}), with the kill {:.0} ms \
         ({:.0}-{:.0}), extra {:.0} ms; tasks redelivered per kill {:?}; every job completed once \
         in effect ({duplicates} duplicate replies dropped)",
        ms(c),
        ms(c_min),
        ms(c_max),
        ms(f),
        ms(f_min),
        ms(f_max),
        ms(f) - ms(c),
        redelivered,
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then a quick check.
    let full = std::env::args().any(|a| a == "--bench");
    // Calibrated before any server or worker process starts, on an otherwise idle core.
    let spin_10ms = spin_iterations(Duration::from_millis(10));
    let server = match NatsServer::start() {
        Ok(server) => server,
        Err(e @ ServerError::NotInstalled { .. }) => {
            println!("SKIPPED scale bench: {e}");
            return;
        }
        Err(e) => panic!("nats-server did not start: {e}"),
    };
    let url = server.url();
    let mut workers = Workers(Vec::new());
    let producers: Vec<(usize, Producer)> = PROCESSES
        .iter()
        .map(|&k| {
            let prefix = format!("scale{k}");
            let queue = QueueConfig::new(prefix.as_str()).max_ack_pending(64);
            let producer = Producer::connect(&url, queue).expect("producer");
            for _ in 0..k {
                workers.0.push(worker_process(&url, &prefix, &["64"]));
            }
            (k, producer)
        })
        .collect();

    let (reps, shrink) = if full { (5, 1) } else { (1, 20) };
    let cells = [
        Cell {
            job: Job::Square,
            n: 2000 / shrink,
        },
        Cell {
            job: Job::Sleep(100),
            n: 2000 / shrink,
        },
        Cell {
            job: Job::Sleep(300),
            n: 1000 / shrink,
        },
        Cell {
            job: Job::Sleep(600),
            n: 600 / shrink,
        },
        Cell {
            job: Job::Sleep(1_000),
            n: 400 / shrink,
        },
        Cell {
            job: Job::Sleep(10_000),
            n: 100 / shrink,
        },
        Cell {
            job: Job::Spin(10_000, spin_10ms),
            n: 40 / shrink,
        },
    ];
    // One untimed round each: worker processes have pulled once and connections are warm.
    for (_, producer) in &producers {
        distributed(
            producer,
            &Cell {
                job: Job::Square,
                n: 50,
            },
        );
    }
    println!("| job | n | contender | median makespan | min-max | per job | vs finite |");
    println!("|---|---|---|---|---|---|---|");
    for cell in &cells {
        let mut base = Vec::new();
        let mut dist: Vec<Vec<Duration>> = vec![Vec::new(); producers.len()];
        for _ in 0..reps {
            base.push(finite(cell));
            for (samples, (_, producer)) in dist.iter_mut().zip(&producers) {
                samples.push(distributed(producer, cell));
            }
        }
        let baseline = summary(&mut base);
        let row = |name: &str, (med, min, max): (Duration, Duration, Duration)| {
            let ratio = med.as_secs_f64() / baseline.0.as_secs_f64();
            let tie = name != "finite" && min <= baseline.2 && max >= baseline.1;
            println!(
                "| {} | {} | {name} | {:.1} ms | {:.1}-{:.1} ms | {:.1} us | {ratio:.2}{} |",
                cell.job.label(),
                cell.n,
                med.as_secs_f64() * 1e3,
                min.as_secs_f64() * 1e3,
                max.as_secs_f64() * 1e3,
                med.as_secs_f64() * 1e6 / cell.n as f64,
                if tie { " (tie)" } else { "" },
            );
        };
        row("finite", baseline);
        for ((k, _), samples) in producers.iter().zip(dist.iter_mut()) {
            row(&format!("distributed-{k}"), summary(samples));
        }
    }
    fault(&url, reps, 1000 / shrink);
    println!(
        "\nspin 10 ms = {spin_10ms} iterations of demo::Spin (calibrated here before the run)."
    );
    println!(
        "{reps} repetition(s), interleaved; finite: {SLOTS} workers; each worker process: \
         {SLOTS} slots; one local nats-server; the producer submits all jobs, then joins all."
    );
}
