"""Tensor-resident datasets and the fast mini-batch iterator.

skorch's default ``DataLoader`` collates every mini-batch sample by sample; at the small batch
sizes of the seed studies (32) that dominates the cost of an epoch. Here the whole training set
lives in a few tensors, is permuted once per epoch with a single gather, and mini-batches are
zero-copy slices of the permuted tensors.
"""

from __future__ import annotations

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


class FastBatchIterator:
    """Iterate over ``(X, y, sample_weight)`` mini-batches of a :class:`TensorBatches`.

    With ``shuffle=True`` the permutation is drawn from torch's global CPU generator, which the
    engine seeds (inside ``torch.random.fork_rng``) from the estimator's ``random_state``; it is
    drawn on the CPU so the batch order does not depend on the device.

    ``min_last_batch``: a final batch smaller than this joins the one before it. BatchNorm in
    training mode cannot normalise a batch of one event; the engine sets 2 for such networks,
    so no event is dropped.
    """

    def __init__(
        self,
        dataset: TensorBatches,
        batch_size: int = 32,
        shuffle: bool = False,
        min_last_batch: int = 1,
    ):
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.min_last_batch = int(min_last_batch)

    def _starts(self, n):
        starts = list(range(0, n, self.batch_size))
        if len(starts) > 1 and n - starts[-1] < self.min_last_batch:
            starts.pop()
        return starts

    def __len__(self):
        return len(self._starts(len(self.dataset)))

    def __iter__(self):
        tensors = self.dataset.tensors()
        n = len(self.dataset)
        if self.shuffle:
            perm = torch.randperm(n).to(tensors[0].device)
            tensors = tuple(None if t is None else t.index_select(0, perm) for t in tensors)
        X, y, w = tensors
        starts = self._starts(n)
        for start, stop in zip(starts, [*starts[1:], n]):
            yield (
                X[start:stop],
                None if y is None else y[start:stop],
                None if w is None else w[start:stop],
            )
