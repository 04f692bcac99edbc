//! The two paths users call most (issue 16), recursive against its peers in one criterion group
//! each, at 1 and 2 workers: spawn -> join every handle (peer: tokio's spawn -> await
//! `JoinHandle`) and outside `execute` + `wait_idle` (peer: the bare crossbeam-channel
//! loop). The contenders and the paired table are in `pool_testkit::paths`;
//! `scripts/paths-table.sh` writes the table into this crate's README.
//!
//! Hypothesis (issue 16's targets): spawn -> join within 1.0x tokio; execute + wait_idle
//! within 1.5x the bare loop (1.1x for pool-finite).

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use pool_recursive::RecursivePool;

fn paths(c: &mut Criterion) {
    pool_testkit::paths::bench(c, "recursive", |workers| {
        Arc::new(
            RecursivePool::builder()
                .workers(workers)
                .build()
                .expect("pool builds"),
        )
    });
}

criterion_group!(benches, paths);
criterion_main!(benches);
