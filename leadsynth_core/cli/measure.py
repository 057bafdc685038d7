"""``leadsynth measure RECORD [--inputs I,II,V2,V4] [--json OUT]``.

Intervals, axes and per-lead amplitudes and ST levels of a record (every lead with its
provenance), measured on the median beats of a 10-s stretch.  With ``--inputs`` the record
is synthesized from those leads and the synthesized 12-lead is measured too, beside the
measured truth where the file has it, with the differences and the disagreements a
cardiologist would read differently.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from typing import Any

from . import add_isolation_argument, add_swap_back_argument
from .model_patient import add_any_patient_argument, checked_model

log = logging.getLogger(__name__)


#: ``--prior`` naming the patient's latest prior in the library (``library:ID`` names one).
PRIOR_LATEST = "library:latest"


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a non-negative number of seconds (got {text})")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "measure",
        help="intervals, axes, amplitudes and ST levels per lead (with --inputs: of the synthesized leads too)",
        description=(
            "Measure RECORD on the median beats of a 10-s stretch: heart rate, PR, QRS, QT, QTc (Bazett, "
            "Fridericia), P/QRS/T axes, and per lead Q/R/S amplitudes, QRS area, ST at J, J+60, J+80 ms, "
            "T and P amplitudes, each lead with its provenance. Values that cannot be measured are null "
            "with the reason. With --inputs, also synthesize from those leads and measure the result "
            "beside the measured truth."
        ),
    )
    p.add_argument("record", metavar="RECORD", help="WFDB record, HDF5 file or CPSC .mat")
    p.add_argument("--h5-record", "--key", dest="key", metavar="KEY", help="record key inside a multi-record HDF5 file")
    p.add_argument("--inputs", help="measured leads to synthesize from, comma-separated (e.g. I,II,V2,V4)")
    p.add_argument("--model", metavar="ID|PATH", help="model id or path (default: best model for the inputs)")
    add_any_patient_argument(p)
    p.add_argument("--start", type=_seconds, default=0.0, metavar="S", help="start of the measured stretch (s)")
    p.add_argument("--duration", type=_seconds, default=10.0, metavar="S", help="length of the stretch (s, default 10)")
    p.add_argument("--prior", metavar="PRIOR",
                   help="a prior 12-lead ECG of the same patient: report the changes from it (ST levels, T polarity, "
                        "intervals), read with the band on synthesized leads. Any readable file, or from the patient "
                        f"library: '{PRIOR_LATEST}' (the patient's most recent complete 12-lead before this one) or "
                        "'library:ID' (a library recording)")
    p.add_argument("--library", metavar="FILE", default=None,
                   help="library file for --prior library:... (default: the user's library)")
    p.add_argument("--prior-key", metavar="KEY", help="record key inside a multi-record HDF5 PRIOR")
    p.add_argument("--prior-start", type=_seconds, default=0.0, metavar="S",
                   help="start of the stretch measured on PRIOR (s, default 0; as long as --duration)")
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the measurements as JSON here")
    add_swap_back_argument(p)
    add_isolation_argument(p)
    p.set_defaults(func=run)


def measure_document(record: Any, inputs: str | None, model: Any, start_s: float, duration_s: float,
                     prior: Any = None) -> dict:
    """The JSON document of ``leadsynth measure``.

    ``serial`` (with ``prior``, the stretch of a prior 12-lead record of the same patient to
    compare with): the changes from it (``measurement.serial.compare_with_prior``),
    synthesized leads read with their band.

    ``cautions``: what the electrode checks found on the stretch measured (one sentence each);
    ``processing``: the record's audit trail (``EcgRecord.processing``), e.g. arms swapped back;
    ``st_j60_band_mv`` (with ``inputs`` and a model with a band): per synthesized lead, the
    band's half-width where its ST J+60 is read (``uncertainty.confidence.band_at``);
    ``t_polarity_uncertain``: the synthesized leads whose band at the T peak reaches across
    zero (``band_verdict`` undecided).
    """
    from ..measurement import compare_measurements, electrode_cautions, measure_record
    from ..measurement.report import measurement_report

    cautions = [c.text() for c in electrode_cautions(record, start_s=start_s, duration_s=duration_s or None)]
    if not inputs:
        m = measure_record(record, start_s=start_s, duration_s=duration_s)
        serial = _serial(m, record, prior, {}, {}) if prior is not None else None
        return measurement_report(m, record=record, as_read=m, cautions=cautions, serial=serial)
    stop = min(record.duration, start_s + duration_s) if duration_s else record.duration
    piece = record.slice_time(start_s, stop)
    synth, half, loaded = _synthesize_with_band(piece, inputs, model)
    ms = measure_record(synth, duration_s=None)
    st_band: dict[str, float] | None = None
    t_band: dict[str, float] = {}
    if half is not None:
        from ..uncertainty.confidence import band_at

        # The band where each synthesized lead's ST J+60 is read: how far the true level may lie.
        # Not beside the T amplitude: there the band held the true value in only 42-73 % of
        # synthesized leads (benchmarks/st_t_band.py), so a "±" would claim a precision it lacks.
        st_band, t_band = band_at(ms, half, 0, "st_j60_mv"), band_at(ms, half, 0, "t_mv")
    truth_leads = [n for n in synth.leads_with("synthesized") if n in piece.lead_names]
    mt = measure_record(piece, duration_s=None)
    serial = None
    if prior is not None:
        serial = _serial(ms, synth, prior, st_band or {}, t_band, mt if truth_leads and mt.measurable else None)
        serial["model_on_prior"] = _model_on_prior(prior, synth, loaded)
    # The piece starts start_s into the record: the report gives the record's own seconds.
    return measurement_report(
        ms, record=record, offset_s=piece_start(record, start_s), inputs=synth.measured_standard_leads,
        truth=mt if truth_leads else None,
        comparison=compare_measurements(mt, ms, truth_leads) if truth_leads else None,
        as_read=mt, st_band=st_band, t_band=t_band, cautions=cautions, serial=serial)


def piece_start(record: Any, start_s: float) -> float:
    """Where ``record.slice_time(start_s, ...)`` starts, in seconds (on a sample)."""
    return max(0, int(round(start_s * record.fs))) / record.fs


def _serial(now: Any, now_record: Any, prior: Any, st_band: dict[str, float], t_band: dict[str, float],
            truth: Any = None) -> dict:
    """The changes from the prior ECG (``prior``: the stretch compared, all of it measured), as JSON; with
    ``truth`` (the measured leads of a file that holds the synthesized ones' truth), the true
    changes too (``measured_truth``: the same comparison made on them)."""
    from ..measurement import measure_record
    from ..measurement.report import serial_report
    from ..measurement.serial import compare_with_prior

    pm = measure_record(prior, duration_s=None)
    now_cmp = compare_with_prior(now, pm, st_band=st_band, t_band=t_band, records=(now_record, prior))
    return serial_report(now_cmp, truth=compare_with_prior(truth, pm) if truth is not None else None)


def _model_on_prior(prior: Any, synth: Any, loaded: Any) -> dict:
    """This model on the prior ECG: its own recorded inputs synthesized the rest, scored against
    its recorded leads (how far to trust each synthesized lead for this patient)."""
    from ..errors import LeadSynthError
    from ..evaluation import evaluate_record
    from ..measurement.report import model_on_prior_report

    inputs = list(synth.measured_standard_leads)
    try:
        scores = evaluate_record(prior, inputs, loaded)
    except LeadSynthError as exc:
        return model_on_prior_report(loaded.card.id, inputs, None, str(exc))
    return model_on_prior_report(loaded.card.id, inputs, {lead: s.pcc for lead, s in scores.items()})


def _synthesize_with_band(piece: Any, inputs: str, model: Any) -> tuple[Any, Any, Any]:
    """The synthesized stretch, its band's half-width (None for a model without a band) and the model."""
    from ..models import load_model, select_model
    from ..uncertainty.band import synthesize_with_band_if_any
    from ..uncertainty.members import has_members

    loaded = load_model(model if model is not None else select_model(inputs, patient_id=piece.patient_id))
    synth, banded, why = synthesize_with_band_if_any(piece, inputs, loaded)
    if banded is None:
        if has_members(loaded.module):  # an ensemble without a (current) calibration: worth saying
            log.warning("measure: no band for the ST levels: %s", why)
        return synth, None, loaded
    return synth, banded.half_width, loaded


def _prior_file(args: argparse.Namespace, record: Any) -> tuple[str, str | None]:
    """The file (and HDF5 key) of ``--prior``: as given, or the library recording it names."""
    from ..errors import LibraryError, OptionError
    from ..library import Library

    text = str(args.prior)
    if not text.startswith("library:"):
        return text, args.prior_key
    which = text.split(":", 1)[1]
    with Library(args.library) as lib:
        if which == "latest":
            pid, entries = lib.prior_recordings(args.record, args.key, record.patient_id, record.recorded_at)
            if not entries:
                raise LibraryError(f"the library holds no complete 12-lead recording of patient {pid} before this one "
                                   f"to compare with; add one with 'leadsynth library add FILE --patient {pid}'")
            entry = entries[0]
        elif which.lstrip("#").isdigit():
            entry = lib.get_recording(int(which.lstrip("#")))
        else:
            raise OptionError(f"--prior {text}: valid library forms are '{PRIOR_LATEST}' and 'library:ID' "
                              "(a recording id from 'leadsynth library list')")
    log.info("prior ECG: library recording #%d, %s", entry.id, entry.path)
    return entry.path, entry.key


def _write_json(doc: dict, path: str) -> None:
    from ..files import atomic_write_text

    atomic_write_text(path, json.dumps(doc, indent=2))


def run(args: argparse.Namespace) -> int:
    from ..io import guard_record, read_record

    guard_record(args.record, key=args.key, isolate=args.isolate)
    # The model only runs with --inputs: the personal-model patient rule applies then.
    model = (checked_model("measure", args.model, args.record, key=args.key, any_patient=args.any_patient)
             if args.inputs else args.model)
    record = read_record(args.record, key=args.key)
    if args.swap_back is not None:
        from ..measurement import swap_electrodes

        record = swap_electrodes(record, args.swap_back)
    prior = None
    if args.prior is not None:
        path, key = _prior_file(args, record)
        guard_record(path, key=key, isolate=args.isolate)
        from ..io import read_seconds

        # Only the stretch compared is read (a prior may be a long recording).
        prior = read_seconds(path, args.prior_start, args.duration or None, key=key)
    doc = measure_document(record, args.inputs, model, args.start, args.duration, prior)
    if args.json_out:
        _write_json(doc, args.json_out)
        print(f"wrote {args.json_out}")
    else:
        from ..measurement.report import render_report

        print(render_report(doc))
    return 0
