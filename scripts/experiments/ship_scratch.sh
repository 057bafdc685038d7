#!/usr/bin/env bash
# A dedicated model trained from scratch on every training source, made shippable
# (docs/models.md, "From scratch on the large sources"):
#   1. holdout_scratch_init.py CACHE OUT --holdout "" --sets SET   (start: linear fit, zero residual)
#   2. finetune_big.py OUT/init/linres-SLUG.json --out OUT/e --steps STEPS --lr 1e-3 --seed 0
#   3. the shipped quarter of the linear baseline folded into the head (training.blend; ALPHA=0: none, the model copied unchanged),
#   4. finalize_big.py: the card's metrics (LUDB 161-200 validation, PTB-XL fold 9) and record index.
#   bash scripts/experiments/ship_scratch.sh CACHE "I,II,V4" i-ii-v4   -> runs/full/final/linres-SLUG
# Environment (the capacity study, docs/models.md): OUT (runs/full), WIDTH (8), DEPTH (4),
# STEPS (6000), ALPHA (0.25); EXTRA: more finetune_big.py options (e.g. "--pcc-weight 0.5");
# CHOSEN_BY: how ALPHA was chosen, for the card (training.blend --chosen-by; default its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=$1; set=$2; slug=$3
out=${OUT:-runs/full}; width=${WIDTH:-8}; depth=${DEPTH:-4}; steps=${STEPS:-6000}; alpha=${ALPHA:-0.25}
export PYTHONPATH=.
PY=.venv/bin/python
[ -f "$out/init/linres-$slug.json" ] || $PY scripts/experiments/holdout_scratch_init.py "$cache" "$out" --holdout "" \
  --sets "$set" --width "$width" --depth "$depth"
[ -f "$out/e/linres-$slug.json" ] || $PY scripts/experiments/finetune_big.py "$out/init/linres-$slug.json" \
  --out "$out/e" --cache "$cache" --steps "$steps" --lr 1e-3 --threads 1 --seed 0 --resume ${EXTRA:-}
$PY -m leadsynth_core.training.blend "linres-$slug" --model-dir "$out/e" --linear-dir resources/models \
  --alpha "$alpha" --out "$out/blend-$slug" ${CHOSEN_BY:+--chosen-by "$CHOSEN_BY"}
$PY scripts/experiments/finalize_big.py "$out/blend-$slug" --cache "$cache" --out "$out/final"
