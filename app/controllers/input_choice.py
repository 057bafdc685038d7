"""Which leads count as measured when a file opens: the best set the file can supply.

A file that lacks the user's preferred set (a one-lead patch, a LeadSynth output whose
chest leads are synthesized) must not open into a dead end ("V2 not measured in this
file") or into 11 "not available" cells under a legend that claims four measured leads
(issue 13, item 5).  Only leads the file itself marks as measured count: a LeadSynth
output's header names its synthesized and derived leads, and they never become inputs.
"""

from __future__ import annotations

from leadsynth_core.leads import sort_leads
from leadsynth_core.record import EcgRecord

#: The standard reduced sets, best first (the lead picker's presets).
STANDARD_SETS: tuple[tuple[str, ...], ...] = (
    ("I", "II", "V2", "V4"),
    ("I", "II", "V4"),
    ("I", "II", "V3"),
    ("I", "II"),
    ("I",),
)


def measured_leads(record: EcgRecord) -> tuple[str, ...]:
    """The standard leads ``record`` marks as measured, in standard order."""
    return record.measured_standard_leads


def choose_inputs(record: EcgRecord, preferred: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """The inputs to use for ``record`` and a sentence for the status bar ("" if unchanged).

    ``preferred`` (the user's choice) when the file measures all of it; otherwise the first
    of :data:`STANDARD_SETS` the file measures; otherwise exactly the file's measured leads.
    A file that measures no standard lead keeps ``preferred`` (the synthesis then says why
    it cannot run).
    """
    measured = measured_leads(record)
    if not measured or set(preferred) <= set(measured):
        return preferred, ""
    chosen = next((s for s in STANDARD_SETS if set(s) <= set(measured)), sort_leads(measured))
    if chosen in STANDARD_SETS:
        return chosen, (f"Inputs {', '.join(chosen)}: the best standard set this file measures "
                        f"(measured here: {', '.join(measured)})")
    return chosen, f"Inputs {', '.join(chosen)}: exactly the leads this file measures"
