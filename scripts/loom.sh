#!/usr/bin/env bash
# Model-checks every atomic protocol with loom: the tests named `loom` in each crate's lib,
# built with `--cfg loom` so that pool_core::sync swaps in loom's primitives.
set -euo pipefail
cd "$(dirname "$0")/.."

export RUSTFLAGS="--cfg loom"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
# A separate target dir: different RUSTFLAGS would otherwise rebuild the normal one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom"

for crate in pool-core pool-lifecycle pool-finite pool-recursive pool-work-stealing pool-heartbeat pool-async; do
  if grep -rqs "cfg(all(test, loom))\|cfg(loom)" "crates/$crate/src"; then
    echo "== loom: $crate"
    cargo test -p "$crate" --lib --release --locked loom
  fi
done
