#!/usr/bin/env bash
# Runs the crates that use `unsafe` under miri, on the nightly toolchain. Installs the miri
# component itself; where that is impossible it prints SKIPPED and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "SKIPPED: miri (no nightly toolchain on this machine)"
  exit 0
fi
if ! rustup component add --toolchain nightly miri rust-src >/dev/null 2>&1; then
  echo "SKIPPED: miri (could not add the miri component to nightly)"
  exit 0
fi
cargo +nightly miri setup >/dev/null 2>&1 || { echo "SKIPPED: miri (setup failed)"; exit 0; }

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/miri"
# crossbeam's own CI flags: crossbeam-epoch trips Stacked Borrows (crossbeam#545), and
# crossbeam-deque's speculative slot read is reported as a race unless preemption is off.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-tree-borrows -Zmiri-ignore-leaks -Zmiri-preemption-rate=0 -Zmiri-compare-exchange-weak-failure-rate=0.0}"
for crate in pool-work-stealing pool-heartbeat; do
  echo "== miri: $crate"
  cargo +nightly miri test -p "$crate" --locked
done
