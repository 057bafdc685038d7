"""Synthetic patients and a tiny base model for the personalization and library tests.

The ECGs come from a moving heart dipole (three Gaussian-shaped P/QRS/T waves per beat
in three orthogonal directions) projected on 12 lead vectors; each patient has their own
lead vectors (electrode placement, anatomy), so the chest leads are a patient-specific
linear mixture of the limb and measured chest leads -- exactly what personalizing the
head of a network can learn.  The base model is a real registry architecture (a narrow
U-Net or the linear baseline) saved with the real ``save_model``.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import torch

from leadsynth_core.leads import STANDARD_LEADS, derive_limb_leads
from leadsynth_core.models import ModelCard, build_network, save_model
from leadsynth_core.record import EcgRecord

INPUTS = ("I", "II", "V2", "V4")
OUTPUTS = ("V1", "V3", "V5", "V6")

# Population lead vectors (x, y, z) of I, II and V1..V6.
_POPULATION = np.array(
    [
        [1.0, 0.0, 0.0],    # I
        [0.5, 0.87, 0.0],   # II
        [-0.6, 0.1, 0.8],   # V1
        [-0.3, 0.1, 1.0],   # V2
        [0.1, 0.2, 1.0],    # V3
        [0.5, 0.3, 0.8],    # V4
        [0.8, 0.3, 0.4],    # V5
        [1.0, 0.3, 0.1],    # V6
    ]
)


def lead_vectors(patient_seed: int, spread: float = 0.35) -> np.ndarray:
    """Lead vectors of one patient: the population ones plus a patient-specific change."""
    rng = np.random.default_rng(1000 + patient_seed)
    return _POPULATION + spread * rng.standard_normal(_POPULATION.shape)


def dipole(n: int, fs: float, seed: int, heart_rate: float = 70.0) -> np.ndarray:
    """(n, 3) heart dipole in mV: P, QRS and T waves with beat-to-beat jitter."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    out = np.zeros((n, 3))
    rr = 60.0 / heart_rate
    beat = 0.2
    waves = [  # (offset s, width s, direction)
        (0.0, 0.025, np.array([0.15, 0.12, 0.05])),
        (0.16, 0.012, np.array([1.0, 1.2, -0.6])),
        (0.185, 0.015, np.array([-0.3, -0.2, 0.9])),
        (0.42, 0.05, np.array([0.3, 0.25, 0.2])),
    ]
    while beat < t[-1] + 1:
        for off, width, direction in waves:
            amp = 1.0 + 0.05 * rng.standard_normal()
            out += amp * np.exp(-0.5 * ((t - beat - off) / width) ** 2)[:, None] * direction
        beat += rr * (1 + 0.03 * rng.standard_normal())
    return out + 0.005 * rng.standard_normal(out.shape)


def make_record(
    patient_seed: int,
    seed: int,
    *,
    seconds: float = 10.0,
    fs: float = 500.0,
    patient_id: str | None = None,
    vectors: np.ndarray | None = None,
    recorded_at: _dt.datetime | None = None,
) -> EcgRecord:
    """A complete 12-lead record of one synthetic patient."""
    n = int(seconds * fs)
    v = lead_vectors(patient_seed) if vectors is None else vectors
    indep = dipole(n, fs, seed) @ v.T  # (n, 8): I, II, V1..V6
    derived = derive_limb_leads(indep[:, 0], indep[:, 1])
    cols = {"I": indep[:, 0], "II": indep[:, 1], **derived}
    cols.update({f"V{i}": indep[:, 1 + i] for i in range(1, 7)})
    signal = np.stack([cols[n_] for n_ in STANDARD_LEADS], axis=1).astype(np.float32)
    return EcgRecord(signal, fs, STANDARD_LEADS, patient_id=patient_id, recorded_at=recorded_at,
                     source=None, metadata={})


def make_base(folder: Path, architecture: str = "unet", model_id: str = "tiny-base", **params: int) -> ModelCard:
    """A small registry network saved with ``save_model``; returns its card (with path)."""
    arch_params = {"in_channels": len(INPUTS), "out_channels": len(OUTPUTS), **params}
    if architecture in ("unet", "linres"):
        arch_params.setdefault("base_width", 4)
    torch.manual_seed(0)
    net = build_network(architecture, **arch_params)
    card = ModelCard(
        id=model_id, name="tiny test base", architecture=architecture, arch_params=arch_params,
        inputs=list(INPUTS), outputs=list(OUTPUTS), fs=250.0,
    )
    return save_model(net, card, Path(folder) / model_id)


def fitted_linear_base(folder: Path, patient_seed: int = 5, model_id: str = "linear-base") -> ModelCard:
    """The linear architecture least-squares fitted to one patient's correct electrode placement."""
    from leadsynth_core.models import load_model

    card = make_base(folder, architecture="linear", model_id=model_id)
    base = load_model(card.path)
    fit = make_record(patient_seed, 1, seconds=20)
    xs, ys = base.prepare(fit, INPUTS)
    x2 = torch.cat([xs[0], torch.ones(1, xs.shape[-1])]).T
    sol = torch.linalg.lstsq(x2.double(), ys[0].T.double()).solution.float()
    with torch.no_grad():
        base.module.head.weight[:, :, 0] = sol[:-1].T
        base.module.head.bias[:] = sol[-1]
    return save_model(base.module, card, Path(folder) / model_id)


def swapped_electrode_records(patient_seed: int = 5, n: int = 5, patient_id: str = "p5") -> list[EcgRecord]:
    """Records whose first 80 % has V1, V3, V5, V6 inverted (swapped electrodes), the rest correct.

    Fine-tuning learns the wrong placement; the held-out last 20 % shows it.
    """
    good_v = lead_vectors(patient_seed)
    bad_v = good_v.copy()
    bad_v[[2, 4, 6, 7]] = -bad_v[[2, 4, 6, 7]]
    out = []
    for i in range(n):
        good = make_record(patient_seed, 200 + i, vectors=good_v, patient_id=patient_id)
        bad = make_record(patient_seed, 200 + i, vectors=bad_v, patient_id=patient_id)
        cut = int(0.8 * good.n_samples)
        out.append(good.replace(signal=np.concatenate([bad.signal[:cut], good.signal[cut:]])))
    return out
