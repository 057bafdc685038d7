#!/usr/bin/env bash
# The dedicated lead-I model (docs/models.md, "Lead I alone: a dedicated model"): the shipped
# any-subset ensemble with its mask fixed to I, then two rounds of finetune_big.py on the large
# sources (1500 steps seed 0, 3000 steps seed 1), then finalize_big.py (cards: LUDB 161-200
# validation + PTB-XL fold 9).  One thread; about 15 minutes on this machine.
#   bash scripts/experiments/train_linres_i.sh CACHE [WORK]   (CACHE: cache_external.py's folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=$1; work=${2:-runs/big}
export PYTHONPATH=.
PY=.venv/bin/python
$PY scripts/experiments/make_linres_i.py "$work/i0"
$PY scripts/experiments/finetune_big.py "$work/i0/linres-i.json" --out "$work/i1" --cache "$cache" --steps 1500 --threads 1 --seed 0
$PY scripts/experiments/finetune_big.py "$work/i1/linres-i.json" --out "$work/i2" --cache "$cache" --steps 3000 --threads 1 --seed 1
$PY scripts/experiments/finalize_big.py "$work/i2" --cache "$cache" --out "$work/final"
