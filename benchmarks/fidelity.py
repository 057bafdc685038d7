"""Clinical-feature fidelity: does synthesis keep what a cardiologist measures?

For every shipped model and the lead set it takes (the dedicated ``linres-*`` models and the
linear baseline ``linear-*`` beside each, and the any-subset model on every set, lead I alone
included), on LUDB 161-200 and the PTB Diagnostic ``S`` records S0001-S0010 (never trained
on): each record (its first 10 s) is synthesized from the inputs, both the synthesized 12-lead
and the baseline-corrected truth (0.5 Hz high-pass, ``agreement.reference_truth``) are
measured with ``leadsynth_core.measurement``, and per synthesized lead we report

* mean absolute error of the ST level at J+60 ms, the T amplitude, the R and S amplitudes
  (mV) and the lead's own QRS duration (ms, the lead delineated alone);
* T-polarity agreement (same category: positive, negative, biphasic, flat) and the rate of
  flips (positive <-> negative);
* ST deviation >= 0.1 mV (|ST J+60|, same sign) as a finding: sensitivity and specificity of
  the synthesized lead against the measured one.

A record the engine cannot measure (truth or synthesis) is left out of that pair, and
counted.

``--external-cache DIR`` adds PTB-XL's test fold (``strat_fold`` 10, 2,203 records) from the
preprocessed cache ``DIR/ptbxl.npz`` (:mod:`benchmarks.ptbxl_cache`: 10 s at 250 Hz, already
high-passed, leads I, II, V1-V6 stored, III/aVR/aVL/aVF derived from I and II).
Records of patients the shipped models were trained on (``leadsynth_core/training/splits.json``
holds PTB-XL's ``HR00009``, in fold 10) are left out and counted.
``--external-limit N`` takes only its first N records (a quick check), ``--datasets`` and
``--models`` restrict what runs (comma-separated; a restricted run names itself in the
output, so write it elsewhere with ``--out``).  Usage::

    PYTHONPATH=. python benchmarks/fidelity.py [--data-root ../shared/data] [--threads 1]
        [--external-cache /work/data_ext/cache [--external-limit N]] [--datasets ludb,ptb,ptbxl]
        [--models linres-i-ii-v2-v4,...] [--out FILE.json]

Writes benchmarks/results/fidelity.md and .json.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.differences import summarize_differences  # noqa: E402
from benchmarks.ptbxl_cache import fold_records, trained_ecg_ids  # noqa: E402
from leadsynth_core.errors import LeadSynthError  # noqa: E402
from leadsynth_core.files import atomic_write_text  # noqa: E402
from leadsynth_core.io import read_record  # noqa: E402
from leadsynth_core.measurement import Measurements, measure_record  # noqa: E402
from leadsynth_core.measurement.compare import ST_FINDING_MV  # noqa: E402
from leadsynth_core.measurement.delineate import delineate_median  # noqa: E402
from leadsynth_core.models import load_model  # noqa: E402
from leadsynth_core.record import EcgRecord  # noqa: E402
from leadsynth_core.scoring import reference_truth  # noqa: E402
from leadsynth_core.synthesis import synthesize  # noqa: E402

log = logging.getLogger("benchmarks.fidelity")

SETS = {"I,II,V2,V4": "i-ii-v2-v4", "I,II,V4": "i-ii-v4", "I,II,V3": "i-ii-v3", "I,II": "i-ii", "I": "i"}
WINDOW_S = 10.0


DATASETS = ("ludb", "ptb", "ptbxl")
PTBXL_TEST_FOLD = 10
SPLITS_FILE = ROOT / "leadsynth_core" / "training" / "splits.json"


def configurations(models: set[str] | None = None) -> list[tuple[str, str]]:
    """(model id, inputs) pairs: linear and dedicated per set, any-subset on every set."""
    out = []
    for inputs, slug in SETS.items():
        for mid in (f"linear-{slug}", f"linres-{slug}", "anysubset"):
            if (ROOT / "resources" / "models" / f"{mid}.json").exists() and (models is None or mid in models):
                out.append((mid, inputs))
    return out


def datasets(root: Path, which: tuple[str, ...] = ("ludb", "ptb"), *, external_cache: Path | None = None,
             external_limit: int | None = None) -> dict[str, list[EcgRecord]]:
    """The records of each dataset asked for, under the name the tables give it."""
    out: dict[str, list[EcgRecord]] = {}
    if "ludb" in which:
        out["LUDB 161-200"] = [read_record(root / "ludb" / "data" / f"{n}.hea") for n in range(161, 201)]
    if "ptb" in which:
        out["PTB S0001-S0010"] = [read_record(root / "cinc2021" / "PTB_PTBXL" / f"S{n:04d}.hea") for n in range(1, 11)]
    if "ptbxl" in which and external_cache is not None:
        # Records of patients the shipped models were trained on (HR00009 is in fold 10) are not unseen.
        recs, left_out = fold_records(external_cache, PTBXL_TEST_FOLD, limit=external_limit,
                                      exclude_ecg_ids=trained_ecg_ids(SPLITS_FILE))
        name = f"PTB-XL fold {PTBXL_TEST_FOLD}"
        name += f" (first {len(recs)} records only" if external_limit is not None else f" ({len(recs)} records"
        out[name + f"; {left_out} of patients the models were trained on left out)"] = recs
    return out


def lead_qrs_ms(m: Measurements, lead: str) -> float | None:
    """QRS duration of one lead delineated alone on its median beat."""
    if not m.measurable or m.median is None or m.fiducials is None:
        return None
    j = m.lead_names.index(lead)
    f = delineate_median(m.median[:, [j]], m.fs, m.fiducials.r, 1.0)
    return (f.qrs_off - f.qrs_on) * 1000.0 / m.fs


def _st_finding(v: float | None) -> int:
    return 0 if v is None or abs(v) < ST_FINDING_MV else int(np.sign(v))


class LeadTally:
    def __init__(self) -> None:
        self.err: dict[str, list[float]] = {"st_j60_mv": [], "t_mv": [], "r_mv": [], "s_mv": [], "qrs_ms": []}
        self.t_same = self.t_flip = self.t_n = 0
        self.st = {"tp": 0, "fn": 0, "tn": 0, "fp": 0}

    def add(self, truth: Measurements, synth: Measurements, lead: str) -> None:
        a, b = truth.leads[lead].values, synth.leads[lead].values
        for k in ("st_j60_mv", "t_mv", "r_mv", "s_mv"):
            va, vb = getattr(a, k), getattr(b, k)
            if va is not None and vb is not None:
                self.err[k].append(abs(vb - va))
        qa, qb = lead_qrs_ms(truth, lead), lead_qrs_ms(synth, lead)
        if qa is not None and qb is not None:
            self.err["qrs_ms"].append(abs(qb - qa))
        if a.t_polarity is not None and b.t_polarity is not None:
            self.t_n += 1
            self.t_same += a.t_polarity == b.t_polarity
            self.t_flip += {a.t_polarity, b.t_polarity} == {"positive", "negative"}
        fa, fb = _st_finding(a.st_j60_mv), _st_finding(b.st_j60_mv)
        if fa:
            self.st["tp" if fb == fa else "fn"] += 1
        else:
            self.st["tn" if fb == 0 else "fp"] += 1

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {f"mae_{k}": (float(np.mean(v)) if v else None) for k, v in self.err.items()}
        out["n"] = len(self.err["st_j60_mv"])
        out["t_polarity_agreement"] = self.t_same / self.t_n if self.t_n else None
        out["t_polarity_flips"] = self.t_flip / self.t_n if self.t_n else None
        s = self.st
        out["st_findings"] = dict(s)
        out["st_sensitivity"] = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else None
        out["st_specificity"] = s["tn"] / (s["tn"] + s["fp"]) if s["tn"] + s["fp"] else None
        return out


def measured_truths(records: list[EcgRecord]) -> tuple[list[EcgRecord], dict[int, Measurements]]:
    """The records cut to their first ``WINDOW_S`` and the measurements of their baseline-corrected truth."""
    recs = [r.slice_time(0.0, min(r.duration, WINDOW_S)) for r in records]
    truths = {i: measure_record(reference_truth(r, list(r.standard_leads), "highpass"), duration_s=None)
              for i, r in enumerate(recs)}
    return recs, truths


def evaluate(model_id: str, inputs: str, records: list[EcgRecord], truths: dict[int, Measurements]) -> dict:
    model = load_model(model_id)
    per_lead: dict[str, LeadTally] = {}
    pooled = LeadTally()
    skipped = []
    qt_diff: list[float] = []  # the record's global QT, synthesized - truth
    for i, rec in enumerate(records):
        synth = synthesize(rec, inputs, model)
        leads = list(synth.leads_with("synthesized"))
        truth = truths[i]
        ms = measure_record(synth, duration_s=None)
        if not (truth.measurable and ms.measurable):
            skipped.append({"record": rec.source, "reason": truth.reason or ms.reason})
            continue
        for lead in leads:
            per_lead.setdefault(lead, LeadTally()).add(truth, ms, lead)
            pooled.add(truth, ms, lead)
        if ms.values.qt_ms is not None and truth.values.qt_ms is not None:
            qt_diff.append(ms.values.qt_ms - truth.values.qt_ms)
    qt = summarize_differences(qt_diff)
    return {"model": model_id, "inputs": inputs, "all_synthesized": pooled.summary(), "qt_synth_minus_truth": qt,
            "leads": {k: v.summary() for k, v in per_lead.items()}, "skipped": skipped}


def _f(v: Any, fmt: str) -> str:
    return "—" if v is None else format(v, fmt)


def _qt(q: dict | None) -> str:
    return "—" if not q or q.get("mean") is None else f"{q['mean']:+.1f} ± {q['sd'] or 0:.1f}"



def render(result: dict) -> str:
    md = ["# Clinical-feature fidelity of the synthesized leads", "",
          f"Command: `{result.get('command', 'PYTHONPATH=. python benchmarks/fidelity.py --threads 1')}` "
          f"({result['seconds']:.0f} s). "
          "First 10 s of each record; truth = the measured lead high-passed at 0.5 Hz; per synthesized "
          "lead pooled over the leads a set synthesizes. MAE in mV (QRS in ms, each lead delineated alone); "
          "QT = the record's global QT (to the latest T end over its 12 leads), synthesized - truth, "
          "mean ± SD ms; "
          f"T pol. = same polarity category; ST finding = |ST J+60| >= {ST_FINDING_MV} mV with the same sign "
          "(Se/Sp of the synthesized lead against the measured one, counts of measured findings in brackets).", ""]
    for ds, rows in result["datasets"].items():
        md += [f"## {ds}", "",
               "| inputs | model | ST J+60 | T amp | R amp | S amp | QRS ms | QT ms | T pol. agree | T flips "
               "| ST Se (n) | ST Sp |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            a = r["all_synthesized"]
            st = a["st_findings"]
            md.append(f"| {r['inputs']} | {r['model']} | {_f(a['mae_st_j60_mv'], '.3f')} | {_f(a['mae_t_mv'], '.3f')} | "
                      f"{_f(a['mae_r_mv'], '.3f')} | {_f(a['mae_s_mv'], '.3f')} | {_f(a['mae_qrs_ms'], '.1f')} | "
                      f"{_qt(r.get('qt_synth_minus_truth'))} | {_f(a['t_polarity_agreement'], '.1%')} | {_f(a['t_polarity_flips'], '.1%')} | "
                      f"{_f(a['st_sensitivity'], '.0%')} ({st['tp'] + st['fn']}) | {_f(a['st_specificity'], '.0%')} |")
        md.append("")
    # Per-lead detail for the default set.
    for ds, rows in result["datasets"].items():
        for r in rows:
            if r["inputs"] == "I,II,V2,V4" and r["model"].startswith("linres"):
                md += [f"Per lead, {r['model']} on {ds}:", "",
                       "| lead | ST J+60 | T amp | R amp | S amp | QRS ms | T pol. agree | ST Se | ST Sp |",
                       "|---|---|---|---|---|---|---|---|---|"]
                for lead, a in r["leads"].items():
                    md.append(f"| {lead} | {_f(a['mae_st_j60_mv'], '.3f')} | {_f(a['mae_t_mv'], '.3f')} | "
                              f"{_f(a['mae_r_mv'], '.3f')} | {_f(a['mae_s_mv'], '.3f')} | {_f(a['mae_qrs_ms'], '.1f')} | "
                              f"{_f(a['t_polarity_agreement'], '.0%')} | {_f(a['st_sensitivity'], '.0%')} | "
                              f"{_f(a['st_specificity'], '.0%')} |")
                md.append("")
    skipped = {s["record"] for rows in result["datasets"].values() for r in rows for s in r["skipped"]}
    md += [f"Records left out (not measurable, truth or synthesis): {len(skipped)}"
           + (": " + ", ".join(sorted(Path(s).stem for s in skipped)) if skipped else "."), ""]
    return "\n".join(md)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fidelity.json")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--external-cache", type=Path, metavar="DIR",
                   help="folder holding ptbxl.npz: add PTB-XL's test fold (strat_fold 10)")
    p.add_argument("--external-limit", type=int, metavar="N", help="only the first N records of the PTB-XL fold")
    p.add_argument("--datasets", default=None,
                   help=f"comma-separated subset of {','.join(DATASETS)} (default: all that are available)")
    p.add_argument("--models", default=None, help="comma-separated model ids to run (default: every configuration)")
    args = p.parse_args(argv)
    which = tuple(DATASETS if args.datasets is None else (d.strip() for d in args.datasets.split(",") if d.strip()))
    unknown = [d for d in which if d not in DATASETS]
    if unknown:
        p.error(f"--datasets: unknown {', '.join(unknown)} (valid: {', '.join(DATASETS)})")
    if "ptbxl" in which and args.external_cache is None and args.datasets is not None:
        p.error("--datasets ptbxl needs --external-cache DIR")
    models = None if args.models is None else {m.strip() for m in args.models.split(",") if m.strip()}
    configs = configurations(models)
    if not configs:
        p.error(f"--models: none of {', '.join(sorted(models or ()))} is a shipped configuration")
    import torch

    torch.set_num_threads(max(1, args.threads))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    t0 = time.time()
    command = "PYTHONPATH=. python benchmarks/fidelity.py " + " ".join(
        argv if argv is not None else sys.argv[1:] or ["--threads", "1"])
    result: dict[str, Any] = {"window_s": WINDOW_S, "st_finding_mv": ST_FINDING_MV, "command": command.strip(),
                              "datasets": {}}
    try:
        data = datasets(args.data_root, which, external_cache=args.external_cache, external_limit=args.external_limit)
    except LeadSynthError as exc:
        print(f"fidelity: {exc}", file=sys.stderr)
        return 2
    for ds, recs in data.items():
        recs, truths = measured_truths(recs)
        rows = []
        for mid, inputs in configs:
            log.info("%s: %s on %s", ds, mid, inputs)
            rows.append(evaluate(mid, inputs, recs, truths))
        result["datasets"][ds] = rows
    result["seconds"] = round(time.time() - t0, 1)
    atomic_write_text(args.out, json.dumps(result, indent=2))
    text = render(result)
    atomic_write_text(args.out.with_suffix(".md"), text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
