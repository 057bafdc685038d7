"""Continue training a shipped model (seed ensemble) on the large external sources.

Superseded by ``scripts/continue_shipped_models.sh`` (the same recipe with ``leadsynth prepare``
and ``leadsynth train --source-weights``; docs/models.md); kept as the record of how the
2026-11-30 weights were made.

One seeded, logged, checkpointed command per model::

    .venv/bin/python scripts/experiments/finetune_big.py linres-i-ii-v4 --out runs/big/all \
        --cache cache/external --steps 3000 --threads 1

Data (each a *source*; a batch draws a source by ``SOURCE_WEIGHTS``, then a record in it):
PTB-XL folds 1-8 (100 Hz, 17,4xx records of 15,000+ patients; folds 9 and 10 are never
drawn), CinC 2011 set-a (acceptable, unsaturated recordings), and the shared training split
(LUDB 1-160, CPSC, SPH, the PTB-XL copies whose ecg_id lies in folds 1-8), plus the
deepfake-ecg stream.  ``--holdout cpsc,sph`` leaves whole sources out (for the transfer
study).  Batches, augmentations and the normalisation are the product's own
(``training.train.make_batch``); the data of step k comes from ``default_rng([seed, k])`` so
that ``--resume`` continues exactly.

Each member of the ensemble is trained on its own output (deep-ensemble style: the loss is
the mean of the members' errors), which keeps the members' disagreement meaningful for the
uncertainty band; the shipped output stays the members' mean.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from leadsynth_core.leads import DERIVABLE_LEADS, LIMB_COEFFICIENTS
from leadsynth_core.models.features import INDEPENDENT_LEADS
from leadsynth_core.models.networks import LinresEnsemble
from leadsynth_core.models.registry import load_model, save_model
from leadsynth_core.training.averaging import WeightAverages
from leadsynth_core.training.data import TrainingRecord, load_training_records
from leadsynth_core.training.train import _lr_at, make_batch, synthetic_pool

log = logging.getLogger("finetune_big")

#: Probability that a real crop comes from each source (renormalised over the sources used).
SOURCE_WEIGHTS = {"ptbxl_big": 0.45, "cinc2011": 0.15, "ludb": 0.2, "cpsc": 0.1, "sph": 0.05, "ptbxl": 0.05}
#: The shared PTB-XL copies (ecg_id 1-10) whose ecg_id lies in fold 9 or 10: never trained on.
PTBXL_SHARED_HELD = {"cinc2021/PTB_PTBXL/HR00008", "cinc2021/PTB_PTBXL/HR00009", "cinc2021/PTB_PTBXL/HR00010"}


def load_sources(cache: Path, holdout: set[str]) -> dict[str, list[TrainingRecord]]:
    out: dict[str, list[TrainingRecord]] = {}
    shared = [r for r in load_training_records("train") if r.name not in PTBXL_SHARED_HELD]
    for r in shared:
        out.setdefault(r.source, []).append(r)
    z = np.load(cache / "ptbxl.npz")
    keep = np.flatnonzero(z["strat_fold"] <= 8)
    leads = z["leads"]
    out["ptbxl_big"] = [TrainingRecord(f"ptbxl/{z['ecg_id'][i]}", "ptbxl_big", leads[i]) for i in keep]
    c = np.load(cache / "cinc2011.npz")
    out["cinc2011"] = [TrainingRecord(f"cinc2011/{n}", "cinc2011", x) for n, x in zip(c["record"], c["leads"], strict=True)]
    for name in holdout:
        out.pop(name, None)
    return out


def member_outputs(net: LinresEnsemble, x: torch.Tensor) -> torch.Tensor:
    """(members, B, C_out, L): member i = linear path + k x its residual columns."""
    c_in, k = net.in_channels, net.members
    w, b = net.head.weight, net.head.bias
    lin = F.conv1d(x, w[:, :c_in], b)
    width = net.bodies[0].out_channels
    outs = [lin + k * F.conv1d(body(x), w[:, c_in + i * width: c_in + (i + 1) * width]) for i, body in enumerate(net.bodies)]
    return torch.stack(outs)


def pcc_loss(outs: torch.Tensor, y: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean (1 - PCC) over members, crops and the leads ``weight`` marks (B, C, 1), flat targets left out.

    PCC is what the product reports and is blind to amplitude, so it is a complement to the MSE
    (which keeps the amplitudes), not a replacement."""
    o = outs - outs.mean(dim=-1, keepdim=True)
    t = (y - y.mean(dim=-1, keepdim=True))[None]
    num = (o * t).sum(-1)
    den = torch.sqrt((o * o).sum(-1) * (t * t).sum(-1) + 1e-8)
    r = num / den
    w = weight[..., 0] * (t[0].pow(2).mean(-1) > 1e-6).float()  # (B, C)
    return ((1.0 - r) * w[None]).sum() / (outs.shape[0] * w.sum().clamp_min(1.0))


def with_derived(outs: torch.Tensor, y: torch.Tensor, x: torch.Tensor, y8: torch.Tensor, ii: list[int],
                 oo: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs (members, B, C, L) and targets (B, C, L) with III, aVR, aVL, aVF appended.

    A dedicated model that synthesizes I or II is scored on the four leads the viewer
    derives from them too (the measured one taken from the input, as at inference), so the
    correlation term sees every lead the user reads."""
    def lead(name: str) -> tuple[torch.Tensor, torch.Tensor]:
        k = INDEPENDENT_LEADS.index(name)
        pred = x[:, ii.index(k)][None].expand(outs.shape[0], -1, -1) if k in ii else outs[:, :, oo.index(k)]
        return pred, y8[:, k]
    (p1, t1), (p2, t2) = lead("I"), lead("II")
    dp = torch.stack([a * p1 + b * p2 for a, b in (LIMB_COEFFICIENTS[n] for n in DERIVABLE_LEADS)], dim=2)
    dt = torch.stack([a * t1 + b * t2 for a, b in (LIMB_COEFFICIENTS[n] for n in DERIVABLE_LEADS)], dim=1)
    return torch.cat([outs, dp], dim=2), torch.cat([y, dt], dim=1)


def parse_source_weights(text: str) -> dict[str, float]:
    """``"ludb=0.1,cinc2011=0.2"`` -> ``{"ludb": 0.1, "cinc2011": 0.2}``; names must be sources."""
    out: dict[str, float] = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        if name not in SOURCE_WEIGHTS or not value:
            sys.exit(f"--source-weights {item!r}: expected NAME=WEIGHT with NAME one of {', '.join(SOURCE_WEIGHTS)}")
        out[name] = float(value)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", help="shipped model id or path to start from")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--cache", type=Path, default=Path("cache/external"))
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--crop", type=int, default=1024, help="crop length in samples at the model rate")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--synthetic", type=float, default=0.15)
    p.add_argument("--holdout", default="", help="comma-separated sources left out (e.g. cpsc,sph)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--pcc-weight", type=float, default=0.0,
                   help="add this weight x the mean (1 - PCC) per member, crop and synthesized lead to the MSE")
    p.add_argument("--chest-shift", type=float, default=0.0,
                   help="move each chest electrode of half the crops by up to this fraction of the electrode spacing")
    p.add_argument("--arm-swap", type=float, default=0.0,
                   help="this fraction of crops recorded with the arm electrodes swapped (inputs and targets)")
    p.add_argument("--vcg-rotation", type=float, default=0.0,
                   help="turn the heart vector of half the crops by up to this many degrees per axis (training.augment)")
    p.add_argument("--time-stretch", type=float, default=0.0,
                   help="resample half the crops by a factor drawn from 1 +- this fraction (another heart rate)")
    p.add_argument("--source-weights", default="",
                   help="comma-separated name=weight overriding SOURCE_WEIGHTS (e.g. ludb=0.1); renormalised")
    p.add_argument("--ema", default="",
                   help="comma-separated decays (e.g. 0.999,0.9995): also keep an exponential moving average of the "
                        "weights per decay and write each beside the trained model, in OUT/ema<decay>/")
    p.add_argument("--pcc-derived", action="store_true",
                   help="the correlation term also scores III, aVR, aVL, aVF where I or II is synthesized")
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.FileHandler(a.out / f"{Path(a.model).stem}.log"), logging.StreamHandler()])
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    holdout = {s for s in a.holdout.split(",") if s}
    sources = load_sources(a.cache, holdout)
    names = sorted(sources)
    source_weights = {**SOURCE_WEIGHTS, **parse_source_weights(a.source_weights)}
    sw = np.array([source_weights.get(n, 0.05) for n in names])
    sw = sw / sw.sum()
    records: list[TrainingRecord] = []
    weights: list[float] = []
    for n, w in zip(names, sw, strict=True):
        records += sources[n]
        weights += [w / len(sources[n])] * len(sources[n])
    rw = np.array(weights) / np.sum(weights)
    log.info("sources: %s", ", ".join(f"{n} {len(sources[n])} ({w:.2f})" for n, w in zip(names, sw, strict=True)))

    base = load_model(a.model)
    net = base.module
    if not isinstance(net, LinresEnsemble):
        sys.exit(f"{a.model}: not a linres_ensemble network")
    card = base.card
    any_subset = bool(card.any_subset)
    fixed_mask = None
    ii: list[int] = []
    oo = list(range(len(INDEPENDENT_LEADS)))
    if not any_subset:
        fixed_mask = np.array([n in card.inputs for n in INDEPENDENT_LEADS], dtype=np.float32)
        ii = [INDEPENDENT_LEADS.index(n) for n in card.inputs]
        oo = [INDEPENDENT_LEADS.index(n) for n in card.outputs]
    pool = synthetic_pool(2000, Path("cache")) if a.synthetic > 0 else None
    length = a.crop
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=2.5e-4)
    ckpt = a.out / f"{card.id}.ckpt.pt"
    step = 0
    averages = WeightAverages(net, [float(d) for d in a.ema.split(",") if d]) if a.ema else None
    if a.resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=True, map_location="cpu")
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step = int(state["step"])
        if averages is not None:
            averages.load_checkpoint(state.get("averages", {}))
        log.info("resumed at step %d", step)
    # The derived limb leads join the correlation term only where the model synthesizes I or II.
    derived = (a.pcc_weight > 0 and a.pcc_derived and not any_subset
               and any(INDEPENDENT_LEADS.index(n) in oo for n in ("I", "II")))
    net.train()
    t0, first, running = time.time(), step, 0.0
    while step < a.steps:
        rng = np.random.default_rng([a.seed, step])
        x16, y8, m = make_batch(records, pool, rng, batch_size=a.batch, length=length, synthetic_fraction=a.synthetic,
                                fixed_mask=fixed_mask, record_weights=rw, chest_shift=a.chest_shift,
                                arm_swap=a.arm_swap, vcg_rotation_deg=a.vcg_rotation,
                                time_stretch=a.time_stretch)
        if any_subset:
            x = torch.from_numpy(x16)
            y = torch.from_numpy(y8)
            weight = torch.from_numpy(1.0 - m)[:, :, None]
        else:
            x = torch.from_numpy(np.ascontiguousarray(x16[:, ii]))
            y = torch.from_numpy(np.ascontiguousarray(y8[:, oo]))
            weight = torch.ones(y.shape[0], y.shape[1], 1)
        for g in opt.param_groups:
            g["lr"] = _lr_at(step, a.steps, a.lr)
        outs = member_outputs(net, x)
        loss = (((outs - y[None]) ** 2) * weight[None]).sum() / (outs.shape[0] * weight.sum() * y.shape[-1])
        if derived:
            o_all, y_all = with_derived(outs, y, x, torch.from_numpy(y8), ii, oo)
            loss = loss + a.pcc_weight * pcc_loss(o_all, y_all, torch.ones(y_all.shape[0], y_all.shape[1], 1))
        elif a.pcc_weight > 0:
            loss = loss + a.pcc_weight * pcc_loss(outs, y, weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        if averages is not None:
            averages.update(net)
        lv = float(loss.detach())
        running = 0.98 * running + 0.02 * lv if step > first else lv
        step += 1
        if step % 50 == 0:
            log.info("%s step %d/%d loss %.4f (%.2f steps/s)", card.id, step, a.steps, running,
                     (step - first) / (time.time() - t0))
        if step % 250 == 0 or step == a.steps:
            tmp = ckpt.with_suffix(".tmp")
            torch.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "step": step,
                        **({"averages": averages.to_checkpoint()} if averages is not None else {})}, tmp)
            os.replace(tmp, ckpt)
    net.eval()
    counts = {n: len(sources[n]) for n in names}
    earlier = list(card.training.get("continued_rounds", []))
    if "continued" in card.training:  # a second round keeps the first one's record
        earlier.append({"from_weights_sha256": card.training.get("continued_from"), **card.training["continued"]})
    card.training = {
        **{k: v for k, v in card.training.items() if k not in ("command", "continued", "continued_rounds")},
        **({"continued_rounds": earlier} if earlier else {}),
        "continued_from": card.weights_sha256,
        "continued": {
            "command": "python scripts/experiments/finetune_big.py " + " ".join(sys.argv[1:]),
            "steps": a.steps, "batch_size": a.batch, "crop_samples": a.crop, "lr": a.lr, "seed": a.seed,
            "synthetic_fraction": a.synthetic, **({"chest_shift": a.chest_shift} if a.chest_shift > 0 else {}),
            **({"arm_swap": a.arm_swap} if a.arm_swap > 0 else {}),
            **({"vcg_rotation_deg": a.vcg_rotation} if a.vcg_rotation > 0 else {}),
            **({"time_stretch": a.time_stretch} if a.time_stretch > 0 else {}),
            **({"source_weights_override": a.source_weights} if a.source_weights else {}), "loss": "mean of the members' masked MSE"
            + (f" + {a.pcc_weight:g} x mean (1 - PCC)" if a.pcc_weight > 0 else "")
            + (" (III, aVR, aVL, aVF included)" if derived else ""),
            "sources": counts, "source_weights": {n: round(float(w), 3) for n, w in zip(names, sw, strict=True)},
            "held_out_sources": sorted(holdout),
            "time_s": round(time.time() - t0, 1), "final_train_loss": round(running, 5),
        },
    }
    card.metrics = {}
    save_model(net, card, a.out / card.id)
    if averages is not None:  # each average beside the trained weights, its card saying which it is
        trained = {k: v.clone() for k, v in net.state_dict().items()}
        for d in averages.decays:
            net.load_state_dict(averages.state_dict_for(d))
            card.training["continued"]["weight_average"] = {"kind": "exponential moving average", "decay": d}
            save_model(net, card, a.out / f"ema{d:g}" / card.id)
        net.load_state_dict(trained)
        card.training["continued"].pop("weight_average")
    (a.out / f"{card.id}.done.json").write_text(json.dumps(card.training["continued"], indent=1))
    log.info("wrote %s", a.out / card.id)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
