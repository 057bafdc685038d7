#!/usr/bin/env bash
# Rebuild the whole-source hold-out models kept in benchmarks/holdout_models (its README.md),
# which benchmarks/accuracy_external.py scores by default.  One target per call, so that
# several run side by side on a multi-core machine (each uses one thread):
#   bash scripts/experiments/build_holdout_models.sh CACHE TARGET
# TARGET: a dedicated lead set's slug (i-ii-v2-v4, i-ii-v4, i-ii-v3, i-ii, i): trained from
# scratch without CinC 2011, CPSC and SPH -> benchmarks/holdout_models/without-cinc2011-cpsc-sph;
# or no-ptbxl: I,II,V4 without any PTB-XL record -> benchmarks/holdout_models/without-ptbxl.
# Each is the shipped recipe of its lead set (scripts/experiments/recipes.sh) for one
# 6000-step cycle, seed 0 (SEED=1: the batch stream's seed 1, as the I,II,V4 one in the repository;
# scripts/experiments/holdout_scratch.sh).  About 35 minutes alone on this machine's slower days.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=$1; target=$2
dest=benchmarks/holdout_models
source scripts/experiments/recipes.sh
if [ "$target" = no-ptbxl ]; then
  slug=i-ii-v4; held=ptbxl_big,ptbxl; folder=without-ptbxl
else
  slug=$target; held=cinc2011,cpsc,sph; folder=without-cinc2011-cpsc-sph
fi
recipe "$slug" || { echo "(or no-ptbxl: I,II,V4 without PTB-XL)" >&2; exit 2; }
out=runs/holdout_models/$target
ALPHA=$recipe_alpha EXTRA="$recipe_extra" bash scripts/experiments/holdout_scratch.sh "$cache" "$out" "$held" "$recipe_set" "$slug"
mkdir -p "$dest/$folder"
cp "$out/blend/linres-$slug.json" "$out/blend/linres-$slug.safetensors" "$dest/$folder/"
echo "wrote $dest/$folder/linres-$slug"
