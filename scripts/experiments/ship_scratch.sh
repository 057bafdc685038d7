#!/usr/bin/env bash
# A dedicated model trained from scratch on every training source, made shippable
# (docs/models.md, "From scratch on the large sources"):
#   1. holdout_scratch_init.py CACHE runs/full --holdout "" --sets SET   (start: linear fit, zero residual)
#   2. finetune_big.py runs/full/init/linres-SLUG.json --out runs/full/e --steps 6000 --lr 1e-3 --seed 0
#   3. the shipped quarter of the linear baseline folded into the head (training.blend),
#   4. finalize_big.py: the card's metrics (LUDB 161-200 validation, PTB-XL fold 9) and record index.
#   bash scripts/experiments/ship_scratch.sh CACHE "I,II,V4" i-ii-v4   -> runs/full/final/linres-SLUG
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=$1; set=$2; slug=$3
export PYTHONPATH=.
PY=.venv/bin/python
[ -f "runs/full/init/linres-$slug.json" ] || $PY scripts/experiments/holdout_scratch_init.py "$cache" runs/full --holdout "" --sets "$set"
[ -f "runs/full/e/linres-$slug.json" ] || $PY scripts/experiments/finetune_big.py "runs/full/init/linres-$slug.json" \
  --out runs/full/e --cache "$cache" --steps 6000 --lr 1e-3 --threads 1 --seed 0
$PY -m leadsynth_core.training.blend "linres-$slug" --model-dir runs/full/e --linear-dir resources/models --alpha 0.25 \
  --out "runs/full/blend-$slug"
$PY scripts/experiments/finalize_big.py "runs/full/blend-$slug" --cache "$cache" --out runs/full/final
