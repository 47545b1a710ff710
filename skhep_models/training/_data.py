"""Tensor-resident datasets and the fast mini-batch iterator.

skorch's default ``DataLoader`` collates every mini-batch sample by sample; at the small batch
sizes of the seed studies (32) that dominates the cost of an epoch. Here the whole training set
lives in a few tensors, is permuted once per epoch with a single gather, and mini-batches are
zero-copy slices of the permuted tensors.

A dataset hands the iterator *blocks* of tensors (``dataset.blocks(shuffle)``): one block for
a :class:`TensorBatches`, one per chunk for a streamed dataset
(:class:`~skhep_models.training.StreamBatches`). The iterator slices every block the same way
and joins the rows left at the end of a block to the start of the next, so that every
mini-batch but the last has ``batch_size`` events however the data are chunked.
"""

from __future__ import annotations

import itertools

import torch
from torch.utils.data import Dataset

__all__ = ["TensorBatches", "FastBatchIterator"]


class TensorBatches(Dataset):
    """Features, targets and per-event weights held as tensors on the training device.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, ...)
    y : torch.Tensor of shape (n_samples, ...) or None
    sample_weight : torch.Tensor of shape (n_samples,) or None
        Rescaled to mean 1 so that the loss is an unbiased mini-batch estimate of the weighted
        mean over the whole set, whatever the absolute normalisation (cross-section, luminosity)
        of the weights.
    normalize_weights : bool, default=True
        False keeps the weights as given: objectives such as a significance need the yields
        in expected events.
    """

    def __init__(self, X, y=None, sample_weight=None, normalize_weights=True):
        self.X = X
        self.y = y
        if sample_weight is not None and normalize_weights:
            sample_weight = sample_weight / sample_weight.mean()
        self.sample_weight = sample_weight

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return tuple(None if t is None else t[i] for t in (self.X, self.y, self.sample_weight))

    def tensors(self):
        return self.X, self.y, self.sample_weight

    def blocks(self, shuffle=False):
        """The whole set as one block of ``(X, y, sample_weight)``, permuted if ``shuffle``."""
        tensors = self.tensors()
        if shuffle:
            perm = torch.randperm(len(self)).to(tensors[0].device)
            tensors = tuple(None if t is None else t.index_select(0, perm) for t in tensors)
        yield tensors


class FastBatchIterator:
    """Iterate over ``(X, y, sample_weight)`` mini-batches of a dataset's tensor blocks.

    The dataset is a :class:`TensorBatches` or a :class:`~skhep_models.training.StreamBatches`
    (anything with ``__len__`` and ``blocks(shuffle)``). With ``shuffle=True`` the permutation
    is drawn from torch's global CPU generator, which the engine seeds (inside
    ``torch.random.fork_rng``) from the estimator's ``random_state``; it is drawn on the CPU so
    the batch order does not depend on the device.

    ``min_last_batch``: a final batch smaller than this joins the one before it. BatchNorm in
    training mode cannot normalise a batch of one event; the engine sets 2 for such networks,
    so no event is dropped.
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 32,
        shuffle: bool = False,
        min_last_batch: int = 1,
    ):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.min_last_batch = int(min_last_batch)

    def __len__(self):
        n, size = len(self.dataset), self.batch_size
        n_batches = -(-n // size)
        if n_batches > 1 and n - (n_batches - 1) * size < self.min_last_batch:
            n_batches -= 1
        return n_batches

    def __iter__(self):
        size = self.batch_size
        held = []  # the latest two batches, held back while a short final one may join them
        carry = None  # rows left at the end of the previous block, fewer than batch_size
        for block in self.dataset.blocks(self.shuffle):
            n = len(block[0])
            first, start = [], 0
            if carry is not None:
                start = min(size - len(carry[0]), n)
                carry = _cat(carry, _rows(block, 0, start))
                if len(carry[0]) < size:
                    continue
                first, carry = [carry], None
            full = start + (n - start) // size * size
            tail = _rows(block, full, n) if full < n else None
            inner = (_rows(block, i, i + size) for i in range(start, full, size))
            for batch in itertools.chain(first, inner):
                held.append(batch)
                if len(held) > 2:
                    yield held.pop(0)
            carry = tail
        if carry is not None:
            held.append(carry)
        if len(held) > 1 and len(held[-1][0]) < self.min_last_batch:
            held[-2:] = [_cat(*held[-2:])]
        yield from held


def _rows(block, start, stop):
    return tuple(None if t is None else t[start:stop] for t in block)


def _cat(a, b):
    return tuple(None if s is None else torch.cat([s, t]) for s, t in zip(a, b))
