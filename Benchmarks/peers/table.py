#!/usr/bin/env python3
"""The Peers table of Benchmarks/README.md from a possum-bench --json file (make bench-peers writes
.build-peers/bench-peers.json): one row per op and shape, our median, then each other library's median
and ours over it (its median / ours, > 1: we are faster). Float64 records only.
Usage: python3 Benchmarks/peers/table.py .build-peers/bench-peers.json"""
import json
import sys


def duration(seconds):
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{seconds / 1e-6:.3g} µs"


def main(path):
    records = [r for r in json.load(open(path)) if r["dtype"] == "float64"]
    solvers = []
    for r in records:
        if r["solver"] not in solvers and r["solver"] != "simd":
            solvers.append(r["solver"])
    names = {s: s.removeprefix("lapack:") for s in solvers}
    names["openblas"] = "OpenBLAS (system)"
    print("| op | m × n | ours | " + " | ".join(names[s] for s in solvers) + " |")
    print("|---|---|---:|" + "---:|" * len(solvers))
    keys = []
    for r in records:
        if (r["op"], r["m"], r["n"]) not in keys:
            keys.append((r["op"], r["m"], r["n"]))
    for op, m, n in sorted(keys, key=lambda k: (k[0] != "qr", k[1] * k[2] * k[2])):
        row = {r["solver"]: r for r in records if (r["op"], r["m"], r["n"]) == (op, m, n)}
        ours = row.get("simd")
        if ours is None:
            continue
        cells = []
        for s in solvers:
            if s in row:
                cells.append(f"{duration(row[s]['median_s'])} (**{row[s]['median_s'] / ours['median_s']:.2f}×**)")
            else:
                cells.append("–")
        print(f"| {op} | {m} × {n} | {duration(ours['median_s'])} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
