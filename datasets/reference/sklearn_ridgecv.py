#!/usr/bin/env python3
"""Independent oracle for the possum model: scikit-learn's RidgeCV on the reference pipeline.

Writes Tests/PossumMLTests/Fixtures/possum-ridgecv-sklearn.json, which the Swift tests compare
against. Not part of the test suite (the tests need no Python); rerun by hand when the pipeline
definition changes:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn pandas
    /tmp/skl/bin/python datasets/reference/sklearn_ridgecv.py datasets/possum.csv \
        Tests/PossumMLTests/Fixtures/possum-ridgecv-sklearn.json
"""
import json
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import RidgeCV
from sklearn.preprocessing import StandardScaler

csv_path, out_path = sys.argv[1], sys.argv[2]
frame = pd.read_csv(csv_path).drop(columns=["case"]).dropna()
y = frame.pop("taill").to_numpy()
features = pd.get_dummies(frame, columns=["site", "Pop", "sex"], dtype=float)
scaler = StandardScaler().fit(features.to_numpy())
alphas = np.logspace(-3, 1, 30)
model = RidgeCV(alphas=alphas).fit(scaler.transform(features.to_numpy()), y)
result = {
    "generator": f"scikit-learn {sklearn.__version__} RidgeCV(alphas=np.logspace(-3, 1, 30)), numpy {np.__version__}",
    "rows": int(len(y)),
    "features": list(features.columns),
    "scaler_mean": scaler.mean_.tolist(),
    "scaler_scale": scaler.scale_.tolist(),
    "alpha": float(model.alpha_),
    "intercept": float(model.intercept_),
    "coefficients": model.coef_.tolist(),
    "loo_mse": float(-model.best_score_),
}
with open(out_path, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print(f"wrote {out_path}: alpha {model.alpha_}")
