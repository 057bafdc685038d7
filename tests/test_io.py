"""Round trips and real-data loading of leadsynth_core.io."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import h5py
import numpy as np
import pytest
import wfdb

from leadsynth_core.errors import RecordFormatError, SignalQualityError
from leadsynth_core.io import (
    Hdf5RecordWriter,
    find_records,
    inspect_record,
    list_records,
    read_record,
    read_window,
    write_record,
    write_records,
)
from leadsynth_core.leads import STANDARD_LEADS, derive_limb_leads
from leadsynth_core.record import EcgRecord, Provenance

M, D, S = Provenance.MEASURED, Provenance.DERIVED, Provenance.SYNTHESIZED


def _record(n: int = 2000, fs: float = 500.0, seed: int = 0, scale: float = 1.0) -> EcgRecord:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    base = np.sin(2 * np.pi * 1.2 * t)[:, None] * np.linspace(0.2, 2.0, 12)[None, :]
    sig = (base + 0.05 * rng.standard_normal((n, 12))) * scale
    prov = (M, M, D, D, D, D, S, M, S, M, S, S)
    return EcgRecord(
        signal=sig.astype(np.float32), fs=fs, lead_names=STANDARD_LEADS, provenance=prov,
        patient_id="P 17", recorded_at=dt.datetime(2021, 3, 4, 5, 6, 7), model_id="unet-i-ii-v2-v4",
        metadata={"age": 63, "sex": "Male"},
    )


def test_wfdb_round_trip_keeps_provenance_and_samples(tmp_path: Path) -> None:
    rec = _record()
    hea = write_record(rec, tmp_path / "out")
    assert hea == tmp_path / "out.hea" and (tmp_path / "out.dat").exists()
    text = hea.read_text()
    tagged = [ln for ln in text.splitlines() if ln.startswith("# leadsynth:")]
    assert tagged == [
        "# leadsynth: measured=I,II,V2,V4; derived=III,aVR,aVL,aVF; "
        "synthesized=V1,V3,V5,V6; model=unet-i-ii-v2-v4"
    ]
    back = read_record(tmp_path / "out")
    assert back.lead_names == STANDARD_LEADS
    assert back.provenance == rec.provenance
    assert back.model_id == rec.model_id
    assert back.patient_id == "P 17"
    assert back.recorded_at == rec.recorded_at
    assert back.metadata["age"] == 63
    assert np.max(np.abs(back.signal.astype(np.float64) - rec.signal)) < 1e-3  # < 1 uV
    # wfdb itself reads what we wrote, in mV
    w = wfdb.rdrecord(str(tmp_path / "out"))
    assert w.sig_name == list(STANDARD_LEADS) and w.fs == 500
    np.testing.assert_allclose(w.p_signal, rec.signal, atol=1e-3)


def test_wfdb_large_signal_uses_format_32(tmp_path: Path) -> None:
    rec = _record(scale=40.0)  # peaks ~80 mV: beyond int16 at 1000/mV
    write_record(rec, tmp_path / "big.hea")
    assert " 32 " in (tmp_path / "big.hea").read_text().splitlines()[1]
    back = read_record(tmp_path / "big.hea")
    assert np.max(np.abs(back.signal.astype(np.float64) - rec.signal)) < 1e-3


def test_wfdb_write_is_atomic_and_refuses_own_source(tmp_path: Path) -> None:
    rec = _record()
    write_record(rec, tmp_path / "a")
    back = read_record(tmp_path / "a.hea")
    with pytest.raises(RecordFormatError, match="refusing to overwrite"):
        write_record(back, tmp_path / "a")
    with pytest.raises(RecordFormatError, match="refusing to overwrite"):
        write_record(back, tmp_path / "a.dat")
    bad = rec.replace(signal=np.full((10, 12), np.nan, dtype=np.float32))
    with pytest.raises(SignalQualityError, match="lead I"):
        write_record(bad, tmp_path / "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.dat", "a.hea"]


def test_write_record_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(RecordFormatError, match="valid formats are wfdb, hdf5, dicom, edf"):
        write_record(_record(), tmp_path / "x", format="png")


def test_hdf5_round_trip_and_window(tmp_path: Path) -> None:
    rec = _record(n=3000).replace(metadata={"age": 63, "note": "é"})
    out = write_record(rec, tmp_path / "one.h5")
    assert list_records(out) == ["one"]
    back = read_record(out)
    np.testing.assert_array_equal(back.signal, rec.signal)
    assert back.provenance == rec.provenance and back.model_id == rec.model_id
    assert back.recorded_at == rec.recorded_at and back.patient_id == rec.patient_id
    assert back.metadata["note"] == "é"
    win = read_window(out, 100, 600)
    np.testing.assert_array_equal(win.signal, rec.signal[100:600])
    assert win.metadata["window"] == [100, 600]
    info = inspect_record(out)
    assert (info.fs, info.n_samples, info.lead_names, info.provenance) == (500.0, 3000, STANDARD_LEADS, rec.provenance)
    with pytest.raises(RecordFormatError, match="refusing to overwrite"):
        write_record(back, out)


def test_hdf5_multi_record(tmp_path: Path) -> None:
    path = write_records({"b": _record(seed=1), "a": _record(seed=2, n=1000)}, tmp_path / "multi.hdf5")
    assert list_records(path) == ["a", "b"]
    assert read_record(path, key="a").n_samples == 1000
    with pytest.raises(RecordFormatError, match="choose one with key=.*a, b"):
        read_record(path)
    with pytest.raises(RecordFormatError, match="no record with key 'c'"):
        read_record(path, key="c")


def test_streaming_writer_and_abort(tmp_path: Path) -> None:
    rec = _record(n=5000)
    with Hdf5RecordWriter(tmp_path / "long.h5", 500, STANDARD_LEADS, rec.provenance, model_id="m1") as w:
        for a in range(0, 5000, 1234):
            w.append(rec.signal[a:a + 1234])
        assert not (tmp_path / "long.h5").exists()  # nothing visible before finish
    back = read_record(tmp_path / "long.h5")
    np.testing.assert_array_equal(back.signal, rec.signal)
    assert back.model_id == "m1" and back.provenance == rec.provenance

    with pytest.raises(RuntimeError), Hdf5RecordWriter(tmp_path / "cancelled.h5", 500, STANDARD_LEADS) as w:
        w.append(rec.signal[:100])
        raise RuntimeError("cancel")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.h5"]
    w2 = Hdf5RecordWriter(tmp_path / "c.h5", 500, STANDARD_LEADS)
    with pytest.raises(RecordFormatError, match=r"shape \(10, 3\)"):
        w2.append(np.zeros((10, 3)))
    w2.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.h5"]


def test_code15_layout(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    tr = rng.standard_normal((3, 4096, 12)).astype(np.float32)
    with h5py.File(tmp_path / "exams.hdf5", "w") as f:
        f["tracings"] = tr
        f["exam_id"] = np.array([101, 205, 309])
    path = tmp_path / "exams.hdf5"
    assert list_records(path) == ["101", "205", "309"]
    rec = read_record(path, key="205")
    assert rec.fs == 400 and rec.lead_names == STANDARD_LEADS
    np.testing.assert_array_equal(rec.signal, tr[1])
    np.testing.assert_array_equal(read_window(path, 10, 20, key="309").signal, tr[2, 10:20])


def test_code15_zero_padding_is_not_read(tmp_path: Path) -> None:
    """CODE-15% centres a 7-s exam between zeros to 4096 samples: the padding is no ECG."""
    rng = np.random.default_rng(1)
    tr = np.zeros((2, 4096, 12), dtype=np.float32)
    tr[0, 648:3448] = rng.standard_normal((2800, 12))
    tr[0, 648, 1:] = 0.0  # a recorded sample with eleven leads at 0 is still the ECG
    tr[1] = rng.standard_normal((4096, 12))  # a full-length exam: nothing removed
    path = tmp_path / "exams.hdf5"
    with h5py.File(path, "w") as f:
        f["tracings"] = tr
    rec = read_record(path, key="0")
    assert rec.n_samples == 2800 and inspect_record(path, key="0").n_samples == 2800
    np.testing.assert_array_equal(rec.signal, tr[0, 648:3448])
    assert rec.metadata["zero_padding"] == [648, 648]
    assert "648 samples before the ECG, 648 after; 3.24 s" in rec.metadata["notes"][0]
    assert "not part of the recording" in rec.describe()
    np.testing.assert_array_equal(read_window(path, 10, 20, key="0").signal, tr[0, 658:668])
    with pytest.raises(RecordFormatError, match="empty sample range"):
        read_window(path, 2800, 2900, key="0")
    full = read_record(path, key="1")
    assert full.n_samples == 4096 and "zero_padding" not in full.metadata and not full.metadata.get("notes")


def test_code15_zero_padding_longer_than_a_read_block(tmp_path: Path) -> None:
    tr = np.zeros((1, 20000, 12), dtype=np.float32)
    tr[0, 9000:10500] = np.random.default_rng(2).standard_normal((1500, 12))
    path = tmp_path / "long.hdf5"
    with h5py.File(path, "w") as f:
        f["tracings"] = tr
    rec = read_record(path)
    assert rec.metadata["zero_padding"] == [9000, 9500]
    np.testing.assert_array_equal(rec.signal, tr[0, 9000:10500])


@pytest.mark.parametrize("transpose", [True, False])
def test_single_ecg_dataset_layout(tmp_path: Path, transpose: bool) -> None:
    x = np.random.default_rng(0).standard_normal((1000, 12)).astype(np.float32)
    path = tmp_path / "e.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("ecg", data=x.T if transpose else x)
        ds.attrs["fs"] = 250.0
        ds.attrs["units"] = "uV"
    rec = read_record(path)
    assert rec.fs == 250 and rec.n_samples == 1000
    np.testing.assert_allclose(rec.signal, x / 1000, rtol=1e-6)


def test_ecg_dataset_without_fs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    x = np.zeros((12, 600), dtype=np.float16)
    sph_like = tmp_path / "sph.h5"
    with h5py.File(sph_like, "w") as f:
        f["ecg"] = x
    with caplog.at_level(logging.WARNING):
        rec = read_record(sph_like)
    assert rec.fs == 500 and rec.metadata["fs_assumed"] is True
    assert "assuming 500 Hz" in caplog.text
    assert read_record(sph_like, fs=1000).fs == 1000
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["ecg"] = x.T  # (n, 12): not SPH's layout, so no rate is guessed
    with pytest.raises(RecordFormatError, match="no 'fs' attribute; pass fs="):
        read_record(other)
    assert read_record(other, fs=360).fs == 360


def test_find_records_skips_temporaries_and_challenge_mat(tmp_path: Path) -> None:
    write_record(_record(), tmp_path / "sub" / "r1")
    write_record(_record(), tmp_path / "r2.h5")
    (tmp_path / ".r3.h5.abc.part").write_bytes(b"")
    (tmp_path / "sub" / "x.mat").write_bytes(b"not matlab")
    assert find_records(tmp_path) == [tmp_path / "r2.h5", tmp_path / "sub" / "r1.hea"]


# ----------------------------------------------------------------- real data
def test_ptb_native_record(shared_data: Path) -> None:
    rec = read_record(shared_data / "ptbdb" / "patient001" / "s0010_re")
    assert rec.lead_names == STANDARD_LEADS + ("vx", "vy", "vz")
    assert rec.fs == 1000 and rec.n_samples == 38400
    assert rec.patient_id == "patient001"
    assert rec.recorded_at == dt.datetime(1990, 10, 1)
    assert rec.metadata["age"] == 81 and rec.metadata["sex"] == "female"
    # Challenge S0001 is the same recording (README: within 0.0005 mV)
    s1 = read_record(shared_data / "cinc2021" / "PTB_PTBXL" / "S0001.hea")
    assert s1.recorded_at is None  # Challenge header date is the conversion date
    assert s1.metadata["dx"] == "251146004,426783006"
    assert np.max(np.abs(s1.signal - rec.select(STANDARD_LEADS).signal)) <= 0.0005 + 1e-6


def test_ptbxl_and_ludb_windows(shared_data: Path) -> None:
    lr = read_record(shared_data / "ptbxl" / "records100" / "00000" / "00001_lr.hea")
    hr = read_record(shared_data / "cinc2021" / "PTB_PTBXL" / "HR00001")
    assert lr.fs == 100 and hr.fs == 500 and lr.lead_names == hr.lead_names == STANDARD_LEADS
    full = read_record(shared_data / "ludb" / "data" / "7")
    win = read_window(shared_data / "ludb" / "data" / "7", 1000, 1500)
    np.testing.assert_array_equal(win.signal, full.signal[1000:1500])
    info = inspect_record(shared_data / "ludb" / "data" / "7.hea")
    assert (info.n_samples, info.fs, info.lead_names) == (5000, 500, STANDARD_LEADS)


def test_cpsc_mat(shared_data: Path) -> None:
    rec = read_record(shared_data / "cpsc2018" / "A1980.mat")
    assert rec.fs == 500 and rec.lead_names == STANDARD_LEADS and rec.n_samples == 5000
    assert rec.metadata["sex"] == "Male" and rec.metadata["age"] == 52


def test_synthesized_ludb_round_trip(shared_data: Path, tmp_path: Path) -> None:
    """A LUDB record re-written as a LeadSynth output reads back with provenance intact."""
    rec = read_record(shared_data / "ludb" / "data" / "12")
    derived = derive_limb_leads(rec.lead("I"), rec.lead("II"))
    sig = np.array(rec.signal)
    for name, x in derived.items():
        sig[:, rec.index(name)] = x
    prov = tuple(D if n in derived else (S if n in ("V1", "V3") else M) for n in rec.lead_names)
    out = rec.replace(signal=sig, provenance=prov, model_id="test-model")
    write_record(out, tmp_path / "syn")
    back = read_record(tmp_path / "syn")
    assert back.provenance == prov and back.model_id == "test-model"
    measured = [i for i, p in enumerate(prov) if p is M]
    assert np.max(np.abs(back.signal[:, measured] - rec.signal[:, measured])) < 1e-3


def _all_shared_records() -> list[Path]:
    from tests.conftest import SHARED_DATA

    # The broken hospital exports (formats/*/bad_*) are found but refused: tests/test_formats.py.
    return [p for p in find_records(SHARED_DATA) if not p.name.startswith("bad_")] if SHARED_DATA.is_dir() else []


@pytest.mark.parametrize("path", _all_shared_records(), ids=lambda p: p.name)
def test_every_shared_record_loads_12_leads_in_mv(shared_data: Path, path: Path) -> None:
    rec = read_record(path)
    rec.require_leads(STANDARD_LEADS)
    x = rec.select(STANDARD_LEADS).signal
    assert x.dtype == np.float32 and np.isfinite(x).all()
    # mV, not uV or V: a 12-lead ECG's 99th percentile amplitude lies well within 0.02..20 mV
    p99 = np.percentile(np.abs(x), 99)
    assert 0.02 < p99 < 20, p99
    assert rec.fs in (100, 500, 1000)


def test_shared_data_record_count(shared_data: Path) -> None:
    # 263 research records + 18 hospital exports in formats/ (15 readable, 3 broken).
    found = find_records(shared_data)
    assert len(found) == 281
    assert sum(1 for p in found if "formats" in p.parts) == 18


def test_bundled_samples_are_marked_synthetic() -> None:
    from leadsynth_core.io import sample_path

    first = sample_path()
    assert first.name == "demo_12lead.h5"
    for name in ("demo_12lead", "demo_12lead_b", "demo_12lead_long.h5"):
        rec = read_record(sample_path(name))
        assert rec.lead_names == STANDARD_LEADS and rec.fs == 500
        assert rec.metadata["synthetic_demo"] is True and "deepfake-ecg" in rec.metadata["generator"]
        assert rec.patient_id.startswith("synthetic-")
        d = derive_limb_leads(rec.lead("I"), rec.lead("II"))
        assert max(np.abs(rec.lead(k) - v).max() for k, v in d.items()) < 1e-6
    assert read_record(sample_path("demo_12lead_long")).duration > 30
    with pytest.raises(RecordFormatError, match="no bundled sample 'nope'; available: demo_12lead.h5"):
        sample_path("nope")


def test_ludb_inconsistent_gains_are_read_on_one_scale(shared_data: Path) -> None:
    """LUDB 1.0.1's per-lead header gains violate III = II - I; its digital samples obey it.

    The reader detects this, reads every lead with one uniform gain and says so.
    """
    rec = read_record(shared_data / "ludb" / "data" / "1")
    note = rec.metadata["gain_correction"]
    assert note["uniform_gain"] == 1000.0
    assert note["max_violation_mv"] > 0.1
    assert "Einthoven" in rec.describe()
    derived = derive_limb_leads(rec.lead("I"), rec.lead("II"))
    for lead, values in derived.items():
        np.testing.assert_allclose(rec.lead(lead), values, atol=2e-3)
    # A self-consistent header is left alone.
    ptb = read_record(shared_data / "cinc2021" / "PTB_PTBXL" / "S0002")
    assert "gain_correction" not in ptb.metadata
