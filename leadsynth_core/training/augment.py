"""Augmentations of one training crop: what a recording might have looked like instead.

Gain, low-pass, baseline wander, noise and mains hum (always on unless skipped), and
optional ones that change the heart or the hands: a rotated heart vector, chest electrodes
placed a little to either side, swapped electrodes, another heart rate (:func:`stretch_crop`,
which ``train.make_batch`` applies before the others because it changes the crop's length).
Every function takes (8, L) crops of the independent leads in mV.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

from ..leads import CHEST_LEADS
from ..models.features import INDEPENDENT_LEADS, MODEL_FS

_N_LEADS = len(INDEPENDENT_LEADS)

#: Dower et al. (1988) transform, rows = INDEPENDENT_LEADS (I, II, V1..V6), columns = Frank
#: X, Y, Z: the 8 independent leads of a heart dipole.  Used to rotate a crop's dipolar
#: part (``vcg_rotation_deg``): another heart orientation or axis, same physiology.
DOWER = np.array([
    [0.632, -0.235, 0.059],
    [0.235, 1.066, -0.132],
    [-0.515, 0.157, -0.917],
    [0.044, 0.164, -1.387],
    [0.882, 0.098, -1.277],
    [1.213, 0.127, -0.601],
    [1.125, 0.127, -0.086],
    [0.831, 0.076, 0.230],
])
_DOWER_PINV = np.linalg.pinv(DOWER)


def _rotation(rng: np.random.Generator, max_deg: float) -> np.ndarray:
    """A random 3-D rotation with each Euler angle uniform in +-max_deg."""
    ax, ay, az = np.deg2rad(rng.uniform(-max_deg, max_deg, size=3))
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def rotate_heart_vector(x: np.ndarray, rotation: np.ndarray) -> np.ndarray:
    """Rotate the dipolar part of an (8, L) crop of the independent leads.

    ``x = D v + r`` with ``v = D+ x`` the least-squares vectorcardiogram and ``r`` what no
    dipole explains; the result is ``D R v + r``: the same beat from a heart turned by
    ``rotation``, its non-dipolar detail kept.
    """
    return x + DOWER @ (rotation - np.eye(3)) @ (_DOWER_PINV @ x)


#: Rows of V1..V6 in an (8, L) crop of the independent leads.
_CHEST_ROWS = np.array([INDEPENDENT_LEADS.index(n) for n in CHEST_LEADS])


def shift_chest_electrodes(x: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Move each chest electrode of an (8, L) crop along the row V1..V6.

    ``shifts`` (6,) are displacements in units of the spacing between neighbouring
    electrodes; the lead at a fractional position is the linear interpolation of its two
    neighbours (clamped at V1 and V6).  A model of where different hands put the chest
    electrodes: the same heart, read a little to the left or right.
    """
    last = len(_CHEST_ROWS) - 1
    pos = np.clip(np.arange(last + 1) + shifts, 0.0, last)
    lo = np.minimum(np.floor(pos).astype(int), last - 1)
    frac = (pos - lo)[:, None]
    chest = x[_CHEST_ROWS]
    out = x.copy()
    out[_CHEST_ROWS] = (1.0 - frac) * chest[lo] + frac * chest[lo + 1]
    return out


_I, _II = INDEPENDENT_LEADS.index("I"), INDEPENDENT_LEADS.index("II")


def swap_arm_electrodes(x: np.ndarray) -> np.ndarray:
    """The (8, L) crop a cart records when the left and right arm electrodes are swapped.

    With the potentials RA, LA, LL, I = LA - RA and II = LL - RA; swapped, I' = -I and
    II' = LL - LA = II - I (the true III).  The chest leads are measured against Wilson's
    terminal, the mean of the three limb electrodes, which a swap does not change, so V1..V6
    stay as they are.  Training on such crops teaches a model what the chest leads of a
    recording with reversed arm cables look like: the patient's own, not a mirror image.
    """
    out = x.copy()
    out[_I] = -x[_I]
    out[_II] = x[_II] - x[_I]
    return out


def swap_arm_leg_electrodes(x: np.ndarray) -> np.ndarray:
    """The (8, L) crop a cart records when the right-arm and left-leg electrodes are swapped.

    I' = LA - LL = -III = I - II and II' = RA - LL = -II; the chest leads stay (Wilson's
    terminal is unchanged).  Used to measure the electrode check
    (``scripts/experiments/eval_arm_reversal.py --fault arm-leg``).
    """
    out = x.copy()
    out[_I] = x[_I] - x[_II]
    out[_II] = -x[_II]
    return out


def stretch_crop(crop: np.ndarray, length: int) -> np.ndarray:
    """Resample a (leads, n) crop to ``length`` samples by linear interpolation.

    A crop of n > length samples played back in ``length`` is a faster heart (shorter RR, QRS
    and QT alike); n < length a slower one.  Linear interpolation is enough here: at the
    model rate of 250 Hz the training sources carry little above 40 Hz.
    """
    n = crop.shape[-1]
    where = np.linspace(0.0, n - 1.0, length)
    return np.stack([np.interp(where, np.arange(n), lead) for lead in crop])


#: Short names of the augmentations that ``ModelSpec.skip_augmentations`` can switch off.
AUGMENTATION_KEYS: tuple[str, ...] = ("gain", "lowpass", "wander", "noise", "powerline")


def _augment(
    x: np.ndarray, rng: np.random.Generator, skip: frozenset[str] = frozenset(), vcg_rotation_deg: float = 0.0,
    chest_shift: float = 0.0, arm_swap: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (input, target) versions of one (8, L) crop in mV.

    ``skip`` names augmentations (:data:`AUGMENTATION_KEYS`) to leave out; their random
    numbers are drawn all the same, so an ablation changes nothing else.
    ``vcg_rotation_deg`` > 0 first turns the heart vector of half the crops by up to that
    many degrees about each axis (inputs and targets alike; off by default, and drawing no
    random numbers when off, so earlier recipes reproduce exactly).
    ``chest_shift`` > 0 likewise moves each chest electrode of half the crops by up to that
    fraction of the electrode spacing (:func:`shift_chest_electrodes`).
    ``arm_swap`` > 0 is the fraction of crops recorded with the arm electrodes swapped
    (:func:`swap_arm_electrodes`, inputs and targets alike: the recording as the cart made it).
    """
    # The swap is drawn first (the order the shipped recipes drew it in) but applied last: the
    # cables are swapped at the cart, after the heart and the chest electrodes are where they are.
    swapped = arm_swap > 0 and rng.random() < arm_swap
    if vcg_rotation_deg > 0 and rng.random() < 0.5:
        x = rotate_heart_vector(x, _rotation(rng, vcg_rotation_deg))
    if chest_shift > 0 and rng.random() < 0.5:
        x = shift_chest_electrodes(x, rng.uniform(-chest_shift, chest_shift, size=6))
    if swapped:
        x = swap_arm_electrodes(x)
    gain = rng.uniform(0.9, 1.1, size=(_N_LEADS, 1))
    target = x if "gain" in skip else x * gain
    if rng.random() < 0.3:
        cutoff = rng.uniform(35.0, 100.0)
        if cutoff < MODEL_FS / 2 - 5 and "lowpass" not in skip:
            sos = sps.butter(2, cutoff, btype="lowpass", fs=MODEL_FS, output="sos")
            target = sps.sosfiltfilt(sos, target, axis=-1)
    inp = target.copy()
    length = x.shape[-1]
    t = np.arange(length) / MODEL_FS
    if rng.random() < 0.5:
        f = rng.uniform(0.05, 0.5)
        amp = rng.uniform(0.0, 0.15, size=(_N_LEADS, 1))
        wander = amp * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi, size=(_N_LEADS, 1)))
        if "wander" not in skip:
            inp += wander
    if rng.random() < 0.5:
        noise = rng.normal(0.0, rng.uniform(0.005, 0.03), size=inp.shape)
        if "noise" not in skip:
            inp += noise
    if rng.random() < 0.3:
        f = 50.0 if rng.random() < 0.5 else 60.0
        amp = rng.uniform(0.0, 0.05, size=(_N_LEADS, 1))
        hum = amp * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
        if "powerline" not in skip:
            inp += hum
    return inp, target
