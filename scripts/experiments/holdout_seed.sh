#!/bin/bash
# One seed of the shipped recipe trained on LUDB + PTB-XL only (CPSC and SPH held out):
# any-subset (STEPS, default 3000) then the four dedicated models, into runs/holdout-ens/sSEED.
# Used to choose the linear blend weight on sources never trained on (eval_blend.py).
set -e
cd "$(dirname "$0")/../.." && source .venv/bin/activate
seed=$1; steps=${2:-3000}
out=runs/holdout-ens/s$seed; mkdir -p $out
python -m leadsynth_core.training anysubset --out $out --sources ludb,ptbxl --steps $steps --seed $seed --threads 1 --checkpoints $out/ck-any --log $out/anysubset.log > $out/stdout.txt 2>&1
for m in linres-i-ii-v2-v4 linres-i-ii-v4 linres-i-ii-v3 linres-i-ii; do
  python -m leadsynth_core.training $m --out $out --sources ludb,ptbxl --seed $seed --threads 1 --checkpoints $out/ck-$m --log $out/$m.log >> $out/stdout.txt 2>&1
done
echo done > $out/DONE
