#!/usr/bin/env bash
# nats-server (with JetStream) for pool-distributed's tests, example and bench cells:
# installs the distribution's package when the binary is missing and this runs as root with
# apt-get (as CI does); otherwise says those parts will be skipped. Never fails the build
# on its own. The tests start their own server on 127.0.0.1; nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
found() { command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ]; }
if ! found && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null) \
    || echo "install-nats: apt-get install nats-server failed"
fi
if found; then
  "$(command -v nats-server || echo /usr/sbin/nats-server)" --version
else
  echo "SKIPPED: nats-server not found (apt-get install -y nats-server); pool-distributed's tests will print SKIPPED"
fi
