"""Age and sex as stored by the many formats, normalized in one place.

Headers write sex as ``F``, ``Female``, ``female``, ``M``, ``0``/``1`` (SPH)... and age as
``81``, ``81 years``, ``NaN``.  :func:`normalize_sex` and :func:`normalize_age` turn them
into ``"male"``/``"female"``/``"unknown"`` and a whole number of years or ``None``;
:class:`~leadsynth_core.record.EcgRecord` exposes them as ``record.sex`` and ``record.age``
so that ``leadsynth info``, the viewer and the exports all say the same.
"""

from __future__ import annotations

import math
import re

__all__ = ["SEXES", "normalize_sex", "normalize_age"]

#: The values :func:`normalize_sex` returns.
SEXES: tuple[str, ...] = ("male", "female", "unknown")

_MALE = {"m", "male", "man", "masculine", "männlich", "h", "homme", "hombre", "masculino"}
_FEMALE = {"f", "female", "woman", "feminine", "weiblich", "w", "femme", "mujer", "femenino"}


def normalize_sex(value: object) -> str:
    """``"male"``, ``"female"`` or ``"unknown"`` from what a file stores.

    Only unambiguous spellings count: numeric codes (``0``/``1``) mean different things in
    different sources, so they are ``"unknown"`` unless a reader has already translated them
    with its own source's convention.
    """
    if value is None:
        return "unknown"
    text = str(value).strip().lower().rstrip(".")
    if text in _MALE:
        return "male"
    if text in _FEMALE:
        return "female"
    return "unknown"


def normalize_age(value: object) -> int | None:
    """Age in whole years, or ``None`` when absent or not plausible (``NaN``, ``-1``, ``300``).

    Accepts numbers and texts such as ``"81"``, ``"81 years"``, ``"81.0"``.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:y|yr|yrs|year|years)?\.?\s*", str(value), flags=re.IGNORECASE)
        if not m:
            return None
        number = float(m.group(1))
    if not math.isfinite(number) or number < 0 or number > 130:
        return None
    return int(number)
