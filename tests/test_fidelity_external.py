"""PTB-XL fold 10 from the preprocessed cache in the fidelity benchmark (``--external-cache``).

The real cache is outside the repository; these tests build a tiny one with the same layout
(``leads`` (N, 8, 2500) float16 at 250 Hz, I, II, V1-V6; ``strat_fold``; ``ecg_id``;
``patient_id``) from LUDB records.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import decimate

from benchmarks import fidelity
from benchmarks.ptbxl_cache import CACHE_LEADS, fold_records, npz_member, trained_ecg_ids
from leadsynth_core.errors import DatasetError
from leadsynth_core.io import read_record


def _make_cache(folder: Path, shared_data: Path, *, compressed: bool = False) -> dict[str, np.ndarray]:
    rows = []
    for n in (161, 162, 163, 164):
        rec = read_record(shared_data / "ludb" / "data" / f"{n}.hea")
        x = np.stack([np.asarray(rec.lead(name), dtype=np.float64) for name in CACHE_LEADS])
        rows.append(decimate(x, 2, axis=1)[:, :2500])
    arrays = {"leads": np.stack(rows).astype(np.float16),
              "ecg_id": np.array([9, 21, 30, 44]), "patient_id": np.array([100, 100, 200, 300]),
              "strat_fold": np.array([10, 10, 10, 9])}
    folder.mkdir(parents=True, exist_ok=True)
    (np.savez_compressed if compressed else np.savez)(folder / "ptbxl.npz", **arrays)
    return arrays


@pytest.mark.parametrize("compressed", [False, True])
def test_cache_members_read_as_stored(shared_data, tmp_path, compressed) -> None:
    arrays = _make_cache(tmp_path, shared_data, compressed=compressed)
    leads = npz_member(tmp_path / "ptbxl.npz", "leads")
    assert isinstance(leads, np.memmap) != compressed  # mapped in place when stored uncompressed
    assert leads.dtype == np.float16 and np.array_equal(leads, arrays["leads"])
    assert np.array_equal(npz_member(tmp_path / "ptbxl.npz", "ecg_id"), arrays["ecg_id"])
    with pytest.raises(DatasetError, match="no array 'labels'"):
        npz_member(tmp_path / "ptbxl.npz", "labels")


def test_fold_leaves_out_the_patients_the_models_were_trained_on(shared_data, tmp_path) -> None:
    arrays = _make_cache(tmp_path, shared_data)
    recs, left_out = fold_records(tmp_path, 10)
    assert [r.source for r in recs] == ["ptbxl/00009", "ptbxl/00021", "ptbxl/00030"] and left_out == 0
    r = recs[2]
    assert r.fs == 250.0 and r.n_samples == 2500 and r.provenance_of("V4").value == "measured"
    assert r.provenance_of("aVF").value == "derived"
    np.testing.assert_allclose(r.lead("III"), r.lead("II") - r.lead("I"), atol=1e-6)
    np.testing.assert_array_equal(r.lead("V2"), arrays["leads"][2, 3].astype(np.float32))
    # ecg_id 9 was trained on: it and the other record of its patient (21) are not unseen.
    recs, left_out = fold_records(tmp_path, 10, exclude_ecg_ids={9})
    assert [r.source for r in recs] == ["ptbxl/00030"] and left_out == 2
    recs, _ = fold_records(tmp_path, 10, limit=1)
    assert len(recs) == 1
    with pytest.raises(DatasetError, match="no PTB-XL cache"):
        fold_records(tmp_path / "nowhere", 10)


def test_shipped_splits_name_the_ptbxl_records_trained_on() -> None:
    ids = trained_ecg_ids(fidelity.SPLITS_FILE)
    assert 9 in ids and all(isinstance(i, int) for i in ids)


def test_fidelity_runs_on_the_cached_fold(shared_data, tmp_path, capsys) -> None:
    _make_cache(tmp_path / "cache", shared_data)
    out = tmp_path / "fid.json"
    rc = fidelity.main(["--external-cache", str(tmp_path / "cache"), "--external-limit", "5",
                        "--datasets", "ptbxl", "--models", "linear-i-ii-v2-v4", "--out", str(out)])
    assert rc == 0
    res = json.loads(out.read_text())
    (name, rows), = res["datasets"].items()
    # ecg 9 (trained on) and 21 (same patient) are left out; 30 remains; 44 is fold 9.
    assert name.startswith("PTB-XL fold 10 (first 1 records only; 2 of patients")
    (row,) = rows
    assert row["model"] == "linear-i-ii-v2-v4"
    assert row["all_synthesized"]["n"] == 4  # V1, V3, V5, V6 of one record
    assert row["all_synthesized"]["mae_st_j60_mv"] is not None
    assert "--external-cache" in out.with_suffix(".md").read_text()
    assert fidelity.main(["--external-cache", str(tmp_path / "empty"), "--datasets", "ptbxl",
                          "--models", "linear-i-ii-v2-v4", "--out", str(tmp_path / "x.json")]) == 2
    assert "no PTB-XL cache" in capsys.readouterr().err
