#!/usr/bin/env bash
# Rebuild every shipped model in resources/models from the data in ../shared/data:
#   the linear baselines, then the any-subset model and the four dedicated models with
#   seeds 0, 1 and 2 (runs/ens/sSEED), then each learned model as the seed ensemble of its
#   three members (one network whose output is the members' mean); last, each dedicated
#   model blended with its linear baseline (75 % network + 25 % linear, one network;
#   leadsynth_core.training.blend, the share chosen on a whole-source hold-out).
# About 25 minutes on 2 cores (the three seeds train side by side, one core each).
# Then, with the large public sources (../shared/data/external/README.md; kept outside the
# repository), every learned model is continued on them with leadsynth prepare + leadsynth
# train (scripts/continue_shipped_models.sh: source weights, per-member loss, 800 + 1500 + 1500
# steps), as the shipped models were. Without the three paths, only the first stage runs.
# usage: bash scripts/train_shipped_models.sh [PTBXL_RECORDS100 PTBXL_DATABASE_CSV CINC2011_DIR]
#        (or the environment variables of the same names)
set -euo pipefail
cd "$(dirname "$0")/.."
ptbxl=${1:-${PTBXL_RECORDS100:-}}; db=${2:-${PTBXL_DATABASE_CSV:-}}; cinc=${3:-${CINC2011_DIR:-}}
bash scripts/setup.sh >/dev/null
PY=.venv/bin/python
$PY -m pip install -q --disable-pip-version-check -e ".[train]"   # the deepfake-ecg generator
for m in linear-i-ii-v2-v4 linear-i-ii-v4 linear-i-ii-v3 linear-i-ii linear-i; do
  $PY -m leadsynth_core.training $m --out resources/models --threads 1
done
pids=()
for seed in 0 1 2; do
  bash scripts/experiments/train_seed_members.sh $seed & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
$PY -m leadsynth_core.training.ensemble anysubset --members runs/ens/s0 runs/ens/s1 runs/ens/s2 --out resources/models
for m in linres-i-ii-v2-v4 linres-i-ii-v4 linres-i-ii-v3 linres-i-ii; do
  $PY -m leadsynth_core.training.ensemble $m --members runs/ens/s0 runs/ens/s1 runs/ens/s2 --out runs/ens/combined
  $PY -m leadsynth_core.training.blend $m --model-dir runs/ens/combined --linear-dir resources/models --alpha 0.25 \
    --out resources/models
done
if [ -n "$ptbxl" ] && [ -n "$db" ] && [ -n "$cinc" ]; then
  MODELS_IN=resources/models OUT=resources/models bash scripts/continue_shipped_models.sh "$ptbxl" "$db" "$cinc"
else
  echo "the large-data continuation was skipped (give PTBXL_RECORDS100 PTBXL_DATABASE_CSV CINC2011_DIR)" >&2
fi
echo "done: resources/models rebuilt; now run benchmarks/accuracy.py and scripts/update_readme.py"
