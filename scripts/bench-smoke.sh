#!/usr/bin/env bash
# CI smoke check of pool-bench: tiny sizes, every contender, every workload; checks that
# every output file exists and parses, and that re-rendering from the raw data works.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cargo build --release --locked -p pool-bench
bin="${CARGO_TARGET_DIR:-target}/release/pool-bench"
# Exits non-zero on bad arguments and on any WRONG ANSWER (after writing the reports).
# The last line on stdout is the run folder (the end-of-run summary goes to stderr).
run_dir="$("$bin" run --smoke --out "$out" | tail -n 1)"
for f in README.md summary.md raw.csv results.json; do
  test -s "$run_dir/$f" || { echo "missing $run_dir/$f"; exit 1; }
done
# A run writes only its own folder; the index of runs is rebuilt on request.
test ! -e "$out/README.md" || { echo "run wrote outside its folder: $out/README.md"; exit 1; }
"$bin" index "$out" >/dev/null
test -s "$out/README.md" || { echo "missing results index"; exit 1; }
ls "$run_dir"/figures/*.svg >/dev/null
# Every output parses: JSON, CSV (same row count as samples), SVG (XML).
python3 - "$run_dir" <<'PY'
import csv, json, shutil, sys, pathlib, xml.dom.minidom
d = pathlib.Path(sys.argv[1])
data = json.loads((d / "results.json").read_text())
rows = list(csv.DictReader(open(d / "raw.csv")))
assert len(rows) == len(data["samples"]) > 0, "raw.csv and results.json disagree"
names = {s["contender"] for s in data["samples"]}
workloads = {s["workload"] for s in data["samples"]}
assert {w["name"] for w in data["workloads"]} == workloads, "a workload has no cell"
for svg in (d / "figures").glob("*.svg"):
    xml.dom.minidom.parse(str(svg))
summary = (d / "summary.md").read_text()
assert "## Which pool for which workload" in summary
assert all(n in summary for n in names), "a contender is missing from summary.md"
assert "## Findings" in summary, "summary.md has no Findings"
families = {s["family"] for s in data["samples"]}
# The Go contenders: ok with go, unsupported with the install hint without it.
go = [s for s in data["samples"] if s["contender"] in ("go-pool", "go-per-task")]
assert go, "no Go cells planned"
if shutil.which("go"):
    bad = [(s["workload"], s["contender"], s["status"], s["error"]) for s in go if s["status"] != "ok"]
    assert not bad, f"Go cells not ok: {bad}"
else:
    assert all(s["status"] == "unsupported" and "apt-get install golang-go" in s["error"] for s in go)
    print("SKIPPED: go not found (apt-get install golang-go): Go cells recorded unsupported")
for fam in families:
    page = d / f"family-{fam}.md"
    assert page.is_file() and page.read_text().strip(), f"missing {page.name}"
assert not any(s["status"] == "wrong-answer" for s in data["samples"])
orders = {r["workload"]: r["orders"] for r in data["rounds"]}
assert set(orders) == workloads, "a workload has no recorded round order"
assert {c["workload"] for c in data["conditions"]} == workloads, "a workload has no conditions"
print(f"smoke ok: {len(rows)} samples, {len(names)} contenders, {len(workloads)} workloads")
PY
# Re-rendering from the raw data must work too.
"$bin" report "$run_dir"
