#!/usr/bin/env python3
"""The inputs of the out-of-core measurement (Benchmarks/ooc/measure.sh), generated, not committed.

Writes into DIR (default .build/ooc):
  T.h5          possum's HDF5 table `ooc`: columns x1..xN and y = Σ wⱼ·xⱼ + noise (the CSV is
                generated on the fly and piped into `possum data import -`, which streams it);
  T.csv         with --csv: that CSV, kept (for timing commands on a CSV table of the same numbers);
  A.h5, b.h5    the same numbers as a rows × N float64 matrix (dataset /A) and a vector (/b), for
                `possum lstsq` (raw little-endian doubles turned into HDF5 by h5import, hdf5-tools).

Python's standard library only. 10,000,000 × 16 takes a few minutes and about 4.5 GB of disk
(T.h5 1.36 GB: `data import` stores numbers uncompressed; A.h5 1.28 GB, b.h5 80 MB; the import
spools the CSV to a temporary file).
"""
import argparse
import os
import random
import subprocess
import sys
from array import array


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--columns", type=int, default=16)
    ap.add_argument("--out", default=".build/ooc", help="directory for T.h5, A.h5, b.h5")
    ap.add_argument("--possum", default=".build/release/possum")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--csv", action="store_true", help="also keep the CSV piped into the import, as DIR/T.csv")
    args = ap.parse_args()
    if args.rows < 1 or args.columns < 1:
        sys.exit("generate.py: --rows and --columns must be positive")
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    n = args.columns
    weights = [round(rng.uniform(-3, 3), 3) for _ in range(n)]
    # Columns of different scales and offsets, as real measurements have.
    scales = [10.0 ** (j % 4 - 1) for j in range(n)]
    offsets = [float(50 * (j % 3)) for j in range(n)]
    names = [f"x{j + 1}" for j in range(n)]

    a_bin, b_bin = os.path.join(args.out, "A.bin"), os.path.join(args.out, "b.bin")
    table = os.path.join(args.out, "T.h5")
    importer = subprocess.Popen([args.possum, "data", "import", "-", "--out", table, "--table", "ooc"],
                                stdin=subprocess.PIPE)
    pipe = importer.stdin
    csv = open(os.path.join(args.out, "T.csv"), "wb") if args.csv else None
    header = (",".join(names + ["y"]) + "\n").encode()
    pipe.write(header)
    if csv:
        csv.write(header)
    block = 20_000
    done = 0
    with open(a_bin, "wb") as fa, open(b_bin, "wb") as fb:
        while done < args.rows:
            count = min(block, args.rows - done)
            avals, bvals, lines = array("d"), array("d"), []
            for _ in range(count):
                row = [offsets[j] + scales[j] * rng.random() for j in range(n)]
                fields = [f"{v:.9g}" for v in row]
                fields.append(f"{sum(w * x for w, x in zip(weights, row)) + rng.gauss(0, 1):.9g}")
                lines.append(",".join(fields))
                # The matrix holds the numbers as the CSV prints them, so lstsq and the table agree.
                values = list(map(float, fields))
                bvals.append(values.pop())
                avals.extend(values)
            text = ("\n".join(lines) + "\n").encode()
            pipe.write(text)
            if csv:
                csv.write(text)
            if sys.byteorder != "little":
                avals.byteswap()
                bvals.byteswap()
            avals.tofile(fa)
            bvals.tofile(fb)
            done += count
            if done % 1_000_000 == 0 or done == args.rows:
                print(f"generate.py: {done} of {args.rows} rows", file=sys.stderr, flush=True)
    pipe.close()
    if csv:
        csv.close()
    if importer.wait() != 0:
        sys.exit("generate.py: possum data import failed")
    for name, path, shape in [("A", a_bin, f"{args.rows} {n}"), ("b", b_bin, f"{args.rows}")]:
        conf = path + ".conf"
        with open(conf, "w") as f:
            f.write(f"PATH {name}\nINPUT-CLASS FP\nINPUT-SIZE 64\nINPUT-BYTE-ORDER LE\nRANK {len(shape.split())}\n"
                    f"DIMENSION-SIZES {shape}\nOUTPUT-CLASS FP\nOUTPUT-SIZE 64\nOUTPUT-ARCHITECTURE IEEE\nOUTPUT-BYTE-ORDER LE\n")
        out = os.path.join(args.out, f"{name}.h5")
        if os.path.exists(out):
            os.remove(out)  # h5import appends to an existing file
        subprocess.run(["h5import", path, "-c", conf, "-o", out], check=True)
        os.remove(path)
        os.remove(conf)
    print(f"generate.py: wrote {table}, {args.out}/A.h5, {args.out}/b.h5 "
          f"({args.rows} x {n}; y = x·w + N(0,1), w = {weights})", file=sys.stderr)


if __name__ == "__main__":
    main()
