# possum — two commands on a fresh Debian 12 machine (as root, Swift installed):
#   make demo    install what is missing, fetch the data, build (release), train the possum model
#   make test    the whole test suite
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev libhdf5-dev hdf5-tools pkg-config
VENV := datasets/.venv
POSSUM := .build/release/possum

.PHONY: demo test deps build data clean

demo: deps data build
	@echo "== possum train --solver simd =="
	$(POSSUM) train --solver simd
	@echo "== the same model through OpenBLAS (LAPACK dgeqrf/dormqr/dorgqr/dtrtrs) =="
	$(POSSUM) train --solver openblas | head -5

test: deps data
	$(SWIFT) test

build: deps
	$(SWIFT) build -c release

data: datasets/possum.csv

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

clean:
	rm -rf .build $(VENV)
