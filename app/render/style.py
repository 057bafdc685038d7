"""How provenance looks: one place for the screen view, the median beats and the exports.

Rule 2 of the architecture: a synthesized lead must never be drawn so that it could pass
for a measured one.  A synthesized trace is a solid thin line in the synthesized colour
(a dashed line smeared narrow QRS complexes, notches and small q waves into blobs at
25 mm/s), its cell is tinted and its label says SYNTHESIZED (the legend names the model):
the tint and the label carry the provenance even on a grey-scale print.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from leadsynth_core.record import Provenance

from ..state.document import LeadDisplay, LeadScore
from .theme import Theme


def trace_color(theme: Theme, provenance: Provenance | None) -> QColor:
    if provenance is Provenance.SYNTHESIZED:
        return theme.synthesized
    if provenance is Provenance.DERIVED:
        return theme.derived
    return theme.measured


def trace_pen(theme: Theme, provenance: Provenance | None, width: float = 1.3, cosmetic: bool = True) -> QPen:
    pen = QPen(trace_color(theme, provenance))
    pen.setWidthF(width)
    pen.setCosmetic(cosmetic)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    # Solid for every provenance: the tint and the SYNTHESIZED label tell them apart.
    pen.setStyle(Qt.PenStyle.SolidLine)
    return pen


def truth_pen(theme: Theme, width: float = 1.1, cosmetic: bool = True) -> QPen:
    pen = QPen(theme.measured)
    pen.setWidthF(width)
    pen.setCosmetic(cosmetic)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def provenance_text(display: LeadDisplay, inputs: tuple[str, ...] = ()) -> str:
    """Short provenance tag beside a lead's name (the model is named in the legend and tooltip)."""
    p = display.provenance
    if p is None:
        return "not available"
    if p is Provenance.SYNTHESIZED:
        return "SYNTHESIZED"
    if p is Provenance.DERIVED:
        limb = [n for n in inputs if n in ("I", "II", "III", "aVR", "aVL", "aVF")]
        return f"derived from {', '.join(limb[:2]) or 'I, II'}"
    return "measured"


def badge_text(score: LeadScore) -> str:
    # A flat lead has no correlation: say so rather than print "nan".
    return f"PCC {score.pcc:.2f}" if score.pcc == score.pcc else "PCC n/a"


def score_tooltip(display: LeadDisplay, scope: str = "whole record") -> str:
    s = display.score
    if s is None:
        return ""
    return (
        f"{display.lead}: synthesized by {display.model or 'model'} vs. measured truth ({scope})\n"
        f"PCC {s.pcc:.3f}\nRMSE {s.rmse_mv:.3f} mV\nMAE {s.mae_mv:.3f} mV\nSNR {s.snr_db:.1f} dB"
    )


#: What the synthesis is scored against (setting ``scores/reference``), as controls and notes say it.
SCORE_REFERENCES: dict[str, str] = {
    "raw": "stored samples",
    "highpass": "baseline-corrected truth (0.5 Hz high-pass)",
}
SCORE_REFERENCES_SHORT: dict[str, str] = {"raw": "stored samples", "highpass": "baseline-corrected truth"}
