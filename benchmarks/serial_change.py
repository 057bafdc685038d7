"""Changes from a prior ECG, read on a synthesized 12-lead: are the changes it claims true?

``leadsynth measure RECORD --inputs ... --prior PRIOR`` and the viewer's "Prior ECG" tab
compare a synthesized 12-lead with a prior, fully recorded 12-lead of the same patient
(``leadsynth_core.measurement.serial``): an ST level at J+60 ms that rose or fell by 0.1 mV
or more, a T wave that inverted or became upright, each read on a synthesized lead together
with its band.  The truth of such a change is the same comparison made with the record's
own measured lead.  Per synthesized lead, this benchmark counts:

* ST: the change claimed (higher / lower: right when the true change goes the same way by
  0.1 mV or more), no change claimed (unchanged: right when the true change is under
  0.1 mV), or left open (undecided); and, for contrast, the same verdicts without the band
  (a synthesized change read as if measured), the reading the band guards against;
* T polarity: new inversion / now upright / unchanged claimed (right when the measured lead
  gives the same verdict) or left open (the synthesized polarity is uncertain);
* QRS (20 ms) and QTc (30 ms) changes: never claimed on a synthesized 12-lead; counted as if
  they had been, against the record's own, to show why.

Pairs: PTB S0001-S0010, every earlier-later pair of the same patient (patient001: S0001,
S0002, S0003; patient004: S0006, S0007; patient005: S0008-S0010; 7 pairs), and, because
those are few, LUDB 161-200 each against the next record as its "prior" (different people:
large changes, a stress test of the rule rather than a clinical series).  First 10 s of
each record; none of them was trained on.

Usage::

    PYTHONPATH=. python benchmarks/serial_change.py [--threads 1]

Writes ``benchmarks/results/serial_change.md`` and ``.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from benchmarks._results import benchmark_main  # noqa: E402
from leadsynth_core.io import read_record  # noqa: E402
from leadsynth_core.measurement import measure_record  # noqa: E402
from leadsynth_core.measurement.compare import QRS_FLAG_MS  # noqa: E402
from leadsynth_core.measurement.serial import QTC_CHANGE_MS, compare_with_prior  # noqa: E402
from leadsynth_core.models import load_model, select_model  # noqa: E402
from leadsynth_core.uncertainty.band import synthesize_with_band  # noqa: E402
from leadsynth_core.uncertainty.confidence import band_at  # noqa: E402

#: The device lead sets; each is synthesized by the model the product chooses for it (``select_model``).
SETS = ("I", "I,II", "I,II,V4", "I,II,V2,V4")
WINDOW_S = 10.0
PTB_PATIENTS = (("S0001", "S0002", "S0003"), ("S0006", "S0007"), ("S0008", "S0009", "S0010"))


def pair_sources(data: Path) -> dict[str, list[tuple[Path, Path]]]:
    """Per source, (prior, now) pairs of record paths."""
    ptb = data / "cinc2021" / "PTB_PTBXL"
    same = [(ptb / f"{a}.hea", ptb / f"{b}.hea") for recs in PTB_PATIENTS
            for i, a in enumerate(recs) for b in recs[i + 1:]]
    ludb = [data / "ludb" / "data" / f"{i}.hea" for i in range(161, 201)]
    return {"PTB, same patient (7 pairs)": same,
            "LUDB 161-200, next record as prior": [(ludb[(i + 1) % len(ludb)], p) for i, p in enumerate(ludb)]}


def _read(path: Path):
    rec = read_record(path)
    return rec.slice_time(0.0, min(WINDOW_S, rec.duration))


def _empty() -> dict[str, int]:
    keys = ("st_claimed", "st_claimed_right", "st_unchanged", "st_unchanged_right", "st_undecided",
            "st_undecided_true_change", "st_true_change", "st_noband_claimed", "st_noband_claimed_right",
            "st_noband_unchanged", "st_noband_unchanged_right",
            "t_claimed", "t_claimed_right", "t_undecided", "t_undecided_true_flip", "leads",
            "t_flip_claimed", "t_flip_claimed_right", "pairs", "global_true", "global_would_claim", "global_would_claim_right")
    return dict.fromkeys(keys, 0)


def count(pairs: list[tuple[Path, Path]], inputs: tuple[str, ...], model: object) -> dict[str, int]:
    n = _empty()
    measured: dict[Path, object] = {}
    for prior_path, now_path in pairs:
        prior = measured.setdefault(prior_path, measure_record(_read(prior_path)))
        rec = _read(now_path)
        banded = synthesize_with_band(rec, inputs, model)
        shown, truth = measure_record(banded.record), measure_record(rec)
        if not (shown.measurable and truth.measurable and prior.measurable):
            continue
        st_band = band_at(shown, banded.half_width, 0, "st_j60_mv")
        t_band = band_at(shown, banded.half_width, 0, "t_mv")
        read = compare_with_prior(shown, prior, st_band=st_band, t_band=t_band)
        bare = compare_with_prior(shown, prior)  # the synthesized leads read as if measured
        # The truth: the record's own measured leads against the same prior.
        true = compare_with_prior(truth, prior)
        n["pairs"] += 1
        # QRS and QTc changes of a flag's size: never claimed on a synthesized 12-lead (they
        # rest on synthesized leads and have no band); how often would they have been right?
        for key, threshold in (("qrs_ms", QRS_FLAG_MS), ("qtc_fridericia_ms", QTC_CHANGE_MS)):
            a, b = read.global_change[key][2], true.global_change[key][2]
            if a is None or b is None:
                continue
            sa = 0 if abs(a) < threshold else (1 if a > 0 else -1)
            sb = 0 if abs(b) < threshold else (1 if b > 0 else -1)
            n["global_true"] += sb != 0
            if sa:
                n["global_would_claim"] += 1
                n["global_would_claim_right"] += sa == sb
        for lead, c in read.leads.items():
            if c.provenance != "synthesized" or lead not in true.leads:
                continue
            t, b = true.leads[lead], bare.leads[lead]
            n["leads"] += 1
            if c.st_verdict is not None and t.st_verdict is not None:
                real = t.st_verdict in ("higher", "lower")
                n["st_true_change"] += real
                for prefix, v in (("st_", c.st_verdict), ("st_noband_", b.st_verdict)):
                    if v in ("higher", "lower"):
                        n[prefix + "claimed"] += 1
                        n[prefix + "claimed_right"] += v == t.st_verdict
                    elif v == "unchanged":
                        n[prefix + "unchanged"] += 1
                        n[prefix + "unchanged_right"] += not real
                if c.st_verdict == "undecided":
                    n["st_undecided"] += 1
                    n["st_undecided_true_change"] += real
            if c.t_verdict is not None and t.t_verdict is not None:
                if c.t_verdict == "undecided":
                    n["t_undecided"] += 1
                    n["t_undecided_true_flip"] += t.t_verdict in ("new inversion", "now upright")
                else:
                    n["t_claimed"] += 1
                    n["t_claimed_right"] += c.t_verdict == t.t_verdict
                    if c.t_verdict != "unchanged":  # a new inversion or an upright T: the reading that matters
                        n["t_flip_claimed"] += 1
                        n["t_flip_claimed_right"] += c.t_verdict == t.t_verdict
    return n


def run(data: Path) -> dict:
    out: dict = {"rows": []}
    for source, pairs in pair_sources(data).items():
        for inputs in SETS:
            card = select_model(inputs)
            out["rows"].append({"source": source, "inputs": inputs, "model": card.id,
                                **count(pairs, tuple(inputs.split(",")), load_model(card))})
    return out


def _frac(a: int, b: int) -> str:
    return f"{a}/{b}" if b else "-"


def markdown(res: dict) -> str:
    lines = [
        "# Changes from a prior ECG, read on synthesized leads: right or wrong?",
        "",
        f"Command: `PYTHONPATH=. python benchmarks/serial_change.py` ({res['seconds']:.0f} s, {res['threads']} CPU "
        "thread(s)). Per synthesized lead: the change from the prior ECG that `measurement.serial` claims, "
        "against the same comparison made with the record's own measured lead. ST: a change of 0.1 mV or more "
        "at J+60 claimed (right: the true change goes the same way by 0.1 mV or more), no change claimed "
        "(right: the true change is under 0.1 mV), or left open because the band reaches across the threshold. "
        "Without the band: the same synthesized values read as if measured. T: a new inversion, an upright T "
        "or no change claimed (right: the measured lead says the same), or left open (polarity uncertain). "
        "First 10 s of each record, none trained on.",
        "",
        "| pairs | inputs | leads | ST change claimed (right) | no ST change claimed (right) | ST open (of them "
        "truly changed) | without the band: change claimed (right) / none claimed (right) | T claimed (right) | "
        "T open (of them truly flipped) | QRS / QTc changes of a flag's size, if claimed (right; truly changed) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        lines.append(
            f"| {r['source']} | {r['inputs']} | {r['leads']} | {_frac(r['st_claimed_right'], r['st_claimed'])} | "
            f"{_frac(r['st_unchanged_right'], r['st_unchanged'])} | {r['st_undecided']} "
            f"({r['st_undecided_true_change']}) | {_frac(r['st_noband_claimed_right'], r['st_noband_claimed'])} / "
            f"{_frac(r['st_noband_unchanged_right'], r['st_noband_unchanged'])} | "
            f"{_frac(r['t_claimed_right'], r['t_claimed'])} | {r['t_undecided']} ({r['t_undecided_true_flip']}) | "
            f"{_frac(r['global_would_claim_right'], r['global_would_claim'])} ({r['global_true']}) |")
    tot = {k: sum(r[k] for r in res["rows"]) for k in _empty()}
    lines += ["", f"Over every row: with the band, {tot['st_claimed']} ST changes claimed "
              f"({tot['st_claimed_right']} right) and {tot['st_unchanged']} claimed absent ({tot['st_unchanged_right']} "
              f"right), {tot['st_undecided']} left open; read as if measured, {tot['st_noband_claimed']} claimed "
              f"({tot['st_noband_claimed_right']} right) and {tot['st_noband_unchanged']} claimed absent "
              f"({tot['st_noband_unchanged_right']} right). T polarity: {tot['t_claimed']} verdicts claimed "
              f"({tot['t_claimed_right']} right; of them {tot['t_flip_claimed']} a new inversion or an upright T, "
              f"{tot['t_flip_claimed_right']} right), {tot['t_undecided']} left open "
              f"({tot['t_undecided_true_flip']} of them truly flipped).",
              "", "QRS (20 ms) and QTc Fridericia (30 ms) changes: on a synthesized 12-lead every global value rests "
              "on synthesized leads and has no band, so these are said and never claimed; had they been claimed, "
              f"{tot['global_would_claim_right']} of {tot['global_would_claim']} would have been right "
              f"({tot['global_true']} true changes). Per row: "
              + "; ".join(f"{r['inputs']} on {r['source'].split(',')[0]} "
                          f"{_frac(r['global_would_claim_right'], r['global_would_claim'])}" for r in res["rows"]) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    return benchmark_main("serial_change", __doc__.splitlines()[0], argv, run, markdown, ("ludb/data", "cinc2021/PTB_PTBXL"))


if __name__ == "__main__":
    sys.exit(main())
