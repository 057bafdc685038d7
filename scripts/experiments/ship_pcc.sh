#!/usr/bin/env bash
# The PCC round (docs/models.md, "A correlation term in the loss"): every shipped model continued
# 3000 steps at AdamW 3e-4 with the loss MSE + 0.5 x mean (1 - PCC), from its unblended weights
# (the dedicated models) or its shipped weights (the any-subset model); the linear quarter folded
# in again as shipped (none for lead I); cards validated and named as the shipped ones.
#   bash scripts/experiments/ship_pcc.sh CACHE [SET ...]      -> runs/pcc/final
# SET: slugs (i-ii-v2-v4 i-ii-v4 i-ii-v3 i-ii i anysubset; default all), one model per call on one
# thread; run two calls side by side on 2 cores.  About 8 minutes per model.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=$1; shift
export PYTHONPATH=.
PY=.venv/bin/python
out=${OUT:-runs/pcc}
note="Then continued 3000 steps at AdamW 3e-4 with a correlation term in the loss (MSE + 0.5 x mean (1 - PCC) per crop and synthesized lead; scripts/experiments/ship_pcc.sh)."
# slug -> the weights it continues and the linear share folded in after
declare -A FROM=([i-ii-v2-v4]=runs/long3/e [i-ii-v4]=runs/long3/e [i-ii]=runs/long3/e [i-ii-v3]=runs/long/e [i]=runs/long/e)
declare -A ALPHA=([i-ii-v2-v4]=0.25 [i-ii-v4]=0.25 [i-ii]=0.25 [i-ii-v3]=0.25 [i]=0)
for slug in "${@:-i-ii-v2-v4 i-ii-v4 i-ii-v3 i-ii i anysubset}"; do
  for s in $slug; do
    if [ "$s" = anysubset ]; then
      $PY scripts/experiments/finetune_big.py resources/models/anysubset.json --out "$out/e" --cache "$cache" \
        --steps 3000 --lr 3e-4 --threads 1 --seed 0 --resume --pcc-weight 0.5
      mkdir -p "$out/blend" && cp "$out/e/anysubset.json" "$out/e/anysubset.safetensors" "$out/blend/"
    else
      $PY scripts/experiments/finetune_big.py "${FROM[$s]}/linres-$s.json" --out "$out/e" --cache "$cache" \
        --steps 3000 --lr 3e-4 --threads 1 --seed 0 --resume --pcc-weight 0.5
      $PY -m leadsynth_core.training.blend "linres-$s" --model-dir "$out/e" --linear-dir resources/models \
        --alpha "${ALPHA[$s]}" --out "$out/blend"
    fi
    id=$([ "$s" = anysubset ] && echo anysubset || echo "linres-$s")
    mkdir -p "$out/one-$s" && cp "$out/blend/$id.json" "$out/blend/$id.safetensors" "$out/one-$s/"
    $PY scripts/experiments/finalize_big.py "$out/one-$s" --cache "$cache" --out "$out/final" \
      --names-from resources/models --round-note "$note"
  done
done
