#!/usr/bin/env python3
"""make test-dask: on a LocalCluster of worker processes, examples/dask/tsqr_lstsq.py gives the
coefficients of `possum lstsq` on the whole table, and examples/dask/ridge_cv.py over a table split
into two files gives the alpha, coefficients and LOO RMSE of `possum train` on the whole table, to
1e-10 relative.

Usage: check_dask.py --venv DIR --possum PATH
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "dask", "tsqr_lstsq.py")
RIDGE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "dask", "ridge_cv.py")


GRID = "-1:4:30"  # log10 bounds of the alphas tried; the check's data puts the choice inside


def check_ridge(possum, venv, work, rows):
    """The whole table trained in one process against the Dask flow over two files holding its rows."""
    header = "a,b,c,y\n"
    lines = ["".join(",".join(repr(v) for v in r) + "\n") for r in rows]
    half = len(lines) * 2 // 5
    for name, part in [("whole", lines), ("first", lines[:half]), ("second", lines[half:])]:
        with open(os.path.join(work, f"{name}.csv"), "w") as f:
            f.write(header + "".join(part))
        subprocess.run([possum, "data", "import", f"{name}.csv", "--out", f"{name}.h5"], cwd=work, check=True, capture_output=True)
    whole = subprocess.run([possum, "train", "--data", "whole.h5", "--target", "y", "--alphas", GRID, "--no-track", "--json"],
                           cwd=work, check=True, capture_output=True, text=True)
    reference = json.loads(whole.stdout)
    dask = subprocess.run([os.path.join(venv, "bin", "python"), RIDGE, "--possum", possum, "--target", "y", f"--alphas={GRID}",
                           "--blocks", "3", "--workers", "3", "first.h5", "second.h5"],
                          cwd=work, capture_output=True, text=True)
    if dask.returncode != 0:
        sys.exit(f"FAIL: the Dask RidgeCV example exited {dask.returncode}: {dask.stderr[-2000:]}")
    got = json.loads(dask.stdout)
    coefficients = reference["coefficients"]
    scale = max(abs(v) for v in coefficients.values())
    worst = max(abs(got["coefficients"][k] - v) for k, v in coefficients.items()) / scale
    print(f"dask RidgeCV (2 files x 3 blocks, 3 worker processes): alpha {got['alpha']}, LOO RMSE {got['loo_rmse']}, "
          f"coefficients {got['coefficients']}\npossum train (whole table): alpha {reference['alpha']}, LOO RMSE "
          f"{reference['loo_rmse']}, coefficients {coefficients}\nlargest coefficient difference {worst:.2e} of max |w|")
    if not 10 ** -1 < reference["alpha"] < 10 ** 4:
        sys.exit(f"FAIL: alpha {reference['alpha']} is at an end of the grid: the check would not test the choice")
    if got["alpha"] != reference["alpha"] or worst > 1e-10 or abs(got["loo_rmse"] - reference["loo_rmse"]) > 1e-10 * reference["loo_rmse"] \
            or abs(got["intercept"] - reference["intercept"]) > 1e-10 * abs(reference["intercept"]):
        sys.exit("FAIL: the Dask RidgeCV flow does not give the single-machine model")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", required=True)
    ap.add_argument("--possum", required=True)
    args = ap.parse_args()
    possum = os.path.abspath(args.possum)
    venv = os.path.abspath(args.venv)
    work = tempfile.mkdtemp(prefix="possum-dask-")
    rng = random.Random(17)
    rows = []
    for _ in range(20011):
        a, b, c = 100 + 10 * rng.random(), rng.random(), 1e3 * rng.random()
        rows.append((a, b, c, 1.5 * a - 2 * b + 0.25 * c + 0.1 * rng.random()))
    with open(os.path.join(work, "t.csv"), "w") as f:
        f.write("a,b,c,y\n" + "".join(",".join(repr(v) for v in r) + "\n" for r in rows))
    with open(os.path.join(work, "A.csv"), "w") as f:
        f.write("".join(",".join(repr(v) for v in r[:3]) + "\n" for r in rows))
    with open(os.path.join(work, "b.csv"), "w") as f:
        f.write("".join(repr(r[3]) + "\n" for r in rows))
    subprocess.run([possum, "data", "import", "t.csv", "--out", "t.h5"], cwd=work, check=True, capture_output=True)
    whole = subprocess.run([possum, "lstsq", "A.csv", "b.csv"], cwd=work, check=True, capture_output=True, text=True)
    reference = [float(v) for v in whole.stdout.split()]
    dask = subprocess.run([os.path.join(venv, "bin", "python"), EXAMPLE, "--possum", possum, "--columns", "a,b,c",
                           "--target", "y", "--blocks", "9", "--workers", "3", "t.h5"],
                          cwd=work, capture_output=True, text=True)
    if dask.returncode != 0:
        sys.exit(f"FAIL: the Dask example exited {dask.returncode}: {dask.stderr[-2000:]}")
    x = [float(v) for v in dask.stdout.split()]
    scale = max(abs(v) for v in reference)
    worst = max(abs(u - v) for u, v in zip(x, reference)) / scale if len(x) == len(reference) else float("inf")
    print(f"dask (9 blocks, 3 worker processes): x = {x}\npossum lstsq (whole table):        x = {reference}\nlargest difference {worst:.2e} of max |x|")
    if worst > 1e-10:
        sys.exit("FAIL: the Dask tree reduction does not give the single-machine solution")
    # Its own rows: two correlated columns and real noise, so that leave-one-out picks an alpha inside the grid.
    rng = random.Random(23)
    ridge_rows = []
    for _ in range(600):
        a, c = rng.gauss(0, 1), rng.gauss(0, 1)
        b = a + 0.3 * rng.gauss(0, 1)
        ridge_rows.append((a, b, c, a + b + 0.5 * c + 1.5 * rng.gauss(0, 1)))
    check_ridge(possum, venv, work, ridge_rows)
    print("ok")


if __name__ == "__main__":
    main()
