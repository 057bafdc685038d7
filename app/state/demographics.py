"""Age and sex of a record's patient as the viewer writes them (Record panel, page footer).

Formatting only: what the values are is the core's business.  ``EcgRecord.age`` (whole
years or ``None``) and ``EcgRecord.sex`` (``"male"``/``"female"``/``"unknown"``) are
normalized in :mod:`leadsynth_core.demographics` from whatever spelling the file uses
("F", "Female", "81 years"...), so the viewer, ``leadsynth info`` and the exports say
the same.
"""

from __future__ import annotations

from leadsynth_core.record import EcgRecord


def demographics_text(record: EcgRecord) -> str:
    """``"81, female"``, ``"age -, male"``, ``"60, sex -"``, or ``"-"`` when the file states neither."""
    age = record.age
    sex = record.sex if record.sex != "unknown" else None
    if age is None and sex is None:
        return "-"
    return f"{age if age is not None else 'age -'}, {sex or 'sex -'}"
