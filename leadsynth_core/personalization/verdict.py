"""The verdict of the held-out comparison of a personal model with its base model."""

from __future__ import annotations

import math

from ..options import VERDICT_PCC_TOLERANCE, VERDICT_RMSE_TOLERANCE
from .result import LeadScores


def held_out_verdict(before: LeadScores | None, after: LeadScores | None) -> str:
    """One of :data:`~leadsynth_core.options.VERDICTS` for the held-out scores of base and personal model.

    A mean PCC change beyond :data:`~leadsynth_core.options.VERDICT_PCC_TOLERANCE` or a
    relative mean RMSE change beyond :data:`~leadsynth_core.options.VERDICT_RMSE_TOLERANCE`
    is a change (worse wins over improved); without held-out scores, ``"not_validated"``.
    """
    if before is None or after is None:
        return "not_validated"
    d_pcc = after.mean_pcc - before.mean_pcc
    rel_rmse = after.mean_rmse / before.mean_rmse - 1.0 if before.mean_rmse > 0 else 0.0
    if not (math.isfinite(d_pcc) and math.isfinite(rel_rmse)):
        return "not_validated"
    if d_pcc < -VERDICT_PCC_TOLERANCE or rel_rmse > VERDICT_RMSE_TOLERANCE:
        return "worse"
    if d_pcc > VERDICT_PCC_TOLERANCE or rel_rmse < -VERDICT_RMSE_TOLERANCE:
        return "improved"
    return "unchanged"
