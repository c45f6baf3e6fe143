#!/usr/bin/env python3
"""Acceptance check for issue #7: MLflow's own client reads a store written by possum.

1. Makes a private venv (default .build-interop/venv) and installs mlflow from PyPI into it, once.
2. Runs the Swift test `InteropFixture` with POSSUM_INTEROP_DIR set: it writes the reference
   pipeline (experiment Possum_tails, runs Scaler and RidgeCV, registered model Reg_RidgeCV_possums
   in Staging with alias champion) into <dir>/mlruns and what it wrote into <dir>/expected.json.
3. Reads the store back through mlflow.MlflowClient and compares every experiment, run, param,
   metric (latest value and full history), tag, registered model, model version, stage and alias.
4. Starts `mlflow server --backend-store-uri <store>` (what `mlflow ui` runs) and checks its REST
   API lists the experiment and the runs.
5. Models MLflow can load (with --possum BINARY, as `make test-mlflow` runs it): trains with possum
   into a second store with `--register Reg_RidgeCV_possums --stage Production --alias champion`,
   then `mlflow.pyfunc.load_model("models:/Reg_RidgeCV_possums@champion")` and `runs:/RUN/model`
   predict datasets/possum.csv (a pandas DataFrame) as `possum predict` does, to 1e-12 (rows with a
   missing feature, which possum skips, are NaN); `download_artifacts("models:/NAME/Production")`
   holds the model folder; the signature and input example are MLflow's; aliases set by
   `possum models alias` are read by `get_model_version_by_alias`, and deleted ones are gone.

Usage: python3 Tests/interop/check_mlflow.py [--venv DIR] [--scratch-path .build-interop/swift] [--possum BIN] [--keep]
MLflow 3 refuses file stores unless MLFLOW_ALLOW_FILE_STORE=true; this script sets it.
"""
import argparse
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


# What the pyfunc loader needs (numpy, h5py, pandas) besides mlflow; the Makefile's
# .build-interop/mlflow/.ready rule installs the same list.
PACKAGES = ["mlflow", "numpy", "h5py", "pandas"]
MODEL_NAME = "Reg_RidgeCV_possums"


def ensure_venv(venv):
    venv = os.path.abspath(venv)  # the checks run with the scratch folder as working directory
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(os.path.join(venv, ".ready")):
        print(f"== installing {' '.join(PACKAGES)} into {venv}", flush=True)
        subprocess.check_call([sys.executable, "-m", "venv", venv])
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + PACKAGES)
        open(os.path.join(venv, ".ready"), "w").close()
    return python


def train_with_possum(workdir, possum):
    """Step 5's store: a model trained, registered and aliased by the possum binary, and what
    `possum predict` says about datasets/possum.csv."""
    print(f"== training with {possum} (--register {MODEL_NAME} --stage Production --alias champion)", flush=True)
    data = os.path.join(REPO, "datasets", "possum.csv")
    store = os.path.join(workdir, "pyfunc-store")
    uri = ["--tracking-uri", "file:" + store]
    model = os.path.join(workdir, "possum-ridge.h5")
    predictions = os.path.join(workdir, "predictions.csv")
    subprocess.check_call([possum, "train", "--data", data, "--target", "taill", "--drop", "case",
                           "--categorical", "site,Pop,sex", "--export", model, "--register", MODEL_NAME,
                           "--stage", "Production", "--alias", "champion"] + uri, cwd=workdir, stdout=subprocess.DEVNULL)
    subprocess.check_call([possum, "predict", "--model", model, "--data", data, "--out", predictions], cwd=workdir)
    # An alias set and one set then deleted through `possum models alias`.
    subprocess.check_call([possum, "models", "alias", MODEL_NAME, "candidate", "1"] + uri, cwd=workdir)
    subprocess.check_call([possum, "models", "alias", MODEL_NAME, "gone", "1"] + uri, cwd=workdir)
    subprocess.check_call([possum, "models", "alias", MODEL_NAME, "gone", "--delete"] + uri, cwd=workdir)
    run_id = json.loads(subprocess.check_output([possum, "models", "show", MODEL_NAME, "--json"] + uri, cwd=workdir))[0]["run_id"]
    with open(os.path.join(workdir, "pyfunc.json"), "w") as f:
        json.dump({"store": store, "data": data, "predictions": predictions, "run_id": run_id}, f)


def write_store(workdir, scratch):
    print("== writing a store with possum (swift test --filter InteropFixture)", flush=True)
    env = dict(os.environ, POSSUM_INTEROP_DIR=workdir)
    subprocess.check_call(
        ["swift", "test", "--scratch-path", scratch, "--filter", "PossumTrackingTests.InteropFixture"], cwd=REPO, env=env)
    with open(os.path.join(workdir, "expected.json")) as f:
        return json.load(f)


def same_number(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def check_client(store, expected):
    import mlflow
    from mlflow import MlflowClient

    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)
            print("FAIL", what)

    uri = "file://" + store
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    mlflow.set_tracking_uri(uri)  # the fluent API (search_runs) would otherwise default to ./mlflow.db
    mlflow.set_registry_uri(uri)
    names = {e.name: e for e in client.search_experiments()}
    for exp in expected["experiments"]:
        check(exp["name"] in names, f"experiment {exp['name']} listed")
        # MLflow's get_experiment_by_name builds "name = '<name>'" unescaped, so it cannot find
        # names containing a quote (an MLflow limitation): look those up in the listing instead.
        got = names.get(exp["name"]) if "'" in exp["name"] else client.get_experiment_by_name(exp["name"])
        check(got is not None and got.experiment_id == exp["experiment_id"], f"experiment {exp['name']} id")
        for k, v in exp.get("tags", {}).items():
            check(got.tags.get(k) == v, f"experiment tag {k}")
    for run in expected["runs"]:
        r = client.get_run(run["run_id"])
        where = f"run {run['run_name']}"
        check(r.info.run_name == run["run_name"], f"{where}: run_name {r.info.run_name!r}")
        check(r.info.status == run["status"], f"{where}: status {r.info.status}")
        check(r.info.experiment_id == run["experiment_id"], f"{where}: experiment_id")
        check(r.info.start_time == run["start_time"], f"{where}: start_time")
        check(r.info.end_time == run["end_time"], f"{where}: end_time")
        check(r.data.params == run["params"], f"{where}: params {r.data.params}")
        for k, v in run["tags"].items():
            check(r.data.tags.get(k) == v, f"{where}: tag {k}={r.data.tags.get(k)!r}, expected {v!r}")
        check(set(r.data.metrics) == set(run["metrics"]), f"{where}: metric keys {sorted(r.data.metrics)}")
        for key, history in run["metrics"].items():
            got = client.get_metric_history(run["run_id"], key)
            got_triples = [(m.timestamp, m.value, m.step) for m in got]
            want = [(h["timestamp"], float(h["value"]), h["step"]) for h in history]
            check(len(got_triples) == len(want) and all(
                g[0] == w[0] and g[2] == w[2] and same_number(g[1], w[1]) for g, w in zip(got_triples, want)),
                f"{where}: history of {key}: {got_triples} != {want}")
            latest = max(want, key=lambda t: (t[2], t[0], t[1]))
            check(same_number(r.data.metrics.get(key, float("nan")), latest[1]), f"{where}: latest {key}")
        arts = sorted(a.path for a in client.list_artifacts(run["run_id"], run["artifact_dir"])) if run["artifact_dir"] else []
        check(arts == sorted(run["artifacts"]), f"{where}: artifacts {arts}")
        # Searching with MLflow's own filter syntax finds the run.
    found = mlflow.search_runs(
        experiment_names=[expected["experiments"][0]["name"]], filter_string="params.solver = 'simd'", output_format="list")
    check([r.info.run_name for r in found] == ["RidgeCV"], f"search_runs filter: {[r.info.run_name for r in found]}")
    runs_by_parent = client.search_runs(
        [expected["experiments"][0]["experiment_id"]], filter_string=f"tags.mlflow.parentRunId = '{expected['runs'][0]['run_id']}'")
    check([r.info.run_name for r in runs_by_parent] == ["RidgeCV"], "child run found by mlflow.parentRunId")

    for model in expected["models"]:
        rm = client.get_registered_model(model["name"])
        check(rm.tags == model["tags"], f"model {model['name']}: tags {rm.tags}")
        check({k: int(v) for k, v in rm.aliases.items()} == model["aliases"], f"model {model['name']}: aliases {rm.aliases}")
        versions = client.search_model_versions(f"name = '{model['name']}'")
        check(sorted(int(v.version) for v in versions) == [v["version"] for v in model["versions"]], "version numbers")
        for want in model["versions"]:
            mv = client.get_model_version(model["name"], str(want["version"]))
            check(mv.current_stage == want["current_stage"], f"v{want['version']} stage {mv.current_stage}")
            check(mv.source == want["source"], f"v{want['version']} source {mv.source}")
            check(mv.run_id == want["run_id"], f"v{want['version']} run_id")
            check(mv.tags == want["tags"], f"v{want['version']} tags {mv.tags}")
        for alias, version in model["aliases"].items():
            check(int(client.get_model_version_by_alias(model["name"], alias).version) == version, f"alias {alias}")
        for stage, version in model["latest_by_stage"].items():
            latest = client.get_latest_versions(model["name"], stages=[stage])
            check([int(v.version) for v in latest] == [version], f"latest {stage}: {[v.version for v in latest]}")
    # MLflow can also write into the store possum created, and possum's layout survives that.
    exp_id = expected["experiments"][0]["experiment_id"]
    r = client.create_run(exp_id, run_name="written-by-mlflow")
    client.log_metric(r.info.run_id, "rmse", 1.5)
    client.set_terminated(r.info.run_id)
    return failures


def check_pyfunc(spec):
    """Step 5, inside the venv: MLflow loads possum's model and predicts what possum predicts."""
    import mlflow
    import numpy as np
    import pandas as pd
    from mlflow import MlflowClient

    failures = []

    def check(cond, what):
        print("ok  " if cond else "FAIL", what, flush=True)
        if not cond:
            failures.append(what)

    uri = "file:" + spec["store"]
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    frame = pd.read_csv(spec["data"])
    theirs = pd.read_csv(spec["predictions"])
    # possum's `row` is the 1-based data row (the header is not a row).
    rows = theirs["row"].to_numpy() - 1
    for model_uri in [f"models:/{MODEL_NAME}@champion", f"runs:/{spec['run_id']}/model", f"models:/{MODEL_NAME}/Production"]:
        model = mlflow.pyfunc.load_model(model_uri)
        ours = np.asarray(model.predict(frame), dtype=np.float64)
        check(ours.shape == (len(frame),), f"{model_uri}: one prediction per row ({ours.shape})")
        if ours.shape != (len(frame),):
            continue
        worst = float(np.max(np.abs(ours[rows] - theirs["predicted"].to_numpy())))
        check(worst <= 1e-12, f"{model_uri}: predictions equal `possum predict`'s (max |difference| {worst:.1e})")
        skipped = np.setdiff1d(np.arange(len(frame)), rows)
        check(bool(np.isnan(ours[skipped]).all()) and len(skipped) == len(frame) - len(rows),
              f"{model_uri}: the {len(skipped)} rows possum skips (missing features) are NaN")
    info = mlflow.models.get_model_info(f"models:/{MODEL_NAME}@champion")
    check("python_function" in info.flavors and info.flavors["python_function"].get("loader_module") == "possum_pyfunc",
          "MLmodel has the python_function flavor with possum's loader")
    inputs = info.signature.inputs.to_dict() if info.signature else []
    expected_inputs = [c for c in frame.columns if c not in ("case", "taill")]
    check(sorted(c["name"] for c in inputs) == sorted(expected_inputs), f"signature inputs {[c['name'] for c in inputs]}")
    check(info.signature is not None and [c["type"] for c in info.signature.outputs.to_dict()] == ["double"], "signature output double")
    local = mlflow.artifacts.download_artifacts(f"models:/{MODEL_NAME}/Production")
    listed = sorted(os.listdir(local))
    check({"MLmodel", "possum-ridge.h5", "code", "input_example.json"} <= set(listed),
          f"download_artifacts(models:/{MODEL_NAME}/Production) holds the model folder: {listed}")
    example = mlflow.models.Model.load(os.path.join(local, "MLmodel")).load_input_example(local)
    check(example is not None and len(example) >= 1 and bool(np.isfinite(mlflow.pyfunc.load_model(local).predict(example)).all()),
          "the input example loads and predicts")
    check(str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == "1", "get_model_version_by_alias champion")
    check(str(client.get_model_version_by_alias(MODEL_NAME, "candidate").version) == "1", "alias set by `possum models alias`")
    check(set(client.get_registered_model(MODEL_NAME).aliases) == {"champion", "candidate"},
          f"aliases after `--delete`: {client.get_registered_model(MODEL_NAME).aliases}")
    return failures


def check_server(python, store):
    print("== mlflow server --backend-store-uri (what `mlflow ui` serves)", flush=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mlflow_bin = os.path.join(os.path.dirname(python), "mlflow")
    proc = subprocess.Popen(
        [mlflow_bin, "server", "--backend-store-uri", "file://" + store, "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/api/2.0/mlflow"
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except Exception:
                time.sleep(0.5)
        req = urllib.request.Request(base + "/experiments/search", data=json.dumps({"max_results": 100}).encode(),
                                     headers={"Content-Type": "application/json"})
        exps = json.load(urllib.request.urlopen(req, timeout=10))["experiments"]
        names = sorted(e["name"] for e in exps)
        exp_id = next(e["experiment_id"] for e in exps if e["name"] == "Possum_tails")
        req = urllib.request.Request(base + "/runs/search", data=json.dumps({"experiment_ids": [exp_id]}).encode(),
                                     headers={"Content-Type": "application/json"})
        runs = json.load(urllib.request.urlopen(req, timeout=10)).get("runs", [])
        print(f"   server lists experiments {names} and {len(runs)} runs in Possum_tails")
        return [] if "Possum_tails" in names and len(runs) >= 2 else ["server listing"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", default=os.path.join(REPO, ".build-interop", "mlflow"))
    ap.add_argument("--possum", help="possum binary: also check that MLflow loads the models it logs (step 5)")
    ap.add_argument("--scratch-path", default=os.path.join(REPO, ".build-interop", "swift"))
    ap.add_argument("--store", help="check this existing store + expected.json directory instead of writing one")
    ap.add_argument("--keep", action="store_true", help="keep the written store")
    ap.add_argument("--no-server", action="store_true")
    ap.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"

    python = ensure_venv(args.venv)
    if not args.in_venv:
        # Re-run this script inside the venv, where mlflow is importable.
        workdir = args.store or tempfile.mkdtemp(prefix="possum-interop-")
        if not args.store:
            write_store(workdir, args.scratch_path)
            if args.possum:
                train_with_possum(workdir, os.path.abspath(args.possum))
        cmd = [python, os.path.abspath(__file__), "--in-venv", "--store", workdir, "--venv", os.path.abspath(args.venv)]
        if args.no_server:
            cmd.append("--no-server")
        rc = subprocess.call(cmd, cwd=workdir)  # so nothing MLflow creates lands in the repository
        if not args.keep and not args.store:
            shutil.rmtree(workdir, ignore_errors=True)
        elif args.keep:
            print("store kept in", workdir)
        sys.exit(rc)

    with open(os.path.join(args.store, "expected.json")) as f:
        expected = json.load(f)
    store = os.path.join(args.store, "mlruns")
    import mlflow
    print(f"== reading it back with mlflow {mlflow.__version__}", flush=True)
    failures = check_client(store, expected)
    if not args.no_server:
        failures += check_server(python, store)
    if os.path.exists(os.path.join(args.store, "pyfunc.json")):
        print("== models MLflow can load (pyfunc, models:/ URIs, aliases)", flush=True)
        with open(os.path.join(args.store, "pyfunc.json")) as f:
            failures += check_pyfunc(json.load(f))
    if failures:
        print(f"FAILED: {len(failures)} check(s)")
        sys.exit(1)
    print("OK: mlflow reads every experiment, run, param, metric, tag, artifact and model version possum wrote")


if __name__ == "__main__":
    main()
