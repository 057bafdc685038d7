"""Hospital exports in the viewer (issue 18): a GE MUSE file opens, synthesizes, renders, and
the Record panel shows the patient fields and the cart's own "Device report"."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.shell.dialogs import OPEN_FILTER
from leadsynth_core.record import Provenance

from .conftest import wait_synthesis

pytestmark = pytest.mark.gui


def _formats(shared_data: Path) -> Path:
    folder = shared_data / "formats"
    if not (folder / "ge_muse" / "example1.xml").exists():
        pytest.skip(f"hospital export files not found at {folder}")
    return folder


def test_open_dialog_lists_the_hospital_formats() -> None:
    filters = OPEN_FILTER.split(";;")
    assert filters[0].startswith("All ECG records (") and "*.xml" in filters[0] and "*.dcm" in filters[0]
    for name in ("GE MUSE RestingECG XML (*.xml)", "EDF / EDF+ / BDF (*.edf *.bdf)", "HL7 v3 annotated ECG (*.xml)"):
        assert name in filters
    assert any(f.startswith("Philips Sierra ECG XML") for f in filters)
    assert any(f.startswith("DICOM 12-lead") and f.endswith("(*.dcm)") for f in filters)


def test_muse_record_shows_device_report(qtbot, make_window, shared_data, error_boxes) -> None:
    w = make_window()
    w.open_path(_formats(shared_data) / "ge_muse" / "example1.xml")
    wait_synthesis(qtbot, w)
    assert not error_boxes
    doc = w.document
    assert doc.record.metadata["format"] == "ge-muse-xml"
    assert doc.result is not None and doc.result.leads_with(Provenance.SYNTHESIZED)
    panel = w.record_panel
    box = panel.device_report
    assert box.isVisible()
    assert "SKJ18310123PA" in box.title()
    rows = dict(box.rows)
    assert rows["Heart rate"] == "48 bpm" and rows["QTc (Bazett)"] == "403 ms" and rows["PR"] == "138 ms"
    assert rows["Axes P/QRS/T"] == "51 / 20 / 40 deg"
    assert "not LeadSynth's" in box.source.text()
    assert "GE" in panel.fields["Device"].text()
    assert "III, aVR, aVL, aVF computed from I and II" in panel.fields["Notes"].text()


def test_philips_record_shows_patient_and_statements(qtbot, make_window, shared_data, error_boxes) -> None:
    w = make_window()
    w.open_path(_formats(shared_data) / "philips_sierra" / "3191723_ZZDEMOPTONLY_v104.xml")
    wait_synthesis(qtbot, w)
    panel = w.record_panel
    assert panel.fields["Patient"].text() == "9999"
    assert panel.fields["Age, sex"].text() == "60, male"
    assert panel.fields["Recorded"].text() == "2010-01-19 15:19:22"
    assert "SINUS RHYTHM" in panel.device_report.statements.text()
    # A record without a cart report hides the box again.
    w.open_path(_formats(shared_data).parent / "ludb" / "data" / "1.hea")
    wait_synthesis(qtbot, w)
    qtbot.waitUntil(lambda: w.document.path.name == "1.hea", timeout=10_000)
    assert not panel.device_report.isVisible()
    assert "Philips" not in panel.fields["Device"].text() and panel.fields["Age, sex"].text() != "60, male"


REAL_FILES = [
    "ge_muse/example2.xml", "ge_muse/example4.xml", "philips_sierra/129DYPRG_v103.xml",
    "philips_sierra/2020-5-18_15-48-11_v10401.xml", "philips_sierra/ad4d3d80-d165_v104.xml",
    "ge_cardiosoft/example-XML1.xml", "dicom/example-DICOM1.dcm", "dicom/example-DICOM2.dcm",
    "hl7_aecg/hl7_example_aECG.xml", "hl7_aecg/subject1_0.xml",
]


def test_every_kind_of_real_export_renders(qtbot, make_window, shared_data, error_boxes) -> None:
    """One window opens each file in turn: the 12 cells draw traces, synthesized ones flagged."""
    folder = _formats(shared_data)
    w = make_window()
    for name in REAL_FILES:
        w.open_path(folder / name)
        qtbot.waitUntil(lambda name=name: w.document.path is not None and w.document.path.name == Path(name).name,
                        timeout=20_000)
        wait_synthesis(qtbot, w)
        assert not error_boxes, (name, error_boxes)
        cells = [ci for ci in w.grid.cell_items() if ci.trace is not None]
        assert len(cells) >= 12, name
        for ci in cells:
            x, y = ci.trace.getData()
            assert x is not None and len(x) > 100, (name, ci.display)
        assert w.document.result.leads_with(Provenance.SYNTHESIZED) == ("V1", "V3", "V5", "V6"), name


def test_save_synthesized_as_dicom_edf_and_csv(qtbot, make_window, shared_data, tmp_path, error_boxes) -> None:
    from leadsynth_core.io import read_record

    w = make_window()
    w.open_path(_formats(shared_data) / "ge_cardiosoft" / "example-XML1.xml")
    wait_synthesis(qtbot, w)
    for name in ("archive.dcm", "archive.edf", "table.csv"):
        out = tmp_path / name
        w.save_record(out)
        qtbot.waitUntil(lambda out=out: out.exists() and not w.tasks.is_running("export"), timeout=30_000)
        back = read_record(out)
        assert back.provenance == w.document.result.provenance, name
        assert back.model_id == w.document.result.model_id
    assert not error_boxes


def test_apple_watch_export_opens_with_lead_i_and_its_report(qtbot, make_window, error_boxes) -> None:
    """A patient's watch ECG (no shared data needed): lead I alone is the input, the watch's
    classification is the device report, and the notes say the lead is the watch's."""
    watch = Path(__file__).resolve().parents[1] / "data" / "apple_watch" / "ecg_afib_symptoms.txt"
    w = make_window()
    w.open_path(watch)
    wait_synthesis(qtbot, w)
    assert not error_boxes
    assert w.document.inputs == ("I",)
    assert w.document.result.leads_with(Provenance.MEASURED) == ("I",)
    assert "Inputs I:" in w.statusBar().currentMessage()
    assert "*.csv" in OPEN_FILTER.split(";;")[0]
    panel = w.record_panel
    assert panel.device_report.isVisible()
    assert "Atrial Fibrillation" in panel.device_report.statements.text()
    assert "Apple Watch (Watch6,7)" in panel.fields["Device"].text()
    assert "similar to lead I" in panel.fields["Notes"].text()
    assert panel.fields["Age, sex"].text().startswith("70")


def test_apple_health_export_zip_offers_its_ecgs(qtbot, make_window, tmp_path, monkeypatch, error_boxes) -> None:
    """The patient's whole export.zip opens as it is: the viewer offers its ECGs by file name."""
    import zipfile

    watch = Path(__file__).resolve().parents[1] / "data" / "apple_watch"
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("apple_health_export/export.xml", "<HealthData/>")
        zf.write(watch / "ecg_2026-03-14_en.csv", "apple_health_export/electrocardiograms/ecg_2026-03-14.csv")
        zf.write(watch / "ecg_afib_symptoms.txt", "apple_health_export/electrocardiograms/ecg_2026-03-20.csv")
    offered: list[list[str]] = []

    def pick(_parent, _title, _label, items, *_args):
        offered.append(list(items))
        return "ecg_2026-03-20.csv", True

    monkeypatch.setattr("app.shell.dialogs.QInputDialog.getItem", pick)
    assert "*.zip" in OPEN_FILTER.split(";;")[0]
    w = make_window()
    w.open_path(path)
    wait_synthesis(qtbot, w)
    assert not error_boxes
    assert offered == [["ecg_2026-03-14.csv", "ecg_2026-03-20.csv"]]
    assert w.document.key == "ecg_2026-03-20.csv" and w.document.inputs == ("I",)
    assert "Atrial Fibrillation" in w.record_panel.device_report.statements.text()
    assert "ecg_2026-03-20.csv" in w.record_panel.fields["File"].text()


def test_kardia_6l_opens_with_i_and_ii_and_its_derived_limb_leads(qtbot, make_window, error_boxes) -> None:
    """A KardiaMobile 6L file: I and II are the inputs, the four limb leads it computed are drawn
    as derived, the chest leads synthesized, the app's filters in the notes."""
    six = Path(__file__).resolve().parents[1] / "data" / "alivecor" / "kardia_6l_v3.atc"
    w = make_window()
    w.open_path(six)
    wait_synthesis(qtbot, w)
    assert not error_boxes
    assert w.document.inputs == ("I", "II")
    result = w.document.result
    assert result.leads_with(Provenance.MEASURED) == ("I", "II")
    assert set(result.leads_with(Provenance.DERIVED)) == {"III", "aVR", "aVL", "aVF"}
    assert result.leads_with(Provenance.SYNTHESIZED) == ("V1", "V2", "V3", "V4", "V5", "V6")
    assert "AliveCor" in w.record_panel.fields["Device"].text()
    assert "filters" in w.record_panel.fields["Notes"].text()


def test_printed_page_names_the_recording_device(qtbot, make_window, error_boxes) -> None:
    """A printout of a watch or Kardia recording says what recorded its measured lead(s) and which
    filters the device applied, beside the record line."""
    from app.render.page import footer_lines

    data = Path(__file__).resolve().parents[1] / "data"
    w = make_window()
    w.open_path(data / "apple_watch" / "ecg_2026-03-14_en.csv")
    wait_synthesis(qtbot, w)
    lines = footer_lines(w.document, w.view_state)
    assert "Device: Apple Watch (Watch6,7), ECG app 1.90 (one lead similar to lead I, read as lead I)" in lines
    w.open_path(data / "alivecor" / "kardia_1l_enhanced_v4.atc")
    qtbot.waitUntil(lambda: w.document.path is not None and w.document.path.suffix == ".atc", timeout=10_000)
    wait_synthesis(qtbot, w)
    device = next(ln for ln in footer_lines(w.document, w.view_state) if ln.startswith("Device:"))
    assert "filters applied by the device:" in device and "AliveCor enhanced filter" in device
    assert not error_boxes


def test_scp_record_of_a_pediatric_placement(qtbot, make_window, error_boxes) -> None:
    """A Welch Allyn SCP-ECG file (I, II, V1, V2, V4, V6, V3R, V7): the default inputs I, II, V2, V4
    are all recorded; V1 and V6 are synthesized against their truth, V3 and V5, which the placement
    does not record, without one; the cart's statements and filter are shown."""
    from app.render.page import footer_lines

    scp = Path(__file__).resolve().parents[1] / "data" / "scp" / "welch_allyn_pediatric_anon.scp"
    w = make_window()
    w.open_path(scp)
    wait_synthesis(qtbot, w)
    assert not error_boxes
    assert w.document.inputs == ("I", "II", "V2", "V4")
    assert w.document.result.leads_with(Provenance.SYNTHESIZED) == ("V1", "V3", "V5", "V6")
    assert set(w.document.scores) == {"V1", "V6"}
    assert "sinusrytm" in w.record_panel.device_report.statements.text()
    rows = dict(w.record_panel.device_report.rows)
    assert rows["QTc (Bazett)"] == "401 ms" and rows["Axes P/QRS/T"] == "64 / 49 / 25 deg"
    assert "Device: Welch Allyn Cardio Control MDW14; filters applied by the device: low-pass 35 Hz" in footer_lines(
        w.document, w.view_state)


def test_a_table_without_a_rate_asks_for_it_and_says_so_on_the_page(qtbot, make_window, tmp_path, monkeypatch,
                                                                    error_boxes) -> None:
    """No dead end: the viewer asks for the rate the file does not state, opens a copy that states
    it, and the printed page says the rate was entered, not read."""
    import numpy as np

    from app.render.page import footer_lines

    path = tmp_path / "patch.csv"
    path.write_text("I,II\n" + "".join(f"{np.sin(k / 20) * 0.8:.4f},{np.cos(k / 20):.4f}\n" for k in range(2500)))
    asked: list[str] = []

    def enter_rate(_parent, _title, label, *_args):
        asked.append(label)
        return 250.0, True

    monkeypatch.setattr("app.shell.dialogs.QInputDialog.getDouble", enter_rate)
    w = make_window()
    w.open_path(path)
    wait_synthesis(qtbot, w)
    assert not error_boxes and len(asked) == 1 and "states no sampling rate" in asked[0]
    assert w.document.path == tmp_path / "patch.250Hz.csv" and w.document.record.fs == 250.0
    assert "PROCESSED: sampling rate 250 Hz entered by the user (the table stated none)" in footer_lines(
        w.document, w.view_state)


def test_record_panel_keeps_the_file_format_apart_from_the_device(qtbot, make_window, error_boxes) -> None:
    data = Path(__file__).resolve().parents[1] / "data"
    w = make_window()
    w.open_path(data / "scp" / "eli250_example.scp")
    wait_synthesis(qtbot, w)
    panel = w.record_panel
    assert panel.fields["Format"].text() == "scp-ecg" and panel.fields["Device"].text().endswith("ELI250")
    assert not error_boxes


def test_kardia_api_list_offers_its_recordings_by_time(qtbot, make_window, tmp_path, monkeypatch,
                                                       error_boxes) -> None:
    """A Kardia Pro list of a patient's recordings opens as it is: the viewer offers them by local
    time and id; a 6L recording opens with I and II as the inputs and the AliveCor determination."""
    import json

    folder = Path(__file__).resolve().parents[1] / "data" / "alivecor"
    six = json.loads((folder / "kardia_6l_api.json").read_text(encoding="utf-8"))
    one = json.loads((folder / "kardia_1l_reference_keys.json").read_text(encoding="utf-8"))
    path = tmp_path / "patient_recordings.json"
    path.write_text(json.dumps({"totalCount": 2, "data": [one, six]}), encoding="utf-8")
    offered: list[list[str]] = []

    def pick(_parent, _title, _label, items, *_args):
        offered.append(list(items))
        return items[1], True

    monkeypatch.setattr("app.shell.dialogs.QInputDialog.getItem", pick)
    w = make_window()
    w.open_path(path)
    wait_synthesis(qtbot, w)
    assert not error_boxes
    assert offered == [["2026-01-15 18:40:12 5e84b0dab8dfa268b1180aaa", "2026-02-03 08:15:00 3wde1eem9vy4y1a0rv3y98u2a"]]
    assert w.document.key == offered[0][1] and w.document.inputs == ("I", "II")
    assert "Possible atrial fibrillation" in w.record_panel.device_report.statements.text()
