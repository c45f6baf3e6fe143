#!/usr/bin/env bash
# `possum serve` under load: wrk (Debian's) POSTs a one-row and a ten-row JSON dataframe_split payload
# to /invocations on 127.0.0.1 with 1, 8 and 64 connections, and prints throughput and p50/p99 latency
# as the Markdown table of Benchmarks/serve.md.
#
# Usage: Benchmarks/serve-bench.sh [POSSUM_BINARY] [SECONDS_PER_RUN]
#   (default .build/release/possum — build it with `swift build -c release --product possum` and the
#   Makefile's SWIFT_NATIVE flags — and 10 s per run). Needs wrk and curl: apt-get install wrk curl.
set -euo pipefail
cd "$(dirname "$0")/.."
POSSUM=${1:-.build/release/possum}
DURATION=${2:-10}
PORT=${PORT:-5011}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$POSSUM" train --data datasets/possum.csv --target taill --drop case --categorical site,Pop,sex \
  --export "$work/model.h5" --no-track > /dev/null

# Payloads: the first 1 and 10 complete rows of the possum table, as MLflow's dataframe_split.
python3 - "$work" <<'PY'
import csv, json, sys
rows = list(csv.reader(open("datasets/possum.csv")))
header, data = rows[0], [r for r in rows[1:] if "NA" not in r]
def cell(t):
    return int(t) if t.isdigit() else (float(t) if t.replace(".", "", 1).isdigit() else t)
for n in (1, 10):
    body = json.dumps({"dataframe_split": {"columns": header, "data": [[cell(v) for v in r] for r in data[:n]]}})
    open(f"{sys.argv[1]}/rows{n}.json", "w").write(body)
    # wrk's Lua: every request a POST of the payload.
    open(f"{sys.argv[1]}/rows{n}.lua", "w").write(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body)}\n")
PY

"$POSSUM" serve --model "$work/model.h5" --port "$PORT" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ping" > /dev/null && break; sleep 0.1; done
# Each payload answered once, checked, before it is timed.
for n in 1 10; do
  curl -sf "http://127.0.0.1:$PORT/invocations" -H 'Content-Type: application/json' --data-binary "@$work/rows$n.json" \
    | python3 -c "import json,sys; p=json.load(sys.stdin)['predictions']; assert len(p)==$n and all(x is not None for x in p), p"
done

echo "| payload | connections | requests/s | p50 | p99 | errors |"
echo "|---|---:|---:|---:|---:|---:|"
for n in 1 10; do
  for c in 1 8 64; do
    t=$(( c < 2 ? 1 : 2 ))
    out=$(wrk -t"$t" -c"$c" -d"${DURATION}s" --latency -s "$work/rows$n.lua" "http://127.0.0.1:$PORT/invocations")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")
    p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
    p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
    errors=$(awk '/Non-2xx or 3xx responses:/ {print $NF} /Socket errors:/ {print $0}' <<< "$out" | paste -sd' ' -)
    echo "| $n row$([ "$n" = 1 ] || echo s) | $c | $rps | $p50 | $p99 | ${errors:-0} |"
  done
done
