"""Lead names and the exact lead algebra.

The 12 standard leads have one canonical spelling each (``I, II, III, aVR, aVL, aVF,
V1..V6``).  Names from files are matched case-insensitively with a few common aliases;
anything that is not unambiguously one of the 12 (``MLII``, ``-aVR``, ``V7``) is *not*
silently mapped: :func:`canonical_lead_name` raises and :func:`try_canonical_lead_name`
returns ``None`` so a reader can keep the signal as an extra channel.

Einthoven/Goldberger: with I and II measured, III, aVR, aVL and aVF are exact
functions of them.  LeadSynth never learns those four.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .errors import UnsupportedLeadError

__all__ = [
    "STANDARD_LEADS",
    "LIMB_LEADS",
    "AUGMENTED_LEADS",
    "CHEST_LEADS",
    "DERIVABLE_LEADS",
    "FRANK_LEADS",
    "SUPPLEMENTARY_LEADS",
    "canonical_lead_name",
    "try_supplementary_lead_name",
    "try_ecg_lead_name",
    "supplementary_leads",
    "supplementary_site",
    "try_canonical_lead_name",
    "parse_lead_list",
    "sort_leads",
    "LIMB_LEAD_ORDERS",
    "limb_lead_sequence",
    "display_lead_name",
    "derive_limb_leads",
    "limb_leads_from_pair",
]

STANDARD_LEADS: tuple[str, ...] = (
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
)
LIMB_LEADS: tuple[str, ...] = ("I", "II", "III")
AUGMENTED_LEADS: tuple[str, ...] = ("aVR", "aVL", "aVF")
CHEST_LEADS: tuple[str, ...] = ("V1", "V2", "V3", "V4", "V5", "V6")
#: Leads that follow exactly from I and II.
DERIVABLE_LEADS: tuple[str, ...] = ("III", "aVR", "aVL", "aVF")
#: PTB's Frank leads: kept as extra channels, never part of the 12.
FRANK_LEADS: tuple[str, ...] = ("vx", "vy", "vz")
#: Recorded leads a cart may add to the 12: right-sided (V2R-V9R: right ventricular
#: infarction, dextrocardia, a child's V3R/V4R) and posterior (V7-V9: posterior infarction).
#: They are ECG leads a cardiologist reads, so they are kept, drawn and written as measured,
#: but never model inputs or outputs: no model here learned them.  Order: the standard
#: right-sided sequence, then posterior.
SUPPLEMENTARY_LEADS: tuple[str, ...] = (
    "V2R", "V3R", "V4R", "V5R", "V6R", "V7R", "V8R", "V9R", "V7", "V8", "V9",
)
_SUPPLEMENTARY_KEYS: dict[str, str] = {n.lower(): n for n in SUPPLEMENTARY_LEADS}

#: The six limb leads in the order a page shows them, each with the sign it is drawn with.
#: "standard": I, II, III, aVR, aVL, aVF.  "cabrera": the frontal plane in its own order,
#: aVL, I, -aVR, II, aVF, III, 30 degrees apart from -30 to +120 degrees, with aVR drawn
#: upside down (-aVR looks at +30 degrees, between I and II).  Swedish carts print it by
#: default and the AHA/ACCF/HRS standardization recommendations (2007) encourage it: the
#: axis and the extent of an inferior or lateral ST change read off neighbouring cells.
#: A display order only: files, measurements and scores keep aVR as recorded.
LIMB_LEAD_ORDERS: dict[str, tuple[tuple[str, int], ...]] = {
    "standard": (("I", 1), ("II", 1), ("III", 1), ("aVR", 1), ("aVL", 1), ("aVF", 1)),
    "cabrera": (("aVL", 1), ("I", 1), ("aVR", -1), ("II", 1), ("aVF", 1), ("III", 1)),
}


def limb_lead_sequence(order: str) -> tuple[tuple[str, int], ...]:
    """The limb leads of ``order`` ("standard" or "cabrera") as (lead, sign) in display order."""
    try:
        return LIMB_LEAD_ORDERS[order]
    except KeyError:
        raise ValueError(f"unknown limb-lead order {order!r}; expected one of {', '.join(LIMB_LEAD_ORDERS)}") from None


def display_lead_name(lead: str, sign: int = 1) -> str:
    """The name a lead drawn with ``sign`` carries on the page: "\u2212aVR" for aVR inverted.

    A true minus sign (U+2212), as printed on Cabrera pages: a hyphen is easily missed.
    """
    return f"\u2212{lead}" if sign < 0 else lead


_ALIASES: dict[str, str] = {name.lower(): name for name in STANDARD_LEADS}
_ALIASES.update(
    {
        "1": "I", "2": "II", "3": "III",
        "lead i": "I", "lead ii": "II", "lead iii": "III",
        "lead_i": "I", "lead_ii": "II", "lead_iii": "III",
        "d1": "I", "d2": "II", "d3": "III",
        "avr": "aVR", "avl": "aVL", "avf": "aVF",
        "a vr": "aVR", "a vl": "aVL", "a vf": "aVF",
        **{f"c{i}": f"V{i}" for i in range(1, 7)},
        **{f"lead v{i}": f"V{i}" for i in range(1, 7)},
    }
)


def try_canonical_lead_name(name: str) -> str | None:
    """Return the canonical name of ``name`` or ``None`` if it is not one of the 12.

    Matching ignores case and surrounding white space.  Inverted leads (``-aVR``) and
    monitoring leads (``MLII``) return ``None``: they are not the standard lead.
    """
    key = " ".join(str(name).strip().lower().split())
    return _ALIASES.get(key)


def try_supplementary_lead_name(name: str) -> str | None:
    """The canonical spelling of a right-sided or posterior lead (``v4r``, ``V4 R``, ``V4-R``
    -> ``V4R``; ``v7`` -> ``V7``), else ``None``.  ``RV4``, ``C4R`` and the like are not
    matched: a spelling no cart was seen to use is refused rather than guessed."""
    text = str(name).strip().lower()
    if text.startswith("-"):
        return None  # an inverted lead, as -aVR: never read as the lead itself
    return _SUPPLEMENTARY_KEYS.get("".join(text.replace("-", " ").split()))


def try_ecg_lead_name(name: str) -> str | None:
    """The canonical name of a standard or a supplementary lead, else ``None``."""
    return try_canonical_lead_name(name) or try_supplementary_lead_name(name)


def supplementary_leads(names: Iterable[str]) -> tuple[str, ...]:
    """The supplementary leads among ``names`` (canonical spellings), in
    :data:`SUPPLEMENTARY_LEADS` order."""
    present = set(names)
    return tuple(n for n in SUPPLEMENTARY_LEADS if n in present)


def supplementary_site(name: str) -> str:
    """Where a supplementary lead looks at the heart from: ``"right-sided"`` (V2R-V9R) or
    ``"posterior"`` (V7-V9).  Raises :class:`UnsupportedLeadError` for any other name."""
    if name not in SUPPLEMENTARY_LEADS:
        raise UnsupportedLeadError(f"{name!r} is not a supplementary lead; they are {', '.join(SUPPLEMENTARY_LEADS)}")
    return "right-sided" if name.endswith("R") else "posterior"


def canonical_lead_name(name: str) -> str:
    """Return the canonical spelling of a standard lead name.

    Raises
    ------
    UnsupportedLeadError
        If ``name`` is not one of the 12 standard leads; the message lists them.
    """
    canonical = try_canonical_lead_name(name)
    if canonical is None:
        hint = ""
        stripped = str(name).strip()
        if stripped.startswith("-"):
            hint = " (inverted leads are not accepted; invert the signal explicitly)"
        elif stripped.upper().startswith("ML"):
            hint = " (a monitoring lead is not the standard lead)"
        raise UnsupportedLeadError(
            f"unknown lead name {name!r}{hint}; valid leads are {', '.join(STANDARD_LEADS)}"
        )
    return canonical


def parse_lead_list(leads: str | Iterable[str]) -> tuple[str, ...]:
    """Parse ``"I,II,V2,V4"`` (or an iterable of names) into canonical names.

    Raises :class:`UnsupportedLeadError` on an unknown, empty or duplicated lead.
    The result keeps the standard order, whatever order the caller used.
    """
    if isinstance(leads, str):
        parts = [p for p in (s.strip() for s in leads.replace(";", ",").split(",")) if p]
    else:
        parts = [str(p) for p in leads]
    if not parts:
        raise UnsupportedLeadError("no leads given; name at least one of " + ", ".join(STANDARD_LEADS))
    names = [canonical_lead_name(p) for p in parts]
    dup = sorted({n for n in names if names.count(n) > 1}, key=STANDARD_LEADS.index)
    if dup:
        raise UnsupportedLeadError(f"lead(s) given more than once: {', '.join(dup)}")
    return sort_leads(names)


def describe_leads(leads: Sequence[str]) -> str:
    """Leads for a list or a sentence: "12 standard" (and any others after it: "12 standard +
    V4R") when all twelve are there, else the names themselves ("-" for none)."""
    if set(STANDARD_LEADS) <= set(leads):
        extra = [n for n in leads if n not in STANDARD_LEADS]
        return "12 standard" + (f" + {', '.join(extra)}" if extra else "")
    return ", ".join(leads) or "-"


def sort_leads(leads: Iterable[str]) -> tuple[str, ...]:
    """Sort canonical lead names into the standard 12-lead order."""
    return tuple(sorted(leads, key=STANDARD_LEADS.index))


def derive_limb_leads(lead_i: np.ndarray, lead_ii: np.ndarray) -> dict[str, np.ndarray]:
    """III, aVR, aVL, aVF from I and II (exact; Einthoven and Goldberger).

    ``III = II - I``, ``aVR = -(I + II) / 2``, ``aVL = I - II / 2``, ``aVF = II - I / 2``.
    Computed in float64 and returned as the input dtype.
    """
    i = np.asarray(lead_i, dtype=np.float64)
    ii = np.asarray(lead_ii, dtype=np.float64)
    dtype = np.result_type(np.asarray(lead_i).dtype, np.float32)
    return {
        "III": (ii - i).astype(dtype),
        "aVR": (-(i + ii) / 2.0).astype(dtype),
        "aVL": (i - ii / 2.0).astype(dtype),
        "aVF": (ii - i / 2.0).astype(dtype),
    }


# Each limb/augmented lead is a linear combination a*I + b*II.  Any two
# independent ones determine I and II, hence all six.
LIMB_COEFFICIENTS: dict[str, tuple[float, float]] = {
    "I": (1.0, 0.0),
    "II": (0.0, 1.0),
    "III": (-1.0, 1.0),
    "aVR": (-0.5, -0.5),
    "aVL": (1.0, -0.5),
    "aVF": (-0.5, 1.0),
}


def limb_leads_from_pair(signals: Mapping[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """Recover I and II from any two independent frontal-plane leads.

    ``signals`` maps canonical names to 1-D arrays; the first independent pair among
    the frontal leads present is used (I and II preferred).  Returns ``{"I": ..., "II": ...}``
    or ``None`` when fewer than two independent frontal leads are given.
    """
    present = [n for n in ("I", "II", "III", "aVR", "aVL", "aVF") if n in signals]
    for a_idx, a in enumerate(present):
        for b in present[a_idx + 1:]:
            m = np.array([LIMB_COEFFICIENTS[a], LIMB_COEFFICIENTS[b]])
            if abs(np.linalg.det(m)) < 1e-9:
                continue
            inv = np.linalg.inv(m)
            xa = np.asarray(signals[a], dtype=np.float64)
            xb = np.asarray(signals[b], dtype=np.float64)
            lead_i = inv[0, 0] * xa + inv[0, 1] * xb
            lead_ii = inv[1, 0] * xa + inv[1, 1] * xb
            dtype = np.result_type(np.asarray(signals[a]).dtype, np.float32)
            return {"I": lead_i.astype(dtype), "II": lead_ii.astype(dtype)}
    return None


def frontal_rank(leads: Sequence[str]) -> int:
    """Number of independent frontal-plane leads among ``leads`` (0, 1 or 2)."""
    rows = [LIMB_COEFFICIENTS[n] for n in leads if n in LIMB_COEFFICIENTS]
    if not rows:
        return 0
    return int(np.linalg.matrix_rank(np.array(rows)))
