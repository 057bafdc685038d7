#!/bin/bash
set -e
cd "$(dirname "$0")/../.." && source .venv/bin/activate
for m in linear-i-ii-v2-v4 linear-i-ii-v4 linear-i-ii-v3 linear-i-ii; do
  PYTHONPATH=. python -m leadsynth_core.training $m --out runs/holdout --sources ludb,ptbxl --threads 1 --log runs/holdout/$m.log
done
PYTHONPATH=. python -m leadsynth_core.training anysubset --out runs/holdout --sources ludb,ptbxl --steps 1500 --threads 1 --checkpoints runs/holdout/checkpoints --log runs/holdout/anysubset.log
