#!/usr/bin/env python3
"""Independent oracle for possum on a table of its own: mixed numeric and text columns, an id column,
a few missing values. scikit-learn's OneHotEncoder (every level) + StandardScaler + RidgeCV.

Writes two fixtures the Swift tests read (the tests need no Python):
  Tests/PossumMLTests/Fixtures/mixed.csv                 the table (60 rows, generated from a fixed seed)
  Tests/PossumMLTests/Fixtures/mixed-ridgecv-sklearn.json   alpha, intercept, coefficients by feature name

possum's side is `possum train --data mixed.csv --target y --id id`: the text columns are one-hot
encoded, the numeric ones standardized, rows with a missing value left out — nothing else said.
Rerun by hand (the output is deterministic):

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn pandas numpy
    /tmp/skvenv/bin/python datasets/reference/sklearn_mixed_ridgecv.py Tests/PossumMLTests/Fixtures
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

out_dir = sys.argv[1]
rng = np.random.default_rng(20261206)
n = 60
colours = np.array(["red", "green", "blue", "Violet"])
shapes = np.array(["round", "square", "flat"])
table = pd.DataFrame({
    "id": [f"s{k:03d}" for k in range(1, n + 1)],  # zero-padded: must come back as written
    "x1": rng.normal(10.0, 3.0, n).round(3),
    "colour": rng.choice(colours, n),
    "x2": rng.uniform(-5.0, 5.0, n).round(4),
    "shape": rng.choice(shapes, n),
    "x3": rng.integers(0, 100, n).astype(float),
})
effect = {"red": 2.0, "green": -1.0, "blue": 0.5, "Violet": 3.0}
bump = {"round": 1.0, "square": -2.0, "flat": 0.0}
table["y"] = (1.5 * table.x1 - 0.8 * table.x2 + 0.05 * table.x3 + table["colour"].map(effect)
              + table["shape"].map(bump) + rng.normal(0.0, 1.0, n)).round(4)
# A few missing cells (numeric, text and target), written as NA or left empty.
table.loc[[4, 17], "x2"] = np.nan
table.loc[[9], "colour"] = np.nan
table.loc[[23], "y"] = np.nan
table.loc[[31], "x3"] = np.nan
os.makedirs(out_dir, exist_ok=True)
csv_path = os.path.join(out_dir, "mixed.csv")
table.to_csv(csv_path, index=False, na_rep="NA")

# Read back exactly as a user's file would be, then the same steps possum takes.
frame = pd.read_csv(csv_path).dropna(subset=["x1", "x2", "x3", "colour", "shape", "y"])
numeric, text = ["x1", "x2", "x3"], ["colour", "shape"]
y = frame["y"].to_numpy()
# Every level kept (drop=None); categories sorted by code point, as possum sorts text levels.
encoder = OneHotEncoder(drop=None, sparse_output=False, dtype=float)
features = ColumnTransformer([("numeric", "passthrough", numeric), ("onehot", encoder, text)],
                             verbose_feature_names_out=False)
alphas = np.logspace(-3, 1, 30)
model = make_pipeline(features, StandardScaler(), RidgeCV(alphas=alphas)).fit(frame, y)
names = [str(name) for name in model[0].get_feature_names_out()]
ridge, scaler = model[-1], model[1]
result = {
    "generator": f"scikit-learn {sklearn.__version__} OneHotEncoder + StandardScaler + "
                 f"RidgeCV(alphas=np.logspace(-3, 1, 30)), numpy {np.__version__}, pandas {pd.__version__}",
    "rows": int(len(y)),
    "features": names,
    "scaler_mean": scaler.mean_.tolist(),
    "scaler_scale": scaler.scale_.tolist(),
    "alpha": float(ridge.alpha_),
    "intercept": float(ridge.intercept_),
    "coefficients": dict(zip(names, ridge.coef_.tolist())),
}
json_path = os.path.join(out_dir, "mixed-ridgecv-sklearn.json")
with open(json_path, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
print(f"wrote {csv_path} and {json_path}: {len(y)} complete rows, alpha {ridge.alpha_}")
