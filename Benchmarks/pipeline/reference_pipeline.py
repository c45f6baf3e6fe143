#!/usr/bin/env python3
"""The reference Python stack doing the work of `possum dag run pipelines/possum.yaml`, for a
side-by-side timing (Benchmarks/README.md): pandas reads the CSV and writes HDF5 (h5py);
features with get_dummies + StandardScaler, scaler means logged to MLflow (run "Scaler");
RidgeCV(np.logspace(-3, 1, 30)), logged to MLflow with the model as an artifact and registered,
moved to Staging; predictions written to CSV and plotted with matplotlib (SVG and PNG).
Each step is a separate process, as Airflow would run them.

Usage: reference_pipeline.py WORKDIR STEP     (STEP: import | features | train | predict)
"""
import os
import sys

workdir, step = sys.argv[1], sys.argv[2]
os.chdir(workdir)
os.makedirs("out", exist_ok=True)
os.environ.setdefault("MLFLOW_TRACKING_URI", "file:" + os.path.abspath("mlruns"))
os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

if step == "import":
    import h5py
    import pandas as pd
    df = pd.read_csv("datasets/possum.csv")
    with h5py.File("out/possum.h5", "w") as f:
        for c in df.columns:
            values = df[c].to_numpy()
            f[f"possum/{c}"] = values.astype("S") if values.dtype == object else values
elif step == "features":
    import h5py
    import mlflow
    import numpy as np
    import pandas as pd
    from sklearn.preprocessing import StandardScaler
    with h5py.File("out/possum.h5") as f:
        df = pd.DataFrame({c: f[f"possum/{c}"][:] for c in f["possum"]})
    for c in ("Pop", "sex"):
        df[c] = df[c].str.decode("utf-8")
    df = df.drop(columns=["case"]).dropna()
    y = df.pop("taill").to_numpy()
    x = pd.get_dummies(df, columns=["site", "Pop", "sex"], dtype=float)
    scaler = StandardScaler().fit(x.to_numpy())
    mlflow.set_experiment("Possum_tails")
    with mlflow.start_run(run_name="Scaler"):
        mlflow.log_metrics({f"mean_{n}": m for n, m in zip(x.columns, scaler.mean_)})
    np.savez("out/features.npz", z=scaler.transform(x.to_numpy()), y=y, names=np.array(x.columns),
             mean=scaler.mean_, scale=scaler.scale_)
elif step == "train":
    import pickle
    import mlflow
    import numpy as np
    from mlflow import MlflowClient
    from sklearn.linear_model import RidgeCV
    d = np.load("out/features.npz", allow_pickle=True)
    model = RidgeCV(alphas=np.logspace(-3, 1, 30)).fit(d["z"], d["y"])
    with open("out/model.pkl", "wb") as f:
        pickle.dump(model, f)
    mlflow.set_experiment("Possum_tails")
    with mlflow.start_run(run_name="RidgeCV") as run:
        mlflow.log_params({"alphas": "logspace(-3,1,30)"})
        mlflow.log_metrics({"alpha": model.alpha_, "loo_mse": -model.best_score_})
        mlflow.log_artifact("out/model.pkl", "model")
    client = MlflowClient()
    try:
        client.create_registered_model("Reg_RidgeCV_possums", tags={"model_type": "regression", "data": "possum"})
    except Exception:
        pass
    v = client.create_model_version("Reg_RidgeCV_possums", f"runs:/{run.info.run_id}/model", run.info.run_id)
    client.transition_model_version_stage("Reg_RidgeCV_possums", v.version, "Staging", archive_existing_versions=True)
elif step == "predict":
    import pickle
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    d = np.load("out/features.npz", allow_pickle=True)
    with open("out/model.pkl", "rb") as f:
        model = pickle.load(f)
    p = model.predict(d["z"])
    np.savetxt("out/predictions.csv", np.column_stack([d["y"], p]), delimiter=",", header="taill,predicted")
    r2 = 1 - ((d["y"] - p) ** 2).sum() / ((d["y"] - d["y"].mean()) ** 2).sum()
    rmse = np.sqrt(((d["y"] - p) ** 2).mean())
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    ax.scatter(d["y"], p, alpha=0.65)
    lo, hi = min(d["y"].min(), p.min()), max(d["y"].max(), p.max())
    ax.plot([lo, hi], [lo, hi], "r--")
    ax.set_title(f"Predicted vs true taill — R² = {r2:.3f}, RMSE = {rmse:.3f}")
    fig.savefig("out/predictions.svg")
    fig.savefig("out/predictions.png")
else:
    sys.exit(f"unknown step {step}")
