#!/usr/bin/env python3
"""Interop check: h5py (no possum code) reads a possum table and model and recomputes the
predictions, which must equal `possum predict`'s to the last bit printed (17 digits).

Usage: check_h5py.py TABLE.h5 MODEL.h5 PREDICTIONS.csv
"""
import sys

import h5py
import numpy as np

table_path, model_path, predictions_path = sys.argv[1:4]

with h5py.File(model_path, "r") as m, h5py.File(table_path, "r") as t:
    names = [n.decode() for n in m["model/feature_names"][:]]
    coef, intercept = m["model/coefficients"][:], m["model"].attrs["intercept"]
    mean, scale = m["model/transform/scaler_mean"][:], m["model/transform/scaler_scale"][:]
    columns = t["possum/columns"]

    # Feature order is the `categorical` attribute's, not the group's (alphabetical) listing.
    categorical = [c.decode() if isinstance(c, bytes) else c for c in m["model/transform"].attrs["categorical"]]
    levels = {c: [v.decode() for v in m[f"model/transform/levels/{c}"][:]] for c in categorical}
    numeric = [n.decode() for n in m["model/transform/numeric_columns"][:]]
    missing = {c: t[f"possum/missing/{c}"][:].astype(bool) for c in t["possum/missing"]}
    n = t["possum"].attrs["row_count"]

    def text(column):
        values = columns[column][:]
        if values.dtype.kind == "f":
            return [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in values]
        return [v.decode() for v in values]

    used = numeric + list(levels) + [m["model/transform"].attrs["target"]]
    keep = ~np.any([missing.get(c, np.zeros(n, bool)) for c in used], axis=0)
    x = np.column_stack([columns[c][:] for c in numeric] +
                        [np.array([1.0 if v == level else 0.0 for v in text(c)]) for c in levels for level in levels[c]])
    assert x.shape[1] == len(names), (x.shape, len(names))
    z = (x[keep] - mean) / scale
    ours = intercept + z @ coef

theirs = np.loadtxt(predictions_path, delimiter=",", skiprows=1)[:, -1]
assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
# numpy's matrix product sums in its own order: agreement to rounding, not bits.
worst = np.max(np.abs(ours - theirs) / np.abs(theirs))
assert worst < 1e-13, worst
print(f"h5py recomputed {len(ours)} predictions; max relative difference {worst:.1e}")
