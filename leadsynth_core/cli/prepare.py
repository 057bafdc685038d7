"""``leadsynth prepare DATA... --out SHARDS [--workers N] [--resume]``: training shards from records."""

from __future__ import annotations

import argparse
import os

from . import add_isolation_argument

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prepare",
        help="turn folders of 12-lead records into training shards (for leadsynth train)",
        description=(
            "Read every record under DATA (folders searched recursively; WFDB, Challenge .mat, CPSC .mat, HDF5; "
            "any rate), keep the 8 independent leads I, II, V1-V6 at 250 Hz high-passed at 0.5 Hz, drop flat, "
            "saturated, too short or incomplete records (report.json says why), and write compressed HDF5 shards, "
            "index.csv, splits.json (by patient; --holdout-source keeps whole sources out) and manifest.json."
        ),
    )
    p.add_argument("data", nargs="+", metavar="DATA",
                   help="folder, record file, or NAME=PATH to name the source (default: first sub-folder name)")
    p.add_argument("--out", required=True, metavar="SHARDS", help="output folder (new or empty; or unfinished with --resume)")
    p.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 1)),
                   help="worker processes (default: the number of CPUs)")
    p.add_argument("--resume", action="store_true", help="continue an unfinished prepare in --out")
    p.add_argument("--holdout-source", action="append", default=[], metavar="NAME",
                   help="put every record of this source in the test split (repeatable)")
    p.add_argument("--patients", metavar="CSV", default=None,
                   help="patient ids for records whose headers lack them: a CSV with columns record,patient_id "
                        "(PTB-XL's ptbxl_database.csv works as it is)")
    p.add_argument("--split-file", metavar="CSV", action="append", default=None,
                   help="declared splits: a CSV with columns record,split (train/validation/test/exclude), or "
                        "PTB-XL's ptbxl_database.csv (strat_fold 10 test, 9 validation); others follow the rule "
                        "(repeatable; the files must agree on any record they both name)")
    p.add_argument("--val-fraction", type=float, default=0.1,
                   help="fraction of patients in the validation split (default 0.1)")
    p.add_argument("--min-seconds", type=float, default=8.192,
                   help="drop records shorter than this (default 8.192 s, one training crop)")
    p.add_argument("--shard-size", type=int, default=None,
                   help="record files per shard (default: 4 shards per worker, 16 to 500 files each)")
    add_isolation_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..training.console import ProgressBar, format_duration
    from ..training.prepare import prepare

    bar: list[ProgressBar] = []

    def on_progress(done: int, total: int) -> None:
        if not bar:
            bar.append(ProgressBar(total, "prepare", "files", start=done))
        bar[0].update(done)

    manifest = prepare(
        args.data, args.out, workers=args.workers, resume=args.resume, shard_size=args.shard_size,
        min_seconds=args.min_seconds, val_fraction=args.val_fraction, holdout_sources=args.holdout_source,
        isolate=args.isolate, patients=args.patients, split_file=args.split_file, on_progress=on_progress,
    )
    s = manifest["splits"]
    print(
        f"{args.out}: {manifest['n_records']} records ({manifest['hours']:.2f} h) in {len(manifest['shards'])} "
        f"shard(s); {manifest['n_dropped']} dropped, {manifest['n_flagged']} flagged (see report.json); "
        f"splits train {s['train']} / validation {s['validation']} / test {s['test']}; "
        f"{format_duration(manifest['prepare']['seconds'])}"
    )
    return 0
