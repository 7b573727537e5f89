#!/usr/bin/env bash
# Wall time of the tiny SLURM test workflow (tests/data/slurm): local (--cores 2) vs SLURM with
# profiles/slurm, a fresh copy each run, 3 rounds. Needs a running SLURM (.ci/slurm.sh start).
#   bash bench/slurm_tiny_timing.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SM="$ROOT/.venv/bin/snakemake"
t() {
  local d s
  d=$(mktemp -d)
  cp -r "$ROOT/tests/data/slurm/." "$d"
  s=$EPOCHREALTIME
  (cd "$d" && "$SM" "$@" >/dev/null 2>&1)
  awk -v a="$s" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s\n", b - a }'
  rm -rf "$d"
}
for _ in 1 2 3; do
  echo "local $(t --cores 2)"
  echo "slurm_init5 $(t --profile "$ROOT/profiles/slurm" --slurm-init-seconds-before-status-checks 5)"
  echo "slurm_shipped $(t --profile "$ROOT/profiles/slurm")"
done
