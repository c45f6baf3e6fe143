# possum — two commands on a fresh Debian 12 machine (as root, Swift installed):
#   make demo    install what is missing, fetch the data, build (release), run the possum pipeline
#   make test    the whole test suite, then every shell block of README.md and docs/ against the built possum
# Optional checks against other tools (each installs them into a private venv):
#   make test-interop   h5py reads our HDF5 table and model and recomputes the predictions
#   make test-mlflow    the real MLflow client reads a tracking store written by possum, and loads
#                       the models possum logs (pyfunc, models:/NAME@ALIAS) to predict as possum does
#   make test-airflow   the exported Airflow DAG imports cleanly and `airflow dags test` runs it
#   make bench          possum-bench --quick: our QR vs OpenBLAS, side by side
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libhdf5-dev hdf5-tools pkg-config librsvg2-bin
VENV := datasets/.venv
POSSUM := .build/release/possum
OUT := out

.PHONY: demo test deps build data bench test-interop test-mlflow test-airflow clean

demo: deps data build
	$(POSSUM) dag run pipelines/possum.yaml
	@echo "== the same model through OpenBLAS (LAPACK dgeqrf/dormqr/dorgqr/dtrtrs) =="
	$(POSSUM) train --features $(OUT)/features.h5 --solver openblas --no-track | head -5
	@echo "== the model our SIMD QR trained (registered as Reg_RidgeCV_possums, stage Staging) =="
	$(POSSUM) model show $(OUT)/possum-ridge.h5
	@echo "picture: $(OUT)/predictions.png (and .svg); runs: $(POSSUM) runs list; models: $(POSSUM) models list"

test: deps data
	$(SWIFT) test
	python3 Tests/docs/run_doc_blocks.py .build/debug

build: deps
	$(SWIFT) build -c release

data: datasets/possum.csv

bench: deps build
	$(SWIFT) build -c release --product possum-bench
	.build/release/possum-bench --quick

# System libraries: installed only when missing, so a re-run is quick and offline.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	python3 -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(VENV)/.ready: datasets/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r datasets/requirements.txt
	touch $@

# The data is fetched once; the script itself also refuses to run twice.
datasets/possum.csv:
	$(MAKE) $(VENV)/.ready
	$(VENV)/bin/python datasets/fetch_possum.py $@

.build-interop/h5py/.ready:
	python3 -m venv .build-interop/h5py
	.build-interop/h5py/bin/pip install --quiet --disable-pip-version-check h5py numpy
	touch $@

test-interop: demo .build-interop/h5py/.ready
	.build-interop/h5py/bin/python Tests/interop/check_h5py.py $(OUT)/possum.h5 $(OUT)/possum-ridge.h5 $(OUT)/predictions.csv

# mlflow plus what possum's pyfunc loader needs (check_mlflow.py installs the same list).
.build-interop/mlflow/.ready:
	python3 -m venv .build-interop/mlflow
	.build-interop/mlflow/bin/pip install --quiet --disable-pip-version-check mlflow numpy h5py pandas
	touch $@

test-mlflow: deps data .build-interop/mlflow/.ready
	$(SWIFT) build --product possum
	python3 Tests/interop/check_mlflow.py --venv .build-interop/mlflow --possum .build/debug/possum

test-airflow: deps
	bash Tests/interop/check_airflow.sh

clean:
	rm -rf .build $(VENV) .build-interop $(OUT) .possum
