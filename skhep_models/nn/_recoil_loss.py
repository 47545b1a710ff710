"""Squared error with a response constraint, for vector (recoil) regression."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["RecoilResponseLoss"]


class RecoilResponseLoss(nn.Module):
    """Mean squared error plus a penalty on the batch's recoil response in bins of true pT.

    A squared-error fit predicts the conditional mean, whose response ``<u_par> / <pT_true>``
    falls below 1 wherever the training spectrum is steep or sparse. As CMS's DeepMET does,
    this loss adds ``response_weight * sum_b (R_b - 1)^2``, where ``R_b`` is the response of
    the batch's events in true-pT bin ``b`` (bins with fewer than ``min_events`` events are
    skipped), so the network is trained to be unbiased bin by bin.

    Predictions and targets are 2-component vectors in the network's (standardised) units;
    ``y_mean`` and ``y_scale`` map them back to GeV, where the bins are defined.

    Parameters
    ----------
    response_weight : float, default=1.0
        Weight of the response penalty relative to the mean squared error (of the
        standardised components).
    bins : sequence of float, default=(20, 30, 40, 60, 80, 120, 200, inf)
        Edges of the true-pT bins (GeV).
    y_mean, y_scale : sequence of float, default=(0, 0) and (1, 1)
        The target standardisation: GeV = network units * y_scale + y_mean.
    min_events : int, default=20
        Bins with fewer events in the batch do not enter the penalty (their response is too
        noisy to steer by).
    reduction : {"none", "mean"}, default="none"
        Accepted for the training engine's interface; the loss is always one number per
        batch (the response couples the events). ``sample_weight`` weighs the mean squared
        error as the engine weighs other losses and the response as
        :func:`~skhep_models.metrics.recoil_response` does (ratio of weighted sums; events of
        weight 0 do not count towards ``min_events``).

    Examples
    --------
    >>> import torch
    >>> from skhep_models.nn import RecoilResponseLoss
    >>> truth = torch.tensor([[30.0, 0.0]] * 20 + [[0.0, 50.0]] * 20)
    >>> loss = RecoilResponseLoss(min_events=10)
    >>> float(loss(truth, truth))  # perfect predictions: no error, response 1
    0.0
    >>> round(float(loss(0.9 * truth, truth)), 2)  # 10% low: MSE 8.5 plus 2 bins * 0.1^2
    8.52
    """

    batch_loss = True  # the engine passes the batch's sample weights and takes one number

    def __init__(
        self,
        response_weight: float = 1.0,
        bins: Sequence[float] = (20, 30, 40, 60, 80, 120, 200, float("inf")),
        y_mean: Sequence[float] = (0.0, 0.0),
        y_scale: Sequence[float] = (1.0, 1.0),
        min_events: int = 20,
        reduction: str = "none",
    ):
        super().__init__()
        if response_weight < 0:
            raise ValueError(f"response_weight must be >= 0, got {response_weight!r}.")
        edges = torch.as_tensor(list(bins), dtype=torch.float32)
        if edges.ndim != 1 or len(edges) < 2 or not bool((edges[1:] > edges[:-1]).all()):
            raise ValueError(f"bins must be at least two increasing edges, got {list(bins)!r}.")
        if len(y_mean) != 2 or len(y_scale) != 2:
            raise ValueError("RecoilResponseLoss works on 2-component (x, y) targets.")
        self.response_weight = float(response_weight)
        self.min_events = int(min_events)
        self.reduction = reduction
        self.register_buffer("edges", edges, persistent=False)
        self.register_buffer("y_mean", torch.as_tensor(list(y_mean), dtype=torch.float32), persistent=False)
        self.register_buffer("y_scale", torch.as_tensor(list(y_scale), dtype=torch.float32), persistent=False)

    def forward(self, y_pred, y_true, sample_weight=None):
        dtype = torch.promote_types(y_pred.dtype, y_true.dtype)
        y_pred, y_true = y_pred.to(dtype), y_true.to(dtype)
        se = (y_pred - y_true).square().mean(dim=1)
        loss = se.mean() if sample_weight is None else (se * sample_weight).mean()
        if self.response_weight == 0:
            return loss
        true = y_true * self.y_scale + self.y_mean
        pred = y_pred * self.y_scale + self.y_mean
        pt = true.norm(dim=1)
        u_par = (pred * true).sum(dim=1) / pt.clamp(min=1e-6)
        # bin of each event, -1 below
        b = torch.bucketize(pt, self.edges.to(pt.dtype), right=True) - 1
        inside = (b >= 0) & (b < len(self.edges) - 1)
        b = torch.where(inside, b, len(self.edges) - 1)  # outside: an overflow slot, dropped
        n_slots = len(self.edges)
        # the response is the weighted one (as metrics.recoil_response): an event of weight 0
        # does not count, not even towards min_events
        w = torch.ones_like(pt) if sample_weight is None else sample_weight.to(pt.dtype)
        zeros = lambda: torch.zeros(n_slots, device=pt.device, dtype=pt.dtype)  # noqa: E731
        count = zeros().index_add_(0, b, (w > 0).to(pt.dtype))
        sum_par = zeros().index_add_(0, b, w * u_par)
        sum_pt = zeros().index_add_(0, b, w * pt)
        used = count[:-1] >= self.min_events
        if bool(used.any()):
            response = sum_par[:-1][used] / sum_pt[:-1][used]
            loss = loss + self.response_weight * (response - 1.0).square().sum()
        return loss
