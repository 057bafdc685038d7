#!/bin/bash
# Whole-source hold-out test of the heart-vector rotation augmentation:
# any-subset (1500 steps) + the four dedicated models, trained on LUDB+PTB-XL only.
cd "$(dirname "$0")/../.." && source .venv/bin/activate
tag=$1; rot=$2; seed=${3:-0}
out=runs/exp4/$tag; mkdir -p $out
python -m leadsynth_core.training anysubset --out $out --sources ludb,ptbxl --steps 1500 --vcg-rotation $rot --seed $seed --threads 1 --checkpoints $out/ck-any --log $out/anysubset.log > $out/stdout.txt 2>&1
for m in linres-i-ii-v2-v4 linres-i-ii-v4 linres-i-ii-v3 linres-i-ii; do
  python -m leadsynth_core.training $m --out $out --sources ludb,ptbxl --vcg-rotation $rot --seed $seed --threads 1 --checkpoints $out/ck-$m --log $out/$m.log >> $out/stdout.txt 2>&1
done
echo done > $out/DONE
