#!/usr/bin/env bash
# Go for the harness's Go contenders (go-pool, go-per-task): installs the distribution's
# golang-go when `go` is missing and this runs as root with apt-get (as CI does);
# otherwise says the Go parts will be skipped. Never fails the build on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v go >/dev/null; then
  go version
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
  go version
else
  echo "SKIPPED: go not found (apt-get install golang-go)"
fi
