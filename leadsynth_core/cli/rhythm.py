"""``leadsynth rhythm RECORD [--leads I,II,V4] [--segment-s 10] [--json OUT]``.

The heart rate over a whole recording, from its measured leads: the mean, the slowest and
the fastest segment, the longest RR interval and every pause of 2 s or more, with their
times; the file is read chunk by chunk, so a 24-hour patch recording works in bounded memory
(``leadsynth_core.measurement.rhythm``).
"""

from __future__ import annotations

import argparse
import json

from ..record import format_hms
from . import add_isolation_argument
from .agreement import _segment_seconds

#: Segments listed one by one when there are no more than this many (else: --json).
LISTED_SEGMENTS = 12
#: Pauses listed one by one (all of them are in --json).
LISTED_PAUSES = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rhythm",
        help="heart rate over a whole recording: trend, slowest and fastest stretch, longest RR, pauses",
        description=(
            "Find the beats of RECORD on its measured leads, chunk by chunk, and report the heart rate "
            "per segment, the slowest and fastest segment, the longest RR interval and every pause of "
            "2 s or more, with their times. Works on recordings of any length."
        ),
    )
    p.add_argument("record", metavar="RECORD", help="any recording LeadSynth reads")
    p.add_argument("--h5-record", "--key", dest="key", metavar="KEY", help="record key inside a multi-record file")
    p.add_argument("--leads", metavar="LEADS",
                   help="the measured leads to find beats on, comma-separated (default: every ECG lead of the file)")
    p.add_argument("--segment-s", type=_segment_seconds, default=10.0, metavar="S",
                   help="segment length of the heart-rate trend in seconds (default 10)")
    p.add_argument("--json", metavar="OUT", help="write the trend, the pauses and every beat time as JSON")
    add_isolation_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..files import atomic_write_text
    from ..io import guard_record
    from ..leads import parse_lead_list
    from ..measurement.rhythm import rhythm_of_file

    guard_record(args.record, key=args.key, isolate=args.isolate)
    leads = parse_lead_list(args.leads) if args.leads else None
    trend = rhythm_of_file(args.record, leads, key=args.key, segment_s=args.segment_s)
    print(f"{trend.source}: {trend.duration_s:.1f} s; {trend.summary()}")
    pauses = trend.pauses()
    for p in pauses[:LISTED_PAUSES]:
        print(f"  pause {p.duration_s:5.2f} s at {format_hms(p.start_s)}")
    if len(pauses) > LISTED_PAUSES:
        print(f"  ... and {len(pauses) - LISTED_PAUSES} more (--json lists them all)")
    starts, rates = trend.segment_starts(), trend.heart_rate()
    if starts.size <= LISTED_SEGMENTS:
        for a, hr in zip(starts, rates, strict=True):
            print(f"  {format_hms(a)}  {'-' if hr != hr else f'{hr:.0f}':>4} bpm")
    if args.json:
        atomic_write_text(args.json, json.dumps(trend.to_dict(), indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0
