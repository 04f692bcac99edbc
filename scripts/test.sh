#!/usr/bin/env bash
# The test suite: unit, behaviour, conformance, property and doc tests of every crate,
# and the Go cell program's tests (skipped, saying so, where go is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked "$@"
scripts/go-test.sh
