"""Text of a record's patient, device and device report (``leadsynth info``, the viewer).

``metadata["device_report"]`` is what the cart itself measured and concluded (GE 12SL,
Philips DXL...): shown beside, never mixed with, LeadSynth's own numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MEASUREMENT_LABELS", "measurement_rows", "format_device_report", "device_line"]

#: Display name and unit of each measurement key (keys of the measurements issue).
MEASUREMENT_LABELS: dict[str, tuple[str, str]] = {
    "heart_rate_bpm": ("Heart rate", "bpm"),
    "atrial_rate_bpm": ("Atrial rate", "bpm"),
    "rr_ms": ("RR", "ms"),
    "p_ms": ("P duration", "ms"),
    "pr_ms": ("PR", "ms"),
    "qrs_ms": ("QRS", "ms"),
    "qt_ms": ("QT", "ms"),
    "qtc_bazett_ms": ("QTc (Bazett)", "ms"),
    "qtc_fridericia_ms": ("QTc (Fridericia)", "ms"),
    "qtc_ms": ("QTc (formula not stated)", "ms"),
}


def measurement_rows(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``[(label, "value unit"), ...]`` of a device report, axes last (P/QRS/T in degrees)."""
    meas = report.get("measurements", {}) or {}
    rows = [(label, f"{meas[key]:g} {unit}") for key, (label, unit) in MEASUREMENT_LABELS.items() if key in meas]
    axes = meas.get("axis_deg") or {}
    if axes:
        rows.append(("Axes P/QRS/T", " / ".join(f"{axes[k]:g}" if k in axes else "-" for k in ("p", "qrs", "t")) + " deg"))
    return rows


def format_device_report(metadata: Mapping[str, Any]) -> str:
    """Lines for ``leadsynth info``: device, then the cart's measurements and statements ('' if none)."""
    lines: list[str] = []
    if metadata.get("device"):
        lines.append(f"{'device:':<14}{metadata['device']}")
    if metadata.get("other_channels"):
        lines.append(f"{'kept aside:':<14}{', '.join(metadata['other_channels'])} (not drawn)")
    report = metadata.get("device_report")
    if report:
        lines.append(f"device report ({report.get('source', 'device')}; the device's own, not LeadSynth's):")
        for label, value in measurement_rows(report):
            lines.append(f"  {label:<26}{value}")
        for stmt in report.get("statements", ()):
            lines.append(f"  statement: {stmt}")
    return "\n".join(lines)


def device_line(metadata: Mapping[str, Any]) -> str:
    """One line on the recording device for a printed page ('' when the file names none): the
    device, what its lead is when that is not a standard electrode (a watch), and the filters
    it applied before storing the samples (AliveCor), since ST levels are read through them."""
    device = metadata.get("device")
    if not device:
        return ""
    line = f"Device: {device}"
    if metadata.get("lead_note"):
        line += f" ({metadata['lead_note']})"
    if metadata.get("filters"):
        line += f"; filters applied by the device: {', '.join(metadata['filters'])}"
    return line
