# The shipped recipe of each dedicated lead set, in one place: sourced by
# rebuild_shipped_scratch.sh (its last loop, the shipped models) and build_holdout_models.sh
# (their whole-source hold-outs), so that a new round changes both at once
# (docs/models.md: "A larger correlation weight", "The linear share re-decided for the
# correlation-term models", "The derived limb leads in the correlation term", "Chest electrodes
# placed by other hands", "Arm electrodes swapped", "A smaller swap share").
#   recipe SLUG  ->  recipe_set (lead set), recipe_alpha (linear share folded in),
#                    recipe_extra (finetune_big.py options)
RECIPE_SLUGS="i-ii-v2-v4 i-ii-v3 i-ii-v4 i-ii i"
recipe() {
  case $1 in
    i-ii-v2-v4) recipe_set="I,II,V2,V4"; recipe_alpha=0.1; recipe_extra="--pcc-weight 2.0 --arm-swap 0.02" ;;
    i-ii-v4) recipe_set="I,II,V4"; recipe_alpha=0.1; recipe_extra="--pcc-weight 2.0 --chest-shift 0.35 --arm-swap 0.05" ;;
    i-ii-v3) recipe_set="I,II,V3"; recipe_alpha=0.1; recipe_extra="--pcc-weight 0.5 --chest-shift 0.35 --arm-swap 0.02" ;;
    i-ii) recipe_set="I,II"; recipe_alpha=0.1; recipe_extra="--pcc-weight 2.0 --arm-swap 0.02" ;;
    i) recipe_set="I"; recipe_alpha=0; recipe_extra="--pcc-weight 2.0 --pcc-derived --arm-swap 0.02" ;;
    *) echo "unknown lead set '$1'; valid: $RECIPE_SLUGS" >&2; return 2 ;;
  esac
}
