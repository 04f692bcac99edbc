//! The same workloads as `benches/tree.rs`, timed as interleaved pairs: each round runs
//! `pool-recursive` then rayon back to back, so a burst of load from other processes on
//! this shared 2-core machine hits both sides of a pair alike. Reports, per workload, the
//! minimum and the median of each side and the median of the per-pair ratios.
//!
//! Run: `cargo bench -p pool-recursive --bench tree_ab -- 15` (the number of pairs; under
//! `cargo test --benches` it runs one pair per workload as a smoke test).

mod workloads;

use std::time::{Duration, Instant};

use pool_testkit::kernels::{count_nodes, fib_expected};
use workloads::{
    fib_ours, fib_rayon, full_size, pools, sizes, uts_ours, uts_rayon, Tally, WORKERS,
};

/// Times `f`, checking that it added `expected` to `tally`.
fn timed(tally: &Tally, expected: u64, f: impl FnOnce()) -> Duration {
    let before = tally.total();
    let started = Instant::now();
    f();
    let elapsed = started.elapsed();
    assert_eq!(tally.total() - before, expected, "wrong result");
    elapsed
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn report(name: &str, ours: Vec<Duration>, rayon: Vec<Duration>) {
    let ms = |d: &Duration| d.as_secs_f64() * 1e3;
    let ratios: Vec<f64> = ours
        .iter()
        .zip(&rayon)
        .map(|(a, b)| ms(a) / ms(b))
        .collect();
    let (o, r): (Vec<f64>, Vec<f64>) = (
        ours.iter().map(ms).collect(),
        rayon.iter().map(ms).collect(),
    );
    let min = |xs: &[f64]| xs.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "{name:<18} pool-recursive min {:>7.1} ms med {:>7.1} ms | rayon-scope min {:>7.1} ms med {:>7.1} ms | ratio of mins {:.2}, median ratio {:.2} ({} pairs)",
        min(&o),
        median(o.clone()),
        min(&r),
        median(r.clone()),
        min(&o) / min(&r),
        median(ratios),
        o.len()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: one pair then.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let pairs = if full_size() {
        args.iter().find_map(|a| a.parse().ok()).unwrap_or(15)
    } else {
        1
    };
    let (ours, rayon) = pools();
    let tally = Tally::leaked();
    println!("{WORKERS} workers each, {pairs} interleaved pairs per workload");
    let (t1, t3, fib_n) = sizes();
    for (name, uts) in [("uts_t1", t1), ("uts_t3", t3)] {
        let expected = count_nodes(&uts).nodes;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..pairs {
            a.push(timed(tally, expected, || {
                ours.run(move |s| uts_ours(s, uts, uts.root(), tally))
                    .expect("no task fails")
            }));
            b.push(timed(tally, expected, || {
                rayon.scope(|s| uts_rayon(s, uts, uts.root(), tally))
            }));
        }
        report(name, a, b);
    }
    let (n, cutoff) = (fib_n, 15);
    let expected = fib_expected(n);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        a.push(timed(tally, expected, || {
            ours.run(move |s| fib_ours(s, n, cutoff, tally))
                .expect("no task fails")
        }));
        b.push(timed(tally, expected, || {
            rayon.scope(|s| fib_rayon(s, n, cutoff, tally))
        }));
    }
    report(&format!("fib_{n}_cutoff_15"), a, b);
}
