#!/usr/bin/env python3
"""`make test-serve`: the same predictions through HTTP as through `possum predict`.

1. Trains the possum model (datasets/possum.csv, the pipeline's columns) into a scratch folder and
   writes `possum predict --out` for the same table.
2. Starts `possum serve --port 0` on 127.0.0.1 (the port it took is on its first line).
3. Posts the table with curl, as text/csv and as JSON dataframe_split (NA as null), and checks each
   answer has one prediction per row: `possum predict`'s number to 1e-12 for every row it predicts,
   null for the rows it skips (a missing feature).
4. Checks a bad payload gets MLflow's 400 body, then stops the server with SIGTERM (also on any
   failure) and checks it exited 0.

Usage: python3 Tests/interop/check_serve.py POSSUM_BINARY
Closes with 'N passed, N failed'; exit 1 if any check failed.
"""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLE = os.path.join(REPO, "datasets", "possum.csv")
COLUMNS = ["--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex"]
checks = {"passed": 0, "failed": 0}


def check(ok, what):
    checks["passed" if ok else "failed"] += 1
    print(("ok    " if ok else "FAIL  ") + what)


def curl(url, content_type, body_file):
    """POST with curl; (HTTP status, body)."""
    r = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-H", f"Content-Type: {content_type}",
                        "--data-binary", f"@{body_file}", url], capture_output=True, text=True, check=True)
    body, _, status = r.stdout.rpartition("\n")
    return int(status), body


def compare(name, answer, expected, rows):
    predictions = json.loads(answer)["predictions"]
    check(len(predictions) == rows, f"{name}: one prediction per row ({len(predictions)} of {rows})")
    worst, mismatched = 0.0, []
    for r, value in enumerate(predictions, 1):
        want = expected.get(r)
        if want is None:
            if value is not None:
                mismatched.append(r)
        elif value is None:
            mismatched.append(r)
        else:
            worst = max(worst, abs(value - want) / max(1.0, abs(want)))
    check(not mismatched and worst <= 1e-12,
          f"{name}: {len(expected)} predictions equal possum predict's (largest relative difference {worst:.1e}); "
          f"{rows - len(expected)} rows null where predict skips them" + (f"; rows differing: {mismatched[:5]}" if mismatched else ""))


def main():
    possum = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="possum-serve-")
    server = None
    try:
        model, out = os.path.join(work, "model.h5"), os.path.join(work, "predictions.csv")
        subprocess.run([possum, "train", "--data", TABLE, *COLUMNS, "--export", model, "--no-track"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([possum, "predict", "--model", model, "--data", TABLE, "--out", out], check=True)
        with open(out, newline="") as f:
            expected = {int(row["row"]): float(row["predicted"]) for row in csv.DictReader(f)}
        with open(TABLE, newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)

        def cell(text):
            if text in ("", "NA"):
                return None
            try:
                return float(text) if not text.isdigit() else int(text)
            except ValueError:
                return text

        split = os.path.join(work, "split.json")
        with open(split, "w") as f:
            json.dump({"dataframe_split": {"columns": header, "data": [[cell(v) for v in row] for row in rows]}}, f)

        server = subprocess.Popen([possum, "serve", "--model", model, "--port", "0"], stdout=subprocess.PIPE, text=True)
        banner = server.stdout.readline()
        url = banner.split(" on ", 1)[1].split(";", 1)[0].strip()
        print(banner.strip())
        check(url.startswith("http://127.0.0.1:") and url.endswith("/invocations"), f"listens on loopback: {url}")

        status, body = curl(url, "text/csv", TABLE)
        check(status == 200, f"text/csv: HTTP {status}")
        compare("text/csv", body, expected, len(rows))
        status, body = curl(url, "application/json", split)
        check(status == 200, f"dataframe_split: HTTP {status}")
        compare("dataframe_split", body, expected, len(rows))

        bad = os.path.join(work, "bad.json")
        with open(bad, "w") as f:
            json.dump({"dataframe_records": [{"site": 1, "Pop": "Tas"}]}, f)
        status, body = curl(url, "application/json", bad)
        error = json.loads(body)
        check(status == 400 and error.get("error_code") == "BAD_REQUEST" and "no column" in error.get("message", ""),
              f"a payload missing columns: HTTP {status} {body}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                code = server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                code = None
            check(code == 0, f"SIGTERM stops the server with exit 0 (got {code})")
        shutil.rmtree(work, ignore_errors=True)
    print(f"{checks['passed']} passed, {checks['failed']} failed")
    return 1 if checks["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
