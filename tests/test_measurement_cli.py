"""``leadsynth measure``: JSON keys, table, synthesized beside measured, LUDB records."""

from __future__ import annotations

import json

import numpy as np
import pytest
import wfdb

from leadsynth_core.cli import main
from leadsynth_core.io import read_record
from leadsynth_core.measurement import measure_record

KEYS = ("heart_rate_bpm", "pr_ms", "qrs_ms", "qt_ms", "qtc_bazett_ms", "qtc_fridericia_ms", "axis_deg", "leads")
LEAD_KEYS = ("provenance", "q_mv", "r_mv", "s_mv", "st_j_mv", "st_j60_mv", "st_j80_mv", "t_mv", "t_polarity",
             "p_mv", "qrs_area_mvms")


def test_cli_json_keys_on_a_ludb_record(shared_data, tmp_path) -> None:
    out = tmp_path / "m.json"
    assert main(["measure", str(shared_data / "ludb" / "data" / "1"), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    for key in KEYS:
        assert key in doc
    assert set(doc["axis_deg"]) == {"p", "qrs", "t"}
    assert len(doc["leads"]) == 12
    for lead in doc["leads"].values():
        assert lead["provenance"] == "measured"
        for key in LEAD_KEYS:
            assert key in lead
    assert 40 <= doc["heart_rate_bpm"] <= 55  # LUDB 1: sinus bradycardia


def test_cli_with_inputs_measures_synthesized_beside_truth(shared_data, tmp_path) -> None:
    out = tmp_path / "m.json"
    rec = shared_data / "ludb" / "data" / "170"
    assert main(["measure", str(rec), "--inputs", "I,II,V2,V4", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["leads"]["V1"]["provenance"] == "synthesized"
    assert doc["leads"]["V2"]["provenance"] == "measured"
    assert doc["leads"]["aVF"]["provenance"] == "derived"
    assert doc["measured_truth"]["leads"]["V1"]["provenance"] == "measured"
    diff = doc["difference"]["leads"]["V1"]["st_j60_mv"]
    truth = doc["measured_truth"]["leads"]["V1"]["st_j60_mv"]
    assert diff == pytest.approx(doc["leads"]["V1"]["st_j60_mv"] - truth, abs=2e-3)
    assert set(doc["flags"]["leads"]) == {"V1", "V3", "V5", "V6"}
    assert set(doc["transition_zone"]) == {"measured", "synthesized"}
    # Each synthesized lead's ST level comes with the band there; measured and derived do not.
    assert set(doc["st_j60_band_mv"]) == {"V1", "V3", "V5", "V6"} and "t_band_mv" not in doc
    assert all(0.0 < v < 1.0 for v in doc["st_j60_band_mv"].values())


def test_cli_table_shows_the_band_at_st_beside_synthesized_leads(shared_data, capsys) -> None:
    assert main(["measure", str(shared_data / "ludb" / "data" / "55"), "--inputs", "I,II,V4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    head = next(line for line in lines if line.startswith("lead "))
    col = head.index("±ST60")
    v1 = next(line for line in lines if line.startswith("V1 "))
    v4 = next(line for line in lines if line.startswith("V4 "))
    assert v1[col - 1:col + 5].strip().startswith("±0.")  # synthesized: its band
    assert v4[col - 1:col + 5].strip() == ""  # measured: none
    # The truth row under a flagged lead stays aligned with the values above it.
    under = lines[lines.index(v1) + 1]
    assert under.split()[0] == "measured" and under.index("!") > col
    assert any(line.startswith("±ST60: the 90 % band") for line in lines)
    assert "±T" not in head  # not at the T wave (benchmarks/st_t_band.py)


def test_cli_table_on_stdout(shared_data, capsys) -> None:
    assert main(["measure", str(shared_data / "ludb" / "data" / "1")]) == 0
    text = capsys.readouterr().out
    assert "QTc Bazett" in text and "provenance" in text and "V6" in text


def test_global_values_on_synthesized_leads_are_marked(shared_data, tmp_path, capsys) -> None:
    """LUDB 21 from lead I alone reads QRS 130 ms against its own 104 ms: the table and the JSON
    say which global values rest on synthesized leads; a measured 12-lead carries no mark."""
    rec = shared_data / "ludb" / "data" / "21"
    out = tmp_path / "m.json"
    assert main(["measure", str(rec), "--inputs", "I", "--json", str(out)]) == 0
    assert main(["measure", str(rec), "--inputs", "I"]) == 0  # the table on stdout
    text = capsys.readouterr().out
    doc = json.loads(out.read_text())
    synthesized = [n for n, lm in doc["leads"].items() if lm["provenance"] == "synthesized"]
    assert len(synthesized) == 11
    assert doc["synthesized_basis"]["qrs_ms"] == synthesized
    assert doc["synthesized_basis"]["axis_qrs_deg"] == synthesized
    assert doc["axis_leads_synthesized"] == ["aVF"]
    assert f"QRS ~{doc['qrs_ms']:.0f} ms" in text and f"HR ~{doc['heart_rate_bpm']:.0f} bpm" in text
    assert "~ = read on the beats of all leads, 11 of them synthesized" in text
    # T waves whose band at the peak reaches across zero carry "?" after their polarity.
    unsure = doc["t_polarity_uncertain"]
    assert unsure and set(unsure) <= set(synthesized)
    rows = {line.split()[0]: line for line in text.splitlines() if line.split() and line.split()[0] in doc["leads"]}
    for lead in doc["leads"]:
        marked = f"{doc['leads'][lead]['t_polarity']}?" in rows[lead].split()
        assert marked == (lead in unsure), lead
    assert "?: the band at the synthesized T wave's peak reaches across zero" in text
    assert "the axes' own lead(s) aVF are synthesized here" in text
    assert main(["measure", str(rec), "--json", str(out)]) == 0
    assert main(["measure", str(rec)]) == 0
    text = capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert doc["synthesized_basis"] == {} and doc["axis_leads_synthesized"] == []
    assert "~" not in text


def test_synthesized_basis_names_the_synthesized_leads(shared_data) -> None:
    from leadsynth_core.measurement.result import AXIS_KEYS, GLOBAL_KEYS
    from leadsynth_core.models import load_model
    from leadsynth_core.synthesis import synthesize

    rec = read_record(shared_data / "ludb" / "data" / "21.hea")
    synth = measure_record(synthesize(rec, ("I", "II", "V4"), load_model("linres-i-ii-v4")))
    for key in (*GLOBAL_KEYS, *AXIS_KEYS):
        assert synth.synthesized_basis(key) == ("V1", "V2", "V3", "V5", "V6")
    assert synth.axis_leads_synthesized == ()  # I measured, aVF derived from I and II
    truth = measure_record(rec)
    assert all(truth.synthesized_basis(k) == () for k in (*GLOBAL_KEYS, *AXIS_KEYS))
    with pytest.raises(KeyError, match="valid: heart_rate_bpm"):
        synth.synthesized_basis("st_j60_mv")


def test_cli_flat_record_prints_the_reason(tmp_path, capsys) -> None:
    wfdb.wrsamp("flat", fs=500, units=["mV"] * 2, sig_name=["I", "II"], p_signal=np.zeros((5000, 2)),
                fmt=["16"] * 2, write_dir=str(tmp_path))
    out = tmp_path / "flat.json"
    assert main(["measure", str(tmp_path / "flat"), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["measurable"] is False and "flat" in doc["reason"]
    assert doc["qrs_ms"] is None and doc["leads"]["I"]["r_mv"] is None
    assert main(["measure", str(tmp_path / "flat")]) == 0
    assert "not measurable" in capsys.readouterr().out


def _lead_ii_reference(path) -> dict[str, float]:
    """Median QRS duration and QT of the cardiologist's lead-II annotation (ms)."""
    ann = wfdb.rdann(str(path), "ii")
    sym, smp = list(ann.symbol), list(ann.sample)
    qrs, qt = [], []
    for i, s in enumerate(sym):
        if s == "N" and 0 < i < len(sym) - 1 and sym[i - 1] == "(" and sym[i + 1] == ")":
            qrs.append(smp[i + 1] - smp[i - 1])
            for j in range(i + 2, min(i + 6, len(sym) - 1)):
                if sym[j] == "t" and sym[j + 1] == ")":
                    qt.append(smp[j + 1] - smp[i - 1])
                    break
    return {"qrs_ms": float(np.median(qrs)) * 2, "qt_ms": float(np.median(qt)) * 2}  # 500 Hz


@pytest.mark.parametrize("rid", [1, 161, 175, 190])
def test_ludb_intervals_near_the_cardiologist(shared_data, rid) -> None:
    path = shared_data / "ludb" / "data" / str(rid)
    m = measure_record(read_record(path.with_suffix(".hea")))
    ref = _lead_ii_reference(path)
    assert m.measurable
    # Global intervals span all leads, so they may exceed lead II's by a little.
    assert m.values.qrs_ms == pytest.approx(ref["qrs_ms"], abs=25)
    assert m.values.qt_ms == pytest.approx(ref["qt_ms"], abs=40)


def test_paced_ludb_record_is_not_measured(shared_data) -> None:
    m = measure_record(read_record(shared_data / "ludb" / "data" / "104.hea"))
    assert not m.measurable and "pacemaker" in m.reason
    assert m.to_dict()["qt_ms"] is None


def test_a_later_stretch_is_reported_in_the_records_seconds(shared_data, tmp_path, capsys) -> None:
    """``--start 20 --inputs ...`` measured 20-30 s of PTB S0002 but reported "0-10 s" (the
    synthesized stretch is a slice of the record, measured from its own start)."""
    rec = str(shared_data / "cinc2021" / "PTB_PTBXL" / "S0002")
    for extra in ([], ["--inputs", "I,II,V4"]):
        out = tmp_path / f"m{len(extra)}.json"
        assert main(["measure", rec, "--start", "20", "--duration", "10", *extra, "--json", str(out)]) == 0
        doc = json.loads(out.read_text())
        assert doc["window_s"] == [20.0, 30.0]
        if extra:
            assert doc["measured_truth"]["window_s"] == [20.0, 30.0] and doc["inputs"] == ["I", "II", "V4"]
    assert main(["measure", rec, "--start", "20", "--duration", "10", "--inputs", "I,II,V4"]) == 0
    assert "beat(s) in 20-30 s" in capsys.readouterr().out
