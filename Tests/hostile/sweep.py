#!/usr/bin/env python3
"""Hostile-input sweep: runs the real `possum` binary on the mistakes and attacks a careless or
hostile user (as root) makes, and checks the rules of issue 13 on every one:

  - no crash by signal, no exit code >= 128, no hang (each case has a time limit);
  - a refusal is one line on stderr (warnings aside), no backtrace;
  - nothing that existed before is changed: every file, device, FIFO, socket and link in the sandbox
    is snapshotted (type, content hash, device number, link target) before the case and compared
    after; only the case's declared outputs may appear or change, and only when it succeeded;
  - no temporary file (.NAME.tmp-PID-RAND) is left behind;
  - a file possum wrote is one possum reads back (`model show`, `data show`).

Devices are made with mknod inside the sandbox, never the system's. Usage:
  sweep.py POSSUM_BINARY [--keep] [--only SUBSTRING] [--list]
Prints one line per failing case and closes with 'N passed, N failed'. Exit 1 if any failed.
"""
import hashlib
import os
import random
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

POSSUM = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "possum"
ARGS = sys.argv[2:]
KEEP = "--keep" in ARGS
ONLY = ARGS[ARGS.index("--only") + 1] if "--only" in ARGS else None
LIST = "--list" in ARGS
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POSSUM_CSV = os.path.join(REPO, "datasets", "possum.csv")
IS_ROOT = os.geteuid() == 0

# ---------------------------------------------------------------------------------------------
# The sandbox: fixtures every case starts from (copied afresh for each case).


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def possum_rows():
    with open(POSSUM_CSV, "rb") as f:
        return f.read().decode().splitlines()


def with_cell(row, column, value):
    """possum.csv with one cell replaced (row is the 0-based data row)."""
    lines = possum_rows()
    header = lines[0].split(",")
    k = header.index(column)
    fields = lines[row + 1].split(",")
    fields[k] = value
    lines[row + 1] = ",".join(fields)
    return "\n".join(lines) + "\n"


def build_base(base):
    os.makedirs(base)
    shutil.copy(POSSUM_CSV, os.path.join(base, "possum.csv"))
    write(os.path.join(base, "small.csv"), "x1,x2,g,y\n" + "".join(
        f"{i},{(i * 7) % 5 + 0.5},{'ab'[i % 2]},{2 * i + (i % 3)}\n" for i in range(1, 21)))
    write(os.path.join(base, "A.csv"), "1,2\n3,4\n5,7\n")
    write(os.path.join(base, "b.csv"), "1\n2\n4\n")
    write(os.path.join(base, "p.yaml"), "name: p\nworkdir: .\ntasks:\n  - name: a\n    command: [true]\n"
          "  - name: b\n    depends_on: [a]\n    command: [true]\n")
    os.mkdir(os.path.join(base, "adir"))
    write(os.path.join(base, "adir", "keep.txt"), "keep\n")
    os.mkfifo(os.path.join(base, "fifo"))
    if IS_ROOT:
        os.mknod(os.path.join(base, "null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(os.path.join(base, "zero"), 0o666 | stat.S_IFCHR, os.makedev(1, 5))
        os.mknod(os.path.join(base, "full"), 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    else:  # without root: regular stand-ins keep the case list the same (weaker check)
        for n in ("null", "zero", "full"):
            write(os.path.join(base, n), "")
    os.symlink("possum.csv", os.path.join(base, "link.csv"))
    os.link(os.path.join(base, "possum.csv"), os.path.join(base, "hard.csv"))
    os.symlink("loop2", os.path.join(base, "loop1"))
    os.symlink("loop1", os.path.join(base, "loop2"))
    env = dict(os.environ, POSSUM_TRACKING_URI=os.path.join(base, "mlruns"))
    for args in (["data", "import", "possum.csv", "--out", "table.h5"],
                 ["features", "--data", "possum.csv", "--out", "features.h5", "--no-track"] + POSSUM_COLUMNS,
                 ["train", "--data", "possum.csv", "--export", "model.h5"] + POSSUM_COLUMNS,
                 ["qr", "partial", "--data", "table.h5", "--target", "taill", "--columns", "hdlngth,skullw", "--out", "part.h5"],
                 ["qr", "combine", "part.h5", "--out", "r.h5"]):
        r = subprocess.run([POSSUM] + args, cwd=base, env=env, capture_output=True, timeout=120)
        if r.returncode != 0:
            sys.exit(f"sweep: setting up the sandbox failed: possum {' '.join(args)}: {r.stderr.decode()}")
    # a socket: bound in the sandbox and left there (the listener is closed, the node remains)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(os.path.join(base, "sock"))
    s.close()


def snapshot(root):
    """Every entry under root (not following links) → a description that changes when it does."""
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            if stat.S_ISREG(kind):
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                desc = ("file", h.hexdigest())
            elif stat.S_ISLNK(kind):
                desc = ("link", os.readlink(path))
            elif stat.S_ISCHR(kind) or stat.S_ISBLK(kind):
                desc = ("device", kind, st.st_rdev)
            elif stat.S_ISDIR(kind):
                desc = ("dir",)
            else:
                desc = ("special", kind)
            entries[rel] = desc
    return entries


# ---------------------------------------------------------------------------------------------
# Cases


class Case:
    def __init__(self, name, args, expect="any", outputs=(), files=None, stdin=None, stdout=None,
                 timeout=30, feed_fifo=None, readback=None, mutable=(), setup=None, check=None, address_space=None,
                 closed=()):
        self.name, self.args, self.expect = name, args, expect
        self.outputs = set(outputs)  # paths (relative) that may be created or replaced on success
        self.files = files or {}  # extra files written into the sandbox before the case
        self.stdin, self.stdout, self.timeout = stdin, stdout, timeout
        self.feed_fifo = feed_fifo  # bytes a writer pushes into ./fifo while the case runs
        self.readback = readback  # ("model"|"table"|"features", path): possum must read what it wrote
        self.mutable = tuple(mutable)  # path prefixes the case may change (tracking stores)
        self.setup = setup  # callable(sandbox) before the snapshot
        self.check = check  # callable(sandbox, result) -> error text or None
        self.address_space = address_space  # bytes: RLIMIT_AS for the case (prlimit --as, ulimit -v)
        self.closed = tuple(closed)  # standard descriptors closed in the child (`>&-`, `2>&-`, `<&-`)


CASES = []


def case(*a, **k):
    CASES.append(Case(*a, **k))


NO_TRACK = ["--no-track"]
# The possum table's column choices (the pipeline's): train/features on it need them.
POSSUM_COLUMNS = ["--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex"]

# Commands that read a data file, with {} for the file.
READERS = {
    "data import": lambda f: ["data", "import", f, "--out", "o.h5"],
    "data show": lambda f: ["data", "show", f],
    "train --data": lambda f: ["train", "--data", f] + POSSUM_COLUMNS + NO_TRACK,
    "features --data": lambda f: ["features", "--data", f, "--out", "o.h5"] + POSSUM_COLUMNS + NO_TRACK,
    "predict --data": lambda f: ["predict", "--model", "model.h5", "--data", f],
    "predict --model": lambda f: ["predict", "--model", f, "--data", "possum.csv"],
    "model show": lambda f: ["model", "show", f],
    "train --features": lambda f: ["train", "--features", f] + NO_TRACK,
    "lstsq A": lambda f: ["lstsq", f, "b.csv"],
    "lstsq b": lambda f: ["lstsq", "A.csv", f],
    "dag show": lambda f: ["dag", "show", f],
    "dag run": lambda f: ["dag", "run", f, "--no-track"],
    "qr partial --data": lambda f: ["qr", "partial", "--data", f, "--target", "taill", "--columns", "hdlngth,skullw", "--out", "o.h5"],
    "qr combine": lambda f: ["qr", "combine", "part.h5", f, "--out", "o.h5"],
    "lstsq --r": lambda f: ["lstsq", "--r", f],
    "ridge leverages --r": lambda f: ["ridge", "leverages", "--data", "table.h5", "--rows", "0:50", "--r", f, "--out", "o.h5"],
    "train --r": lambda f: ["train", "--r", f] + NO_TRACK,
}

rng = random.Random(13)
garbage = bytes(rng.randrange(256) for _ in range(4096))
# name, content (None: a fixture; "DIR": a directory), a cut copy of a fixture, whether every reader
# must refuse it (the others must only fail cleanly or work).
BAD_INPUTS = {
    "directory": ("adir", None, None, True),
    "char device /dev/null-like": ("null", None, None, True),
    "char device /dev/zero-like": ("zero", None, None, True),
    "socket": ("sock", None, None, True),
    "missing file": ("nope.csv", None, None, True),
    "symlink loop": ("loop1", None, None, True),
    "empty file": ("empty.csv", b"", None, True),
    "random bytes": ("garbage.csv", garbage, None, False),
    "NUL bytes": ("nul.csv", b"a,b\n1,\x002\n", None, False),
    "not UTF-8": ("latin.csv", b"a,b\n\xe9\xff,2\n", None, False),
    "header only": ("header.csv", b"x,y\n", None, False),
    "a value past a trailing delimiter": ("trailing.csv", b"a;b;\r\n1;2;\r\n1;2;3\r\n", None, False),
    "classic Mac OS line ends (a lone CR)": ("mac.csv", b"a,b,y\r1,2,3\r4,5,6\r", None, True),
    "a 1 MB number with dots grouping thousands": ("grouped.csv", b"x;y\n1" + b".000" * 250_000 + b",5;1\n", None, False),
    "10 MB line without newline": ("longline.csv", b"a" * (10 << 20), None, False),
    "20k-column header": ("wide.csv", (",".join(f"c{i}" for i in range(20_000)) + "\n").encode(), None, False),
    "200k-column header": ("wider.csv", (",".join(f"c{i}" for i in range(200_000)) + "\n").encode(), None, True),
    ".h5 that is text": ("text.h5", b"this is not HDF5\n", None, False),
    "truncated model": ("trunc.h5", None, "model.h5:300", True),
    "directory named .h5": ("dir.h5", "DIR", None, True),
}

for cmd, make in READERS.items():
    for kind, (name, data, special, strict) in BAD_INPUTS.items():
        files = {}
        if data == "DIR":
            files[name] = "DIR"
        elif data is not None:
            files[name] = data
        setup = None
        if special:
            src, n = special.split(":")
            def setup(sb, src=src, n=int(n), name=name):
                with open(os.path.join(sb, src), "rb") as f:
                    write(os.path.join(sb, name), f.read(n))
        case(f"{cmd} given a {kind}", make(name), expect="refuse" if strict else "any", outputs=["o.h5"], files=files,
             setup=setup, timeout=60)
    # A FIFO is read once, streaming: fed with a valid file it works like the file (or is refused
    # cleanly), and never hangs.
    feed = open(POSSUM_CSV, "rb").read() if not cmd.startswith(("lstsq", "dag", "model", "train --features", "predict --model", "qr", "ridge", "train --r")) else None
    if feed is not None:
        case(f"{cmd} given a FIFO fed with possum.csv", make("fifo"), expect="ok", outputs=["o.h5"], feed_fifo=feed,
             timeout=20)

# Outputs: devices, FIFOs, sockets, directories, the command's own input (also through links).
WRITERS = {
    "data import --out": (lambda t, i="possum.csv": ["data", "import", i, "--out", t], "possum.csv"),
    "predict --out": (lambda t, i="possum.csv": ["predict", "--model", "model.h5", "--data", i, "--out", t], "possum.csv"),
    "predict --plot": (lambda t, i="possum.csv": ["predict", "--model", "model.h5", "--data", i, "--plot", t], "possum.csv"),
    "lstsq --out": (lambda t, i="A.csv": ["lstsq", i, "b.csv", "--out", t], "A.csv"),
    "features --out": (lambda t, i="possum.csv": ["features", "--data", i, "--out", t] + POSSUM_COLUMNS + NO_TRACK, "possum.csv"),
    "train --export": (lambda t, i="possum.csv": ["train", "--data", i, "--export", t] + POSSUM_COLUMNS + NO_TRACK, "possum.csv"),
    "dag show --output": (lambda t, i="p.yaml": ["dag", "show", i, "--output", t], "p.yaml"),
    "dag export --airflow": (lambda t, i="p.yaml": ["dag", "export", i, "--airflow", t], "p.yaml"),
    "model export --out": (lambda t, i="possum.csv": ["model", "export", "--data", i, "--out", t] + POSSUM_COLUMNS, "possum.csv"),
    "qr partial --out": (lambda t, i="table.h5": ["qr", "partial", "--data", i, "--target", "taill", "--columns", "hdlngth,skullw",
                                                  "--out", t], "table.h5"),
    "qr combine --out": (lambda t, i="part.h5": ["qr", "combine", i, "--out", t], "part.h5"),
    "ridge leverages --out": (lambda t, i="r.h5": ["ridge", "leverages", "--data", "table.h5", "--rows", "0:50", "--r", i,
                                                   "--out", t], "r.h5"),
    "report --out": (lambda t, i=None: ["report", "--out", t], None),
}
BAD_OUTPUTS = {
    "an existing directory": "adir",
    "a char device (/dev/null-like)": "null",
    "a full device": "full",
    "a FIFO": "fifo",
    "a socket": "sock",
    "a path through a regular file": "possum.csv/x",
}
for cmd, (make, own_input) in WRITERS.items():
    for kind, target in BAD_OUTPUTS.items():
        case(f"{cmd} to {kind}", make(target), expect="refuse", timeout=30)
    if own_input is not None:
        case(f"{cmd} to its own input", make(own_input), expect="refuse")
    if own_input == "possum.csv":
        case(f"{cmd} to a symlink to its input", make("link.csv"), expect="refuse")
        case(f"{cmd} to a hard link of its input", make("hard.csv"), expect="refuse")
        case(f"{cmd} to its input through ./", make("./possum.csv"), expect="refuse")
    # predict's model is an input too
    if cmd.startswith("predict"):
        case(f"{cmd} to its model file", make("model.h5"), expect="refuse")

# `-` reads standard input, which may be a file: `--data - --out FILE < FILE` names that file as an
# input too, and overwrote it.
for cmd, (make, own_input) in WRITERS.items():
    if own_input in ("possum.csv", "A.csv"):
        case(f"{cmd} to the file that is its standard input (-)", make(own_input, "-"), stdin=own_input, expect="refuse")
case("lstsq --out to b's file read as -", ["lstsq", "A.csv", "-", "--out", "b.csv"], stdin="b.csv", expect="refuse")

# Standard output that fails: a full device, a closed pipe.
STDOUT_COMMANDS = {
    "model show": ["model", "show", "model.h5"],
    "predict": ["predict", "--model", "model.h5", "--data", "possum.csv"],
    "train": ["train", "--data", "possum.csv"] + POSSUM_COLUMNS + NO_TRACK,
    "lstsq": ["lstsq", "A.csv", "b.csv"],
    "runs list": ["runs", "list"],
    "data show": ["data", "show", "possum.csv"],
    "dag show": ["dag", "show", "p.yaml"],
}
for cmd, args in STDOUT_COMMANDS.items():
    case(f"{cmd} > a full device", args, expect="refuse", stdout="full", mutable=["mlruns"])

# Standard descriptors closed at start (`>&-`, `2>&-`, `<&-`): a file possum opens must not take
# their numbers, or notes and reports land inside it (and Foundation's Process, handed a pipe on
# descriptor 2, trapped). Outputs must hold only what they should; a refusal is still one line.
def only_predictions(path):
    def check(sb, r):
        p = os.path.join(sb, path)
        if not os.path.exists(p):
            return None
        lines = open(p, "rb").read().decode(errors="replace").splitlines()
        odd = [l for l in lines[1:] if len(l.split(",")) != 3 or any(w in l for w in ("prediction", "R²", "Error"))]
        return f"{path} holds more than predictions: {odd[0][:80]!r}" if odd else None
    return check


for fds in ((1,), (2,), (1, 2), (0, 1, 2)):
    label = "+".join({0: "stdin", 1: "stdout", 2: "stderr"}[fd] for fd in fds) + " closed"
    for k in range(4 if 2 in fds else 1):  # the trap depended on timing: about one run in two
        case(f"predict --out --plot with {label} #{k}", ["predict", "--model", "model.h5", "--data", "possum.csv", "--out", "p.csv",
                                                        "--plot", "p.svg", "--quiet"], closed=fds, outputs=["p.csv", "p.svg", "p.png"],
             check=only_predictions("p.csv"))
    case(f"data import with {label}", ["data", "import", "possum.csv", "--out", "t.h5"], closed=fds,
         outputs=["t.h5"], readback=("table", "t.h5"))
    case(f"train --export with {label}", ["train", "--data", "possum.csv", "--export", "m.h5", "--register", "M"] + POSSUM_COLUMNS,
         closed=fds, outputs=["m.h5"], readback=("model", "m.h5"), mutable=["mlruns"])
    case(f"lstsq --out with {label}", ["lstsq", "A.csv", "b.csv", "--out", "x.csv"], closed=fds, outputs=["x.csv"],
         check=lambda sb, r: "x.csv holds more than x" if os.path.exists(os.path.join(sb, "x.csv")) and
         len(open(os.path.join(sb, "x.csv")).read().split()) != 2 else None)
case("lstsq A - with stdin closed", ["lstsq", "A.csv", "-"], closed=(0,), expect="refuse",
     check=lambda sb, r: None if "Bad file descriptor" in r.stderr else f"not the closed stdin's error: {r.stderr.strip()[:120]!r}")

# Values: huge, non-finite, overflowing. Either the right answer (and a file possum reads back) or a
# one-line refusal before anything is written.
VALUES = {
    "target 1e300 on one row": ("taill", "1e300"),
    "target 1e160 on one row": ("taill", "1e160"),
    "target -1e308 on one row": ("taill", "-1e308"),
    "feature 1.1e199 on one row": ("chest", "1.1e199"),
    "feature 1e308 on one row": ("chest", "1e308"),
    "feature -1.7e308 on one row": ("belly", "-1.7e308"),
    "feature 1e-320 (subnormal)": ("chest", "1e-320"),
    "feature NaN": ("chest", "NaN"),
    "feature inf": ("chest", "inf"),
    "feature 1e400 (overflows)": ("chest", "1e400"),
    "target text": ("taill", "long"),
    "categorical 1e300": ("site", "1e300"),
}
for kind, (column, value) in VALUES.items():
    data = with_cell(3, column, value)
    case(f"train --export with {kind}", ["train", "--data", "v.csv", "--export", "m.h5", "--json"] + POSSUM_COLUMNS + NO_TRACK,
         files={"v.csv": data}, outputs=["m.h5"], readback=("model", "m.h5"))
    case(f"train (text report) with {kind}", ["train", "--data", "v.csv"] + POSSUM_COLUMNS + NO_TRACK, files={"v.csv": data})
    # A feature set keeps the target as given; whether its spread can be fitted is train's call
    # (a one-line refusal there), so only feature values are read back through train.
    case(f"features with {kind}", ["features", "--data", "v.csv", "--out", "f.h5"] + POSSUM_COLUMNS + NO_TRACK,
         files={"v.csv": data}, outputs=["f.h5"], readback=None if column == "taill" else ("features", "f.h5"))
    case(f"data import with {kind}", ["data", "import", "v.csv", "--out", "t.h5"],
         files={"v.csv": data}, outputs=["t.h5"], readback=("table", "t.h5"))
    case(f"predict with {kind}", ["predict", "--model", "model.h5", "--data", "v.csv"], files={"v.csv": data})
    case(f"train tracked + registered with {kind}",
         ["train", "--data", "v.csv", "--register", "M", "--stage", "Staging"] + POSSUM_COLUMNS, files={"v.csv": data},
         mutable=["mlruns"])

# Shapes.
case("train on 2 rows", ["train", "--data", "two.csv"] + POSSUM_COLUMNS + NO_TRACK, files={"two.csv": "\n".join(possum_rows()[:3]) + "\n"})
case("train on 0 rows", ["train", "--data", "header.csv"] + POSSUM_COLUMNS + NO_TRACK, files={"header.csv": possum_rows()[0] + "\n"})
case("train on a constant column", ["train", "--data", "c.csv", "--target", "y"] + NO_TRACK,
     files={"c.csv": "x,k,y\n" + "".join(f"{i},5,{i * 2 + 1}\n" for i in range(10))})
case("train with a missing target column", ["train", "--data", "small.csv", "--target", "nope"] + NO_TRACK, expect="refuse")
case("train with --alphas 1:0:5", ["train", "--data", "possum.csv", "--alphas", "1:0:5"] + POSSUM_COLUMNS + NO_TRACK, expect="refuse")
case("train with --alphas 0:1:100000000000", ["train", "--data", "possum.csv", "--alphas", "0:1:100000000000"] + POSSUM_COLUMNS + NO_TRACK, expect="refuse")
case("train with --alphas -1e308:1e308:3", ["train", "--data", "possum.csv", "--alphas=-1e308:1e308:3"] + POSSUM_COLUMNS + NO_TRACK)
case("train wide 2000x1100",
     ["train", "--data", "wide.csv", "--target", "y"] + NO_TRACK, timeout=120,
     setup=lambda sb: write(os.path.join(sb, "wide.csv"),
                            ",".join([f"x{j}" for j in range(1100)] + ["y"]) + "\n" + "".join(
                                ",".join(str(random.Random(i).random() + (j == i % 1100)) for j in range(1101)) + "\n"
                                for i in range(2000))))

# lstsq.
case("lstsq 2x20000 (m < n)", ["lstsq", "wA.csv", "wb.csv"], timeout=20,
     setup=lambda sb: (write(os.path.join(sb, "wA.csv"), "\n".join(",".join(str((i + 1) * (j % 7 + 1)) for j in range(20000)) for i in range(2)) + "\n"),
                       write(os.path.join(sb, "wb.csv"), "1\n2\n")), expect="ok")
case("lstsq CRLF", ["lstsq", "crA.csv", "crb.csv"], files={"crA.csv": "1,2\r\n3,4\r\n5,7\r\n", "crb.csv": "1\r\n2\r\n4\r\n"}, expect="ok")
case("lstsq BOM", ["lstsq", "bA.csv", "b.csv"], files={"bA.csv": b"\xef\xbb\xbf1,2\n3,4\n5,7\n"}, expect="ok")
case("lstsq --rcond -1", ["lstsq", "A.csv", "b.csv", "--rcond", "-1"], expect="ok")
case("lstsq --rcond nan", ["lstsq", "A.csv", "b.csv", "--rcond", "nan"], expect="refuse")
case("lstsq b rows differ", ["lstsq", "A.csv", "b2.csv"], files={"b2.csv": "1\n2\n"}, expect="refuse")
case("lstsq ragged A", ["lstsq", "rA.csv", "b.csv"], files={"rA.csv": "1,2\n3\n5,7\n"}, expect="refuse")
case("lstsq text cell", ["lstsq", "tA.csv", "b.csv"], files={"tA.csv": "1,2\n3,x\n5,7\n"}, expect="refuse")
case("lstsq control chars in a cell", ["lstsq", "cA.csv", "b.csv"], files={"cA.csv": "1,2\n3,\x1b[31mred\r\n5,7\n"}, expect="refuse",
     check=lambda sb, r: "raw control character in the message" if any(c in r.stderr.strip() for c in "\x1b\r") else None)
for v in ("1e300", "-1e308", "1e-300", "nan", "inf", "1e400"):
    for solver in ("simd", "openblas", "naive"):
        case(f"lstsq {solver} with {v} in A", ["lstsq", "hA.csv", "b.csv", "--solver", solver],
             files={"hA.csv": f"1,2\n3,{v}\n5,7\n"},
             check=lambda sb, r: "non-finite solution printed with exit 0"
             if r.returncode == 0 and any(w in r.stdout.lower() for w in ("nan", "inf")) else None)
case("lstsq zero matrix", ["lstsq", "zA.csv", "b.csv"], files={"zA.csv": "0,0\n0,0\n0,0\n"})

# DAG files.
deep = "name: d\nworkdir: .\ntasks: " + "[" * 5000 + "]" * 5000 + "\n"
case("dag run with 5000 nested [", ["dag", "run", "deep.yaml", "--no-track"], files={"deep.yaml": deep}, expect="refuse")
case("dag show with 5000 nested {", ["dag", "show", "deep.yaml"], files={"deep.yaml": "a: " + "{a: " * 5000 + "1" + "}" * 5000}, expect="refuse")
case("dag run with a missing workdir", ["dag", "run", "w.yaml", "--no-track"],
     files={"w.yaml": "name: w\nworkdir: nowhere\ntasks:\n  - name: a\n    command: [true]\n"}, expect="refuse")
case("dag run with workdir a file", ["dag", "run", "w.yaml", "--no-track"],
     files={"w.yaml": "name: w\nworkdir: possum.csv\ntasks:\n  - name: a\n    command: [true]\n"}, expect="refuse")
chain = "name: c\nworkdir: .\ntasks:\n" + "".join(
    f"  - name: t{i}\n    command: [true]\n" + (f"    depends_on: [t{i - 1}]\n" if i else "") for i in range(10000))
case("dag show on a 10,000-task chain", ["dag", "show", "chain.yaml"], files={"chain.yaml": chain}, timeout=10, expect="ok")
cycle = "name: c\nworkdir: .\ntasks:\n" + "".join(
    f"  - name: t{i}\n    command: [true]\n    depends_on: [t{(i + 1) % 10000}]\n" for i in range(10000))
case("dag show on a 10,000-task cycle", ["dag", "show", "cycle.yaml"], files={"cycle.yaml": cycle}, timeout=10, expect="refuse")
for kind, text in {
    "duplicate task names": "name: x\nworkdir: .\ntasks:\n  - name: a\n    command: [true]\n  - name: a\n    command: [true]\n",
    "self dependency": "name: x\nworkdir: .\ntasks:\n  - name: a\n    command: [true]\n    depends_on: [a]\n",
    "unknown dependency": "name: x\nworkdir: .\ntasks:\n  - name: a\n    command: [true]\n    depends_on: [zz]\n",
    "timeout 1e300": "name: x\nworkdir: .\ntasks:\n  - name: a\n    command: [true]\n    timeout_seconds: 1e300\n",
    "retries 1e20": "name: x\nworkdir: .\ntasks:\n  - name: a\n    command: [true]\n    retries: 99999999999999999999\n",
    "retries -1": "name: x\nworkdir: .\ntasks:\n  - name: a\n    command: [true]\n    retries: -1\n",
    "tasks a string": "name: x\nworkdir: .\ntasks: hello\n",
    "empty command": "name: x\nworkdir: .\ntasks:\n  - name: a\n    command: []\n",
    "NUL in a name": "name: x\nworkdir: .\ntasks:\n  - name: \"a\\0b\"\n    command: [true]\n",
    "control chars in a name": "name: x\nworkdir: .\ntasks:\n  - name: \"a\\e[31mb\"\n    command: [true]\n    depends_on: [\"\\e[2J\"]\n",
    "10 KB name": "name: x\nworkdir: .\ntasks:\n  - name: " + "n" * 10000 + "\n    command: [true]\n    depends_on: [q]\n",
    "anchors bomb": "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\nname: x\nworkdir: .\ntasks: []\n",
}.items():
    case(f"dag run with {kind}", ["dag", "run", "x.yaml", "--no-track"], files={"x.yaml": text}, expect="refuse", timeout=20,
         mutable=[".possum"],
         check=(lambda sb, r: "raw control character in the message" if "\x1b" in r.stderr else None))

# Tracking store.
def copied_store(sb):
    env = dict(os.environ, POSSUM_TRACKING_URI=os.path.join(sb, "s1"))
    subprocess.run([POSSUM, "train", "--data", "possum.csv"] + POSSUM_COLUMNS, cwd=sb, env=env, capture_output=True, timeout=120)
    subprocess.run(["cp", "-a", os.path.join(sb, "s1"), os.path.join(sb, "s3")], check=True)


case("train into a copied store leaves the original alone", ["train", "--data", "possum.csv", "--tracking-uri", "s3"] + POSSUM_COLUMNS,
     setup=copied_store, mutable=["s3"], expect="ok",
     check=lambda sb, r: None if subprocess.run([POSSUM, "runs", "list", "--tracking-uri", "s1"], cwd=sb, capture_output=True).returncode == 0
     else "the original store is no longer listable")
case("runs list on a missing store", ["runs", "list", "--tracking-uri", "no/such/dir"],
     check=lambda sb, r: "created the store" if os.path.exists(os.path.join(sb, "no")) else None)
case("report on a missing store", ["report", "--tracking-uri", "no/such/dir", "--out", "r.html"], outputs=["r.html"],
     check=lambda sb, r: "created the store" if os.path.exists(os.path.join(sb, "no")) else None)
case("models list on a missing store", ["models", "list", "--tracking-uri", "no/such/dir"],
     check=lambda sb, r: "created the store" if os.path.exists(os.path.join(sb, "no")) else None)


def damaged_run(sb):
    exp = os.path.join(sb, "mlruns", "0")
    os.makedirs(os.path.join(exp, "deadbeefdeadbeefdeadbeefdeadbeef", "params"), exist_ok=True)


for cmd in (["runs", "list"], ["runs", "gc", "--dry-run"], ["report", "--out", "r.html"], ["models", "list"]):
    case(f"{' '.join(cmd)} with a run directory without meta.yaml", cmd, setup=damaged_run, expect="ok",
         outputs=["r.html"], mutable=["mlruns"] if "gc" in cmd and "--dry-run" not in cmd else [])
for kind, content in {"garbled": b"\x00\xff: [\n", "deep": b"a: " + b"[" * 5000 + b"\n", "huge": b"x: " + b"y" * (20 << 20) + b"\n"}.items():
    def bad_meta(sb, content=content):
        d = os.path.join(sb, "mlruns", "0", "cafecafecafecafecafecafecafecafe")
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "meta.yaml"), content)
    case(f"runs list with a {kind} meta.yaml", ["runs", "list"], setup=bad_meta, expect="ok", timeout=30)


def meta_fifo(sb):
    d = os.path.join(sb, "mlruns", "0", "f1f0f1f0f1f0f1f0f1f0f1f0f1f0f1f0")
    os.makedirs(d, exist_ok=True)
    os.mkfifo(os.path.join(d, "meta.yaml"))


case("runs list with a FIFO as meta.yaml", ["runs", "list"], setup=meta_fifo, expect="ok", timeout=20)

# Arguments.
case("runs show with a 100 KB id", ["runs", "show", "a" * 100_000], expect="refuse")
case("runs show with ../ in the id", ["runs", "show", "../../etc"], expect="refuse")
case("models get with control characters", ["models", "get", "\x1b[2J@Production"], expect="refuse",
     check=lambda sb, r: "raw control character in the message" if "\x1b" in r.stderr else None)
case("data import --table a/b", ["data", "import", "possum.csv", "--out", "t.h5", "--table", "a/b"], outputs=["t.h5"], readback=("table", "t.h5"))
case("data import --table ../x", ["data", "import", "possum.csv", "--out", "t.h5", "--table", "../x"], outputs=["t.h5"], readback=("table", "t.h5"))
case("data import --table ''", ["data", "import", "possum.csv", "--out", "t.h5", "--table", ""], outputs=["t.h5"], readback=("table", "t.h5"))
case("stdin as data (-)", ["data", "show", "-"], stdin=open(POSSUM_CSV, "rb").read(), expect="ok")

# Random mutations of a valid CSV (seeded): never a crash, hang or multi-line refusal.
base_csv = open(POSSUM_CSV, "rb").read()
for k in range(40):
    r = random.Random(1000 + k)
    b = bytearray(base_csv)
    for _ in range(r.randrange(1, 20)):
        op = r.randrange(4)
        i = r.randrange(len(b))
        if op == 0:
            b[i] = r.randrange(256)
        elif op == 1:
            b.insert(i, r.choice(b',"\n\r\x00'))
        elif op == 2:
            del b[i]
        else:
            b[i:i] = b'"' * r.randrange(1, 4)
    case(f"fuzzed CSV #{k} through import and train",
         ["train", "--data", "fz.csv", "--export", "m.h5"] + POSSUM_COLUMNS + NO_TRACK, files={"fz.csv": bytes(b)},
         outputs=["m.h5"], readback=("model", "m.h5"))


def big_table(sb):
    """big.h5: 250,000 rows (2 MB per numeric column), imported once per sweep and copied in."""
    cached = os.path.join(os.path.dirname(sb), "big.h5")
    if not os.path.exists(cached):
        csv = os.path.join(os.path.dirname(sb), "big.csv")
        write(csv, "x1,x2,g,y\n" + "".join(f"{i},{(i * 7) % 5 + 0.5},{'ab'[i % 2]},{2 * i + (i % 3)}\n" for i in range(250_000)))
        subprocess.run([POSSUM, "data", "import", csv, "--out", cached], check=True, capture_output=True, timeout=120)
    shutil.copy(cached, os.path.join(sb, "big.h5"))


# A tight memory limit: every command works or refuses in one line, in time. OpenBLAS, once loaded with
# possum, started workers whose buffers did not fit and every command hung at exit; reads of HDF5 under
# 16 MiB were not checked against the headroom and aborted, and so did data show's summary of big.h5 at
# 150 MB (its column arrays were not asked of the headroom).
for mb in (150, 200, 250, 300, 400, 500, 700):
    for label, args, setup in (
            ("data show", ["data", "show", "possum.csv"], None),
            ("train", ["train", "--data", "possum.csv"] + POSSUM_COLUMNS + NO_TRACK, None),
            ("predict", ["predict", "--model", "model.h5", "--data", "possum.csv"], None),
            ("train --solver openblas", ["train", "--data", "possum.csv", "--solver", "openblas"] + POSSUM_COLUMNS + NO_TRACK, None),
            ("data show big.h5", ["data", "show", "big.h5"], big_table)):
        case(f"under prlimit --as={mb}MB: {label}", args, address_space=mb * 1_000_000, setup=setup, timeout=30)


# ---------------------------------------------------------------------------------------------
# Running


class Result:
    pass


def limits(address_space, closed=()):
    def apply():
        for fd in closed:
            os.close(fd)
        # A runaway writer (e.g. /dev/zero copied into a temp file) must not fill the machine's disk:
        # past 1 GiB the kernel stops it with SIGXFSZ, which the sweep reports as a crash.
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 30, 1 << 30))
        if address_space:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    return apply


def run_case(c, base, work):
    sb = os.path.join(work, "sb")
    if os.path.exists(sb):
        shutil.rmtree(sb)
    subprocess.run(["cp", "-a", base, sb], check=True)
    for name, data in c.files.items():
        if data == "DIR":
            os.makedirs(os.path.join(sb, name))
        else:
            write(os.path.join(sb, name), data)
    if c.setup:
        c.setup(sb)
    before = snapshot(sb)
    env = dict(os.environ, POSSUM_TRACKING_URI=os.path.join(sb, "mlruns"), HOME=sb)
    stdout = open(os.path.join(sb, c.stdout), "wb") if c.stdout else subprocess.PIPE
    feeder = None
    if c.feed_fifo is not None:
        feeder = subprocess.Popen(["sh", "-c", "cat > fifo"], cwd=sb, stdin=subprocess.PIPE)
        feeder.stdin.write(c.feed_fifo)
        feeder.stdin.close()
    start = time.monotonic()
    # stdin: bytes fed through a pipe, or a str naming a sandbox file redirected (`< FILE`).
    stdin_file = open(os.path.join(sb, c.stdin), "rb") if isinstance(c.stdin, str) else None
    p = subprocess.Popen([POSSUM] + c.args, cwd=sb, env=env,
                         stdin=stdin_file or (subprocess.PIPE if c.stdin else subprocess.DEVNULL),
                         stdout=stdout, stderr=subprocess.PIPE, start_new_session=True, preexec_fn=limits(c.address_space, c.closed))
    problems = []
    try:
        out, err = p.communicate(input=None if stdin_file else c.stdin, timeout=c.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        problems.append(f"hang: still running after {c.timeout} s")
    if stdin_file:
        stdin_file.close()
    if feeder:
        try:
            feeder.wait(timeout=2)
        except subprocess.TimeoutExpired:
            feeder.kill()
            feeder.wait()
    if c.stdout:
        stdout.close()
    r = Result()
    r.returncode, r.stdout, r.stderr = p.returncode, (out or b"").decode(errors="replace"), err.decode(errors="replace")
    r.seconds = time.monotonic() - start
    rc = p.returncode
    if not problems:
        if rc < 0:
            problems.append(f"crash: killed by signal {signal.Signals(-rc).name}")
        elif rc >= 128:
            problems.append(f"exit code {rc} (≥ 128)")
        lines = [l for l in r.stderr.splitlines() if l.strip() and not l.lower().startswith("warning")]
        # With stdout closed the notes printed before the report (registered …) precede the error.
        if 1 in c.closed and lines and lines[-1].startswith("Error: standard output"):
            lines = lines[-1:]
        if rc != 0 and len(lines) != 1 and not (c.stdout and len(lines) <= 1) and 2 not in c.closed:
            problems.append(f"refusal is {len(lines)} lines: {r.stderr.strip()[:300]!r}")
        for marker in ("Fatal error", "Stack dump", "Current stack trace", "backtrace", "Segmentation"):
            if marker in r.stderr:
                problems.append(f"'{marker}' on stderr")
        if c.expect == "refuse" and rc == 0:
            problems.append("accepted (exit 0) where a refusal was expected")
        if c.expect == "ok" and rc != 0:
            problems.append(f"refused where success was expected: {r.stderr.strip()[:300]!r}")
    after = snapshot(sb)
    # With stdout closed the work is done and written before the report fails to print.
    allowed = set(c.outputs) if rc == 0 or 1 in c.closed else set()

    def may_change(rel):
        return rel in allowed or any(rel == m or rel.startswith(m + "/") for m in c.mutable) or rel.startswith(".possum")
    for rel, desc in before.items():
        if rel not in after:
            if not may_change(rel):
                problems.append(f"removed {rel}")
        elif after[rel] != desc and not may_change(rel):
            problems.append(f"changed {rel}: {desc[0]} → {after[rel][0]}")
    for rel in after:
        if rel in before:
            continue
        if os.path.basename(rel).startswith(".") and ".tmp-" in rel:
            problems.append(f"left a temporary file {rel}")
        elif not may_change(rel) and not rel.startswith("mlruns/") and rel != "mlruns":
            problems.append(f"created {rel}")
    if rc == 0 and c.readback and os.path.exists(os.path.join(sb, c.readback[1])):
        kind, path = c.readback
        cmd = {"model": ["model", "show", path], "table": ["data", "show", path],
               "features": ["train", "--features", path, "--no-track"]}[kind]
        rb = subprocess.run([POSSUM] + cmd, cwd=sb, env=env, capture_output=True, timeout=20)
        if rb.returncode != 0:
            problems.append(f"wrote {path} that `possum {' '.join(cmd)}` refuses: {rb.stderr.decode().strip()[:200]!r}")
    if c.check and not any(p.startswith("hang") for p in problems):
        msg = c.check(sb, r)
        if msg:
            problems.append(msg)
    return r, problems


def main():
    cases = [c for c in CASES if not ONLY or ONLY in c.name]
    if LIST:
        for c in cases:
            print(c.name)
        print(f"{len(cases)} cases")
        return 0
    global POSSUM
    work = tempfile.mkdtemp(prefix="possum-sweep-")
    # A private copy of the binary: a rebuild during the sweep must not change what is tested.
    shutil.copy(POSSUM, os.path.join(work, "possum"))
    POSSUM = os.path.join(work, "possum")
    base = os.path.join(work, "base")
    build_base(base)
    failed = 0
    crashes = hangs = lost = 0
    t0 = time.monotonic()
    for c in cases:
        r, problems = run_case(c, base, work)
        if problems:
            failed += 1
            crashes += any(p.startswith(("crash", "exit code")) for p in problems)
            hangs += any(p.startswith("hang") for p in problems)
            lost += any(p.startswith(("changed", "removed")) for p in problems)
            print(f"FAIL {c.name}: possum {' '.join(a if len(a) < 60 else a[:57] + '...' for a in c.args)!s}"
                  f" → exit {r.returncode}: " + "; ".join(problems), flush=True)
    if not KEEP:
        shutil.rmtree(work, ignore_errors=True)
    print(f"hostile sweep: {len(cases)} cases in {time.monotonic() - t0:.0f} s — {crashes} crashes, {hangs} hangs, "
          f"{lost} with data changed or lost")
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
