//! The crate README's performance table, from one command:
//!
//! ```text
//! cargo run --release -p pool-heartbeat --example table [workers] [rounds]
//! ```
//!
//! Every library through its own `join` (chili's with its `Scope` argument), with
//! `workers` threads in all: rayon and pool-work-stealing on a pool of `workers` threads
//! (`install`), chili and pool-heartbeat on the caller plus a pool of `workers - 1`
//! (chili's `scope`, `HeartbeatPool::run_here`; at one worker, heartbeat uses `install`
//! on a one-worker pool and chili the caller plus one pool thread). The contenders run interleaved, round by round, in a fresh
//! order each round; each figure is the median over the rounds, with the spread
//! ((max - min) / median).
//!
//! - *Fork cost*: fib(30) with a `join` at every level at one worker (chili: the caller
//!   and one pool thread), minus the sequential fib(30), per `join`.
//! - *Tree sum*: a balanced binary tree of boxed nodes, a `join` at every node (chili's
//!   benchmark), sequential time over the library's time at `workers`.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use chili::Scope;
use pool_heartbeat::HeartbeatPool;
use pool_work_stealing::WorkStealingPool;

struct Node {
    value: u64,
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

/// A balanced tree of `levels` levels (at least 1), its nodes allocated level by level:
/// a node's two children sit side by side, so walking left-first or right-first (chili
/// runs `b` first) finds the same locality. Allocated in post-order instead (the natural
/// recursive builder), a right-first walk descends through adjacent nodes and ran 2-3x
/// faster than a left-first one on this machine, on one core.
fn tree(levels: u32) -> Box<Node> {
    let leaf = || {
        Box::new(Node {
            value: 1,
            left: None,
            right: None,
        })
    };
    let mut below: Vec<Box<Node>> = Vec::new();
    let rows: Vec<Vec<Box<Node>>> = (0..levels.max(1))
        .map(|level| (0..1usize << level).map(|_| leaf()).collect())
        .collect();
    for mut row in rows.into_iter().rev() {
        let mut children = below.into_iter();
        for node in row.iter_mut() {
            node.left = children.next();
            node.right = children.next();
        }
        below = row;
    }
    match below.pop() {
        Some(root) => root,
        None => leaf(),
    }
}

fn sum_seq(node: &Node) -> u64 {
    node.value + node.left.as_deref().map_or(0, sum_seq) + node.right.as_deref().map_or(0, sum_seq)
}

macro_rules! sum_with {
    ($name:ident, $join:path) => {
        fn $name(node: &Node) -> u64 {
            let (l, r) = $join(
                || node.left.as_deref().map_or(0, $name),
                || node.right.as_deref().map_or(0, $name),
            );
            node.value + l + r
        }
    };
}
sum_with!(sum_hb, pool_heartbeat::join);
sum_with!(sum_ws, pool_work_stealing::join);
sum_with!(sum_rayon, rayon::join);

fn sum_chili(node: &Node, s: &mut Scope<'_>) -> u64 {
    let (l, r) = s.join(
        |s| node.left.as_deref().map_or(0, |n| sum_chili(n, s)),
        |s| node.right.as_deref().map_or(0, |n| sum_chili(n, s)),
    );
    node.value + l + r
}

fn fib_seq(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    fib_seq(n - 1) + fib_seq(n - 2)
}

macro_rules! fib_with {
    ($name:ident, $join:path) => {
        fn $name(n: u64) -> u64 {
            if n < 2 {
                return n;
            }
            let (a, b) = $join(|| $name(n - 1), || $name(n - 2));
            a + b
        }
    };
}
fib_with!(fib_hb, pool_heartbeat::join);
fib_with!(fib_ws, pool_work_stealing::join);
fib_with!(fib_rayon, rayon::join);

fn fib_chili(n: u64, s: &mut Scope<'_>) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = s.join(|s| fib_chili(n - 1, s), |s| fib_chili(n - 2, s));
    a + b
}

/// The libraries, each on its own pool of a given size.
struct Pools {
    heartbeat: HeartbeatPool,
    /// Run in place on `heartbeat` (`workers - 1` threads), or install on it (one worker).
    in_place: bool,
    work_stealing: WorkStealingPool,
    rayon: rayon::ThreadPool,
    chili: chili::ThreadPool,
}

impl Pools {
    fn new(workers: usize) -> Pools {
        Pools {
            heartbeat: HeartbeatPool::builder()
                .workers(workers.saturating_sub(1).max(1))
                .build()
                .expect("heartbeat pool"),
            in_place: workers > 1,
            work_stealing: WorkStealingPool::builder()
                .workers(workers)
                .build()
                .expect("work-stealing pool"),
            rayon: rayon::ThreadPoolBuilder::new()
                .num_threads(workers)
                .build()
                .expect("rayon pool"),
            chili: chili::ThreadPool::with_config(chili::Config {
                thread_count: NonZeroUsize::new(workers.saturating_sub(1).max(1)),
                heartbeat_interval: Duration::from_micros(100),
            }),
        }
    }
}

impl Pools {
    fn heartbeat(&self, op: impl FnOnce() -> u64 + Send) -> u64 {
        if self.in_place {
            self.heartbeat.run_here(op)
        } else {
            self.heartbeat.install(op)
        }
    }
}

const NAMES: [&str; 5] = ["sequential", "heartbeat", "chili", "work-stealing", "rayon"];

/// Times `f`, checking its answer.
fn time(expected: u64, f: impl FnOnce() -> u64) -> Duration {
    let start = Instant::now();
    let got = std::hint::black_box(f());
    let elapsed = start.elapsed();
    assert_eq!(got, expected, "wrong answer");
    elapsed
}

/// Runs every contender `rounds` times, interleaved in a rotating order; returns the
/// durations per contender, in `NAMES` order.
fn rounds(rounds: usize, mut run: impl FnMut(usize) -> Duration) -> Vec<Vec<Duration>> {
    let mut times = vec![Vec::new(); NAMES.len()];
    for round in 0..rounds {
        for k in 0..NAMES.len() {
            let which = (k + round) % NAMES.len();
            times[which].push(run(which));
        }
    }
    times
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

fn spread(v: &[Duration]) -> f64 {
    let (min, max) = (v.iter().min(), v.iter().max());
    match (min, max) {
        (Some(min), Some(max)) => (*max - *min).as_secs_f64() / median(v).as_secs_f64(),
        _ => 0.0,
    }
}

fn fork_costs(pools: &Pools, rounds_n: usize) -> Vec<String> {
    let n = 30;
    let expected = fib_seq(n);
    // fib(n) makes fib(n + 1) - 1 joins.
    let joins = fib_seq(n + 1) - 1;
    let times = rounds(rounds_n, |which| match which {
        0 => time(expected, || fib_seq(std::hint::black_box(n))),
        1 => time(expected, || pools.heartbeat(|| fib_hb(n))),
        2 => time(expected, || fib_chili(n, &mut pools.chili.scope())),
        3 => time(expected, || pools.work_stealing.install(|| fib_ws(n))),
        _ => time(expected, || pools.rayon.install(|| fib_rayon(n))),
    });
    let seq = median(&times[0]);
    times
        .iter()
        .map(|t| {
            let per_join = (median(t).as_secs_f64() - seq.as_secs_f64()) / joins as f64;
            format!("{:.1} ns (±{:.0} %)", per_join * 1e9, spread(t) * 100.0)
        })
        .collect()
}

fn tree_row(pools: &Pools, levels: u32, rounds_n: usize) -> Vec<String> {
    let root = tree(levels);
    let expected = (1u64 << levels) - 1;
    let times = rounds(rounds_n, |which| match which {
        0 => time(expected, || sum_seq(&root)),
        1 => time(expected, || pools.heartbeat(|| sum_hb(&root))),
        2 => time(expected, || sum_chili(&root, &mut pools.chili.scope())),
        3 => time(expected, || pools.work_stealing.install(|| sum_ws(&root))),
        _ => time(expected, || pools.rayon.install(|| sum_rayon(&root))),
    });
    let seq = median(&times[0]);
    let mut row = vec![
        format!("{expected}"),
        format!("{seq:.2?} (±{:.0} %)", spread(&times[0]) * 100.0),
    ];
    row.extend(times[1..].iter().map(|t| {
        format!(
            "{:.2?} = **{:.2}x** (±{:.0} %)",
            median(t),
            seq.as_secs_f64() / median(t).as_secs_f64(),
            spread(t) * 100.0
        )
    }));
    row
}

fn main() {
    let mut args = std::env::args().skip(1);
    let workers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let rounds_n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(11);

    let one = Pools::new(1);
    let costs = fork_costs(&one, rounds_n);
    drop(one);
    println!("Fork cost (fib(30), a join at every level, 1 worker, minus sequential; median of {rounds_n} interleaved rounds, ± spread):\n");
    println!("| {} |", NAMES[1..].join(" | "));
    println!("|{}", "---:|".repeat(NAMES.len() - 1));
    println!("| {} |\n", costs[1..].join(" | "));

    let pools = Pools::new(workers);
    println!("Tree sum at {workers} workers: sequential time / library time (median of {rounds_n} interleaved rounds, ± spread):\n");
    println!("| nodes | {} |", NAMES.join(" | "));
    println!("|---:|{}", "---:|".repeat(NAMES.len()));
    for levels in [10, 14, 17, 20, 24] {
        let rounds_here = if levels >= 24 {
            rounds_n.min(5)
        } else {
            rounds_n
        };
        println!("| {} |", tree_row(&pools, levels, rounds_here).join(" | "));
    }
}
