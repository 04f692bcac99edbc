#!/usr/bin/env bash
# The test suite: unit, behaviour, conformance, property and doc tests of every crate.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked "$@"
