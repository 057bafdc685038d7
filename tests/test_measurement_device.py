"""LeadSynth's global measurements beside a cart's own (``metadata["device_report"]``)."""

from __future__ import annotations

import json

from leadsynth_core.io import read_record
from leadsynth_core.measurement import compare_with_device, device_values, measure_record
from leadsynth_core.measurement.device import UNSTATED_QTC, angle_difference
from leadsynth_core.measurement.globals import GlobalValues


def test_axis_differences_wrap_around_the_circle() -> None:
    assert angle_difference(179.0, -179.0) == -2.0
    assert angle_difference(-179.0, 179.0) == 2.0
    assert angle_difference(10.0, 20.0) == -10.0
    assert angle_difference(180.0, 0.0) == 180.0


def test_cart_values_under_leadsynth_keys_absent_ones_left_out() -> None:
    report = {"device": "cart", "source": "x",
              "measurements": {"heart_rate_bpm": 81, "qt_ms": 378, "qtc_ms": 439, "qrs_ms": 0,
                               "axis_deg": {"p": 167, "qrs": 26}},
              "statements": []}
    cart = device_values(report)
    assert cart["heart_rate_bpm"] == (81.0, "")
    assert cart["qrs_ms"] == (0.0, "")  # a reported 0 is a value; an absent one is not
    assert "pr_ms" not in cart and "axis_t_deg" not in cart and "qtc_fridericia_ms" not in cart
    # An unnamed QTc goes beside Bazett's, and says so.
    assert cart["qtc_bazett_ms"] == (439.0, UNSTATED_QTC)
    values = GlobalValues(heart_rate_bpm=84.0, qt_ms=374.0, qtc_bazett_ms=443.0, axis_p_deg=None,
                          axis_qrs_deg=-170.0, axis_t_deg=-151.0)
    rows = {r.key: r for r in compare_with_device(values, report)}
    assert rows["heart_rate_bpm"].difference == 3.0
    assert rows["qt_ms"].difference == -4.0
    assert rows["pr_ms"].device is None and rows["pr_ms"].difference is None
    assert rows["axis_p_deg"].leadsynth is None and rows["axis_p_deg"].device == 167.0
    assert rows["axis_p_deg"].difference is None
    assert rows["axis_qrs_deg"].difference == 164.0  # -170 vs 26: wrapped, not -196
    assert rows["qtc_bazett_ms"].note == UNSTATED_QTC
    assert all(r.device is None for r in compare_with_device(values, None))


def test_ge_muse_file_cart_beside_leadsynth(shared_data) -> None:
    rec = read_record(shared_data / "formats" / "ge_muse" / "example1.xml")
    rows = {r.key: r for r in compare_with_device(measure_record(rec).values, rec.metadata["device_report"])}
    # The cart's own numbers (GE 12SL, RestingECGMeasurements of that file).
    assert (rows["heart_rate_bpm"].device, rows["pr_ms"].device, rows["qrs_ms"].device, rows["qt_ms"].device) == \
        (48.0, 138.0, 96.0, 452.0)
    assert rows["axis_qrs_deg"].device == 20.0
    # LeadSynth's agree with the cart's within what two algorithms differ by.
    assert abs(rows["heart_rate_bpm"].difference) <= 2
    assert abs(rows["qrs_ms"].difference) <= 20
    assert abs(rows["qt_ms"].difference) <= 50
    assert abs(rows["axis_qrs_deg"].difference) <= 15


def test_measure_carts_benchmark_on_the_real_files(shared_data, tmp_path) -> None:
    from benchmarks import measure_carts

    out = tmp_path / "carts.json"
    assert measure_carts.main(["--data", str(shared_data / "formats"), "--out", str(out)]) == 0

    res = json.loads(out.read_text())
    by_file = {f["file"]: f for f in res["files"]}
    assert "refused" in by_file["philips_sierra/bad_invalid-doc-type.xml"]
    assert by_file["philips_sierra/repbeats_example_v103.xml"]["same_as"] == "philips_sierra/129DYPRG_v103.xml"
    muse = by_file["ge_muse/example1.xml"]["rows"]
    assert muse["qt_ms"]["device"] == 452.0 and muse["qt_ms"]["leadsynth"] is not None
    assert res["summary"]["qrs_ms"]["n"] >= 8
    # The QT as carts take it (to the latest T end over the leads): no systematic offset
    # (the spatial T end used before read it 20 ms short on average).
    assert res["summary"]["qt_ms"]["n"] >= 8 and abs(res["summary"]["qt_ms"]["mean"]) <= 10
    md = out.with_suffix(".md").read_text()
    assert "| `ge_muse/example1.xml` |" in md and "Summary over" in md


def test_cli_measure_puts_the_carts_values_beside(shared_data, tmp_path, capsys) -> None:
    from leadsynth_core.cli import main

    philips = shared_data / "formats" / "philips_sierra" / "129DYPRG_v103.xml"
    out = tmp_path / "m.json"
    assert main(["measure", str(philips), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    dev = doc["device"]
    assert dev["device"].startswith("Philips") and "DXL" in dev["source"]
    assert dev["values"]["qrs_ms"]["device"] == 135
    assert dev["values"]["qrs_ms"]["difference"] == doc["qrs_ms"] - 135
    assert dev["values"]["qtc_bazett_ms"]["note"] == "formula not stated"
    assert "qtc_fridericia_ms" not in dev["values"]  # the cart gives none: left out, not 0
    # With --inputs, the cart's values sit beside LeadSynth's of the record as read (the truth).
    assert main(["measure", str(philips), "--inputs", "I,II,V2,V4", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["device"]["values"]["qt_ms"]["leadsynth"] == doc["measured_truth"]["qt_ms"]
    # The table says it too; a paced record LeadSynth does not measure still shows the cart's.
    assert main(["measure", str(shared_data / "formats" / "ge_muse" / "example4.xml")]) == 0
    text = capsys.readouterr().out
    assert "not measurable" in text and "cart's own measurements" in text and "qrs 128 (LeadSynth -)" in text
    # A record without a device report has no "device" key.
    assert main(["measure", str(shared_data / "ludb" / "data" / "1"), "--json", str(out)]) == 0
    assert "device" not in json.loads(out.read_text())
