"""Age and sex of a record's patient, as the viewer shows them (Record panel, page footer).

The readers keep what the file stores (``metadata["age"]``, ``metadata["sex"]``: "F",
"Female", "female", "M"...).  :func:`normalize_sex` is the viewer's small normalizer
until the core offers one (issue 13, item 13, core half).
"""

from __future__ import annotations

import math
from typing import Any

_SEX = {"f": "female", "female": "female", "w": "female", "woman": "female",
        "m": "male", "male": "male", "man": "male"}


def normalize_sex(value: Any) -> str | None:
    """"female", "male", or None when absent or not recognised ("Unknown", "")."""
    if value is None:
        return None
    return _SEX.get(str(value).strip().lower())


def age_text(value: Any) -> str | None:
    """An age in years as text ("81"), or None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        age = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(age) or age < 0:
        return None
    return f"{age:g}"


def demographics(metadata: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(age, sex)`` of a record's metadata, each None when the file does not say."""
    return age_text(metadata.get("age")), normalize_sex(metadata.get("sex"))


def demographics_text(metadata: dict[str, Any]) -> str:
    """``"81, female"``, ``"age -, male"``... or ``"-"`` when the file states neither."""
    age, sex = demographics(metadata)
    if age is None and sex is None:
        return "-"
    return f"{age or 'age -'}, {sex or 'sex -'}"
