"""``leadsynth evaluate DATA --inputs I,II,V2,V4 [--model ID|PATH] --json OUT.json``.

For every record in DATA that has all 12 leads: synthesize from ``--inputs`` and score
each synthesized lead against the record's own measured lead (PCC, RMSE mV, MAE mV,
SNR dB).  Records that cannot be read or scored are listed with the reason, never
silently dropped.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from . import add_isolation_argument, add_reference_argument
from .model_patient import add_any_patient_argument, checked_model_for_records

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score synthesized leads against the measured truth over a data set",
        description="Synthesize every 12-lead record in DATA from --inputs and score the synthesized leads.",
    )
    p.add_argument("data", metavar="DATA", help="folder of records (searched recursively) or an HDF5 file")
    p.add_argument("--inputs", required=True, help="measured leads, comma-separated (e.g. I,II,V2,V4)")
    p.add_argument("--model", metavar="ID|PATH", help="model id or path (default: best shipped model)")
    add_any_patient_argument(p)
    p.add_argument("--json", required=True, metavar="OUT.json", help="where to write the results")
    add_reference_argument(p)
    add_isolation_argument(p)
    p.set_defaults(func=run)


def evaluate(
    data: str | os.PathLike[str], inputs: str, model: Any = None, *, isolate: bool = True,
    reference: str | None = None,
) -> dict[str, Any]:
    """Evaluate ``model`` (id, path or card) on every record of ``data`` (see :func:`leadsynth_core.evaluation.evaluate_dataset`)."""
    from ..evaluation import evaluate_dataset
    from ..scoring import DEFAULT_REFERENCE

    return evaluate_dataset(data, inputs, model, isolate=isolate, reference=reference or DEFAULT_REFERENCE)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def run(args: argparse.Namespace) -> int:
    from ..evaluation import dataset_targets, write_evaluation

    # The personal-model patient rule, checked on every record's header before any work.
    model = checked_model_for_records("evaluate", args.model, dataset_targets(args.data, args.isolate),
                                      any_patient=args.any_patient)
    result = evaluate(args.data, args.inputs, model, isolate=args.isolate, reference=args.reference)

    out = write_evaluation(result, args.json)  # atomic: a crash never leaves half a file
    print(f"model {result['model']} on {result['n_records']} record(s), inputs {','.join(result['inputs'])}")
    for lead, m in result["per_lead_mean"].items():
        print(f"  {lead:<4} PCC {_fmt(m['pcc'])}  RMSE {_fmt(m['rmse'])} mV  MAE {_fmt(m['mae'])} mV  "
              f"SNR {_fmt(m['snr_db'], 1)} dB")
    print(f"  mean PCC {_fmt(result['mean']['pcc'])}  RMSE {_fmt(result['mean']['rmse'])} mV")
    skipped = result["skipped"]
    if skipped:
        print(f"  skipped {len(skipped)} record(s):")
        for item in skipped[:_SHOWN_REASONS]:
            print(f"    {item['record']}: {item['reason']}")
        if len(skipped) > _SHOWN_REASONS:
            print(f"    ... and {len(skipped) - _SHOWN_REASONS} more (all reasons in {out})")
    print(f"wrote {out}")
    if not result["n_records"]:
        # A data set of which nothing could be scored is a failure, not a result of "n/a".
        print(f"leadsynth evaluate: error: no record of {args.data} could be scored "
              f"({len(skipped)} skipped; reasons above and in {out})", file=sys.stderr)
        return 2
    return 0


#: How many skipped records' reasons are printed (all of them are in the JSON).
_SHOWN_REASONS = 5
