#!/bin/sh
# The reference stack's four steps as four processes, cold (fresh outputs and tracking store).
# Usage: reference_pipeline.sh PYTHON WORKDIR   (WORKDIR holds datasets/possum.csv)
set -e
py="$1"; dir="$2"; here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$dir/out" "$dir/mlruns"
for step in import features train predict; do "$py" "$here/reference_pipeline.py" "$dir" "$step"; done
