#!/usr/bin/env bash
# The Go cell program (benches/go): gofmt, go vet and go test, or a SKIPPED line when
# go is missing (the harness then records the Go cells as unsupported).
set -euo pipefail
cd "$(dirname "$0")/../benches/go"
if ! command -v go >/dev/null; then
  echo "SKIPPED: go not found (apt-get install golang-go)"
  exit 0
fi
unformatted="$(gofmt -l .)"
test -z "$unformatted" || { echo "gofmt: $unformatted"; exit 1; }
go vet ./...
go test ./...
