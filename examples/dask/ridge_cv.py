#!/usr/bin/env python3
"""RidgeCV over the row blocks of HDF5 tables, as Dask tasks driving the possum CLI.

The same model as `possum train --data` on all the rows, without moving a row between tasks:
  1. map:    `possum qr partial` per row range (of one or several table files with the same columns)
  2. reduce: `possum qr combine` as a binary tree -> r.h5 (centered triangle and column moments of all rows)
  3. map:    `possum ridge leverages` per row range against r.h5 -> that block's leave-one-out sums per alpha
  4. finish: `possum train --r r.h5 --leverages ...` adds the sums up, picks alpha, writes the model.
Between tasks only small files pass: (p+1)^2 numbers per part, two numbers per alpha per leverage file.
Runs on a dask.distributed.LocalCluster with several worker processes; a real cluster only changes the
Client's address (and needs the files on storage every worker sees).

Usage: ridge_cv.py --possum PATH --target y [--blocks N] [--workers N] [--work DIR] [--export model.h5] TABLE.h5 ...
Prints `possum train --json`'s report (alpha, coefficients, LOO RMSE, ...).
"""
import argparse
import json
import os
import subprocess
import sys

from dask.distributed import Client, LocalCluster


def run(argv):
    """Runs possum; a failure raises with its one-line error, so the Dask task fails with it."""
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {r.stderr.strip()}")
    return r.stdout


def row_count(possum, table):
    return json.loads(run([possum, "data", "show", table, "--json"]))["rows"]


def partial(possum, table, start, end, target, out):
    run([possum, "qr", "partial", "--data", table, "--rows", f"{start}:{end}", "--target", target, "--out", out])
    return out


def combine(possum, parts, out):
    run([possum, "qr", "combine", *parts, "--out", out])
    return out


def leverages(possum, table, start, end, r, alphas, out):
    run([possum, "ridge", "leverages", "--data", table, "--rows", f"{start}:{end}", "--r", r, "--alphas", alphas, "--out", out])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tables", nargs="+")
    ap.add_argument("--possum", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--alphas", default="-3:1:30", help="LOWER:UPPER:COUNT, as possum train --alphas")
    ap.add_argument("--blocks", type=int, default=4, help="row blocks per table")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--work", default="dask-ridge", help="directory for the part and leverage files")
    ap.add_argument("--export", help="write the model file here")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    possum = os.path.abspath(args.possum)
    work = os.path.abspath(args.work)
    blocks = []  # (table, start, end)
    for table in args.tables:
        n = row_count(possum, table)
        bounds = [n * k // args.blocks for k in range(args.blocks + 1)]
        blocks += [(os.path.abspath(table), bounds[k], bounds[k + 1]) for k in range(args.blocks) if bounds[k] < bounds[k + 1]]
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
        futures = [client.submit(partial, possum, t, a, b, args.target, os.path.join(work, f"part-{k}.h5"), pure=False)
                   for k, (t, a, b) in enumerate(blocks)]
        level = 0
        while len(futures) > 1:  # a binary tree of combines, each waiting only on its two inputs
            level += 1
            nxt = []
            for i in range(0, len(futures), 2):
                pair = futures[i:i + 2]
                if len(pair) == 1:
                    nxt.append(pair[0])
                    continue
                out = os.path.join(work, f"combined-{level}-{i // 2}.h5")
                nxt.append(client.submit(lambda a, b, o: combine(possum, [a, b], o), pair[0], pair[1], out, pure=False))
            futures = nxt
        r = futures[0]
        levs = [client.submit(leverages, possum, t, a, b, r, args.alphas, os.path.join(work, f"lev-{k}.h5"), pure=False)
                for k, (t, a, b) in enumerate(blocks)]
        r_path, lev_paths = r.result(), client.gather(levs)
    finish = [possum, "train", "--r", r_path, "--leverages", *lev_paths, "--alphas", args.alphas, "--no-track", "--json"]
    if args.export:
        finish += ["--export", args.export]
    sys.stdout.write(run(finish))


if __name__ == "__main__":
    main()
