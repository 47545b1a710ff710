"""Gradient-free training: the engine's step replaced by a population "shake" of the weights.

A shake draws ``population_size`` antithetic Gaussian perturbations of the flattened weights,
scores every perturbed network on all training events at once (batched matrix products over
cache-sized slices of events; ``torch.func.vmap`` for modules other than plain MLPs),
evaluates the objective for the whole population in a few vectorised tensor operations, and moves to the best of the population and of its rank-weighted recombination
when that beats the current weights. The step size grows after a success and shrinks after a
failure (Battiti & Tecchiolli's affine shaker, a (1 + lambda) evolution strategy with the
success rule). The objectives need no gradient: ROC AUC, the best Asimov significance or AMS
over cuts on the score, TMVA's separation power, or any callable.

Everything else (history, early stopping on the validation objective with best-weight
restore, time budget, progress output, seeding) is the engine's.

A shake's batch is the whole training set in memory, or one streamed chunk
(:class:`~skhep_models.training.StreamBatches`): then every shake sees other events (stochastic
shaking), and the validation objective is computed once over the validation rows of every
chunk, gathered by :class:`ScoreCollector` in bounded memory.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.func import functional_call, vmap
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from ._engine import EngineNet

__all__ = [
    "OBJECTIVES",
    "ScoreCollector",
    "ShakingNet",
    "population_objective",
    "population_scores",
]

OBJECTIVES = ("roc_auc", "significance", "ams", "separation")
# Bound on the (copies x events x widest layer) activations held at once (~64 MB of float32).
_MAX_ACTIVATIONS = 1 << 24
# Activations per slice of events in the plain forward pass (~2 MB of float32: cache-resident).
_CACHE_ACTIVATIONS = 1 << 19
_SEPARATION_BINS = 40  # TMVA's default, as skhep_models.metrics.separation_power
_GROW, _SHRINK, _MIN_STEP = 1.25, 0.85, 1e-6
# Streamed scores: kept event by event up to this many (3 numbers each, ~25 MB), binned beyond.
EXACT_SCORES = 1 << 21
_SCORE_BINS = 1 << 14


def population_scores(module, thetas, X, widest_layer):
    """Network outputs ``(P, n)`` for each row of flattened weights ``thetas`` ``(P, D)``."""
    names, shapes, sizes = [], [], []
    for name, p in module.named_parameters():
        names.append(name)
        shapes.append(p.shape)
        sizes.append(p.numel())
    layers = list(module.children())
    plain = all(isinstance(m, torch.nn.Linear) or type(m) in _ELEMENTWISE for m in layers)
    with torch.no_grad():  # no gradients, and MLP's fused training path is not vmap-able
        pieces = thetas.split(sizes, dim=1)
        if plain:  # Linear + activation only: batched matrix products, ~10x vmap's speed
            params = {n: t.reshape(len(thetas), *s) for n, t, s in zip(names, pieces, shapes)}
            return _batched_plain_forward(module, params, X, widest_layer)
        chunk = max(256, _MAX_ACTIVATIONS // (len(thetas) * max(widest_layer, 1)))

        def one(theta, x):
            p = {n: t.view(s) for n, t, s in zip(names, theta.split(sizes), shapes)}
            return functional_call(module, p, (x,))[:, 0]

        parts = [vmap(one, in_dims=(0, None))(thetas, X[i : i + chunk]) for i in range(0, len(X), chunk)]
    return torch.cat(parts, dim=1)


_ELEMENTWISE = (
    torch.nn.ReLU, torch.nn.Tanh, torch.nn.Sigmoid, torch.nn.ELU, torch.nn.SELU,
    torch.nn.GELU, torch.nn.SiLU, torch.nn.LeakyReLU, torch.nn.Identity,
)  # fmt: skip


def _batched_plain_forward(module, params, X, widest_layer):
    """Outputs ``(P, n)`` of P plain MLPs, in slices of events small enough for the cache.

    Activations are laid out ``(P, width, events)``: the first layer of every copy is one
    GEMM on the shared events, later layers one batched GEMM each, and no layout change is
    needed between them. Slices of ~2 MB of activations stay in the CPU cache through the
    GEMM, the activation and the next layer: 5x faster than whole-array passes, which are
    bound by memory bandwidth (the first layer's K is only the number of features).
    """
    P = next(iter(params.values())).shape[0]
    steps = []  # (weight (P, out, in), bias (P, out, 1)) or an activation module
    for name, layer in module.named_children():
        if isinstance(layer, torch.nn.Linear):
            steps.append((params[f"{name}.weight"], params[f"{name}.bias"][:, :, None]))
        else:
            steps.append(layer)
    (w0, b0), rest = steps[0], steps[1:]
    w0, b0 = w0.reshape(-1, w0.shape[2]), b0.reshape(-1, 1)  # every copy's first layer stacked
    out = X.new_empty((P, len(X)))
    XT = X.T
    chunk = max(64, _CACHE_ACTIVATIONS // (P * max(widest_layer, 1)))
    for i in range(0, len(X), chunk):
        x = XT[:, i : i + chunk]
        h = torch.addmm(b0, w0, x).view(P, -1, x.shape[1])
        for step in rest:
            if isinstance(step, tuple):
                h = torch.baddbmm(step[1], step[0], h)
            elif isinstance(step, torch.nn.Tanh):
                # tanh(x) = 2 sigmoid(2x) - 1: 4x faster than torch's CPU tanh kernel here,
                # equal to ~1e-7 (the objective, not the fitted model, sees these scores)
                h = h.mul_(2).sigmoid_().mul_(2).sub_(1)
            else:
                h = step.forward(h)
        out[:, i : i + chunk] = h[:, 0, :]
    return out


def _sort_rows(scores, descending=False):
    """``torch.sort(scores, dim=1)`` (values, indices); on the CPU by numpy's argsort, whose
    SIMD quicksort is ~5x faster here. Ties may come out in any order (callers group them)."""
    if scores.device.type != "cpu":
        return torch.sort(scores, dim=1, descending=descending)
    keys = scores.numpy()
    order = torch.from_numpy(np.argsort(-keys if descending else keys, axis=1))
    return torch.gather(scores, 1, order), order


def _weighted_auc(scores, y, w):
    """Weighted ROC AUC of every row of ``scores``; ties count one half, as in sklearn.

    One sort of all events per row: a signal event counts the background weight below it.
    Events tied in score (float32 outputs of 1e5 events have a few) were put in arbitrary
    order by the sort; the few tie groups are then corrected so each signal event counts
    exactly half the background weight tied with it.
    """
    s, order = _sort_rows(scores)
    sig = y > 0.5
    ws, wb = (w * sig)[order], (w * ~sig)[order]
    cb = torch.cumsum(wb, 1)  # a signal event's own wb is 0: the background weight before it
    total = (ws * cb).sum(1)
    tied = s[:, 1:] == s[:, :-1]
    if bool(tied.any()):
        total += _tie_correction(tied, ws, wb)
    return total / (w[sig].sum() * w[~sig].sum())


def _tie_correction(tied, ws, wb):
    """Per row: sum over tied signal events of w_s * (half the tied background weight - the
    tied background weight the sort happened to put before it)."""
    in_group = torch.zeros(ws.shape, dtype=torch.bool, device=ws.device)
    in_group[:, 1:] |= tied
    in_group[:, :-1] |= tied
    rows, cols = torch.nonzero(in_group, as_tuple=True)  # row-major: groups are contiguous
    ws_t, wb_t = ws[rows, cols], wb[rows, cols]
    starts = torch.ones_like(rows, dtype=torch.bool)
    starts[1:] = (rows[1:] != rows[:-1]) | ~tied[rows[1:], (cols[1:] - 1).clamp(min=0)]
    gid = torch.cumsum(starts, 0) - 1
    group_b = torch.zeros(int(gid[-1]) + 1, dtype=wb_t.dtype, device=wb_t.device)
    group_b.index_add_(0, gid, wb_t)
    cs = torch.cumsum(wb_t, 0) - wb_t  # background weight before each tied event ...
    before = cs - cs[starts][gid]  # ... within its group
    fix = ws_t * (0.5 * group_b[gid] - before)
    out = torch.zeros(ws.shape[0], dtype=ws.dtype, device=ws.device)
    return out.index_add_(0, rows, fix)


def _cut_yields(scores, y, w):
    """Weighted signal and background passing each cut ``score >= t`` at distinct scores."""
    s_sorted, order = _sort_rows(scores, descending=True)
    ws = (w * (y > 0.5))[order]
    wb = (w * (y <= 0.5))[order]
    s_cum, b_cum = torch.cumsum(ws, 1), torch.cumsum(wb, 1)
    # a cut lies between distinct scores: tied events pass or fail together
    boundary = torch.ones_like(s_sorted, dtype=torch.bool)
    boundary[:, :-1] = s_sorted[:, :-1] != s_sorted[:, 1:]
    return s_cum, b_cum, boundary


def _asimov(s, b):
    ratio = s / b
    z2 = 2 * ((s + b) * torch.log1p(ratio) - s)
    z2 = torch.where(ratio < 1e-2, s * s / b * (1 - 2 * ratio / 3 + ratio**2 / 2), z2)
    return torch.sqrt(torch.clamp(z2, min=0))


def _best_significance(scores, y, w, b_reg):
    s, b, boundary = _cut_yields(scores, y, w)
    if b_reg is None:  # Asimov; a cut with no background is skipped (Z would be infinite)
        z = torch.where(b > 0, _asimov(s, b.clamp(min=1e-30)), torch.zeros_like(s))
    else:  # AMS: the Asimov form with b regularised
        z = _asimov(s, b + b_reg)
    return torch.where(boundary, z, torch.zeros_like(z)).max(1).values


def _separation(scores, y, w):
    lo = scores.min(1, keepdim=True).values
    hi = scores.max(1, keepdim=True).values
    span = torch.where(hi > lo, hi - lo, torch.ones_like(hi))
    idx = ((scores - lo) / span * _SEPARATION_BINS).long().clamp(0, _SEPARATION_BINS - 1)
    sig = (y > 0.5).to(scores.dtype)
    h = torch.zeros(len(scores), 2, _SEPARATION_BINS, dtype=scores.dtype, device=scores.device)
    h[:, 1].scatter_add_(1, idx, (w * sig).expand_as(scores))
    h[:, 0].scatter_add_(1, idx, (w * (1 - sig)).expand_as(scores))
    p = h / h.sum(2, keepdim=True)
    total = p.sum(1)
    diff2 = (p[:, 1] - p[:, 0]) ** 2
    sep = 0.5 * torch.where(total > 0, diff2 / total.clamp(min=1e-30), torch.zeros_like(total)).sum(1)
    return torch.where(hi[:, 0] > lo[:, 0], sep, torch.zeros_like(sep))


def population_objective(objective, scores, y, w, *, b_reg=10.0):
    """The objective (to maximise) of every row of ``scores`` ``(P, n)``, shape ``(P,)``.

    ``objective`` is one of :data:`OBJECTIVES` or a callable
    ``f(y_true, score, sample_weight) -> float`` (numpy arrays; called once per row).
    """
    scores = scores.double()
    w = torch.ones_like(y, dtype=torch.float64) if w is None else w.double()
    if objective == "roc_auc":
        return _weighted_auc(scores, y, w)
    if objective == "significance":
        return _best_significance(scores, y, w, None)
    if objective == "ams":
        return _best_significance(scores, y, w, b_reg)
    if objective == "separation":
        return _separation(scores, y, w)
    y_np, w_np = y.cpu().numpy(), w.cpu().numpy()
    values = [float(objective(y_np, row, w_np)) for row in scores.cpu().numpy()]
    return torch.tensor(values, dtype=torch.float64, device=scores.device)


class ScoreCollector:
    """Scores, classes and weights of events gathered batch by batch, in bounded memory.

    Every event is kept as it is (its score, class and weight) up to ``max_exact`` events
    (``None``: always). Past that, the events are summarised in ``n_bins`` score bins, with
    edges at quantiles of the first ``max_exact`` scores (the outer two bins open-ended):
    per bin the signal weight, the background weight and the weighted mean score, and over
    all events the lowest and highest score. :meth:`sample` then gives one pseudo-event per
    bin and class at the bin's mean score, carrying the bin's weight, so the objectives see the
    events of a bin as tied:

    * ROC AUC: a signal-background pair within one bin counts one half, an error of at most
      ``sum_k s_k b_k / (2 S B)`` (bin weights ``s_k``, ``b_k``, totals ``S``, ``B``), below
      ~1 / (2 n_bins) for bins of equal population;
    * best significance / AMS: the cut is chosen among the bin edges;
    * separation: TMVA's 40 bins between the lowest and the highest score (kept exactly)
      are filled with each bin's weight at its mean score.

    Events tied in score always share a bin, and scores that take fewer distinct values than
    ``n_bins`` among the first events are binned without error. The bins follow the
    distribution of the first events: a stream sorted by score or class crowds the later
    events into fewer bins.
    """

    def __init__(self, max_exact=None, n_bins=_SCORE_BINS):
        self.max_exact = max_exact
        self.n_bins = int(n_bins)
        self._parts = []
        self._n = 0
        self._edges = None

    def add(self, scores, y, w=None):
        """Add a batch: ``scores`` and ``y`` (1 for signal) of n events, ``w`` (n,) or None."""
        part = (scores.reshape(-1), y.reshape(-1), w)
        if self._edges is not None:
            return self._fill(*part)
        self._parts.append(part)
        self._n += len(part[0])
        if self.max_exact is not None and self._n > self.max_exact:
            events = self._stacked()
            self._parts = []
            self._start_bins(events[0])
            self._fill(*events)

    def _stacked(self):
        scores, y, w = zip(*self._parts)
        w = None if w[0] is None else torch.cat(w)
        return torch.cat(scores), torch.cat(y), w

    def _start_bins(self, scores):
        scores = scores.detach().cpu().double().numpy()
        # quantiles that are scores themselves: with fewer distinct scores than bins, each
        # gets its own bin and the binned objectives equal the exact ones
        inner = np.quantile(scores, np.linspace(0, 1, self.n_bins + 1)[1:-1], method="lower")
        self._edges = torch.from_numpy(np.unique(inner))
        self._sums = torch.zeros(3, len(self._edges) + 1, dtype=torch.float64)
        self._range = (math.inf, -math.inf)

    def _fill(self, scores, y, w):
        scores = scores.detach().cpu().double()
        w = torch.ones_like(scores) if w is None else w.detach().cpu().double()
        sig = y.detach().cpu() > 0.5
        k = torch.bucketize(scores, self._edges, right=True)
        for row, values in enumerate((w * ~sig, w * sig, w * scores)):
            self._sums[row].index_add_(0, k, values)
        if len(scores):
            lo, hi = self._range
            self._range = (min(lo, float(scores.min())), max(hi, float(scores.max())))

    def sample(self):
        """``(scores, y, w)``: the events, or the bins' pseudo-events (``w`` None: unweighted)."""
        if self._edges is None:
            return self._stacked()
        background, signal, score_sums = self._sums
        total = background + signal
        kept = total > 0
        mean = score_sums[kept] / total[kept]
        ends = torch.tensor(self._range, dtype=torch.float64)  # weightless: the score range
        scores = torch.cat([mean, mean, ends])
        y = torch.cat([torch.zeros(len(mean)), torch.ones(len(mean)), torch.zeros(2)])
        return scores, y.double(), torch.cat([background[kept], signal[kept], torch.zeros(2)])


def _matrix_spans(module):
    """``(start, stop)`` of each parameter of 2+ dimensions in the flattened weights."""
    spans, start = [], 0
    for p in module.parameters():
        if p.dim() >= 2:
            spans.append((start, start + p.numel()))
        start += p.numel()
    return spans


class ShakingNet(EngineNet):
    """Engine net whose training step is a population shake instead of a gradient step.

    Each training batch gets one shake: in memory the whole training set is one batch
    (``batch_size`` is set to its size) and an epoch is one shake; streamed, an epoch is a
    shake per chunk-sized batch. ``lr`` is the initial step size (standard deviation of the
    perturbations, in weight units). The recorded ``train_loss`` is ``-objective`` after the
    shake (its mean over the epoch's batches); ``valid_loss`` is ``-objective`` of all the
    validation events, scored batch by batch and gathered by :class:`ScoreCollector`
    (exact up to ``max_exact_scores`` events, binned beyond; exact for a callable
    objective), so that the engine's early stopping (which minimises) keeps the weights with
    the best validation objective.
    """

    def __init__(self, module, criterion=torch.nn.Identity, *, objective="roc_auc",
                 population_size=32, b_reg=10.0, widest_layer=1, max_exact_scores=None,
                 alpha=0.0, **kwargs):  # fmt: skip
        super().__init__(module, criterion, **kwargs)
        self.objective = objective
        self.alpha = alpha
        self.population_size = population_size
        self.b_reg = b_reg
        self.widest_layer = widest_layer
        self.max_exact_scores = max_exact_scores

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        # no gradients: the step size lives on the net; the optimizer skorch builds is unused
        self.step_size_ = float(self.lr)
        self.current_objective_ = None
        # One batch an epoch: every shake sees the same events, and the objective of the
        # current weights carries over from one shake to the next. Several (streamed chunks):
        # it is computed again on each batch, whose weights are scaled to the training set's.
        self.n_train_ = len(X)
        self.same_batch_ = len(self.get_iterator(X, training=True)) <= 1
        # The L2 penalty reads the weight matrices only (parameters of 2+ dimensions: not the
        # biases, nor a norm layer's 1-D scale, whatever the names), as scikit-learn's MLP
        # alpha. Kept as (start, stop) ints, not a tensor: a tensor attribute would pickle with
        # its device, and a net trained on a GPU would then not unpickle without one.
        self.penalty_spans_ = _matrix_spans(self.module_)
        if self.alpha and not self.penalty_spans_:
            raise ValueError("alpha penalises the weight matrices, and the module has none.")

    def _objective_of(self, thetas, X, y, w):
        """The objective of each row of ``thetas`` minus ``alpha`` x the mean squared weight.

        The penalty keeps the tanh units out of saturation: without it the shaker fits the
        few heaviest events of a weighted sample (train AUC 0.95 against 0.91 validation on
        the ATLAS sample of benchmarks/shaking.py). Validation objectives are not penalised.
        """
        scores = population_scores(self.module_, thetas, X, self.widest_layer)
        value = population_objective(self.objective, scores, y, w, b_reg=self.b_reg)
        if self.alpha:
            squares = sum(thetas[:, a:b].double().pow(2).sum(1) for a, b in self.penalty_spans_)
            n_weights = sum(b - a for a, b in self.penalty_spans_)
            value = value - self.alpha * squares / n_weights
        return value

    def _batch_weights(self, y, w):
        """The batch's weights scaled by (training events / batch events), so that its yields
        stand for the training set's (the significances depend on them; 1 in memory)."""
        scale = self.n_train_ / len(y)
        if scale != 1.0:
            w = torch.full_like(y, scale) if w is None else w * scale
        sig = y > 0.5
        for name, rows in (("signal", sig), ("background", ~sig)):
            if not (rows.any() if w is None else w[rows].sum() > 0):
                raise ValueError(
                    f"A shake's batch of {len(y)} training events has no {name} weight: the "
                    "objective compares signal and background. Streamed, each chunk is a batch "
                    "and must mix both: write the events shuffled, or read larger chunks."
                )
        return w

    def train_step(self, batch, **fit_params):
        X, y, w = batch
        y = y.reshape(-1)
        w = self._batch_weights(y, w)
        with torch.no_grad():
            theta = parameters_to_vector(self.module_.parameters())
            if self.current_objective_ is None or not self.same_batch_:
                self.current_objective_ = float(self._objective_of(theta[None], X, y, w)[0])
            half = max(1, self.population_size // 2)
            eps = torch.randn(half, theta.numel(), dtype=theta.dtype, device=theta.device)
            eps = torch.cat([eps, -eps])  # antithetic pairs
            candidates = theta + self.step_size_ * eps
            values = self._objective_of(candidates, X, y, w)
            # recombination: the perturbations weighted by their rank (an ES gradient step)
            ranks = torch.argsort(torch.argsort(values)).to(theta.dtype)
            weights = ranks / (len(ranks) - 1) - 0.5
            direction = (weights[:, None] * eps).sum(0) / weights.abs().sum().clamp(min=1e-12)
            combined = theta + self.step_size_ * math.sqrt(half) * direction
            combined_value = float(self._objective_of(combined[None], X, y, w)[0])
            best = int(torch.argmax(values))
            best_theta, best_value = candidates[best], float(values[best])
            if combined_value > best_value:
                best_theta, best_value = combined, combined_value
            if best_value >= self.current_objective_:
                # equal counts as a move: cut-based objectives are flat between events, and
                # drifting across a plateau is how the search finds its edge
                vector_to_parameters(best_theta, self.module_.parameters())
                if best_value > self.current_objective_:
                    self.step_size_ *= _GROW
                self.current_objective_ = best_value
            else:
                self.step_size_ = max(self.step_size_ * _SHRINK, _MIN_STEP)
        loss = torch.tensor(-self.current_objective_, dtype=torch.float64)
        return {"loss": loss, "y_pred": None}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        if not training and iterator is not None:
            # the objective is no mean over batches: the validation step gets the scores of
            # every validation batch (streamed chunk) as one batch
            iterator = [self._validation_scores(iterator)]
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def _validation_scores(self, iterator):
        """``(scores, y, w)`` of the validation events, as :class:`ScoreCollector` keeps them."""
        # a callable objective takes every event's score: no binning for it
        collector = ScoreCollector(None if callable(self.objective) else self.max_exact_scores)
        with torch.no_grad():
            theta = parameters_to_vector(self.module_.parameters())
            for X, y, w in iterator:
                scores = population_scores(self.module_, theta[None], X, self.widest_layer)
                collector.add(scores, y, w)
        return collector.sample()

    def validation_step(self, batch, **fit_params):
        scores, y, w = batch
        value = population_objective(self.objective, scores[None], y, w, b_reg=self.b_reg)[0]
        return {"loss": -value, "y_pred": None}

    def on_epoch_end(self, net, **kwargs):
        row = self.history[-1]
        for prefix in ("train", "valid"):
            if f"{prefix}_loss" in row:
                self.history.record(f"{prefix}_objective", -row[f"{prefix}_loss"])
        self.history.record("step_size", self.step_size_)

