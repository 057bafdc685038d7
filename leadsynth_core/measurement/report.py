"""The measurement report: one JSON document and its text table.

``leadsynth measure`` prints the table or writes the document (``--json``); the viewer's
Measure menu copies the table and exports either, for what its Measurements dock shows.  One
home for both, so that a value reads the same on the command line, in a spreadsheet and in
the patient's file.

The document: the measured (or synthesized) 12-lead's global values, axes and per-lead
values (``Measurements.to_dict``), which of them rest on synthesized leads, the band where a
synthesized lead's ST J+60 is read (``st_j60_band_mv``) and the T waves whose polarity the
band leaves open (``t_polarity_uncertain``), the electrode cautions and the record's audit
trail, the inputs, the measured truth and the differences where the file holds it, the
changes from a prior ECG (``serial``) and the cart's own values (``device``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..record import EcgRecord
from .compare import Comparison
from .device import compare_with_device
from .globals import GlobalValues
from .result import AXIS_KEYS, GLOBAL_KEYS, Measurements
from .serial import SerialComparison, no_change_sentence

__all__ = ["measurement_report", "serial_report", "model_on_prior_report", "render_report"]


def _placed(m: Measurements, offset_s: float) -> dict[str, Any]:
    """``m.to_dict()`` with its window in the recording's own seconds (``m`` measured a slice
    that starts ``offset_s`` into it)."""
    out = m.to_dict()
    w0, w1 = out["window_s"]
    out["window_s"] = [round(w0 + offset_s, 3), round(w1 + offset_s, 3)]
    return out


def measurement_report(shown: Measurements, *, record: EcgRecord, offset_s: float = 0.0,
                       inputs: Sequence[str] | None = None, truth: Measurements | None = None,
                       comparison: Comparison | None = None, as_read: Measurements | None = None,
                       st_band: Mapping[str, float] | None = None, t_band: Mapping[str, float] | None = None,
                       cautions: Iterable[str] = (), serial: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document of a measurement.

    ``shown``: the values reported (a synthesized 12-lead's, or the record's as read), measured
    on a stretch that starts ``offset_s`` seconds into ``record`` (the window is reported in the
    record's seconds).  ``inputs``: the measured leads a synthesis started from (None: no
    synthesis).  ``truth`` and ``comparison``: the record's own leads where it holds the
    synthesized ones' truth.  ``as_read``: the record as read, beside the cart's own values
    (``record.metadata["device_report"]``).  ``st_band``/``t_band`` (a model with a band): the
    band's half-width where each synthesized lead's ST J+60 and T are read.  ``serial``: the
    changes from a prior ECG (:func:`serial_report`).
    """
    from ..uncertainty.confidence import t_polarity_uncertain

    doc = _placed(shown, offset_s)
    if st_band is not None:
        doc["st_j60_band_mv"] = {n: round(v, 3) for n, v in st_band.items()}
        # A T wave whose band reaches across zero: its polarity is uncertain (marked "?").
        doc["t_polarity_uncertain"] = [n for n, b in (t_band or {}).items()
                                       if t_polarity_uncertain(shown.leads[n].values.t_mv, b)]
    doc["cautions"] = list(cautions)
    doc["processing"] = list(record.processing)
    if inputs is not None:
        doc["inputs"] = list(inputs)
    if truth is not None:
        doc["measured_truth"] = _placed(truth, offset_s)
        if comparison is not None:
            doc.update(comparison.to_dict())
    if serial is not None:
        doc["serial"] = dict(serial)
    return _with_device(doc, as_read, record)


def serial_report(comparison: SerialComparison, *, truth: SerialComparison | None = None,
                  model_on_prior: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``serial`` part of a report: the changes from the prior ECG; with ``truth`` (the same
    comparison made on the file's own measured leads, where it holds the synthesized ones'
    truth) the true changes too, and what the model did on the prior (:func:`model_on_prior_report`)."""
    doc = comparison.to_dict()
    if truth is not None:
        true = truth.to_dict()
        doc["measured_truth"] = {"global": true["global"], "leads": true["leads"]}
    if model_on_prior is not None:
        doc["model_on_prior"] = dict(model_on_prior)
    return doc


def model_on_prior_report(model: str, inputs: Sequence[str], pcc: Mapping[str, float] | None,
                          reason: str | None = None) -> dict[str, Any]:
    """This model on the prior ECG: its recorded inputs synthesized the rest, scored against its
    recorded leads (``pcc`` per lead; None with the ``reason`` it could not be checked)."""
    out: dict[str, Any] = {"model": model, "inputs": list(inputs)}
    if pcc is None:
        return {**out, "pcc": {}, "reason": reason}
    return {**out, "pcc": {lead: (round(v, 3) if v == v else None) for lead, v in pcc.items()}}


def _with_device(doc: dict, as_read: Measurements | None, record: EcgRecord) -> dict:
    """Add ``device``: the cart's own global values (its device report) beside LeadSynth's of the
    record as read, with the difference (LeadSynth - cart), when the file carries them."""
    report = record.metadata.get("device_report")
    if not isinstance(report, dict) or not report.get("measurements"):
        return doc
    values = as_read.values if as_read is not None and as_read.measurable else GlobalValues()
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
    from .result import basis_notes

    basis = doc.get("synthesized_basis") or {}
    leads = next(iter(basis.values()), [])
    notes = basis_notes(leads, doc.get("axis_leads_synthesized") or [])
    return [f"{'~ =' if k == 0 else '   '} {note}" for k, note in enumerate(notes)]


def render_report(doc: dict) -> str:
    """The text table of a measurement report (``leadsynth measure``'s output, the viewer's
    Measure > Copy measurements)."""
    lines = [f"{doc['source']}: {doc.get('beats', 0)} beat(s) in {doc['window_s'][0]:g}-{doc['window_s'][1]:g} s"
             + (f", model {doc['model']}" if doc.get("model") else "")]
    lines += [f"processing: {step}" for step in doc.get("processing", ())]
    lines += [f"CAUTION: {c}" for c in doc.get("cautions", ())]
    if not doc["measurable"]:
        lines.append(f"not measurable: {doc['reason']}")
        return "\n".join([*lines, *_device_lines(doc)])
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
    return "\n".join([*lines, *_device_lines(doc), *_serial_lines(doc), *_interpretation_lines(doc)])


def _interpretation_lines(doc: dict) -> list[str]:
    """The reader's interpretation in force (``Interpretation.to_dict``), when the report has one:
    last, as on the printed page."""
    read = doc.get("interpretation")
    if not read:
        return []
    out = [f"interpretation #{read['id']} ({read['heading']}):", *(f"  {line}" for line in read["text"].splitlines())]
    if read.get("caution"):
        out.append(f"  CAUTION: {read['caution']}")
    return out


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
    out += [f"  ! {f}" for f in ser["claimed"]] or [f"  {no_change_sentence(len(ser['leads']))}"]
    out += [f"  ? {f}" for f in ser["left_open"]]
    if ser["left_open"]:
        out.append("  (!: a change claimed; ?: open, neither claimed nor excluded)")
    if true:
        out.append("  (true): the change on the file's own measured lead, where it holds the synthesized lead's truth")
    return out
