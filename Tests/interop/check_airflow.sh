#!/usr/bin/env bash
# Acceptance check for issues #8 and #15: a real Airflow 3 imports and runs what `possum dag export`
# writes, as on a worker: possum found on PATH, no build path in the file, the workdir a DAG param.
#
# 1. Builds possum (release, scratch path .build-dag) unless $POSSUM names a binary; its folder is put
#    first on PATH, and the export names no binary (the DAG runs `possum` from PATH).
# 2. Makes a private venv (default .build-interop/airflow-venv) with apache-airflow from PyPI, once.
# 3. Writes a small pipeline of shell tasks (a diamond with retries and timeouts) into a temp dir,
#    or takes the pipeline given as $1, and exports it with `possum dag export --airflow`; the file
#    must not contain `.build` nor the binary's path.
# 4. With AIRFLOW_HOME in the temp dir (SQLite metadata DB), examples off and the DAGs folder set to
#    the export: `airflow db migrate`, `airflow dags reserialize`, `airflow dags list-import-errors`
#    (must be clean), `airflow assets list` (every declared output registered as a file:// asset),
#    then `airflow dags test <dag_id>`, and checks that every task succeeded and (for the built-in
#    pipeline) that the files the tasks write are there. The built-in pipeline is first copied to
#    another folder and run there through the DAG param: --conf '{"workdir": ...}'.
#
# Usage: Tests/interop/check_airflow.sh [PIPELINE.yaml]     (env: POSSUM, AIRFLOW_VENV, AIRFLOW_VERSION, KEEP=1)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AIRFLOW_VERSION=${AIRFLOW_VERSION:-3.1.8}
VENV=${AIRFLOW_VENV:-$REPO/.build-interop/airflow-venv}

if [ -z "${POSSUM:-}" ]; then
  echo "== building possum (release)"
  swift build --package-path "$REPO" --scratch-path "$REPO/.build-dag" -c release --product possum
  POSSUM=$REPO/.build-dag/release/possum
fi

if [ ! -f "$VENV/.airflow-$AIRFLOW_VERSION" ]; then
  echo "== installing apache-airflow $AIRFLOW_VERSION into $VENV (several minutes, once)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "apache-airflow==$AIRFLOW_VERSION"
  touch "$VENV/.airflow-$AIRFLOW_VERSION"
fi
AIRFLOW=$VENV/bin/airflow

WORK=$(mktemp -d "${TMPDIR:-/tmp}/possum-airflow.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then echo "== keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
mkdir -p "$WORK/dags" "$WORK/pipeline"

if [ $# -ge 1 ]; then
  PIPELINE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  BUILTIN=0
else
  PIPELINE=$WORK/pipeline/airflow_check.yaml
  BUILTIN=1
  cat > "$PIPELINE" <<'YAML'
name: possum_airflow_check
defaults:
  retries: 2
  retry_delay_seconds: 1
  timeout_seconds: 60
tasks:
  - name: make
    command: "printf '1\n2\n3\n' > numbers.txt"
    outputs: [numbers.txt]
  - name: double
    depends_on: [make]
    command: [sh, -c, "awk '{print 2*$1}' numbers.txt > doubled.txt"]
    inputs: [numbers.txt]
    outputs: [doubled.txt]
  - name: square
    depends_on: [make]
    command: [sh, -c, "awk '{print $1*$1}' numbers.txt > squared.txt"]
    inputs: [numbers.txt]
    outputs: [squared.txt]
    timeout_seconds: 30
  - name: report
    depends_on: [double, square]
    command: "paste doubled.txt squared.txt > report.txt"
    inputs: [doubled.txt, squared.txt]
    outputs: [report.txt]
    retries: 0
YAML
fi

POSSUM=$(cd "$(dirname "$POSSUM")" && pwd)/$(basename "$POSSUM")
export PATH=$(dirname "$POSSUM"):$PATH
[ "$(command -v possum)" = "$POSSUM" ] || { echo "FAIL: possum on PATH is $(command -v possum), not $POSSUM"; exit 1; }

echo "== possum dag export $PIPELINE (possum from PATH)"
possum dag export "$PIPELINE" --airflow "$WORK/dags/possum_dag.py"
DAG_ID=$(sed -n 's/^ *dag_id="\(.*\)",$/\1/p' "$WORK/dags/possum_dag.py")
if grep -n -F -e .build -e "$POSSUM" "$WORK/dags/possum_dag.py"; then
  echo "FAIL: the exported DAG names a build path"; exit 1
fi

export AIRFLOW_HOME=$WORK/airflow
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_FOLDER=$WORK/dags
export AIRFLOW__CORE__UNIT_TEST_MODE=False
export AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING

echo "== airflow db migrate"
"$AIRFLOW" db migrate > "$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log"; exit 1; }

echo "== airflow dags reserialize (parses the DAGs folder into the DB, as the DAG processor does)"
"$AIRFLOW" dags reserialize > "$WORK/reserialize.log" 2>&1 || { cat "$WORK/reserialize.log"; exit 1; }

echo "== airflow dags list-import-errors"
"$AIRFLOW" dags list-import-errors -o json > "$WORK/import-errors.json" 2> "$WORK/import-errors.err" || true
if grep -q '"filepath"' "$WORK/import-errors.json"; then
  echo "FAIL: import errors:"; cat "$WORK/import-errors.json"; exit 1
fi
"$AIRFLOW" dags list -o plain 2>/dev/null | grep -q "$DAG_ID" || { echo "FAIL: DAG $DAG_ID not listed"; "$AIRFLOW" dags list; exit 1; }
echo "   clean; DAG $DAG_ID listed"

echo "== airflow assets list (each task's outputs are its outlets)"
"$AIRFLOW" assets list -o json > "$WORK/assets.json" 2> "$WORK/assets.err" || { cat "$WORK/assets.err"; exit 1; }
# The URIs the DAG declares, as Airflow's own parser reads them, must all be registered.
"$VENV/bin/python" -W ignore - "$WORK/dags/possum_dag.py" "$WORK/assets.json" <<'PY'
import json, sys
from airflow.models.dagbag import DagBag
bag = DagBag(sys.argv[1], include_examples=False)
declared = {a.uri for dag in bag.dags.values() for t in dag.tasks for a in t.outlets}
inlets = {a.uri for dag in bag.dags.values() for t in dag.tasks for a in t.inlets}
registered = {a["uri"] for a in json.load(open(sys.argv[2]))}
missing = declared - registered
if not declared or missing or not inlets <= declared:
    sys.exit(f"FAIL: declared outlets {sorted(declared)}, inlets {sorted(inlets)}, registered {sorted(registered)}")
print(f"   {len(declared)} assets registered, {len(inlets)} used as inlets")
PY

CONF=()
RUNDIR=$(dirname "$PIPELINE")
if [ "$BUILTIN" = 1 ]; then
  # As on a worker where the project lives elsewhere: the pipeline copied, the DAG param pointing there.
  RUNDIR=$WORK/elsewhere
  cp -r "$WORK/pipeline" "$RUNDIR"
  CONF=(--conf "{\"workdir\": \"$RUNDIR\"}")
fi
echo "== airflow dags test $DAG_ID ${CONF[*]}"
if ! "$AIRFLOW" dags test "$DAG_ID" "${CONF[@]}" > "$WORK/test.log" 2>&1; then
  tail -40 "$WORK/test.log"; echo "FAIL: airflow dags test"; exit 1
fi
# Each task's final state, from the metadata DB of the run just made.
"$AIRFLOW" tasks states-for-dag-run "$DAG_ID" "$("$AIRFLOW" dags list-runs "$DAG_ID" -o plain 2>/dev/null | awk 'NR==2{print $2}')" -o plain > "$WORK/states.txt" 2>/dev/null || true
TASKS=$(grep -c 'BashOperator(' "$WORK/dags/possum_dag.py")
OK=$(grep -c ' success ' "$WORK/states.txt" || true)
cat "$WORK/states.txt"
if [ "$OK" -ne "$TASKS" ]; then
  echo "FAIL: $OK of $TASKS tasks succeeded"; tail -40 "$WORK/test.log"; exit 1
fi
if [ "$BUILTIN" = 1 ]; then
  [ "$(cat "$RUNDIR/report.txt")" = "$(printf '2\t1\n4\t4\n6\t9')" ] || { echo "FAIL: report.txt wrong"; exit 1; }
  [ ! -e "$WORK/pipeline/numbers.txt" ] || { echo "FAIL: ran in the exported folder, not the workdir param"; exit 1; }
fi
echo "PASS: Airflow $AIRFLOW_VERSION imported and ran $DAG_ID ($TASKS tasks)"
