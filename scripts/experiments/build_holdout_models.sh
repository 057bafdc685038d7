#!/usr/bin/env bash
# Rebuild the whole-source hold-out models kept in benchmarks/holdout_models (its README.md),
# which benchmarks/accuracy_external.py scores by default.  One target per call, so that
# several run side by side on a multi-core machine (each uses one thread):
#   bash scripts/experiments/build_holdout_models.sh CACHE TARGET
# TARGET: a dedicated lead set's slug (i-ii-v2-v4, i-ii-v4, i-ii-v3, i-ii, i): trained from
# scratch without CinC 2011, CPSC and SPH -> benchmarks/holdout_models/without-cinc2011-cpsc-sph;
# or no-ptbxl: I,II,V4 without any PTB-XL record -> benchmarks/holdout_models/without-ptbxl.
# Each is the shipped recipe of its lead set (rebuild_shipped_scratch.sh, last loop) for one
# 6000-step cycle, seed 0 (scripts/experiments/holdout_scratch.sh).  About 17 minutes alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=$1; target=$2
dest=benchmarks/holdout_models
# slug -> lead set, linear share, finetune_big options: keep in step with rebuild_shipped_scratch.sh
case $target in
  i-ii-v2-v4) set="I,II,V2,V4"; alpha=0.1; extra="--pcc-weight 2.0" ;;
  i-ii-v4|no-ptbxl) set="I,II,V4"; alpha=0.1; extra="--pcc-weight 2.0" ;;
  i-ii-v3) set="I,II,V3"; alpha=0.1; extra="--pcc-weight 0.5" ;;
  i-ii) set="I,II"; alpha=0.1; extra="--pcc-weight 2.0" ;;
  i) set="I"; alpha=0; extra="--pcc-weight 2.0 --pcc-derived" ;;
  *) echo "unknown target '$target'; valid: i-ii-v2-v4 i-ii-v4 i-ii-v3 i-ii i no-ptbxl" >&2; exit 2 ;;
esac
if [ "$target" = no-ptbxl ]; then
  slug=i-ii-v4; held=ptbxl_big,ptbxl; folder=without-ptbxl
else
  slug=$target; held=cinc2011,cpsc,sph; folder=without-cinc2011-cpsc-sph
fi
out=runs/holdout_models/$target
ALPHA=$alpha EXTRA="$extra" bash scripts/experiments/holdout_scratch.sh "$cache" "$out" "$held" "$set" "$slug"
mkdir -p "$dest/$folder"
cp "$out/blend/linres-$slug.json" "$out/blend/linres-$slug.safetensors" "$dest/$folder/"
echo "wrote $dest/$folder/linres-$slug"
