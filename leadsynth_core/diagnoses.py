"""Diagnosis codes in words: the SNOMED CT codes of the PhysioNet/CinC Challenge 2020/2021.

The Challenge's WFDB headers carry diagnoses as bare SNOMED CT codes (``#Dx: 426783006``).
The code table (``leadsynth_core/data/snomed_ct.csv``: the Challenge's scored and unscored
diagnoses) ships with the package, so a code is named with its term without any network
access: ``426783006`` -> ``sinus rhythm``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from importlib import resources

__all__ = ["snomed_terms", "snomed_term", "describe_diagnoses"]

_TABLE = "snomed_ct.csv"


@functools.cache
def snomed_terms() -> dict[str, str]:
    """``{SNOMED CT code: term}`` for every diagnosis of the shipped table."""
    text = resources.files("leadsynth_core.data").joinpath(_TABLE).read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO("".join(ln for ln in text.splitlines(keepends=True) if not ln.startswith("#"))))
    return {row["code"].strip(): row["term"].strip() for row in rows}


def snomed_term(code: str | int) -> str | None:
    """The term of one SNOMED CT code, ``None`` when the table does not have it."""
    return snomed_terms().get(str(code).strip())


def describe_diagnoses(dx: object) -> list[str]:
    """Each diagnosis of a header's ``Dx`` field in words.

    ``"426783006,164865005"`` -> ``["sinus rhythm (SNOMED CT 426783006)",
    "myocardial infarction (SNOMED CT 164865005)"]``; a code the table lacks is kept as
    ``"SNOMED CT 12345 (term unknown)"``, and free text (PTB's "Myocardial infarction") as is.
    """
    if dx is None:
        return []
    items = dx if isinstance(dx, (list, tuple)) else re.split(r"[,;]", str(dx))
    out: list[str] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if item.isdigit():
            term = snomed_term(item)
            out.append(f"{term} (SNOMED CT {item})" if term else f"SNOMED CT {item} (term unknown)")
        else:
            out.append(item)
    return out
