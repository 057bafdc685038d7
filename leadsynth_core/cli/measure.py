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

    cautions = [c.text() for c in electrode_cautions(record, start_s=start_s, duration_s=duration_s or None)]
    if not inputs:
        m = measure_record(record, start_s=start_s, duration_s=duration_s)
        doc = {**m.to_dict(), "cautions": cautions, "processing": list(record.processing)}
        if prior is not None:
            doc["serial"] = _serial(m, record, prior, {}, {})
        return _with_device(doc, m, record)
    stop = min(record.duration, start_s + duration_s) if duration_s else record.duration
    piece = record.slice_time(start_s, stop)
    synth, half, loaded = _synthesize_with_band(piece, inputs, model)
    ms = measure_record(synth, duration_s=None)
    doc = ms.to_dict()
    st_band: dict[str, float] = {}
    t_band: dict[str, float] = {}
    if half is not None:
        from ..uncertainty.confidence import band_at, t_polarity_uncertain

        # The band where each synthesized lead's ST J+60 is read: how far the true level may lie.
        # Not beside the T amplitude: there the band held the true value in only 42-73 % of
        # synthesized leads (benchmarks/st_t_band.py), so a "±" would claim a precision it lacks.
        st_band, t_band = band_at(ms, half, 0, "st_j60_mv"), band_at(ms, half, 0, "t_mv")
        doc["st_j60_band_mv"] = {n: round(v, 3) for n, v in st_band.items()}
        # A T wave whose band reaches across zero: its polarity is uncertain (marked "?").
        doc["t_polarity_uncertain"] = [n for n, b in t_band.items() if t_polarity_uncertain(ms.leads[n].values.t_mv, b)]
    doc["cautions"] = cautions
    doc["processing"] = list(record.processing)
    doc["inputs"] = list(synth.measured_standard_leads)
    truth_leads = [n for n in synth.leads_with("synthesized") if n in piece.lead_names]
    mt = measure_record(piece, duration_s=None)
    if truth_leads:
        doc["measured_truth"] = mt.to_dict()
        doc.update(compare_measurements(mt, ms, truth_leads).to_dict())
    if prior is not None:
        doc["serial"] = _serial(ms, synth, prior, st_band, t_band, mt if truth_leads and mt.measurable else None)
        doc["serial"]["model_on_prior"] = _model_on_prior(prior, synth, loaded)
    return _with_device(doc, mt, record)


def _serial(now: Any, now_record: Any, prior: Any, st_band: dict[str, float], t_band: dict[str, float],
            truth: Any = None) -> dict:
    """The changes from the prior ECG (``prior``: the stretch compared, all of it measured), as JSON; with
    ``truth`` (the measured leads of a file that holds the synthesized ones' truth), the true
    changes too (``measured_truth``: the same comparison made on them)."""
    from ..measurement import measure_record
    from ..measurement.serial import compare_with_prior

    pm = measure_record(prior, duration_s=None)
    doc = compare_with_prior(now, pm, st_band=st_band, t_band=t_band, records=(now_record, prior)).to_dict()
    if truth is not None:
        true = compare_with_prior(truth, pm).to_dict()
        doc["measured_truth"] = {"global": true["global"], "leads": true["leads"]}
    return doc


def _model_on_prior(prior: Any, synth: Any, loaded: Any) -> dict:
    """This model on the prior ECG: its own recorded inputs synthesized the rest, scored against
    its recorded leads (how far to trust each synthesized lead for this patient)."""
    from ..errors import LeadSynthError
    from ..evaluation import evaluate_record

    inputs = list(synth.measured_standard_leads)
    out: dict[str, Any] = {"model": loaded.card.id, "inputs": inputs}
    try:
        scores = evaluate_record(prior, inputs, loaded)
    except LeadSynthError as exc:
        return {**out, "pcc": {}, "reason": str(exc)}
    return {**out, "pcc": {lead: (round(s.pcc, 3) if s.pcc == s.pcc else None) for lead, s in scores.items()}}


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


def _with_device(doc: dict, as_read: Any, record: Any) -> dict:
    """Add ``device``: the cart's own global values (its device report) beside LeadSynth's of the
    record as read, with the difference (LeadSynth - cart), when the file carries them."""
    from ..measurement import compare_with_device
    from ..measurement.globals import GlobalValues

    report = record.metadata.get("device_report")
    if not isinstance(report, dict) or not report.get("measurements"):
        return doc
    values = as_read.values if as_read.measurable else GlobalValues()
    doc["device"] = {
        "device": report.get("device"), "source": report.get("source"),
        "values": {r.key: {"leadsynth": r.leadsynth, "device": r.device, "difference": r.difference,
                           **({"note": r.note} if r.note else {})}
                   for r in compare_with_device(values, report) if r.device is not None},
    }
    return doc


def _fmt(v: Any, nd: int = 2) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def _basis_lines(doc: dict) -> list[str]:
    """The notes under the global values that rest on synthesized leads ("~" marks them)."""
    from ..measurement.result import basis_notes

    basis = doc.get("synthesized_basis") or {}
    leads = next(iter(basis.values()), [])
    notes = basis_notes(leads, doc.get("axis_leads_synthesized") or [])
    return [f"{'~ =' if k == 0 else '   '} {note}" for k, note in enumerate(notes)]


def render_table(doc: dict) -> str:
    """Human-readable table of a measurement document."""
    lines = [f"{doc['source']}: {doc.get('beats', 0)} beat(s) in {doc['window_s'][0]:g}-{doc['window_s'][1]:g} s"
             + (f", model {doc['model']}" if doc.get("model") else "")]
    lines += [f"processing: {step}" for step in doc.get("processing", ())]
    lines += [f"CAUTION: {c}" for c in doc.get("cautions", ())]
    if not doc["measurable"]:
        lines.append(f"not measurable: {doc['reason']}")
        return "\n".join([*lines, *_device_lines(doc)])
    from ..measurement.result import AXIS_KEYS, GLOBAL_KEYS

    truth = doc.get("measured_truth")
    basis = doc.get("synthesized_basis") or {}
    # "~" marks a value read partly on synthesized leads (explained below the values).
    mark = {k: "~" if k in basis else "" for k in (*GLOBAL_KEYS, *AXIS_KEYS)}

    def g(key: str, unit: str) -> str:
        s = f"{mark.get(key, '')}{_fmt(doc[key], 0)} {unit}"
        if truth is not None:
            s += f"  (measured {_fmt(truth[key], 0)})"
        return s

    lines.append(f"HR {g('heart_rate_bpm', 'bpm')}   PR {g('pr_ms', 'ms')}   QRS {g('qrs_ms', 'ms')}")
    lines.append(f"QT {g('qt_ms', 'ms')}   QTc Bazett {g('qtc_bazett_ms', 'ms')}   "
                 f"QTc Fridericia {g('qtc_fridericia_ms', 'ms')}")
    ax = doc["axis_deg"]
    lines.append(f"axes P {mark['axis_p_deg']}{_fmt(ax['p'], 0)}  QRS {mark['axis_qrs_deg']}{_fmt(ax['qrs'], 0)}  "
                 f"T {mark['axis_t_deg']}{_fmt(ax['t'], 0)} deg   RR SD {mark['rr_sd_ms']}{_fmt(doc['rr_sd_ms'], 1)} ms")
    lines += _basis_lines(doc)
    band = doc.get("st_j60_band_mv") or {}
    unsure = set(doc.get("t_polarity_uncertain") or ())
    head = (f"{'lead':<5} {'provenance':<12} {'Q':>6} {'R':>6} {'S':>6} {'STj':>6} {'ST60':>6} "
            + (f"{'±ST60':>6} " if band else "") + f"{'ST80':>6} {'T':>6} {'T pol':<9} {'P':>6}  (mV)")
    lines.append(head)
    flags = (doc.get("flags") or {}).get("leads", {})
    for name, lm in doc["leads"].items():
        # The band in its own column, blank where the lead has none.
        pm = (f"{'±' + _fmt(band[name]) if name in band and lm['st_j60_mv'] is not None else '':>6} "
              if band else "")
        row = (f"{name:<5} {lm['provenance']:<12} {_fmt(lm['q_mv']):>6} {_fmt(lm['r_mv']):>6} "
               f"{_fmt(lm['s_mv']):>6} {_fmt(lm['st_j_mv']):>6} {_fmt(lm['st_j60_mv']):>6} "
               f"{pm}{_fmt(lm['st_j80_mv']):>6} {_fmt(lm['t_mv']):>6} "
               f"{_fmt(lm['t_polarity']) + ('?' if name in unsure else ''):<9} {_fmt(lm['p_mv']):>6}")
        if lm.get("reason"):
            row += f"  {lm['reason']}"
        lines.append(row)
        if truth is not None and name in flags:
            tl = truth["leads"][name]
            lines.append(f"{'':<5} {'measured':<12} {_fmt(tl['q_mv']):>6} {_fmt(tl['r_mv']):>6} {_fmt(tl['s_mv']):>6} "
                         f"{_fmt(tl['st_j_mv']):>6} {_fmt(tl['st_j60_mv']):>6} {' ' * 7 if band else ''}"
                         f"{_fmt(tl['st_j80_mv']):>6} "
                         f"{_fmt(tl['t_mv']):>6} {_fmt(tl['t_polarity']):<9} {_fmt(tl['p_mv']):>6}"
                         + ("  ! " + "; ".join(flags[name]) if flags[name] else ""))
    if unsure:
        lines.append("?: the band at the synthesized T wave's peak reaches across zero, so its polarity is uncertain "
                     "(such T waves had the opposite polarity far more often: benchmarks/st_t_band.py)")
    if band:
        lines.append("±ST60: the 90 % band at a synthesized lead's ST J+60, how far its true ST level may lie "
                     "(checked against the truth by benchmarks/st_t_band.py)")
    if doc.get("flags"):
        for f in doc["flags"]["global"]:
            lines.append(f"! {f}")
    return "\n".join([*lines, *_device_lines(doc), *_serial_lines(doc)])


def _device_lines(doc: dict) -> list[str]:
    """The cart's own values beside LeadSynth's (of the record as read), when the file has them."""
    dev = doc.get("device")
    if not dev:
        return []
    cells = []
    for key, v in dev["values"].items():
        label = key.replace("_bpm", "").replace("_ms", "").replace("_deg", "")
        diff = "" if v["difference"] is None else f" {v['difference']:+.0f}"
        cells.append(f"{label} {v['device']:g}{'*' if v.get('note') else ''} (LeadSynth {_fmt(v['leadsynth'], 0)}{diff})")
    out = [f"cart's own measurements ({dev.get('source') or 'device report'}; {dev.get('device') or 'device'}):",
           "  " + ", ".join(cells)]
    if any(v.get("note") for v in dev["values"].values()):
        out.append("  * QTc formula not stated by the cart: beside LeadSynth's Bazett QTc")
    return out


#: The global values of the serial comparison's table (label, key).
_SERIAL_GLOBALS = (("HR", "heart_rate_bpm"), ("PR", "pr_ms"), ("QRS", "qrs_ms"), ("QT", "qt_ms"),
                   ("QTcF", "qtc_fridericia_ms"), ("QRS axis", "axis_qrs_deg"), ("T axis", "axis_t_deg"))


def _serial_lines(doc: dict) -> list[str]:
    """The changes from the prior ECG (``--prior``): identity cautions first, then values, leads, findings."""
    ser = doc.get("serial")
    if not ser:
        return []
    at = ser["prior"]["recorded_at"]
    out = ["", f"compared with the prior ECG {ser['prior']['source']}" + (f" (recorded {at})" if at else "") + ":"]
    out += [f"  CAUTION: {c}" for c in ser["cautions"]]
    basis = doc.get("synthesized_basis") or {}
    cells = []
    for label, key in _SERIAL_GLOBALS:
        g = ser["global"][key]
        change = "" if g["change"] is None else f" ({g['change']:+.0f})"
        cells.append(f"{label} {_fmt(g['prior'], 0)} -> {'~' if key in basis and g['now'] is not None else ''}{_fmt(g['now'], 0)}{change}")
    out.append("  " + "   ".join(cells[:5]))
    out.append("  " + "   ".join(cells[5:]) + "   (prior -> now"
               + (", ~ read partly on synthesized leads)" if basis else ")"))
    banded = any(c["st_band_mv"] is not None for c in ser["leads"].values())
    true = (ser.get("measured_truth") or {}).get("leads", {})
    out.append(f"  {'lead':<5} {'now is':<12} {'ST60 prior':>10} {'now':>6} {'change':>7} "
               + (f"{'±band':>6} " if banded else "") + (f"{'(true)':>7} " if true else "")
               + f"{'ST verdict':<11} {'T prior -> now':<22} T verdict")
    for name, c in ser["leads"].items():
        band = (f"{'±' + _fmt(c['st_band_mv']) if c['st_band_mv'] is not None else '':>6} " if banded else "")
        t_change = true.get(name, {}).get("st_change_mv") if c["provenance"] == "synthesized" else None
        if true:
            band += f"{'' if t_change is None else f'({t_change:+.2f})':>7} "
        t_now = _fmt(c["t_now"]) + ("?" if c["t_now_uncertain"] else "")
        out.append(f"  {name:<5} {c['provenance']:<12} {_fmt(c['st_prior_mv']):>10} {_fmt(c['st_now_mv']):>6} "
                   f"{_fmt(c['st_change_mv']) if c['st_change_mv'] is None else format(c['st_change_mv'], '+.2f'):>7} "
                   f"{band}{_fmt(c['st_verdict']):<11} {_fmt(c['t_prior']) + ' -> ' + t_now:<22} {_fmt(c['t_verdict'])}")
    for name, why in ser["not_compared"].items():
        out.append(f"  {name:<5} not compared: {why}")
    check = ser.get("model_on_prior")
    if check is not None:
        if check["pcc"]:
            cells = ", ".join(f"{lead} {v:.2f}" for lead, v in check["pcc"].items() if v is not None)
            out.append(f"  this model on the prior ECG ({check['model']} from {','.join(check['inputs'])}, scored "
                       f"against its recorded leads): PCC {cells}")
        else:
            out.append(f"  this model not checked on the prior ECG: {check.get('reason')}")
    from ..measurement.serial import no_change_sentence

    out += [f"  ! {f}" for f in ser["claimed"]] or [f"  {no_change_sentence(len(ser['leads']))}"]
    out += [f"  ? {f}" for f in ser["left_open"]]
    if ser["left_open"]:
        out.append("  (!: a change claimed; ?: open, neither claimed nor excluded)")
    if true:
        out.append("  (true): the change on the file's own measured lead, where it holds the synthesized lead's truth")
    return out


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
        print(render_table(doc))
    return 0
