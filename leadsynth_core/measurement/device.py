"""LeadSynth's global measurements beside the cart's own (``metadata["device_report"]``).

The readers of hospital exports (GE MUSE / CardioSoft, Philips Sierra, DICOM, HL7 aECG) put
what the cart itself measured into ``record.metadata["device_report"]["measurements"]``
(``heart_rate_bpm``, ``pr_ms``, ``qrs_ms``, ``qt_ms``, ``qtc_bazett_ms``,
``qtc_fridericia_ms``, ``qtc_ms``, ``axis_deg`` {p, qrs, t}, ...).  This module lines them
up with LeadSynth's :class:`~leadsynth_core.measurement.globals.GlobalValues` of the same
recording, and gives the difference (LeadSynth - cart).  Nothing is mixed: a value the cart
did not report is ``None``, never 0.

One mapping needs a word: several carts (Philips DXL, DICOM annotations, aECG) report a
QTc without naming its formula (``qtc_ms``).  It is put beside LeadSynth's Bazett QTc, with
the note ``"formula not stated"``: on the files of ``../shared/data/formats/`` that state
both the QT and the heart rate, the unnamed QTc is QT/sqrt(RR) to within 1 ms.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .globals import GlobalValues

__all__ = ["DEVICE_ROWS", "DeviceRow", "device_values", "compare_with_device", "angle_difference"]

#: ``(LeadSynth key, label, unit)`` of the rows compared, in a cart's printing order.
DEVICE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("heart_rate_bpm", "Heart rate", "bpm"), ("pr_ms", "PR", "ms"), ("qrs_ms", "QRS", "ms"),
    ("qt_ms", "QT", "ms"), ("qtc_bazett_ms", "QTc Bazett", "ms"), ("qtc_fridericia_ms", "QTc Fridericia", "ms"),
    ("axis_p_deg", "P axis", "deg"), ("axis_qrs_deg", "QRS axis", "deg"), ("axis_t_deg", "T axis", "deg"),
)
_AXES = {"axis_p_deg": "p", "axis_qrs_deg": "qrs", "axis_t_deg": "t"}
UNSTATED_QTC = "formula not stated"


@dataclasses.dataclass(frozen=True)
class DeviceRow:
    """One quantity: LeadSynth's value, the cart's, their difference (LeadSynth - cart)."""

    key: str
    label: str
    unit: str
    leadsynth: float | None
    device: float | None
    note: str = ""

    @property
    def difference(self) -> float | None:
        if self.leadsynth is None or self.device is None:
            return None
        if self.key in _AXES:
            return angle_difference(self.leadsynth, self.device)
        return float(self.leadsynth - self.device)


def angle_difference(a: float, b: float) -> float:
    """``a - b`` in degrees, wrapped into (-180, 180] (an axis of 179 and one of -179 differ by 2)."""
    d = (float(a) - float(b)) % 360.0
    return d - 360.0 if d > 180.0 else d


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def device_values(report: Mapping[str, Any] | None) -> dict[str, tuple[float, str]]:
    """The cart's values under LeadSynth's keys: ``{key: (value, note)}``, absent ones left out."""
    if not report:
        return {}
    meas = report.get("measurements") or {}
    out: dict[str, tuple[float, str]] = {}
    for key, _label, _unit in DEVICE_ROWS:
        if key in _AXES:
            value = _number((meas.get("axis_deg") or {}).get(_AXES[key]))
        else:
            value = _number(meas.get(key))
        if value is not None:
            out[key] = (value, "")
    if "qtc_bazett_ms" not in out and _number(meas.get("qtc_ms")) is not None:
        out["qtc_bazett_ms"] = (float(meas["qtc_ms"]), UNSTATED_QTC)
    return out


def compare_with_device(values: GlobalValues, report: Mapping[str, Any] | None) -> list[DeviceRow]:
    """Every row of :data:`DEVICE_ROWS` with LeadSynth's value and the cart's (either may be None)."""
    cart = device_values(report)
    rows = []
    for key, label, unit in DEVICE_ROWS:
        dev, note = cart.get(key, (None, ""))
        rows.append(DeviceRow(key, label, unit, getattr(values, key), dev, note))
    return rows
