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

from leadsynth_core.leads import LIMB_LEAD_ORDERS, SUPPLEMENTARY_LEADS, supplementary_site
from leadsynth_core.record import Provenance
from leadsynth_core.scoring import HIGHPASS_HZ, REFERENCES, LeadScore

from ..state.document import LeadDisplay
from .theme import Theme


def trace_color(theme: Theme, provenance: Provenance | None) -> QColor:
    if provenance is Provenance.SYNTHESIZED:
        return theme.synthesized
    if provenance is Provenance.DERIVED:
        return theme.derived
    return theme.measured


#: The tag of a cell without a trace (synthesis pending, lead not available): grey, the
#: colour of no provenance, never that of a measured or synthesized lead.
NO_TRACE_TAG = QColor("#888888")


def tag_color(theme: Theme, display: LeadDisplay) -> QColor:
    """Colour of the provenance tag beside a lead's name (see :func:`provenance_text`)."""
    return trace_color(theme, display.provenance) if display.provenance is not None else NO_TRACE_TAG


def trace_pen(theme: Theme, provenance: Provenance | None, width: float = 1.3, cosmetic: bool = True) -> QPen:
    pen = QPen(trace_color(theme, provenance))
    pen.setWidthF(width)
    pen.setCosmetic(cosmetic)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    # Solid for every provenance: the tint and the SYNTHESIZED label tell them apart.
    pen.setStyle(Qt.PenStyle.SolidLine)
    return pen


def second_synthesis_color(theme: Theme) -> QColor:
    """The synthesized colour washed halfway towards the paper: a second synthesis drawn
    beside the one that matters (the general model under the personal one in the
    personalization wizard's review)."""
    ink, paper = theme.synthesized, theme.paper
    return QColor(*(round((a + b) / 2) for a, b in zip(ink.getRgb()[:3], paper.getRgb()[:3], strict=True)))


def second_synthesis_pen(theme: Theme, width: float = 1.3, cosmetic: bool = True) -> QPen:
    """:func:`trace_pen` of a synthesized lead in :func:`second_synthesis_color`: still a solid
    thin line (never dashed); its label in the legend says which model it is."""
    pen = trace_pen(theme, Provenance.SYNTHESIZED, width, cosmetic)
    pen.setColor(second_synthesis_color(theme))
    return pen


def truth_pen(theme: Theme, width: float = 1.1, cosmetic: bool = True) -> QPen:
    pen = QPen(theme.measured)
    pen.setWidthF(width)
    pen.setCosmetic(cosmetic)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def prior_pen(theme: Theme, width: float = 1.1, cosmetic: bool = True) -> QPen:
    """A prior ECG of the patient under this one (median beats): dashed, in its own colour, so
    that it can never be taken for a lead of this recording."""
    pen = QPen(theme.prior)
    pen.setWidthF(width)
    pen.setCosmetic(cosmetic)
    pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def provenance_text(display: LeadDisplay, inputs: tuple[str, ...] = ()) -> str:
    """Short provenance tag beside a lead's name (the model is named in the legend and tooltip)."""
    p = display.provenance
    if display.pending:
        return "synthesizing…"
    if p is None:
        return "not available"
    if p is Provenance.SYNTHESIZED:
        return "SYNTHESIZED"
    if p is Provenance.DERIVED:
        limb = [n for n in inputs if n in ("I", "II", "III", "aVR", "aVL", "aVF")]
        return f"derived from {', '.join(limb[:2]) or 'I, II'}"
    if display.lead in SUPPLEMENTARY_LEADS:
        # A V4R or V7 cell must not read as a misprinted V4 or a seventh chest lead.
        return f"measured, {supplementary_site(display.lead)}"
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


#: How controls and notes name each score reference (``leadsynth_core.scoring.REFERENCES``,
#: setting ``scores/reference``); built over the core's vocabulary, so a reference the core
#: adds without a label here fails at import instead of showing a raw key.
_LABELS = {"raw": "stored samples", "highpass": f"baseline-corrected truth ({HIGHPASS_HZ:g} Hz high-pass)"}
_SHORT_LABELS = {"raw": "stored samples", "highpass": "baseline-corrected truth"}
REFERENCE_LABELS: dict[str, str] = {ref: _LABELS[ref] for ref in REFERENCES}
REFERENCE_LABELS_SHORT: dict[str, str] = {ref: _SHORT_LABELS[ref] for ref in REFERENCES}


#: What the page says of its limb-lead order (legend, status bar, printed footer); the
#: standard order goes without saying.  Built from the vocabulary, so an order added there
#: without a text here fails at import.
_LIMB_ORDER_TEXT = {"standard": "", "cabrera": "limb leads in Cabrera order (\u2212aVR: aVR upside down)"}
LIMB_ORDER_TEXT: dict[str, str] = {order: _LIMB_ORDER_TEXT[order] for order in LIMB_LEAD_ORDERS}
