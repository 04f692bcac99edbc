#!/usr/bin/env bash
# Regenerates the "spawn -> join" and "execute + wait_idle" tables (issue 16) in the READMEs
# of pool-finite, pool-work-stealing and pool-recursive: each crate's `benches/paths.rs` in
# paired, interleaved rounds against its peers (tokio; the bare crossbeam-channel loop).
# Usage: scripts/paths-table.sh [crate...]   (PATHS_ROUNDS=n for more rounds; default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
crates=("$@")
[ ${#crates[@]} -gt 0 ] || crates=(pool-finite pool-work-stealing pool-recursive)
host="$(nproc) CPUs, $(uname -m), commit $(git rev-parse --short HEAD)"
for crate in "${crates[@]}"; do
  echo "== paths: $crate" >&2
  out=$(PATHS_TABLE=only cargo bench --locked -p "$crate" --bench paths 2>/dev/null)
  table=$(printf '%s\n' "$out" | sed -n '/<!-- paths-table:begin -->/,/<!-- paths-table:end -->/p')
  [ -n "$table" ] || { echo "no table from $crate's paths bench" >&2; exit 1; }
  table=$(printf '%s\n' "$table" | sed "2s|\$| Host: $host; \`scripts/paths-table.sh $crate\`.|")
  readme="crates/$crate/README.md"
  if ! grep -q '<!-- paths-table:begin -->' "$readme"; then
    printf '\n## The paths users call most, against their peers\n\n<!-- paths-table:begin -->\n<!-- paths-table:end -->\n' >> "$readme"
  fi
  TABLE="$table" python3 - "$readme" <<'PY'
import os, re, sys
path = sys.argv[1]
text = open(path).read()
new = os.environ["TABLE"].strip() + "\n"
text = re.sub(r"<!-- paths-table:begin -->.*?<!-- paths-table:end -->\n?", lambda _: new, text, flags=re.S)
open(path, "w").write(text)
PY
  printf '%s\n' "$table"
done
