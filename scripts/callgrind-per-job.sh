#!/usr/bin/env bash
# Instructions per empty job (submitter and worker together), a pool vs the bare crossbeam
# loop, from callgrind's totals at two sizes: (I(2n) - I(n)) / n, so that start-up and
# teardown cancel out. Needs valgrind.
# Usage: scripts/callgrind-per-job.sh [n] [crate]   (crate: pool-finite (default),
# pool-work-stealing or pool-recursive, whose examples are `ws_per_job` / `recursive_per_job`)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
crate=${2:-pool-finite}
cargo build --release --locked -p pool-finite --example per_job
loop_bin=${CARGO_TARGET_DIR:-target}/release/examples/per_job
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp "$loop_bin" "$out/loop_bin"
case "$crate" in
    pool-finite) example=per_job ;;
    pool-work-stealing) example=ws_per_job ;;
    pool-recursive) example=recursive_per_job ;;
    *) echo "no per-job example for $crate" >&2; exit 2 ;;
esac
cargo build --release --locked -p "$crate" --example "$example"
pool_bin=${CARGO_TARGET_DIR:-target}/release/examples/$example
total() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$1" "$2" "$3" >/dev/null 2>"$out/log"
    awk '/^summary:/ { print $2 }' "$out/cg"
}
for kind in pool loop; do
    bin=$pool_bin
    [ "$kind" = loop ] && bin=$out/loop_bin
    small=$(total "$bin" "$kind" "$n")
    large=$(total "$bin" "$kind" $((2 * n)))
    [ "$kind" = loop ] && label=crossbeam-loop || label=$crate
    echo "$label: $(( (large - small) / n )) instructions per job"
done
