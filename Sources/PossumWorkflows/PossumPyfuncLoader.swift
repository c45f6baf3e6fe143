/// The `python_function` loader shipped in every logged model's `code/` folder (see
/// MLflowPyfuncModel): MLflow imports it to load possum's HDF5 model and predict with numpy, as
/// `possum predict` does. Kept as text here so the binary carries it; `make test-mlflow` runs it.
public let possumPyfuncLoaderSource = #"""
"""possum's ridge model as an MLflow `python_function` flavor.

MLflow imports this module from the artifact's `code/` folder and calls `_load_pyfunc` with the
HDF5 model file possum wrote; `predict` then gives what `possum predict` gives for the same
table. It needs numpy, h5py and pandas only, and reads everything it applies from the file: the
numeric columns, the categorical columns and their one-hot levels, the scaler, the coefficients.

Rows are returned one prediction per input row. `possum predict` skips a row with a missing
feature; here such a row's prediction is NaN (so the output lines up with the input). A level the
model never saw, a non-numeric value in a numeric column, or a prediction that overflows is an
error naming the row (its 0-based position in the DataFrame) and column, as in possum.
"""
import math

import h5py
import numpy as np
import pandas as pd

MISSING_TEXT = ("", "NA")


def _texts(values):
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.atleast_1d(values)]


def _canonical_number(v):
    # possum's canonicalNumberText: integers without a decimal point, others shortest round-trip.
    if v == round(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def _is_missing(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value.strip() in MISSING_TEXT
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    return False


def _number_of_text(text):
    """possum reads a field as a number when Swift's Double() does; Python's float() also takes
    '1_000', which is not a number to possum."""
    if "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _level_text(value):
    """A categorical value as possum's level text (CSVTable.text)."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return _canonical_number(v) if math.isfinite(v) else str(value)
    text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
    text = text.strip()
    v = _number_of_text(text)
    return _canonical_number(v) if v is not None and math.isfinite(v) else text


class PossumRidgeModel:
    """ŷ = intercept + Σⱼ ((xⱼ − meanⱼ) / scaleⱼ) · wⱼ over possum's features, in file order."""

    def __init__(self, path):
        self.path = path
        with h5py.File(path, "r") as f:
            model = f["model"]
            kind = model.attrs["kind"]
            kind = kind.decode() if isinstance(kind, bytes) else str(kind)
            if kind != "ridge_cv":
                raise ValueError(f"{path}: unknown model kind '{kind}'")
            transform = model["transform"]
            self.target = _texts(transform.attrs["target"])[0]
            self.categorical = _texts(transform.attrs["categorical"]) if "categorical" in transform.attrs else []
            self.numeric = _texts(transform["numeric_columns"][()]) if "numeric_columns" in transform else []
            self.levels = {c: _texts(transform["levels"][c][()]) for c in self.categorical}
            self.mean = np.asarray(transform["scaler_mean"][()], dtype=np.float64)
            self.scale = np.asarray(transform["scaler_scale"][()], dtype=np.float64)
            self.coefficients = np.asarray(model["coefficients"][()], dtype=np.float64)
            self.intercept = float(model.attrs["intercept"])
            self.feature_names = _texts(model["feature_names"][()])
        expected = self.numeric + [f"{c}_{level}" for c in self.categorical for level in self.levels[c]]
        if expected != self.feature_names:
            raise ValueError(f"{path}: /model/feature_names do not match the transform's features")
        if not (len(self.mean) == len(self.scale) == len(self.coefficients) == len(expected)):
            raise ValueError(f"{path}: scaler and coefficients need one entry per feature ({len(expected)})")

    @property
    def input_columns(self):
        return self.numeric + self.categorical

    def _numeric_column(self, frame, column):
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            x = values.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = np.isinf(x)
            if bad.any():
                row = int(np.argmax(bad))
                raise ValueError(f"row {row}, column '{column}': {x[row]} is not a finite number")
            return x, np.isnan(x)
        x = np.empty(len(values), dtype=np.float64)
        missing = np.zeros(len(values), dtype=bool)
        for i, value in enumerate(values.tolist()):
            if _is_missing(value):
                x[i], missing[i] = np.nan, True
                continue
            v = _number_of_text(value.strip()) if isinstance(value, str) else (
                float(value) if isinstance(value, (int, float, np.integer, np.floating)) else None)
            if v is None or not math.isfinite(v):
                raise ValueError(f"row {i}, column '{column}': {value!r} is not a finite number")
            x[i] = v
        return x, missing

    def predict(self, model_input, params=None):
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        absent = [c for c in self.input_columns if c not in frame.columns]
        if absent:
            raise ValueError(f"missing column(s) {', '.join(absent)} (the model needs {', '.join(self.input_columns)})")
        n = len(frame)
        x = np.zeros((n, len(self.feature_names)), dtype=np.float64)
        missing = np.zeros(n, dtype=bool)
        for j, column in enumerate(self.numeric):
            x[:, j], gaps = self._numeric_column(frame, column)
            missing |= gaps
        texts = {}
        for column in self.categorical:
            raw = frame[column].tolist()
            texts[column] = [None if _is_missing(v) else _level_text(v) for v in raw]
            missing |= np.array([t is None for t in texts[column]], dtype=bool)
        offset = len(self.numeric)
        for column in self.categorical:
            levels = self.levels[column]
            index = {level: k for k, level in enumerate(levels)}
            for i, text in enumerate(texts[column]):
                if missing[i]:
                    continue
                k = index.get(text)
                if k is None:
                    raise ValueError(f"row {i}, column '{column}': level '{text}' was not seen in training "
                                     f"(levels: {', '.join(levels)})")
                x[i, offset + k] = 1.0
            offset += len(levels)
        z = self._standardize(x)
        # Summed feature by feature from the intercept, as possum sums: the same bits.
        y = np.full(n, self.intercept, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            for j in range(len(self.coefficients)):
                y = y + z[:, j] * self.coefficients[j]
        bad = ~np.isfinite(y) & ~missing
        if bad.any():
            i = int(np.argmax(bad))
            with np.errstate(over="ignore", invalid="ignore"):
                terms = z[i] * self.coefficients
            j = int(np.argmax(~np.isfinite(terms))) if not np.isfinite(terms).all() else int(np.argmax(np.abs(terms)))
            raise ValueError(f"row {i}, column '{self.feature_names[j]}': value {x[i, j]} is too far outside "
                             f"the training data: the prediction is {y[i]}")
        y[missing] = np.nan
        return y

    def _standardize(self, x):
        """(x − mean)/scale; where x − mean overflows, redone in units of the scale's binade,
        as possum's StandardScaler does."""
        with np.errstate(over="ignore", invalid="ignore"):
            z = (x - self.mean) / self.scale
            for j in np.nonzero(~np.isfinite(z).all(axis=0))[0]:
                s, m = self.scale[j], self.mean[j]
                exponent = max(-1000, min(1000, math.frexp(s)[1] - 1)) if math.isfinite(s) and s > 0 else 0
                down = math.ldexp(1.0, -exponent)
                column = z[:, j]
                redo = ~np.isfinite(column)
                column[redo] = (x[redo, j] * down - m * down) / (s * down)
        return z


def _load_pyfunc(data_path):
    """MLflow's entry point: `data_path` is the flavor's `data` (the HDF5 model file)."""
    return PossumRidgeModel(data_path)
"""#
