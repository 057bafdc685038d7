"""``leadsynth synthesize RECORD --inputs I,II,V2,V4 [--model ID|PATH] --out OUT``."""

from __future__ import annotations

import argparse
import logging
import sys
import time

from ..errors import RecordFormatError
from . import add_isolation_argument, add_swap_back_argument
from .model_patient import add_any_patient_argument, checked_model

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synthesize",
        help="synthesize the 12-lead ECG of a record from chosen measured leads",
        description=(
            "Read RECORD, keep the --inputs leads exactly as measured, compute III/aVR/aVL/aVF by the "
            "lead algebra where possible and synthesize the rest with a model. Writes a 12-lead WFDB "
            "record (OUT.hea + OUT.dat), an HDF5 file (OUT.h5/.hdf5), a DICOM 12-lead ECG (OUT.dcm), an "
            "EDF+ file (OUT.edf) or a CSV table (OUT.csv), each stating every lead's provenance. RECORD may "
            "also be a GE MUSE, Philips Sierra, GE CardioSoft or HL7 aECG XML export, a DICOM ECG, an "
            "EDF/BDF or SCP-ECG file, an Apple Watch ECG (or the Health export zip), an AliveCor ATC file or a "
            "CSV table."
        ),
    )
    p.add_argument("record", metavar="RECORD",
                   help="WFDB record (with or without .hea), HDF5, CPSC .mat, MUSE/Philips/CardioSoft/aECG XML, DICOM, "
                        "EDF, SCP-ECG, Apple Watch CSV or Health export zip, AliveCor ATC, CSV table")
    p.add_argument("--h5-record", "--key", dest="key", metavar="KEY",
                   help="record key inside a multi-record file (HDF5, an Apple Health export zip)")
    p.add_argument("--inputs", required=True, help="measured leads, comma-separated (e.g. I,II,V2,V4)")
    p.add_argument("--model", metavar="ID|PATH", help="model id or card/safetensors path (default: best shipped model)")
    p.add_argument("--out", required=True, metavar="OUT",
                   help="output record path (WFDB base name, .h5, .dcm, .edf or .csv)")
    p.add_argument("--force", action="store_true", help="overwrite OUT if it exists")
    p.add_argument("--uncertainty", action="store_true",
                   help="also write the calibrated 90 %% band of every synthesized lead (HDF5: band_low/band_high "
                        "datasets; WFDB: a second record OUT_band)")
    add_swap_back_argument(p)
    add_any_patient_argument(p)
    add_isolation_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..io import (
        guard_record,
        inspect_record,
        output_format,
        read_record,
        read_seconds,
        wfdb_header_path,
        write_record,
    )
    from ..measurement.electrodes import electrode_cautions
    from ..measurement.engine import WINDOW_S
    from ..measurement.swap_back import swap_electrodes
    from ..streaming import synthesize_file
    from ..synthesis import synthesize

    out = Path(args.out)
    # A missing folder is most likely a typo: refuse rather than write somewhere unexpected.
    if not out.parent.exists():
        raise RecordFormatError(
            f"{out}: output folder {out.parent} does not exist; create it first (mkdir -p {out.parent})"
        )
    fmt = output_format(out)
    if not args.force:
        # The file this run writes: OUT itself for DICOM, EDF+ and HDF5, OUT.hea for a WFDB
        # record path.  Another format's file of the same stem is not ours.
        target = wfdb_header_path(out) if fmt == "wfdb" else out
        if target.exists():
            raise RecordFormatError(f"{target}: output exists; use --force to overwrite it")
    # A damaged HDF5 file can hang or crash libhdf5: check it in a child process first.
    guard_record(args.record, key=args.key, isolate=args.isolate)
    # The personal-model patient rule: another patient's model only with --any-patient.
    model = checked_model("synthesize", args.model, args.record, key=args.key, any_patient=args.any_patient)
    t0 = time.perf_counter()
    if fmt == "hdf5":
        # HDF5 output streams chunk by chunk: a 24-hour recording never sits in memory.
        written = synthesize_file(args.record, out, args.inputs, model, key=args.key,
                                  uncertainty=args.uncertainty, swap_back=args.swap_back)
        result = inspect_record(written)  # header only: never load a 24-hour result
        band_note = f"band_low/band_high in {written}" if args.uncertainty else ""
        # The electrode check reads the first 10 s, as the measurements do.
        record = read_seconds(args.record, 0.0, WINDOW_S, key=args.key)
        record = swap_electrodes(record, args.swap_back) if args.swap_back else record
    elif args.uncertainty:
        from ..uncertainty.band import synthesize_with_band
        from ..uncertainty.files import carries_band, write_banded_wfdb

        if not carries_band(out):
            raise RecordFormatError(f"{out}: --uncertainty writes the band with HDF5 (.h5) or WFDB output only")
        record = read_record(args.record, key=args.key)
        record = swap_electrodes(record, args.swap_back) if args.swap_back else record
        banded = synthesize_with_band(record, args.inputs, model)
        result = banded.record
        written, band_hea = write_banded_wfdb(banded, out)
        band_note = f"{band_hea} ({banded.calibration})"
    else:
        record = read_record(args.record, key=args.key)
        record = swap_electrodes(record, args.swap_back) if args.swap_back else record
        result = synthesize(record, args.inputs, model)
        written = write_record(result, out)
        band_note = ""
    elapsed = time.perf_counter() - t0

    def leads(kind: str) -> str:
        return ",".join(n for n, p in zip(result.lead_names, result.provenance, strict=True) if p.value == kind) or "-"

    measured, derived, synthesized = leads("measured"), leads("derived"), leads("synthesized")
    print(f"wrote {written}")
    print(f"  measured:    {measured}")
    print(f"  derived:     {derived}")
    model_patient = (result.metadata.get("leadsynth") or {}).get("model_patient")
    whose = f", personal model of patient {model_patient}" if model_patient else ""
    print(f"  synthesized: {synthesized}  (model {result.model_id or '-'}{whose})")
    if band_note:
        print(f"  band:        {band_note}")
    print(f"  {result.n_samples} samples at {result.fs:g} Hz, took {elapsed:.2f} s")
    for step in record.processing:
        print(f"  processing:  {step}")
    # The recording's electrodes, checked on its first ten seconds (docs/measurements.md).
    for caution in electrode_cautions(record):
        print(f"  CAUTION:     {caution.text()}")
    sys.stdout.flush()
    return 0

