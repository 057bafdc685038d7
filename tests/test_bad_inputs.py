"""Every kind of bad input gives a specific LeadSynth error naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import scipy.io

from leadsynth_core.errors import (
    LeadSynthError,
    MissingLeadError,
    RecordFormatError,
    SignalQualityError,
    UnsupportedLeadError,
)
from leadsynth_core.io import inspect_record, read_record, write_record
from leadsynth_core.leads import STANDARD_LEADS
from leadsynth_core.record import EcgRecord


def _wfdb(
    folder: Path,
    name: str = "rec",
    *,
    n: int = 100,
    fs: str = "500",
    header_n: int | None = None,
    leads: tuple[str, ...] = ("I", "II"),
    gain: str = "1000/mV",
    data: np.ndarray | None = None,
    write_data: bool = True,
) -> Path:
    """A small format-16 WFDB record built by hand (so that it can be broken on purpose)."""
    digital = data if data is not None else (np.arange(n * len(leads)).reshape(n, len(leads)) % 300).astype("<i2")
    lines = [f"{name} {len(leads)} {fs} {header_n if header_n is not None else n}"]
    lines += [f"{name}.dat 16 {gain} 16 0 0 0 0 {lead}" for lead in leads]
    hea = folder / f"{name}.hea"
    hea.write_text("\n".join(lines) + "\n")
    if write_data:
        (folder / f"{name}.dat").write_bytes(np.asarray(digital, dtype="<i2").tobytes())
    return hea


def test_good_hand_made_record_reads(tmp_path: Path) -> None:
    rec = read_record(_wfdb(tmp_path))
    assert rec.lead_names == ("I", "II") and rec.n_samples == 100
    assert rec.signal[1, 1] == pytest.approx(3 / 1000)


def test_missing_record(tmp_path: Path) -> None:
    with pytest.raises(RecordFormatError, match=r"nothere.*no such record"):
        read_record(tmp_path / "nothere")


def test_header_without_data_file(tmp_path: Path) -> None:
    hea = _wfdb(tmp_path, write_data=False)
    with pytest.raises(RecordFormatError, match=rf"{hea}: data file rec.dat named in the header is missing"):
        read_record(hea)


def test_truncated_data_file(tmp_path: Path) -> None:
    hea = _wfdb(tmp_path)
    dat = tmp_path / "rec.dat"
    dat.write_bytes(dat.read_bytes()[:150])
    with pytest.raises(RecordFormatError, match=r"rec.hea: data file rec.dat is truncated: header says 100 samples"):
        read_record(hea)


def test_sample_count_disagrees_with_header(tmp_path: Path) -> None:
    hea = _wfdb(tmp_path, n=100, header_n=80)
    with pytest.raises(RecordFormatError, match=r"rec.hea: number of samples in the header \(80\) disagrees"):
        read_record(hea)


@pytest.mark.parametrize(
    ("fs", "message"),
    [
        ("0", r"sampling frequency '0' Hz is not plausible"),
        ("-250", r"sampling frequency '-250' Hz is not plausible"),
        ("5e9", r"sampling frequency '5e9' Hz is not plausible"),
        ("fast", r"sampling frequency 'fast' is not a number"),
    ],
)
def test_bad_sampling_rate(tmp_path: Path, fs: str, message: str) -> None:
    hea = _wfdb(tmp_path, fs=fs)
    with pytest.raises(RecordFormatError, match=rf"rec.hea: {message}"):
        read_record(hea)
    with pytest.raises(RecordFormatError, match="sampling frequency"):
        inspect_record(hea)


@pytest.mark.parametrize("gain", ["abc/mV", "1e/mV", "0/mV"])
def test_bad_gain(tmp_path: Path, gain: str) -> None:
    with pytest.raises(RecordFormatError, match=r"rec.hea: signal I: gain"):
        read_record(_wfdb(tmp_path, gain=gain))


def test_unknown_units(tmp_path: Path) -> None:
    with pytest.raises(RecordFormatError, match=r"rec.hea: signal I has unknown physical unit 'mmHg'"):
        read_record(_wfdb(tmp_path, gain="1000/mmHg"))


def test_microvolt_units_are_converted(tmp_path: Path) -> None:
    rec = read_record(_wfdb(tmp_path, gain="1/uV"))
    assert rec.signal[1, 1] == pytest.approx(3 / 1000)


def test_wfdb_invalid_sample_is_nan(tmp_path: Path) -> None:
    data = np.zeros((100, 2), dtype="<i2")
    data[42, 1] = -32768  # the format-16 "no sample" value, which wfdb reads as NaN
    with pytest.raises(SignalQualityError, match=r"rec.hea: lead II has 1 non-finite sample\(s\).*first at sample 42"):
        read_record(_wfdb(tmp_path, data=data))


def test_hdf5_nan_and_inf(tmp_path: Path) -> None:
    x = np.zeros((12, 500), dtype=np.float32)
    x[3, 10] = np.inf
    x[3, 20] = np.nan
    path = tmp_path / "nan.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("ecg", data=x).attrs["fs"] = 500
    with pytest.raises(SignalQualityError, match=r"nan.h5: lead aVR has 2 non-finite sample\(s\).*first at sample 10"):
        read_record(path)


def test_cpsc_mat_with_inf_and_without_struct(tmp_path: Path) -> None:
    data = np.zeros((12, 1000))
    data[7, 5] = -np.inf
    scipy.io.savemat(tmp_path / "A0001.mat", {"ECG": {"sex": "Male", "age": 40, "data": data}})
    with pytest.raises(SignalQualityError, match=r"A0001.mat: lead V2 has 1 non-finite"):
        read_record(tmp_path / "A0001.mat")
    scipy.io.savemat(tmp_path / "B.mat", {"val": data})
    with pytest.raises(RecordFormatError, match=r"B.mat: no struct 'ECG'"):
        read_record(tmp_path / "B.mat")
    scipy.io.savemat(tmp_path / "C.mat", {"ECG": {"data": np.zeros((8, 10))}})
    with pytest.raises(RecordFormatError, match=r"C.mat: ECG.data has shape \(8, 10\)"):
        read_record(tmp_path / "C.mat")
    (tmp_path / "D.mat").write_bytes(b"\x00garbage")
    with pytest.raises(RecordFormatError, match=r"D.mat: not a readable MATLAB file"):
        read_record(tmp_path / "D.mat")


@pytest.mark.parametrize("bad", ["MLII", "-aVR", "V10", "RV4", "lead x"])
def test_unknown_lead_name(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsupportedLeadError, match=rf"rec.hea: signal 1 has an unknown lead name '{bad}'"):
        read_record(_wfdb(tmp_path, leads=("I", bad)))


def test_frank_leads_are_kept_as_extra_channels(tmp_path: Path) -> None:
    rec = read_record(_wfdb(tmp_path, leads=("i", "VX")))
    assert rec.lead_names == ("I", "vx")


def test_right_sided_and_posterior_leads_are_kept_as_measured(tmp_path: Path) -> None:
    rec = read_record(_wfdb(tmp_path, leads=("I", "II", "v4r", "V8", "v9")))
    assert rec.lead_names == ("I", "II", "V4R", "V8", "V9")
    assert rec.leads_with("measured") == rec.lead_names


def test_duplicated_lead_name(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedLeadError, match=r"rec.hea: lead II appears twice \(signals 1 and 2\)"):
        read_record(_wfdb(tmp_path, leads=("I", "II", "ii")))


def test_missing_requested_leads(tmp_path: Path) -> None:
    rec = read_record(_wfdb(tmp_path))
    with pytest.raises(MissingLeadError, match=r"rec.hea: missing lead\(s\) V2, V4; leads present: I, II"):
        rec.require_leads(["I", "V2", "v4"])


def test_empty_hdf5(tmp_path: Path) -> None:
    path = tmp_path / "empty.h5"
    h5py.File(path, "w").close()
    with pytest.raises(RecordFormatError, match=r"empty.h5: HDF5 file is empty"):
        read_record(path)


def test_not_hdf5(tmp_path: Path) -> None:
    path = tmp_path / "fake.h5"
    path.write_bytes(b"plain text")
    with pytest.raises(RecordFormatError, match=r"fake.h5: not a readable HDF5 file"):
        read_record(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.zeros(5000, dtype=np.float32), r"dataset 'ecg' has rank 1 \(shape \(5000,\)\), expected 2"),
        (np.zeros((2, 12, 500), dtype=np.float32), r"dataset 'ecg' has rank 3"),
        (np.zeros((12, 500), dtype=np.int16), r"dataset 'ecg' has dtype int16, expected floating point"),
        (np.zeros((8, 500), dtype=np.float32), r"dataset 'ecg' has shape \(8, 500\); expected exactly one axis of 12"),
    ],
)
def test_hdf5_wrong_rank_or_dtype(tmp_path: Path, data: np.ndarray, message: str) -> None:
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("ecg", data=data).attrs["fs"] = 500
    with pytest.raises(RecordFormatError, match=rf"bad.h5: {message}"):
        read_record(path)


def test_hdf5_unknown_layout_and_bad_tracings(tmp_path: Path) -> None:
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f["signals"] = np.zeros((10, 12))
    with pytest.raises(RecordFormatError, match=r"other.h5: unrecognised HDF5 layout \(top-level items: signals\)"):
        read_record(path)
    path = tmp_path / "code.h5"
    with h5py.File(path, "w") as f:
        f["tracings"] = np.zeros((2, 4096, 12), dtype=np.float32)
        f["exam_id"] = np.array([1, 2, 3])
    with pytest.raises(RecordFormatError, match=r"code.h5: dataset 'exam_id' has 3 entries for 2 tracings"):
        read_record(path, key="1")


def test_project_hdf5_bad_attributes(tmp_path: Path) -> None:
    rec = EcgRecord(signal=np.zeros((50, 2), np.float32), fs=500, lead_names=("I", "II"))
    path = write_record(rec, tmp_path / "p.h5")
    with h5py.File(path, "r+") as f:
        f["records/p"].attrs["provenance"] = np.array(["measured", "guessed"], dtype=h5py.string_dtype())
    with pytest.raises(RecordFormatError, match=r"p.h5 \[p\]: attribute provenance"):
        read_record(path)
    with h5py.File(path, "r+") as f:
        del f["records/p"].attrs["provenance"]
        f["records/p"].attrs["fs"] = -1.0
    with pytest.raises(RecordFormatError, match=r"p.h5 \[p\]: attribute fs -1.0 Hz is not plausible"):
        read_record(path)


def test_corrupt_leadsynth_comment(tmp_path: Path) -> None:
    hea = _wfdb(tmp_path)
    hea.write_text(hea.read_text() + "# leadsynth: measured=I; derived=-; synthesized=-; model=-\n")
    with pytest.raises(RecordFormatError, match=r"rec.hea: leadsynth comment gives no provenance for lead\(s\) II"):
        read_record(hea)


def test_header_with_too_few_signal_lines(tmp_path: Path) -> None:
    hea = _wfdb(tmp_path)
    hea.write_text(hea.read_text().replace("rec 2 500", "rec 3 500"))
    with pytest.raises(RecordFormatError, match=r"rec.hea: header declares 3 signals but has 2 signal lines"):
        read_record(hea)


def test_garbage_header(tmp_path: Path) -> None:
    (tmp_path / "junk.hea").write_bytes(b"\x00\xff\xfe binary junk\n")
    with pytest.raises(RecordFormatError, match=r"junk.hea: record line"):
        read_record(tmp_path / "junk")


def test_errors_are_leadsynth_errors() -> None:
    for cls in (RecordFormatError, UnsupportedLeadError, MissingLeadError, SignalQualityError):
        assert issubclass(cls, LeadSynthError)


def test_writer_rejects_bad_names_and_model_ids(tmp_path: Path) -> None:
    rec = EcgRecord(signal=np.zeros((50, 12), np.float32), fs=500, lead_names=STANDARD_LEADS)
    with pytest.raises(RecordFormatError, match="WFDB record name 'a b'"):
        write_record(rec, tmp_path / "a b")
    with pytest.raises(RecordFormatError, match="model id 'x;y'"):
        write_record(rec.replace(model_id="x;y"), tmp_path / "ok")
    assert list(tmp_path.iterdir()) == []


def test_wfdb_writer_refuses_a_model_called_dash(tmp_path: Path) -> None:
    """'-' means 'no model' in the provenance comment; a model of that name would read back as none."""
    rec = EcgRecord(np.zeros((10, 1), np.float32), 100.0, ("V1",), ("synthesized",), model_id="-")
    with pytest.raises(RecordFormatError, match="model"):
        write_record(rec, tmp_path / "out")
    assert not list(tmp_path.iterdir())
