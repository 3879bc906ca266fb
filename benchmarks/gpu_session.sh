#!/usr/bin/env bash
# The one GPU session: every fused kernel checked against numpy_ref, then the timings; at most ~175 s.
#
# Run from the repository root on the GPU machine (no install needed):   bash benchmarks/gpu_session.sh
# Everything lands in $OUT (default /tmp/regref-gpu): checks.json/.log, torch.json/.log, jax.json/.log,
# host.log, pytest.log, env.txt and table.md (all results as one Markdown table, also printed last).
# Each step has its own timeout (HOST_S, CHECKS_S, TORCH_S, JAX_S, PYTEST_S override them; DEADLINE the total);
# a step that fails or overruns is reported and the next one runs.
set -u
OUT=${OUT:-/tmp/regref-gpu}
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TRITON_CACHE_DIR=${TRITON_CACHE_DIR:-/tmp/regref-triton-cache}  # shared by the steps, outside $OUT
PY=$(command -v python3 || command -v python)
START=$(date +%s)
DEADLINE=${DEADLINE:-170}  # seconds after START by which everything must be over

left() { echo $((DEADLINE - ($(date +%s) - START))); }

step() {  # step NAME MAX_SECONDS COMMAND...: runs with min(MAX, time left - 3) seconds, logs to $OUT/NAME.log
  local name=$1 max=$2
  shift 2
  local limit
  limit=$(left)
  limit=$((limit - 3 < max ? limit - 3 : max))
  if [ "$limit" -lt 10 ]; then
    echo "== $name: skipped (only $(left) s left)"
    return
  fi
  echo "== $name (at most $limit s)"
  timeout -k 5 "$limit" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  tail -n 4 "$OUT/$name.log"
  echo "== $name: exit $rc after $(($(date +%s) - START)) s"
}

{
  date -u
  timeout 10 nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,driver_version --format=csv 2>&1
  timeout 40 "$PY" -c "import sys, torch, triton, jax; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, 'triton', triton.__version__, 'jax', jax.__version__, jax.devices())" 2>&1
} >"$OUT/env.txt"
cat "$OUT/env.txt"

step host "${HOST_S:-15}" "$PY" -m benchmarks.host_overhead --reps 200
step checks "${CHECKS_S:-45}" "$PY" -m benchmarks.gpu_checks --json "$OUT/checks.json"
step torch "${TORCH_S:-70}" "$PY" -m benchmarks --device cuda --frameworks torch --budget 0.25 ${TORCH_FLAGS:-} --json "$OUT/torch.json"
step jax "${JAX_S:-45}" env XLA_PYTHON_CLIENT_PREALLOCATE=false "$PY" -m benchmarks --device cuda --frameworks jax --budget 0.25 --json "$OUT/jax.json"
if "$PY" -c "import pytest" 2>/dev/null; then
  step pytest "${PYTEST_S:-30}" "$PY" -m pytest -q -x -p no:cacheprovider tests/test_torch_cuda.py
fi
"$PY" -m benchmarks.summary "$OUT" >"$OUT/table.md" 2>&1
echo
cat "$OUT/table.md"
echo "total $(($(date +%s) - START)) s"
