#!/bin/bash
# Augmentation ablation at the dedicated fine-tuning stage (1000 steps from the shipped any-subset model).
cd "$(dirname "$0")/../.." && source .venv/bin/activate
model=$1
for skip in none gain lowpass wander noise powerline gain,lowpass,wander,noise,powerline; do
  tag=$(echo $skip | tr ',' '+')
  [ "$skip" = none ] && arg="" || arg="--no-augment $skip"
  out=runs/exp3/abl/$model/$tag
  mkdir -p $out
  python -m leadsynth_core.training $model --out $out $arg --threads 1 --checkpoints $out/ck --log $out/train.log > $out/stdout.txt 2>&1
done
echo done > runs/exp3/abl/$model/DONE
