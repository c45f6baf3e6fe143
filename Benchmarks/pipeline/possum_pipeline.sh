#!/bin/sh
# possum's DAG, timed the way the README reports it. Usage: possum_pipeline.sh POSSUM WORKDIR [cold|cached]
#   cold (default): fresh outputs, tracking store and DAG state (rm -rf out mlruns .possum), then the
#                   whole DAG: CSV -> HDF5 -> features -> RidgeCV (logged, registered) -> predictions + PNG
#   cached:         the DAG again with nothing changed (after a cold run): every task cached
# WORKDIR holds datasets/possum.csv and pipelines/possum.yaml (the repository root will do). Time it as
# a whole process, several times, and quote the median, e.g.
#   for i in 1 2 3 4 5 6 7; do /usr/bin/time -f '%e s wall %U+%S s CPU' \
#       Benchmarks/pipeline/possum_pipeline.sh .build/release/possum . ; done
set -e
case "$1" in /*) possum="$1" ;; *) possum="$(pwd)/$1" ;; esac
cd "$2"
[ "${3:-cold}" = cached ] || rm -rf out mlruns .possum
exec "$possum" dag run pipelines/possum.yaml >/dev/null
