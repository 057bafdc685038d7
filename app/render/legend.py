"""The page legend (scale and what each trace style means) and the lead labels, as HTML
for the screen's paper views (the 12-lead page and the median beats)."""

from __future__ import annotations

from PySide6.QtGui import QColor

from leadsynth_core.record import Provenance

from ..state.document import LeadDisplay, ViewerDocument, ViewState
from . import band_style, style
from .theme import Theme


def label_html(name: str, disp: LeadDisplay, inputs: tuple[str, ...], th: Theme) -> str:
    """A lead's name and its provenance tag (SYNTHESIZED in bold, in the synthesized colour)."""
    # Non-breaking hyphens: a label wrapped in a narrow cell keeps "right-sided" whole.
    tag = style.provenance_text(disp, inputs).replace("-", "\u2011")
    color = style.tag_color(th, disp).name()
    weight = "700" if disp.provenance is Provenance.SYNTHESIZED else "400"
    slant = "italic" if disp.pending else "normal"
    return (
        f"<span style='font-size:10pt; font-weight:700; color:{th.label.name()}'>{name}</span>"
        f"&nbsp;<span style='font-size:7.5pt; font-weight:{weight}; font-style:{slant}; color:{color}'>{tag}</span>"
    )


def legend_html(doc: ViewerDocument, state: ViewState, th: Theme) -> str:
    """Scale and legend.  Each swatch is tied to its first word by a no-break space, so
    that wrapping at the page's edge never leaves a swatch without its meaning."""
    s = state
    model = doc.model_name
    inputs = ", ".join(doc.inputs)
    supplementary = doc.supplementary_leads()
    if supplementary:
        inputs += f"; {', '.join(supplementary)} as recorded"
    tint = th.synth_tint.name(QColor.NameFormat.HexArgb)
    parts = [
        f"<b>{s.speed:g}&nbsp;mm/s &nbsp; {s.gain:g}&nbsp;mm/mV</b>",
        f"<span style='color:{th.measured.name()}'>&#9473;&#9473;&nbsp;measured ({inputs})</span>",
        f"<span style='color:{th.derived.name()}'>&#9473;&#9473;&nbsp;derived</span>",
        # A synthesized trace is as solid as a measured one: the tinted cell and the
        # label carry its provenance, so the legend shows the tint with the line.
        f"<span style='color:{th.synthesized.name()}'><span style='background-color:{tint}'>&#9473;&#9473;</span>"
        f"&nbsp;<b>SYNTHESIZED</b> (tinted&nbsp;cell){' by ' + model if model else ''}</span>",
    ]
    if style.LIMB_ORDER_TEXT[s.limb_order]:
        # Said where the eye reads the scale: an upside-down aVR must never pass for aVR.
        parts.insert(1, f"<b>{style.LIMB_ORDER_TEXT[s.limb_order].replace(' ', '&nbsp;', 4)}</b>")
    if s.mode == "compare" and doc.result is not None and not doc.scores:
        # A file with only the measured leads (a patch, a Holter): nothing to compare,
        # so no legend entry for a shading that cannot appear.
        parts.append("<i>compare: the file holds no measured truth for the synthesized leads</i>")
    elif s.mode == "compare":
        parts.append(f"<span style='background-color:{th.difference.name(QColor.NameFormat.HexArgb)}'>"
                     f"&nbsp;&nbsp;&nbsp;</span>&nbsp;difference to measured truth")
        if doc.scores:  # which truth is drawn, shaded and scored (issue 13, item 2)
            parts.append(f"truth and scores: {style.REFERENCE_LABELS[doc.score_reference]}")
    else:
        parts.append("<i>review: device view</i>")
    band = doc.band
    entry = band_style.band_legend_html(th, band.calibration if band else None, s.band_visible,
                                        doc.band_message if doc.result is not None else "")
    if entry:
        parts.append(entry)
    return f"<span style='font-size:9pt; color:{th.label.name()}'>" + " &nbsp;&nbsp; ".join(parts) + "</span>"
