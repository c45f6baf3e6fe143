# possum — two commands on a fresh Debian 12 machine (as root, Swift installed):
#   make demo    install what is missing, fetch the data, build (release), run the possum pipeline
#   make test    the whole test suite: test-downstream, docs (DocC, warnings fail), swift test, every shell block of README.md and docs/,
#                and the hostile-input sweep of the built possum (Tests/hostile/sweep.py)
# Optional checks against other tools (each installs them into a private venv):
#   make test-interop   h5py reads our HDF5 table and model and recomputes the predictions; every ```python block
#                       of README.md and docs/ runs in that venv (Tests/docs/run_doc_blocks.py --python)
#   make test-mlflow    the real MLflow client reads a tracking store written by possum, and loads
#                       the models possum logs (pyfunc, models:/NAME@ALIAS) to predict as possum does
#   make test-mlflow-server  possum trains, registers and aliases through a real `mlflow server` (SQLite, artifact
#                       proxy, 127.0.0.1); MlflowClient reads it back and pyfunc loads models:/NAME@champion
#   make test-airflow   the exported Airflow DAG imports cleanly and `airflow dags test` runs it
#   make test-report-browser  `possum report` in headless Chromium at 1400 px: screenshot, no horizontal scroll,
#                       curves, pictures and sorting checked (docs/report.md)

#   make test-serve     `possum serve` answers curl's CSV and dataframe_split posts with `possum predict`'s numbers
#   make test-dask      examples/dask: qr partial/combine (and ridge leverages) as Dask tasks on a LocalCluster give lstsq's x and train's model

#   make test-airflow   the exported Airflow DAG imports cleanly, registers its assets, and `airflow dags test`
#                       runs it with the release possum on PATH
#   make bench          possum-bench --quick: our QR vs OpenBLAS, side by side
#   make man            the man page, .build/man/possum.1 (swift-argument-parser's GenerateManual plugin)
#   make peers          fetch Intel MKL, libflame + BLIS and numpy's OpenBLAS into .build-peers/ (system untouched)
#   make bench-peers    possum-bench with all of them as --lapack peers, one run (BENCH_PEERS=--quick: short)
#   make test-downstream  a throwaway package depends on a tagged clone of HEAD by version and solves least squares
#   make docs           PossumLinalg's DocC documentation, .build/docs/PossumLinalg.doccarchive (warnings fail it)
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libhdf5-dev hdf5-tools pkg-config librsvg2-bin
VENV := datasets/.venv
POSSUM := .build/release/possum
OUT := out
# The fast build, passed to every swift build/test below: the SIMD kernels compiled for this machine's CPU (ymm/zmm
# FMAs), and POSSUM_NATIVE_CPU so that `possum --version` says so. Package.swift sets no CPU flags, since SwiftPM
# refuses such flags in a package depended on by version; a plain `swift build` is portable and over ten times
# slower in the kernels. `make build SWIFT_NATIVE=` builds portable.
# On a CPU with AVX-512 (32 vector registers) it also selects the two-vector tile (KernelSelection.swift): Swift
# cannot ask the compiler which registers it targets.
SWIFT_AVX512 := $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo -Xswiftc -DPOSSUM_AVX512)
SWIFT_NATIVE ?= -Xswiftc -target-cpu -Xswiftc native -Xswiftc -DPOSSUM_NATIVE_CPU $(SWIFT_AVX512)

.PHONY: demo test deps build data bench man docs test-interop test-mlflow test-mlflow-server test-airflow test-downstream test-report-browser peers bench-peers test-serve test-dask clean

demo: deps data build
	$(POSSUM) dag run pipelines/possum.yaml
	@echo "== the same model through OpenBLAS (LAPACK dgeqrf/dormqr/dorgqr/dtrtrs) =="
	$(POSSUM) train --features $(OUT)/features.h5 --solver openblas --no-track | head -5
	@echo "== the model our SIMD QR trained (registered as Reg_RidgeCV_possums, stage Staging) =="
	$(POSSUM) model show $(OUT)/possum-ridge.h5
	@echo "picture: $(OUT)/predictions.png (and .svg); runs: $(POSSUM) runs list; models: $(POSSUM) models list"

# The downstream check first (≈ 40 s). The tests run OpenBLAS on one thread: one full run hung in dgeqr2 → dger_thread,
# spinning on workers that never answered — consistent with OpenBLAS's fork handler stopping its pool while another
# test forked (a child process, the HDF5 probe). The docs and the sweep run the release binary users run (a
# 2000 × 1100 train takes minutes in a debug build); the sweep's 'N passed, N failed' closes the output.
test: deps data test-downstream docs
	OPENBLAS_NUM_THREADS=1 $(SWIFT) test $(SWIFT_NATIVE)
	$(SWIFT) build -c release --product possum $(SWIFT_NATIVE)
	python3 Tests/docs/run_doc_blocks.py .build/release
	python3 Tests/hostile/sweep.py .build/release/possum

build: deps
	$(SWIFT) build -c release $(SWIFT_NATIVE)

data: datasets/possum.csv

bench: deps build
	$(SWIFT) build -c release --product possum-bench $(SWIFT_NATIVE)
	.build/release/possum-bench --quick

# The plugin builds every product in release with these flags (so .build/release/possum stays the fast build), then
# runs generate-manual on each executable; possum's page is copied to a stable place.
man: deps
	$(SWIFT) package $(SWIFT_NATIVE) plugin generate-manual
	mkdir -p .build/man
	cp .build/plugins/GenerateManual/outputs/possum/possum.1 .build/man/possum.1
	@echo "wrote .build/man/possum.1 (man -l .build/man/possum.1)"

# Other LAPACKs timed beside ours (Benchmarks/README.md, Peers): downloaded and unpacked under .build-peers/ only.
PEERS := .build-peers
BENCH_PEERS ?= --shapes 1000000x16,100000x32,104x17,1000x50,1000x1000,2000x2000,4000x4000

peers: $(PEERS)/peers.args

$(PEERS)/peers.args: Benchmarks/peers/fetch-peers.sh Benchmarks/peers/eigen/build.sh Benchmarks/peers/eigen/eigen_lapack.cpp
	bash Benchmarks/peers/fetch-peers.sh $(PEERS)

bench-peers: deps peers
	$(SWIFT) build -c release --product possum-bench $(SWIFT_NATIVE)
	.build/release/possum-bench --threads 1 --dtype float64 --solvers simd,openblas $(BENCH_PEERS) \
	  --json $(PEERS)/bench-peers.json $$(cat $(PEERS)/peers.args)

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
	python3 Tests/docs/run_doc_blocks.py --python .build-interop/h5py/bin/python

# mlflow plus what possum's pyfunc loader needs (check_mlflow.py installs the same list).
.build-interop/mlflow/.ready:
	python3 -m venv .build-interop/mlflow
	.build-interop/mlflow/bin/pip install --quiet --disable-pip-version-check mlflow numpy h5py pandas
	touch $@

test-mlflow: deps data .build-interop/mlflow/.ready
	$(SWIFT) build -c release --product possum $(SWIFT_NATIVE)
	python3 Tests/interop/check_mlflow.py --venv .build-interop/mlflow --possum $(POSSUM)

# The server is started and stopped by the script (on a free port, whatever happens).
test-mlflow-server: deps data .build-interop/mlflow/.ready
	$(SWIFT) build -c release --product possum $(SWIFT_NATIVE)
	python3 Tests/interop/check_mlflow_server.py --venv .build-interop/mlflow --possum $(POSSUM)

test-airflow: deps build
	POSSUM=$(POSSUM) bash Tests/interop/check_airflow.sh

.build-interop/dask/.ready:
	python3 -m venv .build-interop/dask
	.build-interop/dask/bin/pip install --quiet --disable-pip-version-check dask distributed
	touch $@

test-dask: deps .build-interop/dask/.ready
	$(SWIFT) build -c release --product possum $(SWIFT_NATIVE)
	python3 Tests/interop/check_dask.py --venv .build-interop/dask --possum .build/release/possum

# Chromium from Debian when missing. Two runs go into a scratch store under out/report-check; its report.png is the
# screenshot to look at.
test-report-browser: deps data
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(SWIFT) build -c release --product possum $(SWIFT_NATIVE)
	python3 Tests/report/check_report_browser.py $(POSSUM) datasets/possum.csv $(OUT)/report-check

test-serve: deps data
	@command -v curl >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null)
	$(SWIFT) build -c release --product possum $(SWIFT_NATIVE)
	python3 Tests/interop/check_serve.py $(POSSUM)

# Builds from committed HEAD only (a clone): commit first.
test-downstream: deps
	bash Tests/downstream/run.sh

# PossumLinalg's DocC documentation (docs/library.md): any DocC warning (a broken symbol link, a bad topic) fails it.
docs:
	rm -rf .build/docs && mkdir -p .build/docs
	$(SWIFT) package $(SWIFT_NATIVE) --allow-writing-to-directory .build/docs generate-documentation \
		--target PossumLinalg --warnings-as-errors --output-path .build/docs/PossumLinalg.doccarchive
	@echo "wrote .build/docs/PossumLinalg.doccarchive"

clean:
	rm -rf .build $(VENV) .build-interop $(OUT) .possum
