"""Serial comparison (``measurement.serial``): this ECG against a prior one of the same patient."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from leadsynth_core.cli import main
from leadsynth_core.measurement.globals import GlobalValues
from leadsynth_core.measurement.per_lead import LeadValues
from leadsynth_core.measurement.result import LeadMeasurement, Measurements
from leadsynth_core.measurement.serial import (
    QTC_CHANGE_MS,
    compare_with_prior,
    st_change_verdict,
    t_change_verdict,
)
from leadsynth_core.record import EcgRecord, Provenance


@pytest.mark.parametrize(("change", "band", "verdict"), [
    (0.15, 0.0, "higher"), (0.10, 0.0, "higher"), (-0.12, 0.0, "lower"), (0.05, 0.0, "unchanged"),
    (0.15, 0.04, "higher"), (0.15, 0.10, "undecided"), (-0.30, 0.15, "lower"), (0.03, 0.05, "unchanged"),
    (0.03, 0.08, "undecided"), (-0.09, 0.0, "unchanged"),
])
def test_st_change_verdict(change, band, verdict) -> None:
    assert st_change_verdict(change, band) == verdict


def test_t_change_verdict() -> None:
    assert t_change_verdict("positive", "negative") == "new inversion"
    assert t_change_verdict("negative", "positive") == "now upright"
    assert t_change_verdict("negative", "negative") == "unchanged"
    assert t_change_verdict("positive", "negative", now_uncertain=True) == "undecided"
    assert t_change_verdict("positive", "positive", now_uncertain=True) == "undecided"
    for a, b in (("flat", "negative"), ("positive", "biphasic"), (None, "positive")):
        assert t_change_verdict(a, b) is None


def _m(leads: dict[str, tuple[str, float | None, float | None, str | None]], source: str = "x",
       **globals_: float) -> Measurements:
    """Measurements with per lead (provenance, ST J+60, T mV, T polarity) and the given global values."""
    return Measurements(
        source=source, measurable=True, reason=None, values=GlobalValues(**globals_), fs=500.0,
        leads={n: LeadMeasurement(n, p, LeadValues(st_j60_mv=st, t_mv=t, t_polarity=pol))
               for n, (p, st, t, pol) in leads.items()})


PRIOR = _m({"I": ("measured", 0.0, 0.3, "positive"), "II": ("measured", 0.02, 0.4, "positive"),
            "V1": ("measured", 0.0, 0.2, "positive"), "V2": ("measured", 0.05, 0.4, "positive"),
            "V3": ("synthesized", 0.0, 0.3, "positive")},
           source="prior.hea", qrs_ms=96.0, qtc_fridericia_ms=410.0, heart_rate_bpm=70.0, axis_qrs_deg=170.0)


def test_compare_with_prior_reads_synthesized_changes_with_their_band() -> None:
    now = _m({"I": ("measured", 0.01, 0.3, "positive"), "II": ("measured", 0.25, -0.2, "negative"),
              "V1": ("synthesized", 0.30, -0.15, "negative"), "V2": ("synthesized", 0.30, 0.4, "positive"),
              "V3": ("synthesized", 0.2, 0.3, "positive"), "V4": ("synthesized", 0.0, 0.3, "positive")},
             qrs_ms=124.0, qtc_fridericia_ms=445.0, heart_rate_bpm=90.0, axis_qrs_deg=-170.0)
    c = compare_with_prior(now, PRIOR, st_band={"V1": 0.1, "V2": 0.2, "V3": 0.1}, t_band={"V1": 0.2, "V2": 0.1})
    assert c.leads["I"].st_verdict == "unchanged" and c.leads["I"].t_verdict == "unchanged"
    # Measured: a change read as is.
    assert c.leads["II"].st_verdict == "higher" and c.leads["II"].st_change_mv == pytest.approx(0.23)
    assert c.leads["II"].t_verdict == "new inversion"
    # Synthesized: +0.30 with a band of 0.1 survives; +0.25 with a band of 0.2 does not.
    assert c.leads["V1"].st_verdict == "higher" and c.leads["V1"].st_band_mv == 0.1
    assert c.leads["V2"].st_verdict == "undecided"
    # V1's T wave: -0.15 with a band of 0.2 reaches across zero, so its inversion is not claimed.
    assert c.leads["V1"].t_now_uncertain and c.leads["V1"].t_verdict == "undecided"
    assert not c.leads["V2"].t_now_uncertain
    # The prior's own V3 was synthesized, and it has no V4: neither is a reference.
    assert set(c.leads) == {"I", "II", "V1", "V2"}
    assert "synthesized" in c.not_compared["V3"] and "no such lead" in c.not_compared["V4"]
    assert c.global_change["qrs_ms"] == (96.0, 124.0, 28.0)
    assert c.global_change["axis_qrs_deg"][2] == pytest.approx(20.0)  # 170 -> -170: 20 degrees, not -340
    # This ECG's global values rest on synthesized leads: their changes are said, never claimed.
    assert c.global_flags == [] and len(c.global_open) == 2
    assert c.global_open[0].startswith("QRS wider by 28 ms than on the prior ECG, not claimed")
    assert c.global_open[1].startswith("QTc (Fridericia) longer by 35 ms") and 35 >= QTC_CHANGE_MS
    assert all("V1, V2, V3, V4" in f for f in c.global_open)
    text = "\n".join(c.findings())
    assert "ST higher by at least 0.1 mV than on the prior ECG in II +0.23 mV, V1 (synthesized) +0.30 mV" in text
    assert "New T-wave inversion in II" in text and "open in V2" in text and "T polarity change open in V1" in text
    assert all(f in c.findings() for f in c.global_open)
    doc = c.to_dict()
    assert json.loads(json.dumps(doc))["leads"]["II"]["st_change_mv"] == pytest.approx(0.23)
    assert doc["findings"] == c.findings() and doc["cautions"] == []


def test_global_changes_on_recorded_leads_are_claimed() -> None:
    now = _m({n: ("measured", 0.0, 0.3, "positive") for n in ("I", "II", "V1", "V2")},
             qrs_ms=120.0, qtc_fridericia_ms=380.0)
    c = compare_with_prior(now, PRIOR)
    assert c.global_open == []
    assert c.global_flags == ["QRS wider by 24 ms than on the prior ECG",
                              "QTc (Fridericia) shorter by 30 ms than on the prior ECG"]
    assert c.findings()[:2] == c.global_flags


def test_nothing_changed_gives_no_findings() -> None:
    c = compare_with_prior(PRIOR, PRIOR)
    assert c.findings() == [] and all(ch.st_verdict == "unchanged" for ch in c.leads.values())
    assert c.global_change["qrs_ms"][2] == 0.0


def _rec(patient: str | None, when: dt.datetime | None, source: str | None, seed: int = 0,
         **meta: object) -> EcgRecord:
    sig = np.random.default_rng(seed).normal(size=(1000, 2))
    return EcgRecord(sig, 500.0, ("I", "II"), (Provenance.MEASURED,) * 2, patient_id=patient,
                     recorded_at=when, source=source, metadata=meta)


def test_identity_cautions(tmp_path) -> None:
    day = dt.datetime(2026, 3, 1, 9, 0)
    now = _rec("P-1", day, str(tmp_path / "a.hea"))
    other = compare_with_prior(PRIOR, PRIOR, records=(now, _rec("P-2", day - dt.timedelta(days=30), "b.hea", 1)))
    assert len(other.cautions) == 1 and "different patient identifiers" in other.cautions[0]
    later = compare_with_prior(PRIOR, PRIOR, records=(now, _rec("P-1", day + dt.timedelta(days=2), "b.hea", 1)))
    assert len(later.cautions) == 1 and "recorded after this one" in later.cautions[0]
    # The same file, or the same samples under another name.
    same = compare_with_prior(PRIOR, PRIOR, records=(now, _rec(None, None, str(tmp_path / "." / "a.hea"), 1)))
    assert same.cautions == ["the prior is this same recording: there is nothing to compare"]
    copy = compare_with_prior(PRIOR, PRIOR, records=(now, _rec("P-1", None, "copy.hea")))
    assert "same recording" in copy.cautions[0]
    fine = compare_with_prior(PRIOR, PRIOR, records=(now, _rec("P-1", day - dt.timedelta(days=1), "b.hea", 1)))
    assert fine.cautions == []
    # Files without identifiers: sex and age still catch another person, or the wrong order.
    a = _rec(None, None, "a.hea", 0, sex="F", age=61)
    assert compare_with_prior(PRIOR, PRIOR, records=(a, _rec(None, None, "b.hea", 1, sex="female", age=60))).cautions == []
    sexes = compare_with_prior(PRIOR, PRIOR, records=(a, _rec(None, None, "b.hea", 1, sex="male", age=60))).cautions
    assert sexes == ["the files record different sexes: this ECG female, the prior male"]
    older = compare_with_prior(PRIOR, PRIOR, records=(a, _rec(None, None, "b.hea", 1, sex="F", age=64))).cautions
    assert len(older) == 1 and "older (64 years) than this ECG's (61 years)" in older[0]
    unknown = _rec(None, None, "b.hea", 1)
    assert compare_with_prior(PRIOR, PRIOR, records=(a, unknown)).cautions == []


def test_cli_prior_on_ptb_patient001(shared_data, tmp_path, capsys) -> None:
    ptb = shared_data / "cinc2021" / "PTB_PTBXL"
    out = tmp_path / "m.json"
    assert main(["measure", str(ptb / "S0003.hea"), "--inputs", "I,II,V4", "--prior", str(ptb / "S0001.hea"),
                 "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    ser = doc["serial"]
    assert ser["prior"]["source"].endswith("S0001.hea") and ser["cautions"] == []
    assert set(ser["leads"]) == set(doc["leads"])
    for name, c in ser["leads"].items():
        assert c["provenance"] == doc["leads"][name]["provenance"]
        assert c["st_now_mv"] == doc["leads"][name]["st_j60_mv"]
        # The band beside every synthesized lead's change, the same as beside its level.
        assert c["st_band_mv"] == doc.get("st_j60_band_mv", {}).get(name)
        assert c["t_now_uncertain"] == (name in doc["t_polarity_uncertain"])
        if c["st_prior_mv"] is not None and c["st_now_mv"] is not None:
            assert c["st_verdict"] == st_change_verdict(c["st_now_mv"] - c["st_prior_mv"], c["st_band_mv"] or 0.0)
    assert {n for n, c in ser["leads"].items() if c["st_band_mv"] is not None} == {"V1", "V2", "V3", "V5", "V6"}
    # This model on the patient's prior: the same inputs synthesized the rest of S0001, scored there.
    from leadsynth_core.evaluation import evaluate_record
    from leadsynth_core.io import read_window
    from leadsynth_core.models import load_model

    check = ser["model_on_prior"]
    assert check["model"] == doc["model"] and check["inputs"] == ["I", "II", "V4"]
    prior = read_window(ptb / "S0001.hea", 0, 10_000)
    expect = evaluate_record(prior, ("I", "II", "V4"), load_model(check["model"]))
    assert check["pcc"] == {lead: round(s.pcc, 3) for lead, s in expect.items()}
    assert set(check["pcc"]) == {"V1", "V2", "V3", "V5", "V6"}
    # S0003 holds the truth of its synthesized leads: the true changes, the same comparison on them.
    true = ser["measured_truth"]["leads"]
    truth_doc = doc["measured_truth"]["leads"]
    for name in ("V1", "V2", "V3", "V5", "V6"):
        assert true[name]["provenance"] == "measured"
        assert true[name]["st_now_mv"] == truth_doc[name]["st_j60_mv"]
        assert true[name]["st_prior_mv"] == ser["leads"][name]["st_prior_mv"]
    # The prior as the same file: said before anything.
    assert main(["measure", str(ptb / "S0001.hea"), "--prior", str(ptb / "S0001.hea")]) == 0
    text = capsys.readouterr().out
    assert "compared with the prior ECG" in text and "CAUTION: the prior is this same recording" in text
    assert "(true)" not in text  # nothing synthesized: no truth to put beside
    assert "no change claimed of the ST level by 0.1 mV or more" in text


def test_priors_from_the_patient_library(shared_data, tmp_path, capsys) -> None:
    from leadsynth_core.errors import LibraryError
    from leadsynth_core.library import Library

    ptb = shared_data / "cinc2021" / "PTB_PTBXL"
    with Library() as lib:
        for name in ("S0001", "S0002", "S0003"):
            lib.add_recordings(ptb / f"{name}.hea", patient_id="patient001")
        lib.add_recordings(ptb / "S0006.hea", patient_id="patient004")
        ids = {Path(e.path).stem: e.id for e in lib.list_recordings()}
        # S0003 is found by content: its patient's other complete recordings, most recent first.
        pid, priors = lib.prior_recordings(ptb / "S0003.hea")
        assert pid == "patient001" and [Path(e.path).stem for e in priors] == ["S0002", "S0001"]
        # A file the library does not hold, naming a patient it knows: that patient's recordings.
        pid, priors = lib.prior_recordings(shared_data / "ludb" / "data" / "1.hea", patient_id="patient004")
        assert pid == "patient004" and [Path(e.path).stem for e in priors] == ["S0006"]
        with pytest.raises(LibraryError, match="no patient for this recording"):
            lib.prior_recordings(shared_data / "ludb" / "data" / "1.hea")
    out = tmp_path / "m.json"
    assert main(["measure", str(ptb / "S0003.hea"), "--prior", "library:latest", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["serial"]["prior"]["source"].endswith("S0002.hea")
    assert main(["measure", str(ptb / "S0003.hea"), "--prior", f"library:{ids['S0001']}", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["serial"]["prior"]["source"].endswith("S0001.hea")
    capsys.readouterr()
    assert main(["measure", str(ptb / "S0001.hea"), "--prior", "library:first"]) == 2
    assert "valid library forms are 'library:latest' and 'library:ID'" in capsys.readouterr().err
