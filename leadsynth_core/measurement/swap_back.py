"""Swapping two limb electrodes back in software: exact, for every measured lead.

A recording made with two limb cables exchanged holds the right potentials under the wrong
names, so the swap can be undone exactly by re-labelling and re-signing the limb leads; the
chest leads never change, because Wilson's central terminal is the mean of the three limb
electrodes whichever cable sits where.  Two swaps are undone, the two the electrode checks
flag (:mod:`.electrodes`):

* the arm electrodes (RA/LA): I changes sign, II and III trade places, aVR and aVL trade
  places, aVF stays;
* the right-arm and left-leg electrodes (RA/LL): II changes sign, I becomes -III and III
  becomes -I, aVR and aVF trade places, aVL stays.

Each map is its own inverse: applied to a swapped recording it gives the leads as cabled
correctly, applied twice it gives the record back.  A limb lead whose partner the file lacks
is computed by the lead algebra from two independent limb leads as recorded.

The record swapped back carries one step in its audit trail (:attr:`EcgRecord.processing`,
shown by ``leadsynth info``, the viewer and its printed page, kept by every file written from
it), worded for the leads it has; :func:`electrodes_swapped_back` reads the pair from it, so
the record itself is the one place that says which swap, if any, was undone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..errors import MissingLeadError, OptionError
from ..leads import CHEST_LEADS, STANDARD_LEADS, derive_limb_leads, limb_leads_from_pair
from ..record import EcgRecord
from .electrodes import ARM_LEG, ARMS, INVERTED_LEAD

__all__ = ["swap_electrodes", "electrodes_swapped_back", "swap_back_step", "swap_back_step_of",
           "parse_electrode_pair", "electrode_words", "leads_changed", "SWAP_BACK_PREFIXES", "SWAP_BACK_NOTES", "SWAPPABLE"]

_FRONTAL = ("I", "II", "III", "aVR", "aVL", "aVF")


@dataclasses.dataclass(frozen=True)
class _Recabling:
    """One swap: its name in words and what it does to each limb lead."""

    #: "arm electrodes": the words of the caution, the audit trail and the menu.
    words: str
    #: Lead as cabled correctly -> (lead as recorded, sign).  Its own inverse.
    leads: dict[str, tuple[str, float]]
    #: How a lead whose partner the file lacks is computed, in the audit trail's words.
    alone: dict[str, str]


_RECABLINGS: dict[tuple[str, str], _Recabling] = {
    # The arm potentials trade places: I = LA - RA changes sign, II = LL - RA becomes LL - LA = III.
    ARMS: _Recabling(
        "arm electrodes",
        {"I": ("I", -1.0), "II": ("III", 1.0), "III": ("II", 1.0),
         "aVR": ("aVL", 1.0), "aVL": ("aVR", 1.0), "aVF": ("aVF", 1.0)},
        {"II": "II = II - I as recorded", "III": "III = III + I as recorded",
         "aVR": "aVR from the corrected I and II", "aVL": "aVL from the corrected I and II"},
    ),
    # RA and LL trade places: II = LL - RA changes sign, I = LA - RA becomes LA - LL = -III.
    ARM_LEG: _Recabling(
        "right-arm and left-leg electrodes",
        {"I": ("III", -1.0), "II": ("II", -1.0), "III": ("I", -1.0),
         "aVR": ("aVF", 1.0), "aVL": ("aVL", 1.0), "aVF": ("aVR", 1.0)},
        {"I": "I = I - II as recorded", "III": "III = III - II as recorded",
         "aVR": "aVR from the corrected I and II", "aVF": "aVF from the corrected I and II"},
    ),
}

#: The swaps that can be undone (each a key of :data:`.electrodes.INVERTED_LEAD`).
SWAPPABLE: tuple[tuple[str, str], ...] = tuple(_RECABLINGS)

#: The start of the audit-trail step of each swap undone: the limb leads drawn are not as recorded.
SWAP_BACK_PREFIXES: dict[tuple[str, str], str] = {
    pair: f"{r.words} swapped back by software: " for pair, r in _RECABLINGS.items()}


def electrode_words(electrodes: tuple[str, str]) -> str:
    """The swap in words: ``"arm electrodes"`` or ``"right-arm and left-leg electrodes"``."""
    return _recabling(electrodes).words


def _recabling(electrodes: tuple[str, str]) -> _Recabling:
    try:
        return _RECABLINGS[electrodes]
    except KeyError:
        valid = ", ".join("/".join(p) for p in SWAPPABLE)
        raise OptionError(f"electrodes {'/'.join(electrodes)}: cannot swap these back; valid: {valid}") from None


def leads_changed(electrodes: tuple[str, str]) -> tuple[str, ...]:
    """The frontal leads the swap changes (``("I", "II", "III", "aVR", "aVL")`` for the arms):
    the others read the same either way."""
    r = _recabling(electrodes)
    return tuple(n for n in _FRONTAL if r.leads[n] != (n, 1.0))


def parse_electrode_pair(text: str) -> tuple[str, str]:
    """``"RA,LL"``, ``"ll/ra"`` or ``"RA-LA"`` -> the pair as :data:`SWAPPABLE` names it.

    Raises
    ------
    OptionError
        For any other pair, listing the valid ones.
    """
    names = {p.strip().upper() for p in text.replace("/", ",").replace("-", ",").split(",") if p.strip()}
    for pair in SWAPPABLE:
        if names == set(pair):
            return pair
    valid = ", ".join(",".join(p) for p in SWAPPABLE)
    raise OptionError(f"electrodes '{text}': cannot swap these back; valid: {valid}")


def swap_back_step(lead_names: Sequence[str], electrodes: tuple[str, str]) -> str:
    """The audit-trail step of :func:`swap_electrodes` for a record with ``lead_names``:
    what was done to each of its limb leads, in words (e.g. :data:`SWAP_BACK_NOTES`)."""
    r = _recabling(electrodes)
    have = set(lead_names)
    inverted, negated, exchanged, alone = [], [], [], []
    for name in (n for n in _FRONTAL if n in have):
        partner, sign = r.leads[name]
        if partner == name:
            if sign < 0:
                inverted.append(f"{name} = -{name} as recorded")
        elif partner not in have:
            alone.append(r.alone[name])
        elif _FRONTAL.index(name) < _FRONTAL.index(partner):  # each pair once
            (negated if sign < 0 else exchanged).append((name, partner))
    parts = inverted + [f"{a} = -{b} and {b} = -{a} as recorded" for a, b in negated]
    if exchanged:
        parts.append(", ".join(f"{a} and {b}" for a, b in exchanged) + " exchanged")
    parts += alone
    chest = "; chest leads as recorded" if have & set(CHEST_LEADS) else ""
    return SWAP_BACK_PREFIXES[electrodes] + ", ".join(parts) + chest


#: The step of each swap for a 12-lead record.
SWAP_BACK_NOTES: dict[tuple[str, str], str] = {pair: swap_back_step(STANDARD_LEADS, pair) for pair in SWAPPABLE}


def swap_back_step_of(record: EcgRecord) -> str | None:
    """The step of ``record``'s audit trail that says two of its limb electrodes were swapped
    back (``None``: none were), as :func:`swap_back_step` worded it for its leads."""
    prefixes = tuple(SWAP_BACK_PREFIXES.values())
    return next((step for step in record.processing if step.startswith(prefixes)), None)


def electrodes_swapped_back(record: EcgRecord) -> tuple[str, str] | None:
    """The pair :func:`swap_electrodes` swapped back in ``record`` (``None``: none, or swapped
    back twice)."""
    step = swap_back_step_of(record)
    if step is None:
        return None
    return next(pair for pair, prefix in SWAP_BACK_PREFIXES.items() if step.startswith(prefix))


def swap_electrodes(record: EcgRecord, electrodes: tuple[str, str]) -> EcgRecord:
    """``record`` as it reads with the two limb ``electrodes`` exchanged (a key of :data:`SWAPPABLE`).

    Applied to a recording made with those cables swapped it undoes the swap; applied twice
    it returns the record.  Exact for every measured lead (see the module's maps); a limb lead
    whose partner the file lacks is computed by the lead algebra from two independent limb
    leads as recorded.  The result carries :func:`swap_back_step` in its audit trail, removed
    again by a second swap of the same pair.

    Raises
    ------
    MissingLeadError
        Without the lead the swap inverts (I for the arms, II for the right arm and left leg:
        nothing to undo it from).  With it, every other limb lead can be exchanged or computed.
    OptionError
        For a pair that cannot be swapped back, or when the record already has the other pair
        swapped back (the two do not commute: show it as recorded first).
    """
    r = _recabling(electrodes)
    pair = electrodes
    names = record.lead_names
    label = record.source or "record"
    lead = INVERTED_LEAD[pair]
    if lead not in names:
        raise MissingLeadError(f"{label}: swapping the {r.words} back needs lead {lead}; "
                               f"the record has {', '.join(names)}")
    done = electrodes_swapped_back(record)
    if done is not None and done != pair:
        raise OptionError(f"{label}: its {electrode_words(done)} are swapped back already; show it as recorded "
                          f"before swapping the {r.words} back")
    col = {n: j for j, n in enumerate(names)}
    x = np.asarray(record.signal, dtype=np.float64)
    out = x.copy()
    recorded: dict[str, np.ndarray] | None = None  # every frontal lead as recorded, formed when needed
    for name in (n for n in _FRONTAL if n in col):
        partner, sign = r.leads[name]
        if partner in col:
            out[:, col[name]] = sign * x[:, col[partner]]
            continue
        if recorded is None:
            # The inverted lead is here, and every lead a swap moves is independent of it: so
            # this lead and the inverted one always give I and II as recorded.
            pair_leads = limb_leads_from_pair({n: x[:, col[n]] for n in _FRONTAL if n in col})
            assert pair_leads is not None
            recorded = {"I": pair_leads["I"], "II": pair_leads["II"],
                        **derive_limb_leads(pair_leads["I"], pair_leads["II"])}
        out[:, col[name]] = sign * recorded[partner]
    steps = [st for st in record.processing if not st.startswith(SWAP_BACK_PREFIXES[pair])]
    if done is None:
        steps.append(swap_back_step(names, pair))
    return record.replace(signal=out.astype(np.float32)).with_processing(steps)
