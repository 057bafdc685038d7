#!/usr/bin/env bash
# A whole-source hold-out of the shipped recipe (docs/models.md, "Whole-source hold-outs"):
# the dedicated model for SET trained from scratch without the sources HOLDOUT, its linear
# baseline fitted on the same records, and the shipped quarter of that baseline folded in.
#   bash scripts/experiments/holdout_scratch.sh CACHE OUT HOLDOUT SET SLUG
#   e.g. ... CACHE runs/hold2 cinc2011,cpsc,sph "I,II" i-ii       -> runs/hold2/blend/linres-i-ii
#        ... CACHE runs/holdptb ptbxl_big,ptbxl "I,II,V4" i-ii-v4  (no PTB-XL record at all)
# benchmarks/accuracy_external.py --holdout-models OUT/blend scores it on what it never saw.
# ALPHA (0.25): the linear share folded in, as in ship_scratch.sh; ALPHA=0 for lead I, shipped unblended.
# SEED (0): the batch stream's seed; EXTRA: more finetune_big.py options (e.g. "--pcc-weight 0.5").
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=$1; out=$2; holdout=$3; set=$4; slug=$5
export PYTHONPATH=.
PY=.venv/bin/python
[ -f "$out/init/linres-$slug.json" ] || $PY scripts/experiments/holdout_scratch_init.py "$cache" "$out" \
  --holdout "$holdout" --sets "$set"
[ -f "$out/e/linres-$slug.json" ] || $PY scripts/experiments/finetune_big.py "$out/init/linres-$slug.json" \
  --out "$out/e" --cache "$cache" --steps 6000 --lr 1e-3 --threads 1 --seed "${SEED:-0}" --holdout "$holdout" --resume ${EXTRA:-}
alpha=${ALPHA:-0.25}
$PY -m leadsynth_core.training.blend "linres-$slug" --model-dir "$out/e" --linear-dir "$out" --alpha "$alpha" \
  --out "$out/blend"
