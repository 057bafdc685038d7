#!/bin/bash
# Train the shipped recipe (any-subset, then the four dedicated models) with another seed
# into runs/ens/sSEED: members for a seed ensemble (leadsynth_core.training.ensemble).
set -e
cd "$(dirname "$0")/../.." && source .venv/bin/activate
seed=$1
out=runs/ens/s$seed; mkdir -p $out
python -m leadsynth_core.training anysubset --out $out --seed $seed --threads 1 --checkpoints $out/ck-any --log $out/anysubset.log > $out/stdout.txt 2>&1
for m in linres-i-ii-v2-v4 linres-i-ii-v4 linres-i-ii-v3 linres-i-ii; do
  python -m leadsynth_core.training $m --out $out --seed $seed --threads 1 --checkpoints $out/ck-$m --log $out/$m.log >> $out/stdout.txt 2>&1
done
echo done > $out/DONE
