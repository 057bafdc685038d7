"""``leadsynth info RECORD [--key KEY]``: what a recording holds."""

from __future__ import annotations

import argparse
import logging

from . import add_isolation_argument

__all__ = ["register", "run_info"]

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="describe a recording (rate, length, leads, provenance, patient)",
        description=(
            "Describe a recording: WFDB (with or without .hea), CPSC 2018 .mat, HDF5, GE MUSE / Philips "
            "Sierra / GE CardioSoft / HL7 aECG XML, DICOM ECG, EDF/EDF+/BDF, SCP-ECG, an Apple Watch ECG "
            "(or the Health export zip), AliveCor ATC or a CSV lead table (recognised by content), "
            "with the patient, the device and the device's own measurements and statements. "
            "For a file with several records (HDF5, a Health export zip), lists the keys (pick one with --key). "
            "'leadsynth info --formats' lists the formats read and written."
        ),
    )
    parser.add_argument("record", metavar="RECORD", nargs="?", help="record path")
    parser.add_argument("--formats", action="store_true", help="list the formats LeadSynth reads and writes")
    parser.add_argument("--key", "--h5-record", dest="key", default=None,
                        help="record key in a multi-record file (HDF5, a Health export zip)")
    parser.add_argument("--fs", type=float, default=None, help="sampling rate for files that do not store one (Hz)")
    parser.add_argument(
        "--header-only", action="store_true",
        help="read only the header/attributes (fast for very long recordings; no amplitude statistics)",
    )
    add_isolation_argument(parser)
    parser.set_defaults(func=run_info)


def run_info(args: argparse.Namespace) -> int:
    from ..errors import RecordFormatError
    from ..io import (  # wfdb/pandas: only when used
        describe_formats,
        format_device_report,
        guard_record,
        inspect_record,
        list_records,
        read_record,
    )

    if args.formats:
        print(describe_formats())
        return 0
    if not args.record:
        raise RecordFormatError("no RECORD given (or use --formats to list the formats)")

    # A damaged HDF5 file can hang or crash libhdf5: check it in a child process first.
    guard_record(args.record, key=args.key, fs=args.fs, isolate=args.isolate)
    keys = list_records(args.record)
    if args.key is None and len(keys) > 1:
        print(f"{args.record}: {len(keys)} records; show one with --key KEY")
        for key in keys:
            print(f"  {key}")
        return 0
    if args.header_only:
        info = inspect_record(args.record, key=args.key, fs=args.fs)
        print(f"source:       {info.path}" + (f"  [key {info.key}]" if info.key else ""))
        print(f"format:       {info.format}")
        print(f"patient:      {info.patient_id or '-'}")
        print(f"recorded at:  {info.recorded_at.isoformat(sep=' ') if info.recorded_at else '-'}")
        print(f"rate:         {info.fs:g} Hz")
        print(f"duration:     {info.duration:.3f} s ({info.n_samples} samples)")
        print(f"leads ({info.n_leads}):")
        for name, prov in zip(info.lead_names, info.provenance, strict=True):
            print(f"  {name:<5} {prov.value}")
        if info.model_id:
            print(f"model:        {info.model_id}")
        report = format_device_report(info.metadata)
        if report:
            print(report)
        return 0
    record = read_record(args.record, key=args.key, fs=args.fs)
    print(record.describe())
    report = format_device_report(record.metadata)
    if report:
        print(report)
    return 0
