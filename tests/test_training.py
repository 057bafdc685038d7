"""Training: splits, linear fit, batches, dedicated-from-any-subset, resume, the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from leadsynth_core.errors import CancelledError, ModelError
from leadsynth_core.models import INDEPENDENT_LEADS, build_network, load_model
from leadsynth_core.progress import CancelToken
from leadsynth_core.training.augment import stretch_crop
from leadsynth_core.training.data import TrainingRecord, read_splits, split_paths
from leadsynth_core.training.linear import fit_linear
from leadsynth_core.training.run import main as training_main
from leadsynth_core.training.run import run_training
from leadsynth_core.training.specs import ModelSpec, get_spec
from leadsynth_core.training.train import dedicated_from_any_subset, make_batch, train_network


def test_splits_keep_validation_and_ptb_out() -> None:
    splits = read_splits()
    train = [p for _, p in split_paths("train")]
    val = [p for _, p in split_paths("validation")]
    assert len(val) == 40 and set(val) == {f"ludb/data/{n}" for n in range(161, 201)}
    assert not set(train) & set(val)
    assert not any("/S0" in p or p.startswith("ptbdb") or "00001_lr" in p for p in train)
    assert "cinc2021/PTB_PTBXL/S0001" in splits["excluded"]
    with pytest.raises(ValueError, match="valid: ludb, ptbxl, cpsc, sph"):
        split_paths("train", ["incart"])


def test_split_files_exist(shared_data: Path) -> None:
    for _, rel in split_paths("train") + split_paths("validation"):
        path = shared_data / rel
        assert path.exists() or path.with_suffix(".hea").exists(), rel


def test_fit_linear_recovers_a_known_mapping() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3))
    recs = []
    for k in range(5):
        x = rng.normal(size=(3, 2000)) * (k + 1)  # different amplitudes: normalisation matters
        leads = np.zeros((8, 2000), dtype=np.float32)
        leads[[0, 1, 5]] = x
        leads[[2, 3]] = a @ x
        recs.append(TrainingRecord(name=str(k), source="fake", leads=leads))
    w, b = fit_linear(recs, ["I", "II", "V4"], ["V1", "V2"])
    np.testing.assert_allclose(w, a, atol=1e-4)
    np.testing.assert_allclose(b, 0, atol=1e-4)


def test_make_batch_masks_and_normalisation() -> None:
    rng = np.random.default_rng(1)
    recs = [TrainingRecord("r", "fake", rng.normal(size=(8, 3000)).astype(np.float32) * 0.3)]
    x, y, m = make_batch(recs, None, np.random.default_rng(2), batch_size=32, length=1024, synthetic_fraction=0.0)
    assert x.shape == (32, 16, 1024) and y.shape == (32, 8, 1024) and m.shape == (32, 8)
    assert np.all(m.sum(axis=1) >= 1) and np.all(m.sum(axis=1) < 8)
    np.testing.assert_array_equal(x[:, 8:, 0], m)
    assert np.all(x[:, :8][m == 0] == 0)
    fixed = np.array([1, 1, 0, 0, 0, 1, 0, 0], dtype=np.float32)
    _, _, m2 = make_batch(recs, None, np.random.default_rng(3), batch_size=4, length=512, synthetic_fraction=0.0, fixed_mask=fixed)
    assert np.all(m2 == fixed)
    # the same step seed gives the same batch (what makes --resume exact)
    x3, _, _ = make_batch(recs, None, np.random.default_rng([0, 7]), batch_size=4, length=512, synthetic_fraction=0.0)
    x4, _, _ = make_batch(recs, None, np.random.default_rng([0, 7]), batch_size=4, length=512, synthetic_fraction=0.0)
    np.testing.assert_array_equal(x3, x4)


def test_stretch_crop_changes_the_rate_of_every_lead() -> None:
    t = np.arange(1200) / 250.0
    crop = np.stack([np.sin(2 * np.pi * 2.0 * t), np.cos(2 * np.pi * 2.0 * t)])
    out = stretch_crop(crop, 1000)  # 1200 samples played in 1000: 2 Hz becomes 2.4 Hz
    f = 2.0 * 1199 / 999  # first and last samples kept
    t_out = np.arange(1000) / 250.0
    np.testing.assert_allclose(out[0], np.sin(2 * np.pi * f * t_out), atol=2e-3)
    np.testing.assert_allclose(out[1], np.cos(2 * np.pi * f * t_out), atol=2e-3)


def test_make_batch_time_stretch_resamples_half_the_crops() -> None:
    # I = sin, II = cos of a 2 Hz phase: the phase read back from a crop gives its rate,
    # whatever the per-sample normalisation.
    t = np.arange(4000) / 250.0
    leads = np.zeros((8, 4000), dtype=np.float32)
    leads[0], leads[1] = np.sin(2 * np.pi * 2.0 * t), np.cos(2 * np.pi * 2.0 * t)
    recs = [TrainingRecord("r", "fake", leads)]
    fixed = np.array([1, 1, 0, 0, 0, 0, 0, 0], dtype=np.float32)
    kw = dict(batch_size=64, length=512, synthetic_fraction=0.0, fixed_mask=fixed,
              skip_augmentations=frozenset(("gain", "lowpass", "wander", "noise", "powerline")))

    def rate(x: np.ndarray) -> np.ndarray:
        phase = np.unwrap(np.arctan2(x[:, 0], x[:, 1]), axis=-1)
        return (phase[:, -1] - phase[:, 0]) / (2 * np.pi) / (511 / 250.0)

    plain, _, _ = make_batch(recs, None, np.random.default_rng(5), **kw)
    np.testing.assert_allclose(rate(plain), 2.0, rtol=1e-4)
    stretched, _, _ = make_batch(recs, None, np.random.default_rng(5), time_stretch=0.2, **kw)
    r = rate(stretched)
    changed = np.abs(r - 2.0) > 1e-3
    assert 0.3 < changed.mean() < 0.7
    assert np.all((r > 2.0 * 0.79) & (r < 2.0 * 1.21))
    assert r.min() < 1.8 and r.max() > 2.2  # both slower and faster hearts


def test_dedicated_from_any_subset_is_the_same_function() -> None:
    torch.manual_seed(0)
    net = build_network("linres", in_channels=16, out_channels=8, base_width=4, depth=3)
    net.train()
    with torch.no_grad():  # give BatchNorm non-trivial running statistics
        for _ in range(5):
            net(torch.randn(4, 16, 256) + 0.5)
        net.head.weight.normal_()
    net.eval()
    inputs = ["I", "II", "V4"]
    ii = [INDEPENDENT_LEADS.index(n) for n in inputs]
    oo = [k for k in range(8) if k not in ii]
    x = torch.zeros(1, 16, 2048)
    x[0, ii] = torch.randn(3, 2048)
    x[0, [8 + i for i in ii]] = 1.0
    ded = dedicated_from_any_subset(net, inputs).eval()
    with torch.no_grad():
        full = net(x)[0, oo]
        part = ded(x[:, ii])[0]
    # identical away from the edges (the zero padding sees the mask channels end there)
    torch.testing.assert_close(part[:, 300:-300], full[:, 300:-300], atol=1e-4, rtol=1e-4)
    assert ded.head.weight.shape == (5, 3 + 4, 1)


def _tiny_spec() -> ModelSpec:
    return ModelSpec(
        id="tiny", name="tiny", kind="anysubset", architecture="linres",
        arch_params={"base_width": 2, "depth": 2}, steps=6, batch_size=2, crop_s=1.024, lr=1e-3,
    )


def test_resume_continues_exactly(shared_data: Path, tmp_path: Path) -> None:
    spec = _tiny_spec()
    full, _ = train_network(spec, tmp_path, checkpoint_dir=tmp_path / "a", sources=["sph"], data_root=shared_data)
    token = CancelToken()

    def stop_at_3(fraction: float, message: str) -> None:
        if message.startswith("step 3 "):
            token.cancel()

    with pytest.raises(CancelledError):
        train_network(spec, tmp_path, checkpoint_dir=tmp_path / "b", sources=["sph"], data_root=shared_data,
                      progress=stop_at_3, cancel=token)
    assert torch.load(tmp_path / "b" / "last.pt", weights_only=True)["step"] == 3
    resumed, _ = train_network(spec, tmp_path, checkpoint_dir=tmp_path / "b", sources=["sph"],
                               data_root=shared_data, resume=True)
    for k, v in full.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[k], v, msg=k)


def test_run_training_linear_model(shared_data: Path, tmp_path: Path) -> None:
    card = run_training("linear-i-ii-v4", tmp_path, sources=["ludb"], data_root=shared_data)
    assert (tmp_path / "linear-i-ii-v4.safetensors").exists()
    model = load_model(tmp_path / "linear-i-ii-v4.json")
    assert model.card.metrics["mean_pcc"] == card.metrics["mean_pcc"] > 0.6
    assert model.card.training["sources"] == ["ludb"]


def test_unknown_model_id() -> None:
    with pytest.raises(ModelError, match="valid: linear-i-ii-v2-v4"):
        get_spec("resnet")
    assert training_main(["resnet", "--out", "unused", "--log", "/dev/null"]) == 2


def test_refit_head_reaches_least_squares_solution() -> None:
    from leadsynth_core.training.train import refit_head

    torch.manual_seed(1)
    net = build_network("linres", in_channels=3, out_channels=2, base_width=2, depth=2)
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3))
    batches = []
    for _ in range(3):
        x = rng.normal(size=(4, 3, 256)).astype(np.float32)
        batches.append((x, np.einsum("oi,bit->bot", a, x).astype(np.float32)))
    refit_head(net, batches, ridge=1e-9)
    with torch.no_grad():
        pred = net(torch.from_numpy(batches[0][0])).numpy()
    # the raw inputs are among the head's features, so y = A x is fitted exactly
    np.testing.assert_allclose(pred, batches[0][1], atol=1e-3)
    assert net.training  # mode restored


def test_source_sampling_gives_each_source_equal_weight(monkeypatch: pytest.MonkeyPatch) -> None:
    import leadsynth_core.training.train as train_mod
    from leadsynth_core.training.train import sampling_weights

    leads = np.ones((8, 600), np.float32)
    # 8 'ludb' records of +1 mV and 2 'sph' records of -1 mV: the sign tells the source.
    records = [TrainingRecord(f"ludb{i}", "ludb", leads) for i in range(8)]
    records += [TrainingRecord(f"sph{i}", "sph", -leads) for i in range(2)]
    assert sampling_weights(records, "record") is None
    w = sampling_weights(records, "source")
    assert w is not None and np.isclose(w.sum(), 1.0)
    assert np.isclose(w[:8].sum(), 0.5) and np.isclose(w[8:].sum(), 0.5)
    with pytest.raises(ValueError, match="'bogus' is not one of: record, source"):
        sampling_weights(records, "bogus")

    monkeypatch.setattr(train_mod, "_augment", lambda x, rng, *_options: (x, x))  # keep the sign visible

    def sph_fraction(weights: np.ndarray | None) -> float:
        rng = np.random.default_rng(0)
        signs = []
        for _ in range(50):
            x, _y, _m = make_batch(records, None, rng, batch_size=16, length=256, synthetic_fraction=0.0,
                                   fixed_mask=np.ones(8, np.float32), record_weights=weights)
            signs.extend(np.sign(x[:, 0, 0]))
        return float(np.mean(np.array(signs) < 0))

    assert abs(sph_fraction(None) - 0.2) < 0.05  # per record: 2 of 10
    assert abs(sph_fraction(w) - 0.5) < 0.05  # per source: 1 of 2


def test_augmentation_ablation_switches_off_only_what_it_names(tmp_path: Path) -> None:
    from leadsynth_core.training.augment import AUGMENTATION_KEYS, _augment

    x = np.random.default_rng(1).normal(size=(8, 2048))
    for seed in range(20):
        rngs = [np.random.default_rng(seed) for _ in range(3)]
        inp_all, tg_all = _augment(x, rngs[0])
        inp_none, tg_none = _augment(x, rngs[1], frozenset(AUGMENTATION_KEYS))
        inp_nw, tg_nw = _augment(x, rngs[2], frozenset({"wander", "noise", "powerline"}))
        np.testing.assert_array_equal(inp_none, x)
        np.testing.assert_array_equal(tg_none, x)
        np.testing.assert_array_equal(tg_nw, tg_all)  # input-only augmentations off: same target
        np.testing.assert_array_equal(inp_nw, tg_nw)
        # The same random numbers are drawn whatever is skipped.
        assert rngs[0].random() == rngs[1].random() == rngs[2].random()
    with pytest.raises(ValueError, match="bogus unknown; valid: gain, lowpass"):
        run_training("linres-i-ii-v4", tmp_path, skip_augmentations=["bogus"], steps=1)


def test_heart_vector_rotation_turns_the_dipole_and_keeps_the_rest() -> None:
    from leadsynth_core.training.augment import _DOWER_PINV, DOWER, _augment, _rotation, rotate_heart_vector

    rng = np.random.default_rng(3)
    v = rng.normal(size=(3, 500))  # a vectorcardiogram
    rot = _rotation(rng, 20.0)
    assert np.allclose(rot @ rot.T, np.eye(3)) and np.isclose(np.linalg.det(rot), 1.0)
    np.testing.assert_allclose(rotate_heart_vector(DOWER @ v, rot), DOWER @ rot @ v, atol=1e-12)
    # What no dipole explains is left as it was.
    r = rng.normal(size=(8, 500))
    r -= DOWER @ (_DOWER_PINV @ r)
    np.testing.assert_allclose(rotate_heart_vector(DOWER @ v + r, rot) - DOWER @ rot @ v, r, atol=1e-12)
    np.testing.assert_array_equal(rotate_heart_vector(r, np.eye(3)), r)
    # Off (the default): no random numbers drawn, so earlier recipes reproduce exactly.
    x = rng.normal(size=(8, 1024))
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    out_a, out_b = _augment(x, a), _augment(x, b, vcg_rotation_deg=0.0)
    np.testing.assert_array_equal(out_a[0], out_b[0])
    assert a.random() == b.random()


def test_chest_electrode_shift_interpolates_neighbours_and_is_off_by_default() -> None:
    from leadsynth_core.training.augment import AUGMENTATION_KEYS, _augment, shift_chest_electrodes

    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 300))
    np.testing.assert_array_equal(shift_chest_electrodes(x, np.zeros(6)), x)
    out = shift_chest_electrodes(x, np.array([0.25, -0.5, 0.0, 1.0, 0.0, 0.3]))
    np.testing.assert_array_equal(out[:2], x[:2])  # limb leads untouched
    np.testing.assert_allclose(out[2], 0.75 * x[2] + 0.25 * x[3])  # V1 a quarter towards V2
    np.testing.assert_allclose(out[3], 0.5 * x[2] + 0.5 * x[3])  # V2 half-way back to V1
    np.testing.assert_array_equal(out[4], x[4])
    np.testing.assert_allclose(out[5], x[6])  # V4 moved a whole spacing: reads V5
    np.testing.assert_allclose(out[7], x[7])  # V6 cannot move past the last electrode
    # Off (the default): no random numbers drawn, so earlier recipes reproduce exactly.
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    out_a, out_b = _augment(x, a), _augment(x, b, chest_shift=0.0)
    np.testing.assert_array_equal(out_a[0], out_b[0])
    assert a.random() == b.random()
    # On: some crop of a few moves its chest leads and only those.
    moved = [_augment(x, np.random.default_rng(s), skip=frozenset(AUGMENTATION_KEYS), chest_shift=0.3)[1]
             for s in range(8)]
    assert any(not np.array_equal(m[2:], x[2:]) for m in moved)
    assert all(np.array_equal(m[:2], x[:2]) for m in moved)


def test_arm_electrode_swap_follows_the_electrode_potentials_and_is_off_by_default() -> None:
    from leadsynth_core.training.augment import AUGMENTATION_KEYS, _augment, swap_arm_electrodes

    rng = np.random.default_rng(11)
    ra, la, ll = rng.normal(size=(3, 400))
    chest = rng.normal(size=(6, 400))  # electrode potentials

    def leads(ra: np.ndarray, la: np.ndarray, ll: np.ndarray) -> np.ndarray:
        wilson = (ra + la + ll) / 3.0
        return np.vstack([la - ra, ll - ra, chest - wilson])

    # What a cart records with the arm cables swapped, computed from the potentials themselves.
    np.testing.assert_allclose(swap_arm_electrodes(leads(ra, la, ll)), leads(la, ra, ll), atol=1e-12)
    x = leads(ra, la, ll)
    np.testing.assert_allclose(swap_arm_electrodes(swap_arm_electrodes(x)), x, atol=1e-12)
    # Off (the default): no random numbers drawn, so earlier recipes reproduce exactly.
    a, b = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(_augment(x, a)[0], _augment(x, b, arm_swap=0.0)[0])
    assert a.random() == b.random()
    # On for every crop: inputs and targets alike are the swapped recording.
    inp, tgt = _augment(x, np.random.default_rng(3), skip=frozenset(AUGMENTATION_KEYS), arm_swap=1.0)
    np.testing.assert_allclose(tgt, leads(la, ra, ll), atol=1e-12)
    np.testing.assert_allclose(inp, tgt)


def test_weight_averages_follow_the_weights_at_their_own_decay() -> None:
    from leadsynth_core.training.averaging import WeightAverages

    net = torch.nn.Sequential(torch.nn.Conv1d(2, 3, 3), torch.nn.BatchNorm1d(3))
    start = {k: v.clone() for k, v in net.state_dict().items()}
    averages = WeightAverages(net, [0.5, 0.9])
    with torch.no_grad():
        net[0].weight.add_(1.0)
        net[1].running_mean.add_(2.0)
        net[1].num_batches_tracked.add_(7)
    averages.update(net)
    for decay in (0.5, 0.9):
        avg = averages.state_dict_for(decay)
        # one step from the start towards the moved weights: start + (1 - decay) x the move
        assert torch.allclose(avg["0.weight"], start["0.weight"] + (1 - decay) * 1.0)
        assert torch.allclose(avg["1.running_mean"], start["1.running_mean"] + (1 - decay) * 2.0)
        assert int(avg["1.num_batches_tracked"]) == 7  # integer buffers are copied, not averaged
    # the trained network itself is untouched, and a checkpoint restores the averages exactly
    assert torch.allclose(net[0].weight, start["0.weight"] + 1.0)
    again = WeightAverages(net, [0.5, 0.9])
    again.load_checkpoint(averages.to_checkpoint())
    assert torch.equal(again.state_dict_for(0.9)["0.weight"], averages.state_dict_for(0.9)["0.weight"])
    with pytest.raises(ValueError, match="valid: 0.5, 0.9"):
        averages.state_dict_for(0.99)
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        WeightAverages(net, [1.0])
