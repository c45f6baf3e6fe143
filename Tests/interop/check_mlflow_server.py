#!/usr/bin/env python3
"""`make test-mlflow-server`: possum logs to a real MLflow tracking server, MLflow's own client reads it.

1. A private venv (default .build-interop/mlflow, shared with `make test-mlflow`) with mlflow, numpy,
   h5py and pandas.
2. Starts `mlflow server --backend-store-uri sqlite:///<tmp>/mlflow.db --artifacts-destination <tmp>/artifacts
   --host 127.0.0.1 --port <free>` (artifact proxying, MLflow's default) and waits for /health. The server
   is stopped at the end whatever happens (finally, and on SIGINT/SIGTERM).
3. With the possum binary, against http://127.0.0.1:<port>:
   train --register NAME --alias champion --export (v1); a second train with the URI only in
   $MLFLOW_TRACKING_URI, nested under the first run ($POSSUM_PARENT_RUN_ID), --stage Staging (v2);
   models promote NAME 1 --stage Production; models alias (set, set, --delete); runs list/show/compare,
   models list/show/get, model export --registered NAME@champion, report, predict; and the errors:
   runs gc, an unknown run, an unknown model, a sqlite: URI - each one line, exit 1; `dag run` of a
   two-task pipeline with --tracking-uri on the server.
4. Inside the venv, MlflowClient on the same server reads the run, its params, metric history, tags,
   the parent link, the stages and aliases, the DAG's parent/child runs and the train task's run under them; mlflow.pyfunc.load_model("models:/NAME@champion") (and
   runs:/RUN/model) predicts datasets/possum.csv as `possum predict` does, to 1e-12.

Usage: python3 Tests/interop/check_mlflow_server.py --possum .build/debug/possum [--venv DIR] [--keep]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PACKAGES = ["mlflow", "numpy", "h5py", "pandas"]
MODEL_NAME = "Reg_RidgeCV_possums_server"
DATA = os.path.join(REPO, "datasets", "possum.csv")
FEATURES = ["--target", "taill", "--drop", "case", "--categorical", "site,Pop,sex"]
# A two-task DAG whose runs go to the server: the driver's parent and child runs, and train's own
# run nested under its task's child run.
DAG = """name: servercheck
workdir: .
tasks:
  - name: import
    command: [possum, data, import, "{data}", --out, dag/possum.h5]
    inputs: ["{data}"]
    outputs: [dag/possum.h5]
  - name: train
    depends_on: [import]
    command: [possum, train, --data, dag/possum.h5, --target, taill, --drop, case, --categorical, "site,Pop,sex",
              --experiment, Possum_dag]
    inputs: [dag/possum.h5]
"""


def ensure_venv(venv):
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, ".ready")):
        print(f"== installing {' '.join(PACKAGES)} into {venv}", flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", venv])
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + PACKAGES)
        open(os.path.join(venv, ".ready"), "w").close()
    return python


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(venv, workdir):
    port = free_port()
    mlflow_bin = os.path.join(venv, "bin", "mlflow")
    log = open(os.path.join(workdir, "server.log"), "w")
    proc = subprocess.Popen(
        [mlflow_bin, "server", "--backend-store-uri", "sqlite:///" + os.path.join(workdir, "mlflow.db"),
         "--artifacts-destination", os.path.join(workdir, "artifacts"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
    uri = f"http://127.0.0.1:{port}"
    print(f"== mlflow server (sqlite backend, artifact proxy) on {uri}, pid {proc.pid}", flush=True)
    # A cold start (database migrations, imports) takes minutes on a busy machine.
    deadline = time.time() + 600
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"mlflow server exited with {proc.returncode}; see {workdir}/server.log")
        try:
            urllib.request.urlopen(uri + "/health", timeout=2)
            return proc, uri
        except Exception:
            time.sleep(1)
    raise SystemExit("mlflow server did not answer /health within 600 s")


def stop_server(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and its workers
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Possum:
    def __init__(self, binary, uri, workdir):
        self.binary, self.uri, self.workdir = binary, uri, workdir
        self.failures = []

    def run(self, *args, env=None, uri=True, expect=0):
        cmd = [self.binary] + list(args) + (["--tracking-uri", self.uri] if uri else [])
        full_env = dict(os.environ, **(env or {}))
        for key in ("POSSUM_TRACKING_URI", "MLFLOW_TRACKING_URI"):
            if not env or key not in env:
                full_env.pop(key, None)
        p = subprocess.run(cmd, cwd=self.workdir, env=full_env, capture_output=True, text=True)
        shown = " ".join(os.path.basename(a) if a == self.binary else a for a in cmd)
        if p.returncode != expect:
            self.check(False, f"{shown}: exit {p.returncode} (expected {expect}): {p.stderr.strip()[-500:]}")
        return p

    def check(self, cond, what):
        print("ok  " if cond else "FAIL", what, flush=True)
        if not cond:
            self.failures.append(what)


def run_possum(possum, workdir):
    """Step 3. Returns what the MLflow client is checked against."""
    print("== possum against the server", flush=True)
    model_file = os.path.join(workdir, "model.h5")
    predictions = os.path.join(workdir, "predictions.csv")
    first = json.loads(possum.run("train", "--data", DATA, *FEATURES, "--export", model_file, "--register", MODEL_NAME,
                                  "--alias", "champion", "--tag", "purpose=server-check", "--json").stdout)
    run1 = first["run_id"]
    # The URI only in MLflow's variable; the run nested under the first one.
    second = json.loads(possum.run("train", "--data", DATA, *FEATURES, "--alphas", "-2:2:12", "--register", MODEL_NAME,
                                   "--stage", "Staging", "--json", uri=False,
                                   env={"MLFLOW_TRACKING_URI": possum.uri, "POSSUM_PARENT_RUN_ID": run1}).stdout)
    run2 = second["run_id"]
    possum.check(run1 != run2, f"two runs: {run1[:8]} and {run2[:8]}")
    possum.run("models", "promote", MODEL_NAME, "1", "--stage", "Production")
    possum.run("models", "alias", MODEL_NAME, "candidate", "2")
    possum.run("models", "alias", MODEL_NAME, "gone", "2")
    possum.run("models", "alias", MODEL_NAME, "gone", "--delete")
    possum.run("predict", "--model", model_file, "--data", DATA, "--out", predictions, uri=False)

    runs = json.loads(possum.run("runs", "list", "--json").stdout)
    possum.check({r["info"]["run_id"] for r in runs} >= {run1, run2}, f"runs list shows both runs ({len(runs)})")
    shown = json.loads(possum.run("runs", "show", run1[:8], "--json").stdout)
    possum.check(shown["info"]["run_id"] == run1 and shown["params"]["target"] == "taill"
                 and shown["tags"].get("purpose") == "server-check", "runs show PREFIX: params and tags")
    text = possum.run("runs", "show", run1).stdout
    possum.check("model/MLmodel" in text and "model/model.h5" in text, "runs show lists the artifacts uploaded through the proxy")
    compared = json.loads(possum.run("runs", "compare", run1, run2, "--json").stdout)
    possum.check(any(row["key"] == "alphas" and row["differs"] for row in compared["rows"]), "runs compare: the alpha grids differ")
    filtered = json.loads(possum.run("runs", "list", "--filter", "params.alphas = 'logspace(-2:2:12)'", "--json").stdout)
    possum.check([r["info"]["run_id"] for r in filtered] == [run2], "runs list --filter on a param")
    models = json.loads(possum.run("models", "list", "--json").stdout)
    possum.check(any(m["name"] == MODEL_NAME and m["aliases"].get("champion") == 1 for m in models), "models list: champion → v1")
    versions = json.loads(possum.run("models", "show", MODEL_NAME, "--json").stdout)
    stages = {v["version"]: v["current_stage"] for v in versions}
    possum.check(stages == {1: "Production", 2: "Staging"}, f"models show: stages {stages}")
    path = possum.run("models", "get", MODEL_NAME + "@champion").stdout.strip()
    possum.check(path.endswith(".h5") and os.path.isfile(path), f"models get NAME@champion downloads the model ({path})")
    exported = os.path.join(workdir, "exported.h5")
    possum.run("model", "export", "--registered", MODEL_NAME + "@champion", "--out", exported)
    registered_predictions = os.path.join(workdir, "registered-predictions.csv")
    possum.run("predict", "--model", exported, "--data", DATA, "--out", registered_predictions, uri=False)
    with open(predictions) as a, open(registered_predictions) as b:
        possum.check(a.read() == b.read(), "the registered champion predicts what the exported model predicts")
    report = os.path.join(workdir, "report.html")
    possum.run("report", "--out", report)
    with open(report) as f:
        html = f.read()
    possum.check(run1 in html and MODEL_NAME in html, "report renders the server's runs and models")
    possum.check(html.count("data:image/svg+xml;base64,") >= 2, "report embeds the runs' predicted-vs-true pictures, downloaded from the server")

    print("== possum dag run logs the DAG and its tasks to the server", flush=True)
    with open(os.path.join(workdir, "servercheck.yaml"), "w") as f:
        f.write(DAG.format(data=DATA))
    possum.run("dag", "run", "servercheck.yaml")
    status = possum.run("dag", "status", uri=False).stdout
    possum.check("import" in status and "train" in status, "dag status names both tasks")

    print("== errors are one line, exit 1", flush=True)
    for args, needle in [
        (["runs", "gc"], "not supported by a tracking server"),
        (["runs", "show", "0" * 32], "no run with id"),
        (["models", "get", "NoSuchModel@champion"], "not found"),
    ]:
        p = possum.run(*args, expect=1)
        err = p.stderr.strip()
        possum.check(needle in err and "\n" not in err, f"possum {' '.join(args)}: {err}")
    p = possum.run("runs", "list", "--tracking-uri", "sqlite:///mlflow.db", uri=False, expect=1)
    possum.check("http(s)://" in p.stderr and "\n" not in p.stderr.strip(), f"sqlite: refused: {p.stderr.strip()}")
    return {"uri": possum.uri, "run1": run1, "run2": run2, "data": DATA, "predictions": predictions, "first": first}


def check_with_client(spec):
    """Step 4, inside the venv."""
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow import MlflowClient

    failures = []

    def check(cond, what):
        print("ok  " if cond else "FAIL", what, flush=True)
        if not cond:
            failures.append(what)

    print(f"== MlflowClient (mlflow {mlflow.__version__}) reads what possum logged", flush=True)
    mlflow.set_tracking_uri(spec["uri"])
    client = MlflowClient(tracking_uri=spec["uri"])
    run = client.get_run(spec["run1"])
    check(run.info.status == "FINISHED" and run.info.run_name == "RidgeCV", f"run {run.info.run_id[:8]}: FINISHED, RidgeCV")
    check(run.data.params.get("target") == "taill" and run.data.params.get("solver") == "simd", "params")
    check(run.data.tags.get("purpose") == "server-check" and run.data.tags.get("mlflow.source.name") == "possum", "tags")
    expected = spec["first"]
    history = client.get_metric_history(spec["run1"], "loo_rmse")
    check(len(history) == 1 and abs(history[0].value - run.data.metrics["loo_rmse"]) == 0, f"metric history of loo_rmse: {[m.value for m in history]}")
    check(abs(run.data.metrics["loo_rmse"] - expected["loo_rmse"]) <= 1e-12 * abs(expected["loo_rmse"]),
          f"loo_rmse {run.data.metrics['loo_rmse']} is what possum printed ({expected['loo_rmse']})")
    child = client.get_run(spec["run2"])
    check(child.data.tags.get("mlflow.parentRunId") == spec["run1"], "the second run is a child of the first (mlflow.parentRunId)")
    artifacts = {a.path for a in client.list_artifacts(spec["run1"], "model")}
    check({"model/MLmodel", "model/model.h5"} <= artifacts, f"model artifacts through the proxy: {sorted(artifacts)}")
    v1 = client.get_model_version_by_alias(MODEL_NAME, "champion")
    check(str(v1.version) == "1" and v1.current_stage == "Production", f"champion → v{v1.version}, stage {v1.current_stage}")
    v2 = client.get_model_version(MODEL_NAME, "2")
    check(v2.current_stage == "Staging" and v2.run_id == spec["run2"], f"v2 in {v2.current_stage} from the second run")
    aliases = client.get_registered_model(MODEL_NAME).aliases
    check(aliases == {"champion": "1", "candidate": "2"} or aliases == {"champion": 1, "candidate": 2}, f"aliases {aliases}")

    dags = client.get_experiment_by_name("possum-dags")
    dag_runs = client.search_runs([dags.experiment_id]) if dags else []
    parents = [r for r in dag_runs if r.data.tags.get("possum.dag") == "servercheck" and "mlflow.parentRunId" not in r.data.tags]
    check(len(parents) == 1 and parents[0].info.status == "FINISHED", f"dag run: one FINISHED parent run in possum-dags ({len(parents)})")
    children = {r.info.run_name: r for r in dag_runs if parents and r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id}
    check(set(children) == {"import", "train"} and all(r.info.status == "FINISHED" and "duration_seconds" in r.data.metrics
                                                      for r in children.values()), f"dag run: child runs {sorted(children)}, FINISHED, timed")
    trained = client.get_experiment_by_name("Possum_dag")
    train_runs = client.search_runs([trained.experiment_id]) if trained else []
    check(len(train_runs) == 1 and "train" in children and train_runs[0].data.tags.get("mlflow.parentRunId") == children["train"].info.run_id
          and "loo_rmse" in train_runs[0].data.metrics, "the train task logged its RidgeCV run to the server, under its task's run")

    frame = pd.read_csv(spec["data"])
    theirs = pd.read_csv(spec["predictions"])
    rows = theirs["row"].to_numpy() - 1  # possum's row counts the table's data rows from 1
    check(len(rows) == len(frame) - 3, f"possum predicts {len(rows)} of {len(frame)} rows (3 have a missing feature)")
    for model_uri in [f"models:/{MODEL_NAME}@champion", f"runs:/{spec['run1']}/model", f"models:/{MODEL_NAME}/Production"]:
        ours = np.asarray(mlflow.pyfunc.load_model(model_uri).predict(frame), dtype=np.float64)
        if ours.shape != (len(frame),):
            check(False, f"{model_uri}: one prediction per row ({ours.shape})")
            continue
        worst = float(np.max(np.abs(ours[rows] - theirs["predicted"].to_numpy())))
        check(worst <= 1e-12, f"{model_uri}: pyfunc predicts what `possum predict` does (max |difference| {worst:.1e})")
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", default=os.path.join(REPO, ".build-interop", "mlflow"))
    ap.add_argument("--possum", default=os.path.join(REPO, ".build", "debug", "possum"))
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (server log, database, artifacts)")
    ap.add_argument("--client-check", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.client_check:
        with open(args.client_check) as f:
            failures = check_with_client(json.load(f))
        sys.exit(1 if failures else 0)

    venv = os.path.abspath(args.venv)
    python = ensure_venv(venv)
    workdir = tempfile.mkdtemp(prefix="possum-mlflow-server-")
    proc = None

    def on_signal(signum, frame):
        raise SystemExit(f"interrupted by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        proc, uri = start_server(venv, workdir)
        possum = Possum(os.path.abspath(args.possum), uri, workdir)
        # Downloads go to a private cache, not the user's.
        os.environ["XDG_CACHE_HOME"] = os.path.join(workdir, "cache")
        spec = run_possum(possum, workdir)
        spec_file = os.path.join(workdir, "spec.json")
        with open(spec_file, "w") as f:
            json.dump(spec, f)
        rc = subprocess.call([python, os.path.abspath(__file__), "--client-check", spec_file], cwd=workdir)
        failures = possum.failures + (["MlflowClient checks"] if rc != 0 else [])
    finally:
        if proc is not None:
            stop_server(proc)
            print(f"== server stopped (pid {proc.pid})", flush=True)
        if args.keep:
            print("scratch kept in", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"FAILED: {len(failures)} check(s)")
        sys.exit(1)
    print("OK: possum logs, registers and aliases through a real MLflow tracking server, and MLflow reads and loads it")


if __name__ == "__main__":
    main()
