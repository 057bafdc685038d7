#!/bin/bash
# Whole-source hold-out check of the wander-augmentation ablation: dedicated fine-tuning on
# LUDB+PTB-XL only, from the hold-out any-subset model (runs/holdout, trained on LUDB+PTB-XL).
cd "$(dirname "$0")/../.." && source .venv/bin/activate
model=$1
for skip in none wander; do
  out=runs/exp3/ho/$model/$skip
  mkdir -p $out
  cp runs/holdout/anysubset.json runs/holdout/anysubset.safetensors $out/
  [ "$skip" = none ] && arg="" || arg="--no-augment $skip"
  python -m leadsynth_core.training $model --out $out --sources ludb,ptbxl $arg --threads 1 --checkpoints $out/ck --log $out/train.log > $out/stdout.txt 2>&1
done
echo done > runs/exp3/ho/$model/DONE
