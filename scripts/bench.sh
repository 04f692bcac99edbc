#!/usr/bin/env bash
# scripts/bench.sh: the full benchmark matrix (reference run): 1226 cells;
# `pool-bench run --full --dry-run` estimates 90 min (errs long), expect 60-69 min on 2 cores.
# Writes results/<date>-<host>-<commit>/, then rebuilds the results/README.md index
# (`pool-bench index`): commit both to publish the run.
# Extra arguments are passed to `pool-bench run`, e.g. `scripts/bench.sh --contender rayon,finite`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p pool-bench
bin="${CARGO_TARGET_DIR:-target}/release/pool-bench"
"$bin" run --full --out results "$@"
"$bin" index results
# Criterion micro-benches (per-job overhead, submit-to-start wake latency), every contender:
cargo bench -p pool-bench --bench micro
