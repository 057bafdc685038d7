"""``leadsynth agreement RECORD --inputs I,II,V2,V4 [--segment-s 10] [--worst 10] [--out F.csv|F.json]``.

Where in one recording does the synthesis follow the measured truth, and where not: every
synthesized lead that the file also measured is scored per segment, and the recording is
read and synthesized chunk by chunk, so a 24-hour file works in bounded memory.
"""

from __future__ import annotations

import argparse
import logging
import math

from ..record import format_hms
from . import add_isolation_argument, add_reference_argument, add_swap_back_argument
from .model_patient import add_any_patient_argument, checked_model

log = logging.getLogger(__name__)


def _segment_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value >= 1.0):
        raise argparse.ArgumentTypeError(f"must be at least 1 s (got {text})")
    return value


def _output(text: str) -> str:
    if not text.lower().endswith((".csv", ".json")):
        raise argparse.ArgumentTypeError(f"{text}: name a .csv or .json file")
    return text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "agreement",
        help="score the synthesis of one recording segment by segment (find where it fails)",
        description=(
            "Synthesize RECORD from --inputs and score every synthesized lead the file also measured "
            "(PCC, RMSE) per segment, plus the exact whole-recording metrics. Lists the worst segments; "
            "--out writes every segment as CSV or JSON. Works on recordings of any length."
        ),
    )
    p.add_argument("record", metavar="RECORD", help="WFDB record, HDF5 file or CPSC .mat with the leads to compare")
    p.add_argument("--h5-record", "--key", dest="key", metavar="KEY", help="record key inside a multi-record HDF5 file")
    p.add_argument("--inputs", required=True, help="measured leads, comma-separated (e.g. I,II,V2,V4)")
    p.add_argument("--model", metavar="ID|PATH", help="model id or path (default: best model for the inputs)")
    add_any_patient_argument(p)
    p.add_argument("--segment-s", type=_segment_seconds, default=10.0, metavar="S",
                   help="segment length in seconds (default 10)")
    add_reference_argument(p)
    p.add_argument("--worst", type=int, default=10, metavar="N", help="how many of the worst segments to list")
    p.add_argument("--out", type=_output, metavar="F.csv|F.json", help="write every segment's scores here")
    add_swap_back_argument(p)
    add_isolation_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..agreement import score_recording, write_agreement
    from ..io import guard_record

    guard_record(args.record, key=args.key, isolate=args.isolate)
    model = checked_model("agreement", args.model, args.record, key=args.key, any_patient=args.any_patient)
    result = score_recording(args.record, args.inputs, model, key=args.key,
                             segment_s=args.segment_s, reference=args.reference, swap_back=args.swap_back)
    whole = result.whole
    if args.swap_back is not None:
        from ..measurement.swap_back import SWAP_BACK_PREFIXES

        print(f"processing: {SWAP_BACK_PREFIXES[args.swap_back]}every chunk, the measured truth included")
    print(f"{result.source}: {result.duration_s:.1f} s at {result.fs:g} Hz, inputs {','.join(result.inputs)}, "
          f"model {result.model_id}, {result.n_segments} segment(s) of {result.segment_s:g} s, "
          f"reference {result.reference}")
    print("whole recording:  lead   PCC   RMSE mV  MAE mV  SNR dB")
    for lead in (*result.leads, "mean"):
        m = whole[lead]
        print(f"                  {lead:<5} {m['pcc']:6.3f}  {m['rmse']:7.4f}  {m['mae']:6.4f}  {m['snr_db']:6.1f}")
    worst = result.worst(max(0, args.worst))
    if worst:
        print(f"worst {len(worst)} segment(s):  start     stop      mean PCC  worst lead")
        for w in worst:
            print(f"                    {format_hms(w.start_s)}  {format_hms(w.stop_s)}  {w.mean_pcc:8.3f}  "
                  f"{w.worst_lead} {w.worst_pcc:.3f}")
    if args.out:
        write_agreement(result, args.out)
        print(f"wrote {args.out}")
    return 0
