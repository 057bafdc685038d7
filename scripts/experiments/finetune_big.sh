#!/usr/bin/env bash
# Superseded by scripts/continue_shipped_models.sh (the same recipe with leadsynth prepare +
# leadsynth train --source-weights); kept as the record of how the 2026-11-30 weights were made.
# The retraining of issue 15: every shipped learned model continued on the large sources
# (scripts/experiments/finetune_big.py; PTB-XL folds 1-8, CinC 2011, the shared training
# records, deepfake-ecg), one process per model, one thread each.
#   round 1: 800 steps from the previously shipped models      -> runs/big/all
#            + I,II,V4 with CPSC and SPH held out (transfer)    -> runs/big/hold
#   round 2: 1500 more steps (I,II,V3: 800) from round 1       -> runs/big/r2
# Then: finalize_big.py runs/big/r2 --out resources/models, the uncertainty calibration and
# benchmarks/accuracy_external.py (see docs/models.md).
# usage: bash scripts/experiments/finetune_big.sh CACHE   (CACHE: cache_external.py's output)
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${1:?usage: finetune_big.sh CACHE}
PY=.venv/bin/python
FT="$PY scripts/experiments/finetune_big.py"
mkdir -p runs/big
for m in anysubset linres-i-ii-v2-v4 linres-i-ii-v4 linres-i-ii-v3 linres-i-ii; do
  $FT $m --out runs/big/all --cache "$cache" --steps 800 --resume > runs/big-$m.out 2>&1 &
done
$FT linres-i-ii-v4 --out runs/big/hold --holdout cpsc,sph --cache "$cache" --steps 800 --resume > runs/big-hold.out 2>&1 &
wait
for m in anysubset linres-i-ii-v2-v4 linres-i-ii-v4 linres-i-ii; do
  $FT runs/big/all/$m.json --out runs/big/r2 --cache "$cache" --steps 1500 --resume > runs/big-r2-$m.out 2>&1 &
done
$FT runs/big/all/linres-i-ii-v3.json --out runs/big/r2 --cache "$cache" --steps 800 --resume > runs/big-r2-v3.out 2>&1 &
wait
