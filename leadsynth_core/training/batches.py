"""Batches of ``leadsynth train``: crops of shard records, built exactly as the shipped models'.

The crops go through the same augmentation (:func:`leadsynth_core.training.train._augment`),
lead-subset masks and per-sample normalisation as :func:`~leadsynth_core.training.train.make_batch`,
so a model trained by ``leadsynth train`` sees what the shipped models saw.

What a step contains depends only on the seed and the step number, never on how many
processes compute it: the global batch of ``B`` samples is cut into ``M`` micro-batches of
``B / M``; micro-batch ``m`` of step ``s`` holds stream positions ``s*B + m*B/M ...`` of an
endless sequence of epochs (each a permutation of the training records drawn from
``[seed, epoch]``, as :class:`torch.utils.data.DistributedSampler` does), and its crop
positions, augmentations and masks come from ``numpy.random.default_rng([seed, s, m])``.
Process ``r`` of ``W`` computes micro-batches ``r, r + W, ...``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence

import numpy as np

from ..models.features import INDEPENDENT_LEADS
from .augment import _augment
from .shards import ShardSet
from .sources import SourceSampler
from .train import _STANDARD_MASKS, _normalise_batch, _random_mask

__all__ = ["EpochOrder", "micro_batch", "validation_batches", "rank_micro_batches", "MicroBatchStream", "iterate"]

_N = len(INDEPENDENT_LEADS)
#: How often a loader process looks whether the training process is still there (seconds).
_PARENT_CHECK_S = 0.5
_EPOCH_SALT = 104_729  # keeps the epoch permutations apart from the per-step streams


class EpochOrder:
    """Record for each position of the endless sample stream (one permutation per epoch)."""

    def __init__(self, rows: Sequence[int], seed: int) -> None:
        self.rows = np.asarray(rows, dtype=np.int64)
        self.seed = seed
        self._epoch = -1
        self._perm = self.rows

    def __len__(self) -> int:
        return len(self.rows)

    def record_at(self, position: int) -> int:
        epoch, k = divmod(position, len(self.rows))
        if epoch != self._epoch:
            rng = np.random.default_rng([self.seed, _EPOCH_SALT, epoch])
            self._perm = self.rows[rng.permutation(len(self.rows))]
            self._epoch = epoch
        return int(self._perm[k])


def rank_micro_batches(micro_batches: int, rank: int, world: int) -> list[int]:
    """The micro-batches process ``rank`` of ``world`` computes."""
    return list(range(rank, micro_batches, world))


def micro_batch(
    data: ShardSet,
    order: EpochOrder,
    *,
    step: int,
    index: int,
    micro_batches: int,
    batch_size: int,
    length: int,
    seed: int,
    fixed_mask: np.ndarray | None,
    skip_augmentations: frozenset[str] = frozenset(),
    vcg_rotation_deg: float = 0.0,
    pool: np.ndarray | None = None,
    synthetic_fraction: float = 0.0,
    sampler: SourceSampler | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Micro-batch ``index`` of step ``step``: inputs (b, 16, L), targets (b, 8, L), masks (b, 8).

    With a ``pool`` of synthetic ECGs (``train.synthetic_pool``, (n, 8, T) mV), each sample
    is a crop of one of them with probability ``synthetic_fraction``, as in ``make_batch``.
    With a ``sampler`` (``--source-weights``) a real crop's record is drawn by source weight
    (:class:`~leadsynth_core.training.sources.SourceSampler`) instead of the epoch order.
    """
    b = batch_size // micro_batches
    rng = np.random.default_rng([seed, step, index])
    raw_in = np.zeros((b, _N, length))
    raw_tg = np.zeros((b, _N, length))
    masks = np.zeros((b, _N), dtype=np.float32)
    first = step * batch_size + index * b
    for j in range(b):
        if pool is not None and synthetic_fraction > 0 and rng.random() < synthetic_fraction:
            src = pool[rng.integers(len(pool))]
            start = int(rng.integers(0, src.shape[-1] - length + 1))
            crop = src[:, start : start + length].astype(np.float64)
        else:
            row = order.record_at(first + j) if sampler is None else sampler.draw(rng)
            start = int(rng.integers(0, data.rows[row].length - length + 1))
            crop = data.crop(row, start, length)
        raw_in[j], raw_tg[j] = _augment(crop, rng, skip_augmentations, vcg_rotation_deg)
        masks[j] = fixed_mask if fixed_mask is not None else _random_mask(rng)
    inputs = np.zeros((b, 2 * _N, length), dtype=np.float32)
    targets = np.zeros((b, _N, length), dtype=np.float32)
    _normalise_batch(raw_in, raw_tg, masks, inputs, targets)
    return inputs, targets, masks


def validation_batches(
    data: ShardSet, rows: Sequence[int], *, length: int, batch_size: int, fixed_mask: np.ndarray | None,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Fixed validation batches: the middle ``length`` samples of each record, not augmented.

    An any-subset model is validated on the standard lead sets in turn (record ``k`` gets
    set ``k mod 5``), a dedicated one on its own set.
    """
    out = []
    for first in range(0, len(rows), batch_size):
        chunk = rows[first : first + batch_size]
        raw = np.zeros((len(chunk), _N, length))
        masks = np.zeros((len(chunk), _N), dtype=np.float32)
        for j, row in enumerate(chunk):
            start = (data.rows[row].length - length) // 2
            raw[j] = data.crop(row, start, length)
            k = first + j
            masks[j] = fixed_mask if fixed_mask is not None else _STANDARD_MASKS[k % len(_STANDARD_MASKS)]
        inputs = np.zeros((len(chunk), 2 * _N, length), dtype=np.float32)
        targets = np.zeros((len(chunk), _N, length), dtype=np.float32)
        _normalise_batch(raw, raw, masks, inputs, targets)
        out.append((inputs, targets, masks))
    return out


class MicroBatchStream:
    """The micro-batches one process computes, from ``first_step`` on, in order.

    A map-style dataset (item ``k`` is micro-batch ``mine[k % len(mine)]`` of step
    ``first_step + k // len(mine)``), so that a :class:`torch.utils.data.DataLoader` with
    worker processes can build them ahead of the training loop; since every micro-batch is
    fixed by its step and index, the workers change nothing but the speed.
    """

    def __init__(self, data: ShardSet, order: EpochOrder, *, first_step: int, total_steps: int, mine: Sequence[int],
                 **kwargs: object) -> None:
        self.data, self.order, self.first, self.total, self.mine = data, order, first_step, total_steps, list(mine)
        self.kwargs = kwargs

    def __len__(self) -> int:
        return (self.total - self.first) * len(self.mine)

    def __getitem__(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        step, j = divmod(k, len(self.mine))
        return micro_batch(self.data, self.order, step=self.first + step, index=self.mine[j], **self.kwargs)


def _identity(x: object) -> object:
    return x


def _exit_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_S)
    os._exit(1)


def _forget_handles(worker_id: int) -> None:
    # A forked loader worker must open the shard files itself (HDF5 handles do not
    # survive a fork); drop the parent's without closing them.
    import torch.utils.data

    info = torch.utils.data.get_worker_info()
    if info is not None:
        info.dataset.data._files = {}
    # A killed training process cannot stop its loaders. torch's own check ends an idle
    # worker, but one with a batch still queued blocks for ever on the full pipe it shares
    # with its siblings, holding the run's memory and its output pipes (a caller waiting
    # for the output would hang). So each worker ends itself once its parent is gone.
    threading.Thread(target=_exit_with, args=(os.getppid(),), name="leadsynth-loader-parent", daemon=True).start()


def iterate(stream: MicroBatchStream, workers: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Iterate over ``stream``, built in ``workers`` loader processes (0: here)."""
    if workers <= 0:
        return (stream[k] for k in range(len(stream)))
    import multiprocessing

    import torch.utils.data

    return iter(torch.utils.data.DataLoader(
        stream, batch_size=None, shuffle=False, num_workers=workers, collate_fn=_identity,
        worker_init_fn=_forget_handles, prefetch_factor=4, persistent_workers=False,
        multiprocessing_context=multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn"),
    ))
