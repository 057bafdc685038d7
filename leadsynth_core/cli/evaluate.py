"""``leadsynth evaluate DATA --inputs I,II,V2,V4 [--model ID|PATH] --json OUT.json``.

For every record in DATA that has all 12 leads: synthesize from ``--inputs`` and score
each synthesized lead against the record's own measured lead (PCC, RMSE mV, MAE mV,
SNR dB).  Records that cannot be read or scored are listed with the reason, never
silently dropped.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LeadSynthError, RecordFormatError
from . import add_isolation_argument

log = logging.getLogger(__name__)

METRICS = ("pcc", "rmse", "mae", "snr_db")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score synthesized leads against the measured truth over a data set",
        description="Synthesize every 12-lead record in DATA from --inputs and score the synthesized leads.",
    )
    p.add_argument("data", metavar="DATA", help="folder of records (searched recursively) or an HDF5 file")
    p.add_argument("--inputs", required=True, help="measured leads, comma-separated (e.g. I,II,V2,V4)")
    p.add_argument("--model", metavar="ID|PATH", help="model id or path (default: best shipped model)")
    p.add_argument("--json", required=True, metavar="OUT.json", help="where to write the results")
    add_isolation_argument(p)
    p.set_defaults(func=run)


def _targets(data: Path, isolate: bool) -> list[tuple[str, Path, str | None]]:
    from ..io import find_records, guard_record, list_records

    if data.is_dir():
        return [(str(p), p, None) for p in find_records(data)]
    if data.suffix.lower() in {".h5", ".hdf5"}:
        # Listing the keys is the first read of the file: check it in a child process first.
        guard_record(data, isolate=isolate)
        keys = list_records(data)
        if len(keys) > 1:
            return [(f"{data}::{k}", data, k) for k in keys]
        return [(str(data), data, None)]
    if data.exists() or data.with_suffix(".hea").exists():
        return [(str(data), data, None)]
    raise RecordFormatError(f"{data}: no such folder or file")


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def evaluate(
    data: str | os.PathLike[str], inputs: str, model: str | None = None, *, isolate: bool = True
) -> dict[str, Any]:
    """Evaluate ``model`` on every record of ``data``; returns the JSON-ready result.

    With ``isolate`` (the default), each HDF5 file is first probed in a child process
    (:func:`~leadsynth_core.io.guard_record`): a file that would hang or crash the HDF5
    library is skipped with the reason instead.
    """
    from ..io import guard_record, read_record
    from ..leads import STANDARD_LEADS, parse_lead_list
    from ..metrics import lead_metrics
    from ..models import load_model, select_model
    from ..synthesis import synthesize

    measured = parse_lead_list(inputs)
    loaded = load_model(model if model is not None else select_model(measured))
    records: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    per_lead: dict[str, dict[str, list[float]]] = {}
    for name, path, key in _targets(Path(data), isolate):
        try:
            guard_record(path, key=key, isolate=isolate)
            rec = read_record(path, key=key)
            rec.require_leads(STANDARD_LEADS)
            out = synthesize(rec, measured, loaded)
        except LeadSynthError as exc:
            skipped.append({"record": name, "reason": str(exc)})
            log.info("skipped %s: %s", name, exc)
            continue
        synth = list(out.leads_with("synthesized"))
        scores = lead_metrics(rec.select(STANDARD_LEADS), out, synth)
        entry: dict[str, Any] = {"record": name, "fs": rec.fs, "duration_s": rec.duration, "leads": {}}
        for lead in synth:
            m = scores[lead]
            entry["leads"][lead] = {k: _finite(m[k]) for k in METRICS}
            for k in METRICS:
                per_lead.setdefault(lead, {}).setdefault(k, []).append(m[k])
        entry["mean"] = {
            k: _finite(float(np.nanmean([scores[ld][k] for ld in synth]))) if synth else None for k in METRICS
        }
        records.append(entry)
    summary = {
        lead: {k: _finite(float(np.nanmean(v))) for k, v in vals.items()} for lead, vals in per_lead.items()
    }
    overall = {
        k: _finite(float(np.nanmean([r["mean"][k] for r in records if r["mean"][k] is not None])))
        if records else None
        for k in METRICS
    }
    return {
        "data": str(data),
        "inputs": list(measured),
        "model": loaded.card.id,
        "model_sha256": loaded.card.weights_sha256,
        "n_records": len(records),
        "records": records,
        "skipped": skipped,
        "per_lead_mean": summary,
        "mean": overall,
    }


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def run(args: argparse.Namespace) -> int:
    result = evaluate(args.data, args.inputs, args.model, isolate=args.isolate)
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Atomic: a crash never leaves half a JSON file behind.
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2, allow_nan=False)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(f"model {result['model']} on {result['n_records']} record(s), inputs {','.join(result['inputs'])}")
    for lead, m in result["per_lead_mean"].items():
        print(f"  {lead:<4} PCC {_fmt(m['pcc'])}  RMSE {_fmt(m['rmse'])} mV  MAE {_fmt(m['mae'])} mV  "
              f"SNR {_fmt(m['snr_db'], 1)} dB")
    print(f"  mean PCC {_fmt(result['mean']['pcc'])}  RMSE {_fmt(result['mean']['rmse'])} mV")
    if result["skipped"]:
        print(f"  skipped {len(result['skipped'])} record(s) (reasons in {out})")
    print(f"wrote {out}")
    return 0
