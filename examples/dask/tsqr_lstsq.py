#!/usr/bin/env python3
"""Least squares over the row blocks of HDF5 tables, as Dask tasks driving the possum CLI.

Map: one `possum qr partial` task per row range (of one or several table files, the same columns);
reduce: `possum qr combine` as a binary tree of tasks; finish: `possum lstsq --r`. Only part files
((p+1)² numbers each) pass between tasks, never rows. Runs on a dask.distributed.LocalCluster with
several worker processes; a real cluster only changes the Client's address (and needs the part
files on storage that every worker sees).

Usage: tsqr_lstsq.py --possum PATH --columns a,b,c --target y [--blocks N] [--workers N] [--work DIR] TABLE.h5 ...
Prints x, one value per line, as `possum lstsq` does.
"""
import argparse
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
    """The table's rows, from `possum data show --json`."""
    import json
    return json.loads(run([possum, "data", "show", table, "--json"]))["rows"]


def partial(possum, table, start, end, columns, target, out):
    run([possum, "qr", "partial", "--data", table, "--rows", f"{start}:{end}", "--columns", columns,
         "--target", target, "--out", out])
    return out


def combine(possum, parts, out):
    run([possum, "qr", "combine", *parts, "--out", out])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tables", nargs="+")
    ap.add_argument("--possum", required=True)
    ap.add_argument("--columns", required=True)
    ap.add_argument("--target", required=True)
    ap.add_argument("--blocks", type=int, default=6, help="row blocks per table")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--work", default="dask-parts", help="directory for the part files")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    possum = os.path.abspath(args.possum)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
        futures = []
        for t, table in enumerate(args.tables):
            n = row_count(possum, table)
            bounds = [n * k // args.blocks for k in range(args.blocks + 1)]
            for k in range(args.blocks):
                if bounds[k] < bounds[k + 1]:
                    out = os.path.abspath(os.path.join(args.work, f"part-{t}-{k}.h5"))
                    futures.append(client.submit(partial, possum, os.path.abspath(table), bounds[k], bounds[k + 1],
                                                 args.columns, args.target, out, pure=False))
        level = 0
        while len(futures) > 1:  # a binary tree of combines, each waiting only on its two inputs
            level += 1
            nxt = []
            for i in range(0, len(futures), 2):
                pair = futures[i:i + 2]
                if len(pair) == 1:
                    nxt.append(pair[0])
                    continue
                out = os.path.abspath(os.path.join(args.work, f"combined-{level}-{i // 2}.h5"))
                nxt.append(client.submit(lambda a, b, o: combine(possum, [a, b], o), pair[0], pair[1], out, pure=False))
            futures = nxt
        final = futures[0].result()
    sys.stdout.write(run([possum, "lstsq", "--r", final]))


if __name__ == "__main__":
    main()
