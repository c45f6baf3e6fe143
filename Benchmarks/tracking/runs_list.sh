#!/usr/bin/env bash
# `possum runs list` on a tracking store of N finished runs (default 10,000), two possum binaries timed
# in one hyperfine run (alternating, after a warm-up), so the ratio holds when the machine's speed drifts.
# The store is written by make_store.py beside this script, in MLflow's file-store layout.
#
# Usage: Benchmarks/tracking/runs_list.sh BEFORE_POSSUM AFTER_POSSUM [N]     (needs hyperfine: apt-get install hyperfine)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BEFORE=$1 AFTER=$2 N=${3:-10000}
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/possum-runs-list.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 "$HERE/make_store.py" "$WORK/mlruns" "$N"
# Both list every run (the table of all N, and the JSON with every param and metric): same bytes out.
for mode in "" "--json"; do
  cmp <("$BEFORE" runs list --tracking-uri "$WORK/mlruns" $mode) <("$AFTER" runs list --tracking-uri "$WORK/mlruns" $mode) \
    || { echo "the two binaries print different listings ($mode)" >&2; exit 1; }
done
hyperfine --warmup 2 --runs "${RUNS:-15}" -N --export-json "$WORK/times.json" \
  -n before "$BEFORE runs list --tracking-uri $WORK/mlruns" \
  -n after "$AFTER runs list --tracking-uri $WORK/mlruns"
# Median wall time, mean user CPU (hyperfine keeps only its mean) and after/before.
python3 - "$WORK/times.json" "$N" <<'PY'
import json, statistics, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
med = {k: (statistics.median(v["times"]), v["user"]) for k, v in r.items()}
print(f"| runs list, {int(sys.argv[2]):,} runs | median wall s | mean user s |")
print("|---|---:|---:|")
for k in ("before", "after"):
    print(f"| {k} | {med[k][0]:.3f} | {med[k][1]:.3f} |")
print(f"| after / before | {med['after'][0] / med['before'][0]:.2f} | {med['after'][1] / med['before'][1]:.2f} |")
PY
