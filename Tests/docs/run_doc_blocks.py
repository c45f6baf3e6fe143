#!/usr/bin/env python3
"""Docs that run: executes every ```sh block of README.md and docs/*.md, in order, each file in a fresh
sandbox holding the repository's datasets/possum.csv and pipelines/, with the given possum binary's
folder first on PATH. A block whose first line is `# not run by the doc test: REASON` is skipped, and
says so; every other block must exit 0.

With --python PYTHON it runs the ```python blocks instead, with that interpreter (`make test-interop`:
the h5py venv, after `make demo`), each file in a fresh sandbox that also holds a copy of the demo's out/.
The same skip rule applies (the marker is a Python comment too).

Usage: run_doc_blocks.py BINARY_DIR [FILE.md ...]
       run_doc_blocks.py --python PYTHON [FILE.md ...]
Closes with 'N passed, N failed'; exit 1 if any block failed.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKIP = "# not run by the doc test:"


SHELL_FENCE = r"^```(sh|bash|shell)\s*$"
PYTHON_FENCE = r"^```(python|py)\s*$"


def blocks(path, fence=SHELL_FENCE):
    """(line, text) of each block whose opening fence matches `fence` (```sh by default)."""
    out, current, start = [], None, 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if current is None and re.match(fence, line):
                current, start = [], n
            elif current is not None and line.startswith("```"):
                out.append((start, "".join(current)))
                current = None
            elif current is not None:
                current.append(line)
    return out


def main():
    python = None
    if len(sys.argv) < 2 or sys.argv[1:2] == ["--python"] and len(sys.argv) < 3:
        print(__doc__.strip().split("\n\n")[-1])
        return 2
    if sys.argv[1] == "--python":
        python, binary_dir, rest = os.path.abspath(sys.argv[2]), None, sys.argv[3:]
        if not os.path.isdir(os.path.join(REPO, "out")):
            print("run_doc_blocks.py --python: no out/ (the Python snippets read the demo's files: run `make demo`)")
            return 1
    else:
        binary_dir, rest = os.path.abspath(sys.argv[1]), sys.argv[2:]
    files = rest or [os.path.join(REPO, "README.md")] + sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))
    passed = failed = skipped = 0
    for path in files:
        sandbox = tempfile.mkdtemp(prefix="possum-docs-")
        try:
            os.makedirs(os.path.join(sandbox, "datasets"))
            shutil.copy(os.path.join(REPO, "datasets", "possum.csv"), os.path.join(sandbox, "datasets"))
            shutil.copytree(os.path.join(REPO, "pipelines"), os.path.join(sandbox, "pipelines"))
            if python:
                shutil.copytree(os.path.join(REPO, "out"), os.path.join(sandbox, "out"))
                env = dict(os.environ, HOME=sandbox)
            else:
                env = dict(os.environ, PATH=binary_dir + os.pathsep + os.environ.get("PATH", ""), HOME=sandbox)
            env.pop("POSSUM_TRACKING_URI", None)
            for line, text in blocks(path, PYTHON_FENCE if python else SHELL_FENCE):
                where = f"{os.path.relpath(path, REPO)}:{line}"
                if text.lstrip().startswith(SKIP):
                    skipped += 1
                    print(f"skip {where}: {text.lstrip().splitlines()[0][len(SKIP):].strip()}")
                    continue
                command = [python, "-c", text] if python else ["bash", "-euo", "pipefail", "-c", text]
                r = subprocess.run(command, cwd=sandbox, env=env, capture_output=True, text=True, timeout=600)
                if r.returncode == 0:
                    passed += 1
                else:
                    failed += 1
                    print(f"FAIL {where} (exit {r.returncode}):\n{text}{r.stdout[-2000:]}{r.stderr[-2000:]}")
        finally:
            shutil.rmtree(sandbox, ignore_errors=True)
    kind = "python" if python else "shell"
    print(f"doc {kind} blocks: {passed + failed + skipped} in {len(files)} files, {skipped} skipped with a reason")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
