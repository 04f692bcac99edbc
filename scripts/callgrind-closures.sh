#!/usr/bin/env bash
# Instructions per empty closure through pool-async's `Pool::submit`, and per empty
# `tokio::spawn` task on a runtime of the same size, from callgrind's totals at two sizes:
# (I(2n) - I(n)) / n, so that start-up and teardown cancel out. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --release --locked -p pool-async --example closures
bin=${CARGO_TARGET_DIR:-target}/release/examples/closures
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
total() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" "$1" "$2" >/dev/null 2>"$out/log"
    awk '/^summary:/ { print $2 }' "$out/cg"
}
for kind in pool spawn; do
    small=$(total "$kind" "$n")
    large=$(total "$kind" $((2 * n)))
    echo "$kind: $(( (large - small) / n )) instructions per closure"
done
