"""The personalization engine: training, validation verdict, guard rails, cancel, saving."""

from __future__ import annotations

import dataclasses
import json
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from killing import kill_when
from personalization_data import (
    INPUTS,
    OUTPUTS,
    fitted_linear_base,
    make_base,
    make_record,
    swapped_electrode_records,
)

from leadsynth_core.errors import CancelledError, PersonalizationError
from leadsynth_core.library import Library
from leadsynth_core.models import file_sha256, list_models, load_model
from leadsynth_core.paths import personal_models_dir, user_data_dir
from leadsynth_core.personalize import (
    EpochReport,
    personalize,
    save_personal_model,
    select_device,
)
from leadsynth_core.progress import CancelToken

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def base_card(tmp_path: Path):
    return make_base(tmp_path / "base")


def _records(patient_seed: int = 3, n: int = 5, patient_id: str | None = "p3", seconds: float = 10.0):
    return [make_record(patient_seed, 100 + i, patient_id=patient_id, seconds=seconds) for i in range(n)]


def _state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in module.state_dict().items()}


# --------------------------------------------------------------------------- training
def test_default_finetune_improves_is_reproducible_and_trains_only_the_head(base_card) -> None:
    base = load_model(base_card.path)
    before = _state(base.module)
    recs = _records()
    a = personalize(base, "I,II,V2,V4", recs, device="cpu", seed=0)
    b = personalize(base, "I,II,V2,V4", recs, device="cpu", seed=0)
    assert a.verdict == "improved" and a.recommendation == "personal"
    assert a.after.mean_pcc > a.before.mean_pcc + 0.05
    assert a.after.mean_rmse < a.before.mean_rmse
    assert set(a.leads) == set(OUTPUTS) and a.inputs == INPUTS
    assert a.device.startswith("cpu") and a.patient_id == "p3"
    assert len(a.history) == 60 and a.history[-1] < a.history[0]
    # Seeded: the same call gives the same model.
    sa, sb = a.model.module.state_dict(), b.model.module.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    # The base model is untouched; only the head of the personal model changed.
    assert all(torch.equal(before[k], v) for k, v in base.module.state_dict().items())
    changed = {k for k in sa if not torch.equal(sa[k], before[k])}
    assert changed == {"head.weight", "head.bias"}
    # The report holds what a reviewer needs.
    text = a.table()
    for token in ("PCC base", "RMSE pers.", "verdict: improved", "V1", "V6", "cpu"):
        assert token in text
    assert json.loads(json.dumps(a.to_dict()))["verdict"] == "improved"


def test_holdout_is_the_end_of_each_recording_and_never_trained_on(base_card) -> None:
    recs = _records(n=5)
    res = personalize(base_card.path, INPUTS, recs, device="cpu", holdout=0.2)
    for r in res.recordings:
        assert r.train_seconds == pytest.approx(8.0) and r.holdout_seconds == pytest.approx(2.0)
    # Scrambling the held-out part changes the scores but not the trained model.
    scrambled = []
    for rec in recs:
        sig = rec.signal.copy()
        sig[int(0.8 * rec.n_samples):] = sig[int(0.8 * rec.n_samples):][::-1]
        scrambled.append(rec.replace(signal=sig))
    res2 = personalize(base_card.path, INPUTS, scrambled, device="cpu", holdout=0.2)
    s1, s2 = res.model.module.state_dict(), res2.model.module.state_dict()
    assert all(torch.equal(s1[k], s2[k]) for k in s1)
    assert res.after.pcc != res2.after.pcc


def test_last_blocks_and_all_train_more_layers(base_card) -> None:
    base = load_model(base_card.path)
    before = _state(base.module)
    recs = _records(n=2)
    lb = personalize(base, INPUTS, recs, trainable="last_blocks", k=1, epochs=3, device="cpu")
    changed = {k for k, v in lb.model.module.state_dict().items() if not torch.equal(v, before[k])}
    assert {"head.weight", "head.bias"} < changed
    assert any(k.startswith("body.up.3") for k in changed)
    assert not any(k.startswith("body.down") for k in changed)
    everything = personalize(base, INPUTS, recs, trainable="all", epochs=2, device="cpu")
    changed = {k for k, v in everything.model.module.state_dict().items() if not torch.equal(v, before[k])}
    assert any(k.startswith("body.down.0") for k in changed)


def test_progress_reports_epoch_loss_and_eta(base_card) -> None:
    messages: list[tuple[float, str]] = []
    epochs: list[EpochReport] = []
    personalize(base_card.path, INPUTS, _records(n=2), device="cpu", epochs=12,
                progress=lambda f, m: messages.append((f, m)), on_epoch=epochs.append)
    assert [e.epoch for e in epochs] == list(range(1, 13))
    assert all(e.epochs == 12 and np.isfinite(e.loss) and e.eta_s >= 0 for e in epochs)
    assert epochs[-1].eta_s == 0
    fractions = [f for f, _ in messages]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    epoch_msgs = [m for _, m in messages if m.startswith("epoch")]
    assert len(epoch_msgs) == 12 and "loss" in epoch_msgs[0] and "ETA" in epoch_msgs[0]


def test_cancel_stops_within_half_a_second_and_leaves_nothing(base_card) -> None:
    base = load_model(base_card.path)
    before = _state(base.module)
    token = CancelToken()
    started = threading.Event()
    cancelled_at: list[float] = []

    def on_epoch(e: EpochReport) -> None:
        started.set()

    def cancel_soon() -> None:
        started.wait(60)
        time.sleep(0.1)
        cancelled_at.append(time.perf_counter())
        token.cancel()

    threading.Thread(target=cancel_soon, daemon=True).start()
    # A long job (whole network, many epochs) so the cancel lands mid-training.
    with pytest.raises(CancelledError):
        personalize(base, INPUTS, _records(n=3), trainable="all", epochs=10_000, device="cpu",
                    cancel=token, on_epoch=on_epoch)
    latency = time.perf_counter() - cancelled_at[0]
    assert latency < 0.5, f"cancel took {latency:.3f} s"
    assert all(torch.equal(before[k], v) for k, v in base.module.state_dict().items())
    assert not personal_models_dir().exists() or not any(personal_models_dir().iterdir())
    with Library() as lib:
        assert lib.list_models() == []


def test_select_device_auto_and_unknown() -> None:
    dev, text = select_device("auto")
    expected = "cuda" if torch.cuda.is_available() else None
    if expected:
        assert dev.type == "cuda"
    elif not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        assert dev.type == "cpu" and "cores" in text
    with pytest.raises(PersonalizationError, match="valid: auto, cpu, cuda, mps"):
        select_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(PersonalizationError, match="no CUDA GPU"):
            select_device("cuda")


def test_bad_settings_are_refused_with_the_valid_options(base_card) -> None:
    recs = _records(n=1)
    with pytest.raises(PersonalizationError, match="valid: head, last_blocks, all"):
        personalize(base_card.path, INPUTS, recs, trainable="bogus")
    with pytest.raises(PersonalizationError, match="holdout"):
        personalize(base_card.path, INPUTS, recs, holdout=1.0)
    with pytest.raises(PersonalizationError, match="inputs"):
        personalize(base_card.path, "I,II,V1", recs, device="cpu")
    with pytest.raises(PersonalizationError, match="base model"):
        personalize("no-such-model", INPUTS, recs, device="cpu")


# -------------------------------------------------------------------------- guard rails
def test_recordings_missing_a_lead_or_with_a_flat_lead_are_excluded(base_card) -> None:
    good = _records(n=2)
    full = make_record(3, 7, patient_id="p3")
    no_v3 = full.select([n for n in full.lead_names if n != "V3"]).replace(source="no_v3")
    sig = full.signal.copy()
    sig[:, full.index("V5")] = 0.0
    flat = full.replace(signal=sig, source="flat_v5")
    sig = full.signal.copy()
    sig[10:20, full.index("II")] = np.nan
    nan = full.replace(signal=sig, source="nan_ii")
    res = personalize(base_card.path, INPUTS, [*good, good[0], no_v3, flat, nan], device="cpu", epochs=2)
    reasons = {e.label: e.reason for e in res.excluded}
    assert any("the same recording as" in r for r in reasons.values())
    assert "missing lead(s) V3" in reasons["no_v3"]
    assert "lead V5 is flat" in reasons["flat_v5"]
    assert "lead II has non-finite samples" in reasons["nan_ii"]
    assert len(res.recordings) == 2
    assert "excluded: no_v3" in res.table()
    with pytest.raises(PersonalizationError, match="no usable training recording.*missing lead"):
        personalize(base_card.path, INPUTS, [no_v3, flat], device="cpu")


def test_recordings_of_another_patient_are_refused(base_card) -> None:
    mine = _records(patient_seed=3, n=2, patient_id="p3")
    theirs = make_record(4, 1, patient_id="p4").replace(source="theirs")
    with pytest.raises(PersonalizationError, match="another patient than 'p3'.*theirs: p4"):
        personalize(base_card.path, INPUTS, [*mine, theirs], patient_id="p3", device="cpu")
    with pytest.raises(PersonalizationError, match=r"2 different patients \(p3, p4\).*theirs: p4"):
        personalize(base_card.path, INPUTS, [mine[0], theirs], device="cpu", epochs=1)
    with pytest.raises(PersonalizationError, match="another patient"):
        personalize(base_card.path, INPUTS, mine, patient_id="p9", device="cpu")
    res = personalize(base_card.path, INPUTS, [*mine, theirs], device="cpu", epochs=2, patient_id="p3",
                      allow_mixed_patients=True)
    assert res.patient_id == "p3" and any("mixed patients allowed" in w for w in res.warnings)


def test_little_data_is_a_warning_not_an_error(base_card) -> None:
    res = personalize(base_card.path, INPUTS, _records(n=1), device="cpu")
    assert any("less data than recommended" in w for w in res.warnings)
    assert "warning: less data than recommended" in res.table()


def test_a_recording_with_swapped_arm_electrodes_is_named_in_the_warnings(base_card) -> None:
    from measurement_synth import swap_arms, synthetic_record

    good = [synthetic_record(einthoven=True, seed=s) for s in (1, 2)]
    swapped = dataclasses.replace(swap_arms(synthetic_record(einthoven=True, seed=3)), source="visit-3")
    res = personalize(base_card.path, INPUTS, [*good, swapped], device="cpu", epochs=2, patient_id="p3")
    flagged = [w for w in res.warnings if "Arm electrodes possibly swapped" in w]
    assert len(flagged) == 1 and flagged[0].startswith("visit-3: ")
    assert len(res.recordings) == 3 and not res.excluded  # warned, not excluded


def test_worse_than_base_says_so_and_recommends_the_base(tmp_path: Path) -> None:
    """Train on a part whose electrode placement differs from the held-out part."""
    base = load_model(fitted_linear_base(tmp_path / "linear").path)
    recs = swapped_electrode_records()
    res = personalize(base, INPUTS, recs, device="cpu", holdout=0.2)
    assert res.verdict == "worse" and res.recommendation == "base"
    assert res.after.mean_pcc < res.before.mean_pcc
    assert "verdict: worse; recommended model: base (linear-base)" in res.table()
    assert any("did worse than the base model" in w for w in res.warnings)
    with pytest.raises(PersonalizationError, match="did worse"):
        save_personal_model(res)
    assert not personal_models_dir().exists() or not any(personal_models_dir().iterdir())
    card = save_personal_model(res, allow_worse=True)
    assert card.metrics["verdict"] == "worse"


# ------------------------------------------------------------------------------ saving
def test_save_registers_the_model_with_a_complete_card(tmp_path: Path, base_card) -> None:
    files = []
    for i, rec in enumerate(_records(n=5)):
        from leadsynth_core.io import write_record

        files.append(write_record(rec, tmp_path / f"visit{i}"))
    with Library() as lib:
        lib.add_recordings(files, patient_id="p3")
        entries = lib.latest_complete_recordings("p3", n=5)
        res = personalize(base_card.path, INPUTS, entries, device="cpu")
        card = save_personal_model(res, library=lib)
        folder = personal_models_dir() / card.id
        assert sorted(p.name for p in folder.iterdir()) == [f"{card.id}.json", f"{card.id}.safetensors"]
        assert card.path == folder / f"{card.id}.json"
        data = json.loads(card.path.read_text())
        assert data["base_model"] == {"id": base_card.id, "sha256": base_card.weights_sha256}
        assert data["patient_id"] == "p3" and data["inputs"] == list(INPUTS)
        tr = data["training"]
        assert {r["path"] for r in tr["recordings"]} == {e.path for e in entries}
        assert all(len(r["sha256"]) == 64 for r in tr["recordings"])
        assert tr["settings"]["epochs"] == 60 and tr["settings"]["lr"] == 0.002
        assert tr["device"].startswith("cpu") and tr["seconds"] > 0
        assert data["metrics"]["verdict"] == "improved"
        assert set(data["metrics"]["holdout_before"]["pcc"]) == set(OUTPUTS)
        assert data["created"] and data["weights_sha256"] == file_sha256(folder / f"{card.id}.safetensors")
        (model,) = lib.personal_models("p3")
        assert model.id == card.id and sorted(model.recording_ids) == sorted(e.id for e in entries)
        assert model.base_model_sha256 == base_card.weights_sha256
    # The registry finds and loads it; it computes what the in-memory result computes.
    assert card.id in {c.id for c in list_models()}
    loaded = load_model(card.id)
    x = torch.randn(1, 4, 256)
    with torch.no_grad():
        assert torch.allclose(loaded.module(x), res.model.module(x))
    with pytest.raises(PersonalizationError, match="names no patient"):
        anon = personalize(base_card.path, INPUTS, _records(n=1, patient_id=None), device="cpu", epochs=1)
        save_personal_model(anon)


_KILL_SAVE = textwrap.dedent(
    """
    import sys, time
    import safetensors.torch as st
    sys.path.insert(0, sys.argv[2])
    from personalization_data import make_base, make_record
    from leadsynth_core.personalize import personalize, save_personal_model
    card = make_base(sys.argv[1])
    recs = [make_record(3, 100 + i, patient_id="p3") for i in range(2)]
    res = personalize(card.path, "I,II,V2,V4", recs, device="cpu", epochs=5)
    real_save = st.save_file
    def slow_save(tensors, filename, metadata=None):
        with open(filename, "wb") as fh:
            fh.write(b"partial")  # half a weight file on disk...
        print("WRITING", flush=True)
        time.sleep(60)  # ...when the kill comes
        real_save(tensors, filename, metadata=metadata)
    import leadsynth_core.models.registry as registry
    registry.save_file = slow_save
    save_personal_model(res, allow_worse=True)  # the verdict of 5 epochs does not matter here
    """
)


def test_kill_during_save_leaves_no_partial_model(tmp_path: Path) -> None:
    kill_when(_KILL_SAVE, [str(tmp_path / "base"), str(ROOT / "tests")], "WRITING")
    # The model folder has no file at all (the partial weights are in the staging area).
    assert not personal_models_dir().exists() or list(personal_models_dir().rglob("*")) == []
    assert list_models(include_personal=True) == list_models(include_personal=False)
    staging = user_data_dir() / "staging"
    assert any(staging.rglob("*.safetensors*"))  # the kill really happened mid-write (a .part temporary)
    with Library() as lib:
        assert lib.integrity_check() == [] and lib.list_models() == []
    # The next save sweeps the dead process's leftovers and writes a complete model.
    card = make_base(tmp_path / "base2")
    res = personalize(card.path, INPUTS, _records(n=2), device="cpu", epochs=2)
    saved = save_personal_model(res, allow_worse=True)
    assert not any(staging.rglob("*"))
    assert sorted(p.name for p in personal_models_dir().rglob("*") if p.is_file()) == sorted(
        [f"{saved.id}.json", f"{saved.id}.safetensors"]
    )
    with Library() as lib:
        assert [m.id for m in lib.list_models()] == [saved.id]


# ------------------------------------------------------------------------- real data
def test_shipped_model_patient001_cross_visit(shared_data: Path) -> None:
    """The shipped path: the registry's model for I,II,V2,V4, PTB patient001's two visits."""
    from leadsynth_core.io import read_record
    from leadsynth_core.models import select_model
    from leadsynth_core.personalize import evaluate_personalization

    folder = shared_data / "cinc2021" / "PTB_PTBXL"
    base_id = select_model("I,II,V2,V4").id
    res = personalize(base_id, "I,II,V2,V4", [folder / "S0001"], patient_id="patient001", device="cpu")
    assert res.base.card.id == base_id and res.recordings[0].sha256
    assert res.verdict in ("improved", "unchanged", "worse")
    general, personal = evaluate_personalization(res, [read_record(folder / "S0002")])
    assert set(general.pcc) == set(res.leads)
    # Fine-tuned on the 1990-10-01 visit, the personal model is better on the later visit.
    assert personal.mean_pcc > general.mean_pcc
